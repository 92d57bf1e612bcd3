"""A model-based test: random sequences of earn, redeem, refund, adjust, reverse and expiry
(with a moving clock), and the counter's redemptions, voids, partial returns and pending
points with their release, against a tiny in-test model of lots; after every step the
ledger invariants hold and the balance equals the model's."""

import uuid
from datetime import UTC, datetime

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from auth.service import create_staff
from core import merchants
from core.clock import add_months, local_date
from core.errors import Conflict, InsufficientPoints
from core.extensions import db
from loyalty import expiry, ledger, members, support, verify
from loyalty.models import LedgerEntry
from loyalty.rules import default_rules
from till import paycodes, pending, redemptions

AMOUNTS = st.integers(min_value=1, max_value=500)


class LedgerMachine(RuleBasedStateMachine):
    app = None
    clock = None

    def __init__(self):
        super().__init__()
        self.clock.set(datetime(2026, 1, 1, tzinfo=UTC))
        rules = {**default_rules(), "signup_bonus": 0, "approval_threshold": 10**9}
        rules["earning"] = {**rules["earning"], "pending_days": 7}
        self.merchant, _ = merchants.create_merchant(
            name="model", appid=f"wx-model-{uuid.uuid4().hex}", wechat_secret="s", rules=rules)
        self.staff = create_staff(merchant_id=self.merchant.id, username="m", password="x",
                                  role="owner")
        self.member, _ = members.login(self.merchant, f"model-{id(self)}")
        self.lots: list[dict] = []          # the model: remaining, expires_at, expired
        self.entries: dict[int, list] = {}  # debit entry id → [(lot index, amount)]
        self.credits: dict[int, int] = {}   # credit entry id → lot index
        self.reversed: set[int] = set()
        self.till: dict[str, dict] = {}     # redemption_no → {taken, returned, tied, at}
        self.pending: list[tuple] = []      # (available_at, points) not yet released

    # the model --------------------------------------------------------------------------
    def _model_credit(self, entry: LedgerEntry) -> None:
        self.lots.append({"remaining": entry.amount, "expired": False,
                          "expires_at": add_months(self.clock(), 12)})
        self.credits[entry.id] = len(self.lots) - 1

    def _model_debit(self, amount: int, first: int | None = None) -> list:
        order = sorted((i for i, lot in enumerate(self.lots) if not lot["expired"]),
                       key=lambda i: (i != first, self.lots[i]["expires_at"], i))
        taken = []
        for i in order:
            part = min(self.lots[i]["remaining"], amount)
            if part:
                self.lots[i]["remaining"] -= part
                taken.append((i, part))
                amount -= part
        return taken

    def _live(self) -> int:
        return sum(lot["remaining"] for lot in self.lots if not lot["expired"])

    # the rules --------------------------------------------------------------------------
    @rule(amount=AMOUNTS)
    def earn(self, amount):
        entry = ledger.post(merchant_id=self.merchant.id, member_id=self.member.id,
                            amount=amount, type="earn", reason="purchase")
        db.session.commit()
        self._model_credit(entry)

    @rule(amount=AMOUNTS)
    def redeem(self, amount):
        expect_refusal = amount > self._live()
        try:
            entry = ledger.post(merchant_id=self.merchant.id, member_id=self.member.id,
                                amount=-amount, type="redeem", reason="mall_order")
        except InsufficientPoints:
            db.session.rollback()
            assert expect_refusal
            return
        db.session.commit()
        assert not expect_refusal
        self.entries[entry.id] = self._model_debit(amount)

    @rule(data=st.data())
    def refund(self, data):
        if not self.entries:
            return
        entry_id = data.draw(st.sampled_from(sorted(self.entries)))
        original = db.session.get(LedgerEntry, entry_id)
        ledger.post(merchant_id=self.merchant.id, member_id=self.member.id, amount=0,
                    type="refund", reason="mall_refund", restore=original)
        db.session.commit()
        for i, part in self.entries.pop(entry_id):
            lot = self.lots[i]
            if not lot["expired"] and lot["expires_at"] > self.clock():
                lot["remaining"] += part

    @rule(delta=st.integers(min_value=-300, max_value=300).filter(bool))
    def adjust(self, delta):
        expect_refusal = -delta > self._live()
        try:
            adjustment = support.request_adjustment(self.staff, self.member.id, delta=delta,
                                                    reason_code="correction", note=None)
        except InsufficientPoints:
            db.session.rollback()
            assert expect_refusal
            return
        entry = db.session.get(LedgerEntry, adjustment.entry_id)
        if delta > 0:
            self._model_credit(entry)
        else:
            self.entries[entry.id] = self._model_debit(-delta)

    @rule(data=st.data())
    def reverse_a_credit(self, data):
        candidates = sorted(set(self.credits) - self.reversed)
        if not candidates:
            return
        entry_id = data.draw(st.sampled_from(candidates))
        original = db.session.get(LedgerEntry, entry_id)
        if original.amount > self._live():
            return  # would leave debt; POS refunds cover that path
        support.reverse(self.staff, entry_id, reason="model")
        self.reversed.add(entry_id)
        self._model_debit(original.amount, first=self.credits[entry_id])

    @rule(days=st.integers(min_value=1, max_value=200))
    def time_passes_and_expiry_runs(self, days):
        self.clock.advance(days=days)
        expiry.expire_due()
        for lot in self.lots:
            if lot["expires_at"] <= self.clock() and lot["remaining"]:
                lot["remaining"], lot["expired"] = 0, True

    # the counter ------------------------------------------------------------------------
    @rule(steps=st.integers(min_value=1, max_value=5))
    def till_redeem(self, steps):
        points, number = steps * 100, f"r-{uuid.uuid4().hex}"
        expect_refusal = points > self._live()
        code = paycodes.issue(merchant_id=self.merchant.id, member_id=self.member.id).code
        try:
            redemptions.redeem(self.merchant, redemption_no=number, pay_code=code,
                               amount_fen=points * 10, points=points)
        except InsufficientPoints:
            db.session.rollback()
            assert expect_refusal
            return
        assert not expect_refusal
        self.till[number] = {"taken": self._model_debit(points), "returned": 0,
                             "tied": False, "at": self.clock()}

    @rule(data=st.data())
    def till_void(self, data):
        open_ones = sorted(n for n, r in self.till.items() if not r["tied"])
        if not open_ones:
            return
        number = data.draw(st.sampled_from(open_ones))
        same_day = local_date(self.till[number]["at"], self.merchant.timezone) == \
            local_date(self.clock(), self.merchant.timezone)
        try:
            redemptions.void(self.merchant, number)
        except Conflict:
            db.session.rollback()
            assert not same_day
            return
        assert same_day
        self._model_give_back(self.till.pop(number)["taken"], 0, None)

    @rule(data=st.data())
    def till_partial_return(self, data):
        """A refund of the order the redemption paid gives back a slice of its points."""
        if not self.till:
            return
        number = data.draw(st.sampled_from(sorted(self.till)))
        spent = self.till[number]
        used = sum(part for _, part in spent["taken"])
        if spent["returned"] == used:
            return
        count = data.draw(st.integers(min_value=1, max_value=used - spent["returned"]))
        ledger.give_back_part(
            merchant_id=self.merchant.id, member_id=self.member.id,
            original=ledger.find_by_key(self.merchant.id, f"till:{number}"),
            start=spent["returned"], count=count, type="refund", reason="till_refund",
            ref=ledger.Ref("pos_refund", number), idempotency_key=f"m-{uuid.uuid4().hex}")
        db.session.commit()
        self._model_give_back(spent["taken"], spent["returned"], count)
        spent["returned"] += count
        spent["tied"] = True

    def _model_give_back(self, taken: list, start: int, count: int | None) -> None:
        end = None if count is None else start + count
        offset = 0
        for i, part in taken:
            low, high = max(offset, start), part + offset if end is None else \
                min(offset + part, end)
            offset += part
            lot = self.lots[i]
            if high > low and not lot["expired"] and lot["expires_at"] > self.clock():
                lot["remaining"] += high - low

    @rule(amount=AMOUNTS)
    def purchase_points_wait_pending(self, amount):
        pending.hold(self.merchant, member_id=self.member.id,
                     order_no=f"o-{uuid.uuid4().hex}", points=amount)
        db.session.commit()
        self.pending.append((pending.days(self.merchant), self.clock(), amount))

    @rule(days=st.integers(min_value=1, max_value=10))
    def pending_points_are_released(self, days):
        self.clock.advance(days=days)
        expiry.expire_due()
        for lot in self.lots:
            if lot["expires_at"] <= self.clock() and lot["remaining"]:
                lot["remaining"], lot["expired"] = 0, True
        pending.release_due()
        due = [p for p in self.pending if p[1].timestamp() + p[0] * 86400 <=
               self.clock().timestamp()]
        for _days, _at, amount in due:
            self.lots.append({"remaining": amount, "expired": False,
                              "expires_at": add_months(self.clock(), 12)})
        self.pending = [p for p in self.pending if p not in due]

    # what must always hold --------------------------------------------------------------
    @invariant()
    def balance_matches_the_model_and_the_ledger_is_sound(self):
        db.session.expire_all()
        assert db.session.get(type(self.member.account), self.member.account.id).balance == \
            self._live()
        assert verify.failures() == []


def test_random_histories_keep_the_ledger_exact(app, clock):
    LedgerMachine.app, LedgerMachine.clock = app, clock
    with app.app_context():
        run_state_machine_as_test(LedgerMachine, settings=settings(
            max_examples=25, stateful_step_count=25, deadline=None,
            suppress_health_check=list(HealthCheck)))
