"""Counter endpoints: the member's pay code and verified phone; the POS's redemptions."""

from flask import g

from auth.tokens import member_required, staff_required
from core.api import Blueprint
from core.idempotency import idempotent
from core.ratelimit import throttled
from loyalty import members
from loyalty.pos import pos_signed
from till import paycodes, phones, redemptions
from till.schemas import (
    CounterQuoteInSchema,
    CounterQuoteSchema,
    PayCodeSchema,
    PhoneInSchema,
    PhoneSchema,
    QuoteInSchema,
    QuoteSchema,
    RedemptionInSchema,
    RedemptionSchema,
    VoidSchema,
)

me_blp = Blueprint("me_till", __name__, url_prefix="/api/v1/me",
                   description="The member at the counter: pay codes and a verified phone.")
pos_blp = Blueprint("pos_till", __name__, url_prefix="/api/v1/pos",
                    description="Points at the till (积分抵现): quote, redeem by pay code, void.")


@me_blp.post("/pay-codes")
@member_required
@throttled("engagement")
@idempotent
@me_blp.response(201, PayCodeSchema)
def post_pay_code():
    """A new single-use pay code (付款码) that voids the previous one."""
    members.ensure_active(g.member)
    return paycodes.answer(paycodes.issue(merchant_id=g.merchant_id, member_id=g.member.id))


@me_blp.post("/phone")
@member_required
@throttled("engagement")
@me_blp.arguments(PhoneInSchema)
@me_blp.response(200, PhoneSchema)
def post_phone(args):
    """Verify the member's phone through WeChat; walk-in points held for it are credited."""
    return phones.verify(g.member, args["code"])


@pos_blp.post("/redemptions/quote")
@pos_signed
@pos_blp.arguments(QuoteInSchema)
@pos_blp.response(200, QuoteSchema)
@pos_blp.alt_response(429, response="TOO_MANY_REQUESTS")
def post_quote(args):
    """How many points the bill may take (changes nothing).

    A used, expired, voided or unknown pay code is 401 PAY_CODE_INVALID; too many of
    those from one POS key is 429 RATE_LIMITED.
    """
    return redemptions.quote(g.merchant, **args)


@pos_blp.post("/redemptions")
@pos_signed
@idempotent
@pos_blp.arguments(RedemptionInSchema)
@pos_blp.response(201, RedemptionSchema)
@pos_blp.alt_response(409, response="CONFLICT")
@pos_blp.alt_response(429, response="TOO_MANY_REQUESTS")
def post_redemption(args):
    """Spend points on a bill by pay code; the same redemption_no answers the same.

    401 PAY_CODE_INVALID (used, expired, voided, unknown or another merchant's code); 409
    INSUFFICIENT_POINTS, which wins over 409 LIMIT_EXCEEDED (share, minimum, excluded
    category, till off); 422 when points are not a multiple of the step. A refused
    redemption leaves the pay code usable.
    """
    return redemptions.redeem(g.merchant, **args)


@pos_blp.post("/redemptions/<string:redemption_no>/void")
@pos_signed
@idempotent
@pos_blp.response(200, VoidSchema)
@pos_blp.alt_response(409, response="CONFLICT")
def post_void(redemption_no):
    """Give a redemption's points back (same local day, before an order took it).

    409 CONFLICT when an order took it (refund the order instead) or the day has passed.
    """
    return redemptions.void(g.merchant, redemption_no)


admin_blp = Blueprint("admin_counter", __name__, url_prefix="/api/v1/admin/counter",
                      description="Merchant console: the counter page (clerks redeem by pay code).")
CLERKS = ("owner", "manager", "clerk")


@admin_blp.post("/quote")
@staff_required(*CLERKS)
@admin_blp.arguments(CounterQuoteInSchema)
@admin_blp.response(200, CounterQuoteSchema)
def post_counter_quote(args):
    """The member behind a pay code and what the bill may take (changes nothing)."""
    return redemptions.staff_quote(g.merchant_id, **args)


@admin_blp.post("/redemptions")
@staff_required(*CLERKS)
@idempotent
@admin_blp.arguments(RedemptionInSchema)
@admin_blp.response(201, RedemptionSchema)
@admin_blp.alt_response(409, response="CONFLICT")
def post_counter_redemption(args):
    """Redeem points on a bill by pay code, as the POS does (audited)."""
    return redemptions.staff_redeem(g.merchant_id, **args)


@admin_blp.post("/redemptions/<string:redemption_no>/void")
@staff_required(*CLERKS)
@idempotent
@admin_blp.response(200, VoidSchema)
@admin_blp.alt_response(409, response="CONFLICT")
def post_counter_void(redemption_no):
    """Void a redemption the same day, before an order took it (audited)."""
    return redemptions.staff_void(g.merchant_id, redemption_no)
