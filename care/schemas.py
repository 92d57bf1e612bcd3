"""Request and response schemas of the care endpoints."""

import marshmallow as ma
from marshmallow import validate

from care.followups import OUTCOMES, STATUSES
from core.pagination import ListArgs
from loyalty.schemas import PosMemberSchema

PACKAGE_STATUSES = ["active", "used_up", "expired", "refunded", "void"]
Id = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                       validate=validate.Range(1, 2**53))
Code = ma.fields.String(required=True, validate=validate.Length(12, 64),
                        metadata={"description": "the package code, or the scanned QR payload"})


class PackageUseSchema(ma.Schema):
    use_no = ma.fields.String()
    used_at = ma.fields.DateTime()
    staff_id = ma.fields.Integer()
    technician_id = ma.fields.Integer(allow_none=True)
    store_id = ma.fields.Integer(allow_none=True)
    sessions_left = ma.fields.Integer(metadata={"description": "left after this use"})


class PackageSchema(ma.Schema):
    code = ma.fields.String()
    qr_payload = ma.fields.String()
    qr_image_url = ma.fields.Function(lambda p: f"/api/v1/me/packages/{p['code']}/qr.png")
    title = ma.fields.String()
    member_id = ma.fields.Integer()
    category = ma.fields.String(allow_none=True)
    sessions_total = ma.fields.Integer()
    sessions_left = ma.fields.Integer()
    expires_at = ma.fields.DateTime()
    status = ma.fields.String(metadata={"enum": PACKAGE_STATUSES})
    price_fen = ma.fields.Integer()
    points = ma.fields.Integer()
    refunded_fen = ma.fields.Integer()
    refunded_points = ma.fields.Integer()
    sale_no = ma.fields.String(allow_none=True)
    order_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()
    points_earned = ma.fields.Integer(metadata={"description": "counter sales: points earned"})
    uses = ma.fields.List(ma.fields.Nested(PackageUseSchema))


class PackageListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PackageSchema))


class PackageSaleInSchema(ma.Schema):
    """Exactly one of `pay_code` and `member` names the buyer."""

    sale_no = ma.fields.String(required=True, validate=validate.Length(1, 48))
    pay_code = ma.fields.String(validate=validate.Regexp(r"^\d{18}$"))
    member = ma.fields.Nested(PosMemberSchema)
    package_code = ma.fields.String(required=True, validate=validate.Regexp(r"^\d{1,15}$"),
                                    metadata={"description": "the id of a package item"})
    amount_fen = ma.fields.Integer(required=True, strict=True,
                                   validate=validate.Range(0, 10**11))

    @ma.validates_schema
    def _one_buyer(self, data, **_kwargs):
        if ("pay_code" in data) == ("member" in data):
            raise ma.ValidationError("Give exactly one of pay_code and member.", "member")


class PackageUseInSchema(ma.Schema):
    code = Code
    use_no = ma.fields.String(required=True, validate=validate.Length(1, 64))
    technician_id = Id
    store_id = Id


class PackageUseOutSchema(PackageUseSchema):
    code = ma.fields.String()
    title = ma.fields.String()
    member_id = ma.fields.Integer()
    sessions_total = ma.fields.Integer()


class PackageExtendInSchema(ma.Schema):
    expires_at = ma.fields.AwareDateTime(required=True)


class StaffPackageSchema(PackageSchema):
    """A package as the clerk sees it before confirming a write-off."""

    member_nickname = ma.fields.String(allow_none=True)
    member_card_no = ma.fields.String(allow_none=True)


class AdvisorInSchema(ma.Schema):
    staff_id = ma.fields.Integer(required=True, allow_none=True, strict=True,
                                 validate=validate.Range(1, 2**53))


class AdvisorSchema(ma.Schema):
    member_id = ma.fields.Integer()
    staff_id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String(allow_none=True, metadata={"description": "display name"})


class FollowUpListArgs(ListArgs):
    status = ma.fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    assignee = ma.fields.String(load_default=None, validate=validate.Regexp(r"^(me|\d{1,15})$"),
                                metadata={"description": "me, or a staff id"})


class FollowUpSchema(ma.Schema):
    id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    assignee_id = ma.fields.Integer(allow_none=True)
    order_no = ma.fields.String()
    days = ma.fields.Integer()
    due_on = ma.fields.Date(metadata={"description": "the merchant's local date"})
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    outcome = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    completed_at = ma.fields.DateTime(allow_none=True)


class FollowUpCountsSchema(ma.Schema):
    due = ma.fields.Integer()
    overdue = ma.fields.Integer()


class FollowUpCompleteSchema(ma.Schema):
    outcome = ma.fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = ma.fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=500))
    credit_task_code = ma.fields.String(load_default=None, allow_none=True,
                                        validate=validate.Regexp(r"^[a-z0-9_]{1,32}$"))


class AdvisorFiguresSchema(ma.Schema):
    staff_id = ma.fields.Integer()
    name = ma.fields.String(allow_none=True)
    members = ma.fields.Integer()
    pos_sales_fen = ma.fields.Integer(metadata={"description": "POS sales of their members"})
    packages_sold = ma.fields.Integer()
    sessions_used = ma.fields.Integer()
    follow_ups_due = ma.fields.Integer()
    follow_ups_done_on_time = ma.fields.Integer()
    follow_ups_done_late = ma.fields.Integer()
    follow_ups_overdue = ma.fields.Integer()


class AdvisorReportSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AdvisorFiguresSchema))


class AdvisorMembersArgs(ListArgs):
    advisor_id = ma.fields.Integer(required=True, validate=validate.Range(1, 2**53))
