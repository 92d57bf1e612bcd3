"""Counter endpoints: the member's pay code and verified phone; the POS's redemptions."""

from flask import g
from flask_smorest import Blueprint

from auth.tokens import member_required
from core.idempotency import idempotent
from core.ratelimit import throttled
from loyalty import members
from till import paycodes
from till.schemas import PayCodeSchema

me_blp = Blueprint("me_till", __name__, url_prefix="/api/v1/me",
                   description="The member at the counter: pay codes and a verified phone.")


@me_blp.post("/pay-codes")
@member_required
@throttled("engagement")
@idempotent
@me_blp.response(201, PayCodeSchema)
def post_pay_code():
    """A new single-use pay code (付款码) that voids the previous one."""
    members.ensure_active(g.member)
    return paycodes.answer(paycodes.issue(merchant_id=g.merchant_id, member_id=g.member.id))
