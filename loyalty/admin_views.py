"""Merchant console endpoints for members, the ledger, support, rules, campaigns, audit."""

from flask import g, jsonify

from auth import service as accounts
from auth.tokens import staff_required
from core import audit
from core.api import Blueprint
from core.extensions import db
from core.idempotency import idempotent
from core.models import AuditLog
from core.pagination import ListArgs, page_schema, paginate
from loyalty import campaigns, members, rulebook, statements, support
from loyalty.models import Adjustment, Campaign, LedgerEntry, Member, RulesVersion
from loyalty.rules import RulesSchema
from loyalty.schemas import (
    AdjustmentInSchema,
    AdjustmentListArgs,
    AdjustmentSchema,
    AuditArgs,
    AuditSchema,
    CampaignSchema,
    MemberSearchArgs,
    MemberStaffSchema,
    ReverseInSchema,
    RulesVersionSchema,
    StaffEntrySchema,
    StaffListSchema,
)

blp = Blueprint("admin_loyalty", __name__, url_prefix="/api/v1/admin",
                description="Merchant console: members, ledger, support, rules, campaigns.")
MANAGERS = ("owner", "manager")
SUPPORT = ("owner", "manager", "support")


@blp.get("/members")
@staff_required()
@blp.arguments(MemberSearchArgs, location="query")
@blp.response(200, page_schema(MemberStaffSchema, "MemberPage"))
def list_members(args):
    """Search members by card number, phone or nickname (phones masked)."""
    return paginate(db.session, members.search(g.merchant_id, args["q"]), Member.id,
                    limit=args["limit"], cursor=args["cursor"])


@blp.get("/members/<int:member_id>")
@staff_required()
@blp.response(200, MemberStaffSchema)
def get_member(member_id):
    """One member of this merchant."""
    return members.get(g.merchant_id, member_id)


@blp.get("/members/<int:member_id>/transactions")
@staff_required()
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(StaffEntrySchema, "StaffEntryPage"))
def member_transactions(args, member_id):
    """A member's ledger, newest first."""
    member = members.get(g.merchant_id, member_id)
    page = paginate(db.session, statements.transactions(member), LedgerEntry.id, **args)
    statements.mark_reversed(page["items"])
    return page


@blp.post("/members/<int:member_id>/adjustments")
@staff_required(*SUPPORT)
@idempotent
@blp.arguments(AdjustmentInSchema)
@blp.response(201, AdjustmentSchema)
def post_adjustment(args, member_id):
    """Adjust a balance; above the approval threshold it waits for a manager."""
    return support.request_adjustment(g.staff, member_id, **args)


@blp.get("/adjustments")
@staff_required(*SUPPORT)
@blp.arguments(AdjustmentListArgs, location="query")
@blp.response(200, page_schema(AdjustmentSchema, "AdjustmentPage"))
def list_adjustments(args):
    """Adjustments, newest first; `?status=pending_approval` is the approval queue."""
    query = support.adjustments(g.merchant_id, args.pop("status"))
    page = paginate(db.session, query, Adjustment.id, **args)
    cards = members.cards(g.merchant_id, [a.member_id for a in page["items"]])
    for adjustment in page["items"]:
        adjustment.member = cards.get(adjustment.member_id)
    return page


@blp.post("/adjustments/<int:adjustment_id>/approve")
@staff_required(*MANAGERS)
@idempotent
@blp.response(200, AdjustmentSchema)
def approve_adjustment(adjustment_id):
    """Approve and apply a pending adjustment (not by its requester)."""
    return support.decide(g.staff, adjustment_id, approve=True)


@blp.post("/adjustments/<int:adjustment_id>/reject")
@staff_required(*MANAGERS)
@idempotent
@blp.response(200, AdjustmentSchema)
def reject_adjustment(adjustment_id):
    """Reject a pending adjustment (not by its requester); nothing changes."""
    return support.decide(g.staff, adjustment_id, approve=False)


@blp.post("/transactions/<int:entry_id>/reverse")
@staff_required(*SUPPORT)
@idempotent
@blp.arguments(ReverseInSchema)
@blp.response(201, StaffEntrySchema)
@blp.alt_response(202, schema=AdjustmentSchema,
                  description="Above the approval threshold: waits for a manager.")
def reverse_entry(args, entry_id):
    """Reverse one earn or adjustment entry, once; above the threshold a manager approves."""
    done = support.reverse(g.staff, entry_id, reason=args["reason"])
    if isinstance(done, Adjustment):
        return jsonify(AdjustmentSchema().dump(done)), 202
    return done


@blp.post("/members/<int:member_id>/freeze")
@staff_required(*MANAGERS)
@blp.response(200, MemberStaffSchema)
def freeze_member(member_id):
    """Freeze a member: no earning, no redeeming."""
    return support.set_status(g.staff, member_id, "frozen")


@blp.post("/members/<int:member_id>/unfreeze")
@staff_required(*MANAGERS)
@blp.response(200, MemberStaffSchema)
def unfreeze_member(member_id):
    """Unfreeze a member."""
    return support.set_status(g.staff, member_id, "active")


@blp.post("/members/<int:member_id>/anonymise")
@staff_required("owner")
@blp.response(200, MemberStaffSchema)
def anonymise_member(member_id):
    """PIPL deletion: the ledger stays, the person's data goes."""
    return support.anonymise(g.staff, member_id)


@blp.get("/rules")
@staff_required()
@blp.response(200)
def get_rules():
    """The merchant's current rules and their version."""
    return rulebook.current(g.merchant_id)


@blp.put("/rules")
@staff_required("owner")
@blp.arguments(RulesSchema, description="The whole rules document (as GET returns it)")
@blp.response(200)
def put_rules(document):
    """Replace the rules (validated; a new version is stored, old ones are kept)."""
    return rulebook.replace(g.staff, document)


@blp.get("/rules/versions")
@staff_required()
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(RulesVersionSchema, "RulesVersionPage"))
def list_rule_versions(args):
    """Earlier versions of the rules, newest first."""
    return paginate(db.session, rulebook.versions(g.merchant_id), RulesVersion.id, **args)


@blp.get("/campaigns")
@staff_required(*MANAGERS)
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(CampaignSchema, "CampaignPage"))
def list_campaigns(args):
    """Campaigns that were not deleted, newest first."""
    return paginate(db.session, campaigns.list_for(g.merchant_id), Campaign.id, **args)


@blp.post("/campaigns")
@staff_required(*MANAGERS)
@blp.arguments(CampaignSchema)
@blp.response(201, CampaignSchema)
def create_campaign(args):
    """Create a multiplier campaign."""
    return campaigns.create(g.merchant_id, args)


@blp.patch("/campaigns/<int:campaign_id>")
@staff_required(*MANAGERS)
@blp.arguments(CampaignSchema(partial=True))
@blp.response(200, CampaignSchema)
def patch_campaign(args, campaign_id):
    """Change a campaign."""
    return campaigns.update(g.merchant_id, campaign_id, args)


@blp.delete("/campaigns/<int:campaign_id>")
@staff_required(*MANAGERS)
@blp.response(204)
def delete_campaign(campaign_id):
    """Retire a campaign (kept for history)."""
    campaigns.delete(g.merchant_id, campaign_id)


@blp.get("/staff")
@staff_required()
@blp.response(200, StaffListSchema)
def list_staff():
    """The merchant's staff by name and role (for showing who did what)."""
    return {"items": accounts.staff_of(g.merchant_id)}


@blp.get("/audit")
@staff_required(*MANAGERS)
@blp.arguments(AuditArgs, location="query")
@blp.response(200, page_schema(AuditSchema, "AuditPage"))
def list_audit(args):
    """Who did what, with before/after; filter by action, target or actor."""
    limit, cursor = args.pop("limit"), args.pop("cursor")
    return paginate(db.session, audit.query(g.merchant_id, **args), AuditLog.id,
                    limit=limit, cursor=cursor)
