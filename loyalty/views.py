"""Member-facing loyalty endpoints: /api/v1/me…"""

from flask import Response, current_app, g

from auth.tokens import member_required, member_token_required
from core.api import Blueprint
from core.extensions import db
from core.pagination import ListArgs, page_schema, paginate
from loyalty import notifications, statements
from loyalty.models import LedgerEntry
from loyalty.schemas import (
    CardSchema,
    EntrySchema,
    MemberSelfSchema,
    PointsSchema,
    ProfilePatchSchema,
    SubscriptionInSchema,
    SubscriptionSchema,
)

me_blp = Blueprint("me", __name__, url_prefix="/api/v1/me",
                   description="The logged-in member: profile, card, points, data export.")
EntryPage = page_schema(EntrySchema, "EntryPage")


@me_blp.get("")
@member_required
@me_blp.response(200, MemberSelfSchema)
def get_me():
    """The member's own profile."""
    return g.member


@me_blp.patch("")
@member_required
@me_blp.arguments(ProfilePatchSchema)
@me_blp.response(200, MemberSelfSchema)
def patch_me(changes):
    """Update nickname, avatar, gender, birthday or phone."""
    for field, value in changes.items():
        setattr(g.member, field, value)
    db.session.commit()
    return g.member


@me_blp.get("/card")
@member_required
@me_blp.response(200, CardSchema)
def get_card():
    """Card number, tier, growth value, next tier and the QR payload."""
    return statements.card(g.member)


@me_blp.get("/card/qr.png")
@member_required
@me_blp.response(200, description="PNG image of the card's QR code",
                 content_type="image/png")
def get_card_qr():
    """The card's QR code as a PNG image."""
    return Response(statements.qr_png(statements.qr_payload(g.member)), mimetype="image/png")


@me_blp.get("/points")
@member_token_required  # the one statement also checks the member: no ORM load
@me_blp.response(200, PointsSchema)  # documents the answer; a ready Response passes through
def get_points():
    """Balance, lifetime totals and what expires when."""
    return current_app.json.response(
        statements.as_json(statements.points_of(g.merchant_id, g.member_id)))


@me_blp.get("/points/transactions")
@member_required
@me_blp.arguments(ListArgs, location="query")
@me_blp.response(200, EntryPage)
def get_transactions(args):
    """The member's ledger, newest first (cursor pagination)."""
    return paginate(db.session, statements.transactions(g.member), LedgerEntry.id, **args)


@me_blp.get("/export")
@member_required
@me_blp.response(200)
def export_me():
    """Everything held about the member, as JSON (PIPL)."""
    return statements.export(g.member)


@me_blp.post("/subscriptions")
@member_required
@me_blp.arguments(SubscriptionInSchema)
@me_blp.response(201, SubscriptionSchema)
def post_subscription(args):
    """Report a one-time subscribe-message grant from the mini-program."""
    return notifications.grant(g.member, args["template_id"])
