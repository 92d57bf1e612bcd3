import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Event

from core.extensions import db
from loyalty import expiry, ledger
from loyalty.models import LedgerEntry, Lot
from tests.helpers import assert_error, balance, purchase, run_concurrently

START = datetime(2026, 1, 10, 4, 0, tzinfo=UTC)


def _adjust(client, staff, member, delta, **extra):
    return client.post(f"/api/v1/admin/members/{member['id']}/adjustments",
                       headers=staff["headers"],
                       json={"delta": delta, "reason_code": "correction", **extra})


def test_30_concurrent_debits_against_a_balance_covering_7_let_exactly_7_through(api, app):
    merchant = api.merchant()
    member = api.member(merchant)  # 100 sign-up points
    support = api.staff(merchant, "support")
    client = app.test_client()
    assert _adjust(client, support, member, -30).status_code == 201  # balance 70
    statuses = run_concurrently(
        lambda _: _adjust(app.test_client(), support, member, -10).status_code, range(30))
    assert statuses.count(201) == 7 and statuses.count(409) == 23
    assert balance(client, member) == 0


def test_a_debit_larger_than_the_balance_is_refused_and_changes_nothing(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    support = api.staff(merchant, "support")
    error = assert_error(_adjust(client, support, member, -101), 409, "INSUFFICIENT_POINTS")
    assert error["details"] == {"balance": 100, "required": 101}
    assert balance(client, member) == 100


def test_debits_consume_lots_first_to_expire(api, app, client, clock):
    merchant = api.merchant()
    clock.set(START)
    member = api.member(merchant)  # lot A: 100, expires START+12 months
    clock.set(START + timedelta(days=40))
    purchase(client, merchant, member, 5_000)  # lot B: 50
    support = api.staff(merchant, "support")
    _adjust(client, support, member, -120)
    with app.app_context():
        lots = db.session.query(Lot).order_by(Lot.id).all()
        assert [lot.remaining for lot in lots] == [0, 30]


def test_expiry_writes_off_exact_remainders_once(api, app, client, clock):
    merchant = api.merchant()
    clock.set(START)
    member = api.member(merchant)  # 100, expires 2027-01-10
    clock.set(START + timedelta(days=100))
    purchase(client, merchant, member, 8_000)  # 80, expires 2027-04-20
    support = api.staff(merchant, "support")
    _adjust(client, support, member, -30)  # takes 30 from the first lot → 70 left there
    clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    with app.app_context():
        first = expiry.expire_due()
        second = expiry.expire_due()
    assert first["points"] == 70 and first["accounts"] == 1
    assert second == {**second, "points": 0, "accounts": 0}
    assert balance(client, member) == 80
    history = client.get("/api/v1/me/points/transactions", headers=member["headers"]).json
    assert history["items"][0]["type"] == "expire" and history["items"][0]["amount"] == -70


def test_a_spend_holding_the_account_while_expiry_runs_is_written_off_exactly(api, app,
                                                                             client, clock):
    merchant = api.merchant()
    clock.set(START)
    member = api.member(merchant)  # lot A: 100, expires 2027-01-10
    clock.set(START + timedelta(days=100))
    purchase(client, merchant, member, 8_000)  # lot B: 80, expires 2027-04-20
    clock.set(datetime(2027, 2, 1, tzinfo=UTC))  # A is due, not yet written off
    holding, release = Event(), Event()

    def spend():
        with app.app_context():
            ledger.post(merchant_id=merchant["id"], member_id=member["id"], amount=-60,
                        type="redeem", reason="mall_order", ref=ledger.Ref("mall_order", "race"))
            holding.set()
            release.wait(timeout=30)  # expiry starts while this transaction holds the account
            db.session.commit()

    def expire():
        holding.wait(timeout=30)
        with app.app_context():
            return expiry.expire_due()

    with ThreadPoolExecutor(max_workers=2) as pool:
        spent, expired = pool.submit(spend), pool.submit(expire)
        time.sleep(0.5)
        release.set()
        spent.result(timeout=30)
        result = expired.result(timeout=30)
    assert (result["accounts"], result["points"]) == (1, 40)  # what the spend left of A
    assert balance(client, member) == 80
    with app.app_context():
        assert [(lot.remaining, lot.expired_at is not None)
                for lot in db.session.query(Lot).order_by(Lot.id)] == [(0, True), (80, False)]


def test_reversing_a_debit_returns_its_lots_except_an_expired_one(api, app, client, clock):
    merchant = api.merchant()
    clock.set(START)
    member = api.member(merchant)  # lot A 100, expires 2027-01-10
    clock.set(START + timedelta(days=200))
    purchase(client, merchant, member, 10_000)  # lot B 100, expires later
    support = api.staff(merchant, "support")
    debit = _adjust(client, support, member, -150).json  # A→0, B→50
    clock.set(datetime(2027, 1, 20, tzinfo=UTC))
    with app.app_context():
        expiry.expire_due()
    reversal = client.post(f"/api/v1/admin/transactions/{debit['entry_id']}/reverse",
                           headers=support["headers"], json={"reason": "wrong member"})
    assert reversal.status_code == 201, reversal.json
    assert reversal.json["amount"] == 50  # only lot B's part comes back
    assert balance(client, member) == 100


def test_an_entry_is_reversed_only_once(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    support = api.staff(merchant, "support")
    credit = _adjust(client, support, member, 40).json
    path = f"/api/v1/admin/transactions/{credit['entry_id']}/reverse"
    assert client.post(path, headers=support["headers"], json={"reason": "x"}).status_code == 201
    assert_error(client.post(path, headers=support["headers"], json={"reason": "x"}),
                 409, "CONFLICT")
    assert balance(client, member) == 100


def test_reversing_an_earn_takes_from_its_own_lot_first(api, app, client, clock):
    merchant = api.merchant()
    clock.set(START)
    member = api.member(merchant)
    clock.set(START + timedelta(days=5))
    purchase(client, merchant, member, 6_000, order_no="earn-60")
    support = api.staff(merchant, "support")
    with app.app_context():
        entry = db.session.query(LedgerEntry).filter_by(ref_id="earn-60").one()
        entry_id = entry.id
    client.post(f"/api/v1/admin/transactions/{entry_id}/reverse", headers=support["headers"],
                json={"reason": "test order"})
    with app.app_context():
        assert [lot.remaining for lot in db.session.query(Lot).order_by(Lot.id)] == [100, 0]
