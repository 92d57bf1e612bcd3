"""Care endpoints: packages (counter sale, write-off, refund, extension, the member's own),
advisors and follow-ups."""

from flask import Response, g

from analytics.reports import columns_of, to_csv
from auth.tokens import member_required, staff_required
from care import advisors, analytics, followups, packages
from care.models import FollowUp
from care.schemas import (
    AdvisorFiguresSchema,
    AdvisorInSchema,
    AdvisorMembersArgs,
    AdvisorReportSchema,
    AdvisorSchema,
    FollowUpCompleteSchema,
    FollowUpCountsSchema,
    FollowUpListArgs,
    FollowUpSchema,
    PackageExtendInSchema,
    PackageListSchema,
    PackageSaleInSchema,
    PackageSchema,
    PackageUseInSchema,
    PackageUseOutSchema,
    StaffPackageSchema,
)
from core.api import Blueprint
from core.extensions import db
from core.idempotency import idempotent
from core.pagination import page_schema, paginate
from loyalty.pos import pos_signed
from loyalty.schemas import MemberStaffSchema, StaffListSchema

pos_blp = Blueprint("pos_care", __name__, url_prefix="/api/v1/pos",
                    description="Store systems sell treatment packages (HMAC-signed).")
me_blp = Blueprint("me_care", __name__, url_prefix="/api/v1/me",
                   description="The member's treatment packages and advisor.")
admin_blp = Blueprint("admin_care", __name__, url_prefix="/api/v1/admin",
                      description="Merchant console: package write-off, advisors, follow-ups.")
MANAGERS = ("owner", "manager")
CLERKS = ("owner", "manager", "clerk")


def _page(query, column, args: dict) -> dict:
    return paginate(db.session, query, column, limit=args.pop("limit"),
                    cursor=args.pop("cursor"))


@pos_blp.post("/packages")
@pos_signed
@idempotent
@pos_blp.arguments(PackageSaleInSchema)
@pos_blp.response(201, PackageSchema)
@pos_blp.alt_response(404, response="NOT_FOUND")
def sell_package(args):
    """Sell a package at the counter, once per sale_no; the cash earns points as a purchase."""
    return packages.sell(g.merchant, **args)


@me_blp.get("/packages")
@member_required
@me_blp.response(200, PackageListSchema)
def list_my_packages():
    """The member's packages with sessions left and usage history, newest first."""
    return {"items": packages.of_member(g.member)}


@me_blp.get("/packages/<code>/qr.png")
@member_required
@me_blp.response(200, description="PNG image of the package's QR code",
                 content_type="image/png")
@me_blp.alt_response(404, response="NOT_FOUND")
def get_package_qr(code):
    """One of the member's packages as a QR code PNG, for the clerk to scan."""
    return Response(packages.qr_image(g.member, code), mimetype="image/png")


@me_blp.get("/advisor")
@member_required
@me_blp.response(200, AdvisorSchema)
def get_my_advisor():
    """The member's advisor (display name for the member card), or nulls."""
    return advisors.advisor_of(g.merchant_id, g.member.id)


@admin_blp.get("/packages/<code>")
@staff_required(*CLERKS)
@admin_blp.response(200, StaffPackageSchema)
@admin_blp.alt_response(404, response="NOT_FOUND")
def get_package(code):
    """A scanned package with its member and sessions left, before confirming a write-off."""
    return packages.preview(g.merchant_id, code)


@admin_blp.post("/packages/uses")
@staff_required(*CLERKS)
@idempotent
@admin_blp.arguments(PackageUseInSchema)
@admin_blp.response(201, PackageUseOutSchema)
@admin_blp.alt_response(404, response="NOT_FOUND")
@admin_blp.alt_response(409, response="CONFLICT")
def use_package(args):
    """Write off one session; the same use_no answers as the first time; none left → 409."""
    return packages.use(g.staff, **args)


@admin_blp.post("/packages/<code>/refund")
@staff_required(*MANAGERS)
@idempotent
@admin_blp.response(200, PackageSchema)
@admin_blp.alt_response(404, response="NOT_FOUND")
def refund_package(code):
    """Refund the unused sessions pro rata (used sessions stay paid); once."""
    return packages.refund(g.staff, code)


@admin_blp.post("/packages/<code>/extend")
@staff_required(*MANAGERS)
@idempotent
@admin_blp.arguments(PackageExtendInSchema)
@admin_blp.response(200, PackageSchema)
@admin_blp.alt_response(404, response="NOT_FOUND")
@admin_blp.alt_response(409, response="CONFLICT")
def extend_package(args, code):
    """Move a package's expiry later (also of an expired one), audited."""
    return packages.extend(g.staff, code, args["expires_at"])


@admin_blp.get("/members/<int:member_id>/advisor")
@staff_required()
@admin_blp.response(200, AdvisorSchema)
@admin_blp.alt_response(404, response="NOT_FOUND")
def get_advisor(member_id):
    """A member's advisor."""
    return advisors.advisor_of_member(g.merchant_id, member_id)


@admin_blp.put("/members/<int:member_id>/advisor")
@staff_required(*MANAGERS)
@admin_blp.arguments(AdvisorInSchema)
@admin_blp.response(200, AdvisorSchema)
@admin_blp.alt_response(404, response="NOT_FOUND")
def put_advisor(args, member_id):
    """Assign a member's advisor, or clear it with null; audited."""
    return advisors.assign(g.staff, member_id, args["staff_id"])


@admin_blp.get("/advisors")
@staff_required()
@admin_blp.response(200, StaffListSchema)
def list_advisors():
    """The active staff who may advise members (names for the console)."""
    return {"items": advisors.candidates(g.merchant_id)}


@admin_blp.get("/advisors/members")
@staff_required()
@admin_blp.arguments(AdvisorMembersArgs, location="query")
@admin_blp.response(200, page_schema(MemberStaffSchema, "AdvisorMemberPage"))
def list_advisor_members(args):
    """The members an advisor looks after, newest first."""
    query, column = advisors.members_of(g.merchant_id, args.pop("advisor_id"))
    return _page(query, column, args)


@admin_blp.get("/follow-ups")
@staff_required()
@admin_blp.arguments(FollowUpListArgs, location="query")
@admin_blp.response(200, page_schema(FollowUpSchema, "FollowUpPage"))
def list_follow_ups(args):
    """Follow-ups, newest first; `status` and `assignee` (me or a staff id) filter."""
    assignee = args.pop("assignee")
    assignee_id = g.staff.id if assignee == "me" else (int(assignee) if assignee else None)
    query = followups.of_merchant(g.merchant_id, status=args.pop("status"),
                                  assignee_id=assignee_id)
    return _page(query, FollowUp.id, args)


@admin_blp.get("/follow-ups/counts")
@staff_required()
@admin_blp.response(200, FollowUpCountsSchema)
def count_my_follow_ups():
    """How many of my follow-ups are due and overdue."""
    return followups.counts(g.merchant_id, g.staff.id)


@admin_blp.post("/follow-ups/<int:follow_up_id>/complete")
@staff_required()
@idempotent
@admin_blp.arguments(FollowUpCompleteSchema)
@admin_blp.response(200, FollowUpSchema)
@admin_blp.alt_response(404, response="NOT_FOUND")
@admin_blp.alt_response(409, response="CONFLICT")
def complete_follow_up(args, follow_up_id):
    """Record a follow-up's outcome; a task code credits that activity within its limit."""
    return followups.complete(g.staff, follow_up_id, **args)


@admin_blp.get("/analytics/advisors")
@staff_required(*MANAGERS)
@admin_blp.response(200, AdvisorReportSchema)
def get_advisor_report():
    """Per advisor: members, attributed POS sales, packages and sessions, follow-ups."""
    return {"items": analytics.advisors(g.merchant_id)}


@admin_blp.get("/analytics/advisors.csv")
@staff_required(*MANAGERS)
@admin_blp.response(200, content_type="text/csv")
def get_advisor_report_csv():
    """The per-advisor figures as CSV."""
    return to_csv(analytics.advisors(g.merchant_id), "advisors.csv",
                  columns_of(AdvisorFiguresSchema))
