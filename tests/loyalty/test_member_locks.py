"""One member's rows under concurrent writers: growth adds up, one lock order, no deadlock."""

from tests.helpers import purchase, run_concurrently


def _member(client, member) -> dict:
    return client.get("/api/v1/me", headers=member["headers"]).json


def test_16_concurrent_purchases_add_exactly_their_growth_and_upgrade_the_tier(api, app, client):
    merchant = api.merchant()
    member = api.member(merchant)
    answers = run_concurrently(
        lambda n: purchase(app.test_client(), merchant, member, 40_000, order_no=f"g-{n}"),
        range(16))
    assert {a.status_code for a in answers} == {200}
    me = _member(client, member)
    assert me["growth_value"] == 16 * 400  # 6,400: past platinum's 5,000
    assert me["tier"] == "platinum"


def test_check_ins_racing_purchases_of_the_same_members_never_fail(api, app, client):
    merchant = api.merchant()
    members = [api.member(merchant) for _ in range(8)]

    def one(job):
        kind, n = job
        other = app.test_client()
        if kind == "checkin":
            return other.post("/api/v1/me/checkins", headers=members[n]["headers"]).status_code
        return purchase(other, merchant, members[n], 10_000, order_no=f"c-{n}").status_code

    statuses = run_concurrently(one, [(kind, n) for n in range(8)
                                      for kind in ("checkin", "purchase")])
    assert all(s < 300 for s in statuses), statuses
