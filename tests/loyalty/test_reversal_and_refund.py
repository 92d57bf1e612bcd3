"""A purchase's credit is taken back once in total, by a POS refund or a support reversal."""

from core.extensions import db
from loyalty.models import LedgerEntry
from tests.helpers import assert_error, pos_post, purchase, run_concurrently


def _earn_entry(app, order_no: str) -> int:
    with app.app_context():
        return db.session.query(LedgerEntry).filter_by(ref_id=order_no, type="earn").one().id


def _refund(client, merchant, order_no, refund_no, amount_fen):
    return pos_post(client, merchant, "/api/v1/pos/refunds",
                    {"order_no": order_no, "refund_no": refund_no, "amount_fen": amount_fen})


def _reverse(client, support, entry_id):
    return client.post(f"/api/v1/admin/transactions/{entry_id}/reverse",
                       headers=support["headers"], json={"reason": "wrong member"})


def _points(client, member) -> dict:
    return client.get("/api/v1/me/points", headers=member["headers"]).json


def _bought(api, client, app, order_no="p-1"):
    merchant = api.merchant()
    member, support = api.member(merchant), api.staff(merchant, "support")
    assert purchase(client, merchant, member, 50_000, order_no=order_no).json[
        "points_earned"] == 500
    return merchant, member, support, _earn_entry(app, order_no)


def test_a_reversal_after_a_full_refund_is_refused_and_takes_nothing(api, client, app):
    merchant, member, support, entry_id = _bought(api, client, app)
    assert _refund(client, merchant, "p-1", "rf-1", 50_000).json["points_clawed"] == 500
    assert_error(_reverse(client, support, entry_id), 409, "CONFLICT")
    points = _points(client, member)
    assert (points["balance"], points["debt"]) == (100, 0)


def test_a_reversal_after_a_partial_refund_takes_only_what_is_left(api, client, app):
    merchant, member, support, entry_id = _bought(api, client, app)
    assert _refund(client, merchant, "p-1", "rf-1", 20_000).json["points_clawed"] == 200
    reversal = _reverse(client, support, entry_id)
    assert reversal.status_code == 201 and reversal.json["amount"] == -300
    assert _refund(client, merchant, "p-1", "rf-2", 30_000).json["points_clawed"] == 0
    points = _points(client, member)
    assert (points["balance"], points["debt"]) == (100, 0)


def test_a_refund_after_a_reversal_claws_back_nothing_more(api, client, app):
    merchant, member, support, entry_id = _bought(api, client, app)
    assert _reverse(client, support, entry_id).status_code == 201
    refund = _refund(client, merchant, "p-1", "rf-1", 50_000).json
    assert (refund["points_clawed"], refund["debt_added"]) == (0, 0)
    points = _points(client, member)
    assert (points["balance"], points["debt"]) == (100, 0)


def test_a_refund_and_a_reversal_at_once_take_the_credit_back_once(api, client, app):
    for n in range(5):
        merchant, member, support, entry_id = _bought(api, client, app, f"c-{n}")

        def one(which, merchant=merchant, support=support, entry_id=entry_id, n=n):
            other = app.test_client()
            if which == "refund":
                return _refund(other, merchant, f"c-{n}", "rf", 50_000).status_code
            return _reverse(other, support, entry_id).status_code

        statuses = run_concurrently(one, ["refund", "reverse"])
        assert statuses[0] == 200 and statuses[1] in (201, 409), statuses
        points = _points(client, member)
        assert (points["balance"], points["debt"]) == (100, 0)


def _adjust(client, staff, member, delta):
    response = client.post(f"/api/v1/admin/members/{member['id']}/adjustments",
                           headers=staff["headers"], json={"delta": delta,
                                                           "reason_code": "correction"})
    assert response.status_code == 201, response.json
    return response.json


def test_a_reversal_above_the_threshold_waits_for_a_second_person(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    support, manager = api.staff(merchant, "support"), api.staff(merchant, "manager")
    credit = _adjust(client, support, member, 5_000)
    assert client.post(f"/api/v1/admin/adjustments/{credit['id']}/approve",
                       headers=manager["headers"]).status_code == 200
    entry_id = client.get("/api/v1/admin/adjustments", headers=support["headers"]
                          ).json["items"][0]["entry_id"]
    asked = _reverse(client, support, entry_id)
    assert asked.status_code == 202 and asked.json["status"] == "pending_approval"
    assert asked.json["reverses_id"] == entry_id and asked.json["delta"] == -5_000
    assert _points(client, member)["balance"] == 5_100
    assert_error(_reverse(client, support, entry_id), 409, "CONFLICT")  # already waiting
    path = f"/api/v1/admin/adjustments/{asked.json['id']}/approve"
    assert_error(client.post(path, headers=support["headers"]), 403, "FORBIDDEN")
    approved = client.post(path, headers=manager["headers"])
    assert approved.status_code == 200 and approved.json["status"] == "applied"
    assert _points(client, member)["balance"] == 100
    assert_error(_reverse(client, support, entry_id), 409, "CONFLICT")
