"""Merchant console endpoints: tags, segments, messages, import, webhooks."""

from functools import wraps

from flask import current_app, g, request

from analytics.reports import to_csv
from auth.tokens import staff_required
from core.api import Blueprint, document_errors
from core.errors import PayloadTooLarge
from core.extensions import db
from core.models import Merchant
from core.pagination import ListArgs, page_schema, paginate
from crm import imports, messages, reports, segments, tags, webhooks
from crm.models import WebhookDelivery
from crm.schemas import (
    CountSchema,
    DeliverySchema,
    FilterSchema,
    ImportArgs,
    ImportFileSchema,
    ImportReportSchema,
    MemberProfileSchema,
    MemberReportSchema,
    MessageInSchema,
    MessageReportSchema,
    ReportArgs,
    SegmentInSchema,
    SegmentListSchema,
    SegmentMemberSchema,
    SegmentSchema,
    StoreReportSchema,
    TagLibrarySchema,
    TagsSchema,
    WebhookCreatedSchema,
    WebhookInSchema,
    WebhookListSchema,
)
from loyalty.members import mask_phone
from loyalty.models import Member

blp = Blueprint("admin_crm", __name__, url_prefix="/api/v1/admin",
                description="Merchant console: tags, RFM, segments, messages, import, webhooks.")
MANAGERS = ("owner", "manager")
IMPORT_MAX_BYTES = 20 * 1024 * 1024


def limit_body(view):
    """Refuse an upload above IMPORT_MAX_BYTES with 413 before reading it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        limit = current_app.config.get("IMPORT_MAX_BYTES", IMPORT_MAX_BYTES)
        if (request.content_length or 0) > limit:
            raise PayloadTooLarge(f"The file is larger than {limit // (1024 * 1024)} MB.",
                                  details={"max_bytes": limit})
        request.max_content_length = limit
        return view(*args, **kwargs)

    return document_errors(wrapper, 413)


@blp.get("/members/<int:member_id>/tags")
@staff_required()
@blp.response(200, MemberProfileSchema)
def get_member_tags(member_id):
    """A member's tags and RFM segment (for the member page)."""
    return tags.profile(g.merchant_id, member_id)


@blp.put("/members/<int:member_id>/tags")
@staff_required()
@blp.arguments(TagsSchema)
@blp.response(200, TagsSchema)
def put_member_tags(args, member_id):
    """Set a member's tags (the whole list)."""
    return tags.replace(g.merchant_id, member_id, args["tags"])


@blp.get("/tags")
@staff_required()
@blp.response(200, TagLibrarySchema)
def list_tags():
    """Tags in use with their member counts."""
    return tags.library(g.merchant_id)


@blp.get("/segments")
@staff_required(*MANAGERS)
@blp.response(200, SegmentListSchema)
def list_segments():
    """Saved segments with their live counts."""
    return segments.listing(g.merchant_id)


@blp.post("/segments")
@staff_required(*MANAGERS)
@blp.arguments(SegmentInSchema)
@blp.response(201, SegmentSchema)
def create_segment(args):
    """Save a segment; answers its live count."""
    return segments.create(g.merchant_id, g.staff.id, args)


@blp.post("/segments/count")
@staff_required(*MANAGERS)
@blp.arguments(FilterSchema)
@blp.response(200, CountSchema)
def count_segment(args):
    """The live count of a filter before saving it (the segment builder)."""
    return {"count": segments.count(g.merchant_id, args)}


@blp.get("/segments/<int:segment_id>")
@staff_required(*MANAGERS)
@blp.response(200, SegmentSchema)
def get_segment(segment_id):
    """One segment with its live count."""
    return segments.view(segments.get(g.merchant_id, segment_id))


@blp.get("/segments/<int:segment_id>/members")
@staff_required(*MANAGERS)
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(SegmentMemberSchema, "SegmentMemberPage"))
def segment_members(args, segment_id):
    """The segment's members now, newest first (phones masked)."""
    return paginate(db.session, segments.members(g.merchant_id, segment_id), Member.id, **args)


@blp.get("/segments/<int:segment_id>/members.csv")
@staff_required(*MANAGERS)
@blp.response(200, content_type="text/csv")
def segment_members_csv(segment_id):
    """The segment's members as CSV (Chinese headers, phones masked)."""
    rows = db.session.scalars(segments.members(g.merchant_id, segment_id)
                              .order_by(Member.id)).all()
    return to_csv([{"会员ID": m.id, "卡号": m.card_no, "昵称": m.nickname,
                    "手机": mask_phone(m.phone), "等级": m.tier_code,
                    "积分余额": m.account.balance if m.account else 0} for m in rows],
                  f"segment-{segment_id}.csv")


@blp.post("/segments/<int:segment_id>/messages")
@staff_required(*MANAGERS)
@blp.arguments(MessageInSchema)
@blp.response(200, MessageReportSchema)
def send_segment_message(args, segment_id):
    """Queue a subscribe message to the segment's members who hold a grant."""
    return messages.send(g.merchant_id, segment_id, args)


@blp.post("/imports/members")
@staff_required("owner")
@limit_body
@blp.arguments(ImportArgs, location="query")
@blp.arguments(ImportFileSchema, location="files")
@blp.response(200, ImportReportSchema)
def import_members(args, files):
    """Import members from a legacy CSV; `dry_run=true` (default) only checks it."""
    merchant = db.session.get(Merchant, g.merchant_id)
    return imports.run(merchant, files["file"].read(), dry_run=args["dry_run"])


@blp.get("/webhooks")
@staff_required("owner")
@blp.response(200, WebhookListSchema)
def list_webhooks():
    """Registered webhook endpoints (secrets are never shown again)."""
    return webhooks.listing(g.merchant_id)


@blp.post("/webhooks")
@staff_required("owner")
@blp.arguments(WebhookInSchema)
@blp.response(201, WebhookCreatedSchema)
def create_webhook(args):
    """Register an endpoint for events; the answer holds its signing secret."""
    return webhooks.create(g.merchant_id, args["url"], args["events"])


@blp.delete("/webhooks/<int:webhook_id>")
@staff_required("owner")
@blp.response(204)
def delete_webhook(webhook_id):
    """Stop deliveries to an endpoint."""
    webhooks.delete(g.merchant_id, webhook_id)


@blp.get("/webhooks/<int:webhook_id>/deliveries")
@staff_required("owner")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(DeliverySchema, "WebhookDeliveryPage"))
def webhook_deliveries(args, webhook_id):
    """The endpoint's delivery attempts, newest first, with status codes."""
    query = webhooks.deliveries(g.merchant_id, webhook_id)
    return paginate(db.session, query, WebhookDelivery.id, **args)


def _member_report(args):
    merchant = db.session.get(Merchant, g.merchant_id)
    return reports.members(merchant, args["from_"], args["to"], args["bucket"])


def _store_report(args):
    return reports.stores(db.session.get(Merchant, g.merchant_id), args["from_"], args["to"])


@blp.get("/analytics/members")
@staff_required(*MANAGERS)
@blp.arguments(ReportArgs, location="query")
@blp.response(200, MemberReportSchema)
def member_report(args):
    """New members, gender and age, average ticket and its change, points usage, referrals."""
    return _member_report(args)


@blp.get("/analytics/members.csv")
@staff_required(*MANAGERS)
@blp.arguments(ReportArgs, location="query")
@blp.response(200, content_type="text/csv")
def member_report_csv(args):
    """The member report as CSV (Chinese headers, yuan and fen)."""
    return to_csv(reports.members_csv_rows(_member_report(args)), "members.csv")


@blp.get("/analytics/stores")
@staff_required(*MANAGERS)
@blp.arguments(ReportArgs, location="query")
@blp.response(200, StoreReportSchema)
def store_report(args):
    """Orders, members, takings and average ticket per store."""
    return _store_report(args)


@blp.get("/analytics/stores.csv")
@staff_required(*MANAGERS)
@blp.arguments(ReportArgs, location="query")
@blp.response(200, content_type="text/csv")
def store_report_csv(args):
    """The store report as CSV (Chinese headers, yuan and fen)."""
    return to_csv(reports.stores_csv_rows(_store_report(args)), "stores.csv")
