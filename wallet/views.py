"""Wallet endpoints: POS (signed), the member's wallet, and the merchant console."""

from flask import g

from analytics.reports import to_csv
from analytics.schemas import PeriodArgs
from auth.tokens import member_required, staff_required
from core import merchants
from core.api import Blueprint, document_errors
from core.extensions import db
from core.idempotency import idempotent
from core.pagination import ListArgs, page_schema, paginate
from loyalty import members
from loyalty.pos import pos_signed
from wallet import ledger, payers, payments, plans, refunds, reports, statements, topups
from wallet.models import Topup, TopupRefund, WalletEntry
from wallet.schemas import (
    MemberTopupInSchema,
    MyWalletSchema,
    PlanListSchema,
    PosPaymentInSchema,
    PosPaymentOutSchema,
    PosTopupInSchema,
    PosTopupOutSchema,
    PosWalletRefundInSchema,
    PosWalletRefundOutSchema,
    RefundListArgs,
    StaffRefundInSchema,
    StaffWalletSchema,
    TopupRefundSchema,
    TopupSchema,
    WalletEntrySchema,
    WalletReportSchema,
)

pos_blp = Blueprint("pos_wallet", __name__, url_prefix="/api/v1/pos/wallet",
                    description="Store systems top up, charge and refund stored value (signed).")
me_blp = Blueprint("me_wallet", __name__, url_prefix="/api/v1/me/wallet",
                   description="The member's stored value: balance, statement, top-ups.")
admin_blp = Blueprint("admin_wallet", __name__, url_prefix="/api/v1/admin",
                      description="Merchant console: stored value plans, wallets, refunds.")
MANAGERS = ("owner", "manager")
COUNTER = ("owner", "manager", "clerk")


def answers(*statuses: int):
    """Publish the domain errors an operation can answer (404 unknown, 409 its state)."""
    return lambda view: document_errors(view, *statuses)


@pos_blp.post("/topups")
@answers(404, 409)
@pos_signed
@idempotent
@pos_blp.arguments(PosTopupInSchema)
@pos_blp.response(201, PosTopupOutSchema)
def post_topup(args):
    """Top up at the counter; the same topup_no credits once and returns the first answer."""
    payer = payers.of(g.merchant_id, pay_code=args.pop("pay_code", None),
                      member=args.pop("member", None))
    return topups.counter_answer(topups.at_counter(g.merchant, payer=payer, **args))


@pos_blp.post("/payments")
@answers(409)
@pos_signed
@idempotent
@pos_blp.arguments(PosPaymentInSchema)
@pos_blp.response(201, PosPaymentOutSchema)
def post_payment(args):
    """Pay from the wallet by pay code; short → 409 INSUFFICIENT_FUNDS, the code stays usable."""
    payer = payers.of(g.merchant_id, pay_code=args.pop("pay_code"))
    return payments.pay(g.merchant, payer=payer, **args)


@pos_blp.post("/refunds")
@answers(404, 409)
@pos_signed
@idempotent
@pos_blp.arguments(PosWalletRefundInSchema)
@pos_blp.response(201, PosWalletRefundOutSchema)
def post_refund(args):
    """Give back part of a payment in proportion, once per refund_no."""
    return payments.refund(g.merchant, **args)


@me_blp.get("")
@member_required
@me_blp.response(200, MyWalletSchema)
def get_wallet():
    """Principal and gift balances, and the top-up plans on offer."""
    return statements.mine(g.member)


@me_blp.get("/transactions")
@member_required
@me_blp.arguments(ListArgs, location="query")
@me_blp.response(200, page_schema(WalletEntrySchema, "WalletEntryPage"))
def get_transactions(args):
    """Every movement of the wallet, newest first."""
    query = ledger.entries(g.merchant_id, g.member.id)
    return paginate(db.session, query, WalletEntry.id, **args)


@me_blp.get("/topups")
@member_required
@me_blp.arguments(ListArgs, location="query")
@me_blp.response(200, page_schema(TopupSchema, "TopupPage"))
def get_topups(args):
    """The member's top-ups, newest first."""
    return paginate(db.session, topups.of_member(g.merchant_id, g.member.id), Topup.id, **args)


@me_blp.post("/topups")
@member_required
@idempotent
@me_blp.arguments(MemberTopupInSchema)
@me_blp.response(201, TopupSchema)
def post_topup_order(args):
    """Order a top-up (a plan or an amount), to be paid through the payment provider."""
    return topups.create_for_member(g.member.id, g.merchant_id, **args)


@me_blp.post("/topups/<int:topup_id>/pay")
@answers(404, 409)
@member_required
@idempotent
@me_blp.response(200, TopupSchema)
def pay_topup(topup_id):
    """Pay a pending top-up before its deadline; the wallet is credited."""
    return topups.pay(g.member.id, g.merchant_id, topup_id)


@me_blp.post("/topups/<int:topup_id>/refund")
@answers(404, 409)
@member_required
@idempotent
@me_blp.response(201, TopupRefundSchema)
def refund_topup(topup_id):
    """Ask for a top-up's money back (7 days unused: all of it; later: unused principal)."""
    return refunds.request(g.merchant_id, topup_id, member_id=g.member.id)


@admin_blp.post("/wallet/topups")
@answers(404, 409)
@staff_required(*COUNTER)
@idempotent
@admin_blp.arguments(PosTopupInSchema)
@admin_blp.response(201, PosTopupOutSchema)
def staff_topup(args):
    """Top up at the counter from the console (as the POS call, with the clerk audited)."""
    payer = payers.of(g.merchant_id, pay_code=args.pop("pay_code", None),
                      member=args.pop("member", None))
    merchant = merchants.get(g.merchant_id)
    return topups.counter_answer(topups.at_counter(merchant, payer=payer, staff=g.staff,
                                                   **args))


@admin_blp.post("/wallet/payments")
@answers(409)
@staff_required(*COUNTER)
@idempotent
@admin_blp.arguments(PosPaymentInSchema)
@admin_blp.response(201, PosPaymentOutSchema)
def staff_payment(args):
    """Charge the wallet by pay code from the console (the clerk is audited)."""
    payer = payers.of(g.merchant_id, pay_code=args.pop("pay_code"))
    return payments.pay(merchants.get(g.merchant_id), payer=payer, staff=g.staff, **args)


@admin_blp.get("/wallet/plans")
@staff_required()
@admin_blp.response(200, PlanListSchema)
def get_plans():
    """The top-up plans (pay X, get a gift of Y fen and Z points) and their rules version."""
    return plans.current(g.merchant_id)


@admin_blp.put("/wallet/plans")
@staff_required("owner")
@admin_blp.arguments(PlanListSchema)
@admin_blp.response(200, PlanListSchema)
def put_plans(args):
    """Replace the whole list of plans; stored as a new rules version."""
    return plans.replace(g.staff, args["plans"])


@admin_blp.get("/members/<int:member_id>/wallet")
@answers(404)
@staff_required()
@admin_blp.response(200, StaffWalletSchema)
def member_wallet(member_id):
    """A member's wallet: balances, latest entries and top-ups."""
    return statements.for_staff(members.get(g.merchant_id, member_id))


@admin_blp.post("/wallet/topups/<int:topup_id>/refund")
@answers(404, 409)
@staff_required(*COUNTER)
@idempotent
@admin_blp.arguments(StaffRefundInSchema)
@admin_blp.response(201, TopupRefundSchema)
def staff_refund_topup(args, topup_id):
    """Refund a top-up for a member (paid out in cash or through the provider)."""
    return refunds.request(g.merchant_id, topup_id, staff=g.staff, method=args["method"])


@admin_blp.get("/wallet/refunds")
@staff_required(*MANAGERS)
@admin_blp.arguments(RefundListArgs, location="query")
@admin_blp.response(200, page_schema(TopupRefundSchema, "TopupRefundPage"))
def list_refunds(args):
    """Top-up refunds, newest first; `?status=pending_approval` is the approval queue."""
    query = refunds.of_merchant(g.merchant_id, args.pop("status"))
    return paginate(db.session, query, TopupRefund.id, **args)


@admin_blp.post("/wallet/refunds/<int:refund_id>/approve")
@answers(404, 409)
@staff_required(*MANAGERS)
@idempotent
@admin_blp.response(200, TopupRefundSchema)
def approve_refund(refund_id):
    """Approve and pay out a pending refund (not by its requester)."""
    return refunds.decide(g.staff, refund_id, approve=True)


@admin_blp.post("/wallet/refunds/<int:refund_id>/reject")
@answers(404, 409)
@staff_required(*MANAGERS)
@idempotent
@admin_blp.response(200, TopupRefundSchema)
def reject_refund(refund_id):
    """Reject a pending refund (not by its requester); the top-up stays in the wallet."""
    return refunds.decide(g.staff, refund_id, approve=False)


def _report(args):
    return reports.report(merchants.get(g.merchant_id), args["from_"], args["to"])


@admin_blp.get("/analytics/wallet")
@staff_required(*MANAGERS)
@admin_blp.arguments(PeriodArgs, location="query")
@admin_blp.response(200, WalletReportSchema)
def wallet_report(args):
    """Prepaid liability (principal, gift; per store), top-ups and spend in the period."""
    return _report(args)


@admin_blp.get("/analytics/wallet.csv")
@staff_required(*MANAGERS)
@admin_blp.arguments(PeriodArgs, location="query")
@admin_blp.response(200, content_type="text/csv")
def wallet_report_csv(args):
    """The wallet report as CSV (metric, value)."""
    return to_csv(reports.csv_rows(_report(args)), "wallet.csv")
