"""A Hypothesis state machine over top-ups, payments, refunds and a moving clock, through
HTTP: the wallet always equals a model kept with the pure arithmetic, and the checks hold."""

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from core.clock import now
from tests.helpers import pos_post
from tests.wallet.purse import REFUNDS, counter_topup, pay, set_wallet_rules, wallet
from wallet import verify
from wallet.split import Parts, refund_split, split_payment, topup_refund_parts

AMOUNTS = st.integers(1, 150_000)


class Wallet(RuleBasedStateMachine):
    """One merchant and member per run; `ctx` holds the test's fixtures."""

    ctx: dict = {}

    def __init__(self):
        super().__init__()
        self.app, self.api, self.client, self.clock = (
            self.ctx[name] for name in ("app", "api", "client", "clock"))
        self.clock.set(now().replace(microsecond=0))
        self.merchant = self.api.merchant()
        set_wallet_rules(self.app, self.merchant, refund_approval_fen=10**10)
        self.member = self.api.member(self.merchant)
        self.model = Parts(0, 0)
        self.topups, self.payments, self.events = [], [], 0

    def _take(self, principal, gift):
        self.model = Parts(self.model.principal_fen + principal, self.model.gift_fen + gift)

    @rule(amount=AMOUNTS, with_plan=st.booleans())
    def top_up(self, amount, with_plan):
        body = {"plan_code": "t1000"} if with_plan else {}
        amount = 100_000 if with_plan else amount
        answer = counter_topup(self.client, self.merchant, self.member, amount, **body).json
        self.events += 1
        self.topups.append({"id": answer["topup_id"], "parts": Parts(
            answer["principal_fen"], answer["gift_fen"]), "at": self.clock(), "event": self.events,
            "open": True})
        self._take(answer["principal_fen"], answer["gift_fen"])

    @rule(amount=AMOUNTS)
    def pay(self, amount):
        response = pay(self.client, self.merchant, self.member, amount)
        if amount > self.model.total:
            assert response.status_code == 409, response.json
            return
        expected = split_payment(amount, *self.model_parts(), "proportional")
        assert (response.json["principal_fen"], response.json["gift_fen"]) == (
            expected.principal_fen, expected.gift_fen)
        self.events += 1
        self.payments.append({"no": response.json["payment_no"], "parts": expected,
                              "refunded": 0, "back": Parts(0, 0), "event": self.events})
        self._take(-expected.principal_fen, -expected.gift_fen)

    def model_parts(self):
        return self.model.principal_fen, self.model.gift_fen

    @rule(data=st.data())
    def refund_payment(self, data):
        open_ones = [p for p in self.payments if p["refunded"] < p["parts"].total]
        if not open_ones:
            return
        payment = data.draw(st.sampled_from(open_ones))
        amount = data.draw(st.integers(1, payment["parts"].total - payment["refunded"]))
        response = pos_post(self.client, self.merchant, REFUNDS, {
            "payment_no": payment["no"], "refund_no": f"{payment['no']}-{payment['refunded']}",
            "amount_fen": amount})
        back = refund_split(payment["parts"], payment["refunded"], amount, payment["back"])
        assert response.status_code == 201, response.json
        assert (response.json["principal_fen"], response.json["gift_fen"]) == (
            back.principal_fen, back.gift_fen)
        payment["refunded"] += amount
        payment["back"] = Parts(payment["back"].principal_fen + back.principal_fen,
                                payment["back"].gift_fen + back.gift_fen)
        self._take(back.principal_fen, back.gift_fen)

    @rule(data=st.data())
    def refund_top_up(self, data):
        open_ones = [t for t in self.topups if t["open"]]
        if not open_ones:
            return
        topup = data.draw(st.sampled_from(open_ones))
        back = topup_refund_parts(topup["parts"], self.model)
        response = self.client.post(f"/api/v1/me/wallet/topups/{topup['id']}/refund",
                               headers=self.member["headers"])
        if back.principal_fen == 0:
            assert response.status_code == 409, response.json
            return
        used = any(p["event"] > topup["event"] for p in self.payments)
        fresh = self.clock() - topup["at"] <= timedelta(days=7)
        assert response.status_code == 201, response.json
        assert response.json["kind"] == ("cooling_off" if fresh and not used
                                         else "unused_principal")
        assert (response.json["principal_fen"], response.json["gift_fen"]) == (
            back.principal_fen, back.gift_fen)
        topup["open"] = False
        self._take(-back.principal_fen, -back.gift_fen)

    @rule(days=st.integers(0, 8), hours=st.integers(0, 23))
    def time_passes(self, days, hours):
        self.clock.advance(days=days, hours=hours)

    @invariant()
    def the_wallet_is_the_model(self):
        assert wallet(self.client, self.member) == self.model_parts()
        with self.app.app_context():
            assert verify.failures() == []


def test_the_wallet_matches_its_model_through_any_sequence(app, api, client, clock):
    Wallet.ctx = {"app": app, "api": api, "client": client, "clock": clock}
    run_state_machine_as_test(Wallet, settings=settings(
        max_examples=8, stateful_step_count=10, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
