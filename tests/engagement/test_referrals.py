import json
import random

from core import events
from core.extensions import db, rds
from loyalty.members import REFERRAL_CODES
from loyalty.models import Member
from loyalty.rules import default_rules
from tests.helpers import assert_error, balance, purchase, run_concurrently

LEADERBOARD = "/api/v1/admin/analytics/referrals"
CODE_ALPHABET = "K8M3VXPD7QZ4HJ9WNRC5TGY2AE6FBS"


def _referral(client, member):
    return client.get("/api/v1/me/referral", headers=member["headers"]).json


def _referrer_of(app, member) -> int | None:
    with app.app_context():
        return db.session.get(Member, member["id"]).referrer_id


def _forged_code(merchant_id: int) -> str:
    """A string that decodes to this merchant and a member id beyond BIGINT."""
    rng = random.Random(0)
    while True:
        code = "".join(rng.choices(CODE_ALPHABET, k=16))
        decoded = REFERRAL_CODES.decode(code)
        if len(decoded) == 2 and decoded[0] == merchant_id and decoded[1] > 2**63:
            return code


def test_every_member_has_a_short_code_that_links_a_new_member_case_insensitively(api, app,
                                                                                  client):
    merchant = api.merchant()
    referrer = api.member(merchant)
    code = _referral(client, referrer)["code"]
    assert 6 <= len(code) <= 10 and code.isupper()
    referee = api.member(merchant, referral_code=f" {code.lower()} ")
    assert _referrer_of(app, referee) == referrer["id"]
    assert _referral(client, referrer) == {"code": code, "invited": 1, "qualified": 0,
                                           "points_earned": 0, "conversion_rate": 0.0}


def test_both_sides_are_rewarded_once_even_when_the_first_purchase_arrives_twice(api, client):
    merchant = api.merchant()
    referrer = api.member(merchant)
    referee = api.member(merchant, referral_code=_referral(client, referrer)["code"])
    for _ in range(2):
        assert purchase(client, merchant, referee, 10_000, order_no="first").status_code == 200
    purchase(client, merchant, referee, 10_000, order_no="second")
    assert balance(client, referrer) == 100 + 200
    assert balance(client, referee) == 100 + 200 + 100 + 100
    assert _referral(client, referrer) == {"code": _referral(client, referrer)["code"],
                                           "invited": 1, "qualified": 1, "points_earned": 200,
                                           "conversion_rate": 1.0}


def test_two_first_purchases_racing_reward_the_referral_once(api, app):
    merchant = api.merchant()
    referrer = api.member(merchant)
    code = _referral(app.test_client(), referrer)["code"]
    referee = api.member(merchant, referral_code=code)
    statuses = run_concurrently(lambda n: purchase(
        app.test_client(), merchant, referee, 5_000, order_no=f"race-{n}").status_code, range(8))
    assert statuses == [200] * 8
    assert balance(app.test_client(), referrer) == 300
    assert balance(app.test_client(), referee) == 100 + 200 + 8 * 50


def test_self_referral_cycles_relinking_and_foreign_or_forged_codes_link_nothing(api, app,
                                                                                 client):
    merchant, other = api.merchant(), api.merchant()
    alice = api.member(merchant, "alice")
    alice_code = _referral(client, alice)["code"]
    bob = api.member(merchant, "bob", referral_code=alice_code)
    carol = api.member(merchant, "carol")
    attempts = [
        api.member(merchant, "alice", referral_code=alice_code),  # self-referral
        api.member(merchant, "alice", referral_code=_referral(client, bob)["code"]),  # cycle
        api.member(merchant, "carol", referral_code=alice_code),  # re-linking
        api.member(other, "dave", referral_code=alice_code),  # another merchant's code
        api.member(merchant, "erin", referral_code="!!not-a-code!!"),
        api.member(merchant, "frank", referral_code=_forged_code(merchant["id"])),
        api.member(merchant, "grace", referral_code=alice_code + "K"),  # not canonical
    ]
    assert [_referrer_of(app, m) for m in attempts] == [None] * len(attempts)
    assert _referrer_of(app, bob) == alice["id"] and _referrer_of(app, carol) is None
    assert _referral(client, alice)["invited"] == 1 and _referral(client, bob)["invited"] == 0


def test_a_frozen_referrer_earns_nothing_but_the_referee_still_does(api, client):
    merchant = api.merchant()
    referrer, manager = api.member(merchant), api.staff(merchant, "manager")
    referee = api.member(merchant, referral_code=_referral(client, referrer)["code"])
    client.post(f"/api/v1/admin/members/{referrer['id']}/freeze", headers=manager["headers"])
    purchase(client, merchant, referee, 1_000)
    assert balance(client, referrer) == 100 and balance(client, referee) == 100 + 200 + 10


def test_the_first_paid_mall_order_qualifies_only_when_the_rules_say_so(api, app, client):
    rules = default_rules()
    rules["referral"]["on_first_mall_order"] = True
    for merchant, expected in ((api.merchant(), 100), (api.merchant(rules=rules), 300)):
        referrer = api.member(merchant)
        referee = api.member(merchant, referral_code=_referral(client, referrer)["code"])
        with app.app_context():
            for attempt in range(2):
                events.publish(events.FIRST_MALL_ORDER,
                               member=db.session.get(Member, referee["id"]),
                               source=f"mall:order-{attempt}")
                db.session.commit()
        assert balance(client, referrer) == expected


def _qualify(api, client, merchant, referrer, count):
    code = _referral(client, referrer)["code"]
    for _ in range(count):
        purchase(client, merchant, api.member(merchant, referral_code=code), 100)


def test_the_leaderboard_ranks_referrers_and_is_rebuilt_when_redis_forgets(api, app, client):
    merchant = api.merchant()
    owner, clerk = api.staff(merchant, "owner"), api.staff(merchant, "clerk")
    first, second = api.member(merchant), api.member(merchant)
    _qualify(api, client, merchant, second, 1)
    assert client.get(LEADERBOARD, headers=owner["headers"]).json["items"][0]["member_id"] == \
        second["id"]
    _qualify(api, client, merchant, first, 2)
    api.member(merchant, referral_code=_referral(client, first)["code"])  # invited, no purchase
    board = client.get(LEADERBOARD, headers=owner["headers"]).json
    assert [(e["rank"], e["member_id"], e["qualified"], e["invited"], e["points_earned"])
            for e in board["items"]] == [(1, first["id"], 2, 3, 400), (2, second["id"], 1, 1, 200)]
    with app.app_context():
        rds.flushdb()
    assert client.get(LEADERBOARD, headers=owner["headers"]).json == board
    page = client.get(LEADERBOARD + "?limit=1", headers=owner["headers"]).json
    rest = client.get(LEADERBOARD + f"?limit=1&cursor={page['next_cursor']}",
                      headers=owner["headers"]).json
    assert page["items"] + rest["items"] == board["items"] and rest["next_cursor"] is None
    assert_error(client.get(LEADERBOARD, headers=clerk["headers"]), 403, "FORBIDDEN")


def test_the_rebuild_command_restores_every_leaderboard_from_the_database(api, app, client):
    merchant = api.merchant()
    owner, referrer = api.staff(merchant, "owner"), api.member(merchant)
    _qualify(api, client, merchant, referrer, 1)
    before = client.get(LEADERBOARD, headers=owner["headers"]).json
    with app.app_context():
        rds.flushdb()
    result = app.test_cli_runner().invoke(args=["referrals", "rebuild-leaderboard"])
    assert result.exit_code == 0, result.output
    assert {"merchant_id": merchant["id"], "referrers": 1} in \
        json.loads(result.output.strip().splitlines()[-1])["leaderboards"]
    assert client.get(LEADERBOARD, headers=owner["headers"]).json == before


def test_a_leaderboard_shows_only_its_own_merchants_referrers(api, client):
    mine, theirs = api.merchant(), api.merchant()
    _qualify(api, client, theirs, api.member(theirs), 1)
    owner = api.staff(mine, "owner")
    assert client.get(LEADERBOARD, headers=owner["headers"]).json == {"items": [],
                                                                      "next_cursor": None}
