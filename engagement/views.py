"""Engagement endpoints: check-in, shares, referrals (members); activities, leaderboard (staff)."""

from flask import g

from auth.tokens import member_required, staff_required
from core.api import Blueprint
from core.idempotency import idempotent
from core.pagination import ListArgs, page_schema
from core.ratelimit import throttled
from engagement import activities, checkin, referrals, sharing
from engagement.schemas import (
    ActivityInSchema,
    ActivityResultSchema,
    CalendarArgs,
    CalendarSchema,
    CheckinResultSchema,
    LeaderboardEntrySchema,
    ReferralSummarySchema,
    ShareInSchema,
    ShareLinkSchema,
    VisitSchema,
)

blp = Blueprint("engagement", __name__, url_prefix="/api/v1",
                description="Member engagement: daily check-in, shares and referrals.")
admin_blp = Blueprint("admin_engagement", __name__, url_prefix="/api/v1/admin",
                      description="Merchant console: activity tasks and the referral leaderboard.")


@blp.post("/me/checkins")
@member_required
@throttled("engagement")
@idempotent
@blp.response(201, CheckinResultSchema)
def post_checkin():
    """Check in for today; a second time on the same local day is 409 ALREADY_CHECKED_IN."""
    return checkin.check_in(g.member)


@blp.get("/me/checkins")
@member_required
@throttled("engagement")
@blp.arguments(CalendarArgs, location="query")
@blp.response(200, CalendarSchema)
def get_checkins(args):
    """The month's check-in calendar (?month=YYYY-MM, default this month) and the streak."""
    return checkin.calendar_of(g.member, args["month"])


@blp.post("/me/shares")
@member_required
@throttled("engagement")
@idempotent
@blp.arguments(ShareInSchema)
@blp.response(201, ShareLinkSchema)
def post_share(args):
    """Share an item or page: an unguessable token and the page path that opens it."""
    return sharing.create(g.member, **args)


@blp.post("/shares/<string:token>/visits")
@member_required
@throttled("engagement")
@idempotent
@blp.response(200, VisitSchema)
def post_visit(token):
    """The logged-in member opened a share; its sharer earns within the daily cap."""
    return sharing.visit(g.member, token)


@blp.get("/me/referral")
@member_required
@throttled("engagement")
@blp.response(200, ReferralSummarySchema)
def get_referral():
    """The member's referral code and how their invitations went."""
    return referrals.summary(g.member)


@admin_blp.post("/members/<int:member_id>/activities")
@staff_required()
@throttled("engagement")
@idempotent
@admin_blp.arguments(ActivityInSchema)
@admin_blp.response(201, ActivityResultSchema)
def post_activity(args, member_id):
    """Credit an activity task to a member; over the task's limit is 409 LIMIT_EXCEEDED."""
    return activities.credit(merchant_id=g.merchant_id, member_id=member_id,
                             task_code=args["task_code"], operator_id=g.staff.id)


@admin_blp.get("/analytics/referrals")
@staff_required("owner", "manager")
@throttled("engagement")
@admin_blp.arguments(ListArgs, location="query")
@admin_blp.response(200, page_schema(LeaderboardEntrySchema, "LeaderboardPage"))
def get_referral_leaderboard(args):
    """The referral leaderboard: referrers by qualified referrals, with conversion."""
    return referrals.leaderboard(g.merchant_id, **args)
