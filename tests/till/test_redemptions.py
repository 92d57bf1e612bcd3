"""Points at the till through HTTP: quote, redeem by pay code, void, orders and refunds."""

import pytest

from tests.helpers import assert_error, balance, purchase, run_concurrently
from tests.till.counter import order, pay_code, quote, redeem, refund, void


@pytest.fixture
def rich(api, client):
    """A merchant and a member holding 1000 points (100 sign-up + 900 earned)."""
    merchant = api.merchant()
    member = api.member(merchant)
    purchase(client, merchant, member, 90_000)
    assert balance(client, member) == 1000
    return merchant, member


def test_a_quote_shows_what_the_bill_may_take_and_changes_nothing(rich, client):
    merchant, member = rich
    code = pay_code(client, member)
    body = quote(client, merchant, 10_000, pay_code=code).json
    assert body == {"member_id": member["id"], "balance": 1000, "max_points": 1000,
                    "max_discount_fen": 5000, "fen_per_point": 5, "step": 100}
    by_card = quote(client, merchant, 3_000, member={"card_no": member["card_no"]}).json
    assert by_card["max_points"] == 300
    assert redeem(client, merchant, code, 100, 10_000).status_code == 201  # still usable


def test_a_redemption_spends_points_once_per_redemption_no(rich, client):
    merchant, member = rich
    code = pay_code(client, member)
    first = redeem(client, merchant, code, 600, 20_000, redemption_no="r-1")
    assert first.status_code == 201, first.json
    assert first.json == {"redemption_no": "r-1", "member_id": member["id"], "points": 600,
                          "discount_fen": 3000, "balance": 400}
    again = redeem(client, merchant, code, 600, 20_000, redemption_no="r-1")
    assert again.status_code == 201 and again.json == first.json
    assert balance(client, member) == 400


def test_a_used_code_is_refused(rich, client):
    merchant, member = rich
    code = pay_code(client, member)
    assert redeem(client, merchant, code, 100, 10_000).status_code == 201
    assert_error(redeem(client, merchant, code, 100, 10_000), 401, "PAY_CODE_INVALID")
    assert balance(client, member) == 900


def test_a_card_number_or_member_id_can_never_spend(rich, client):
    merchant, member = rich
    from tests.helpers import pos_post
    for key in ({"card_no": member["card_no"]}, {"member_id": member["id"]}):
        response = pos_post(client, merchant, "/api/v1/pos/redemptions", {
            "redemption_no": "r-card", "member": key, "amount_fen": 10_000, "points": 100})
        assert_error(response, 422, "VALIDATION_ERROR")
    assert_error(redeem(client, merchant, member["card_no"], 100, 10_000), 422,
                 "VALIDATION_ERROR")
    assert balance(client, member) == 1000


def test_another_merchants_pay_code_is_refused(rich, api, client):
    merchant, member = rich
    other = api.merchant()
    code = pay_code(client, member)
    assert_error(redeem(client, other, code, 100, 10_000), 401, "PAY_CODE_INVALID")
    assert_error(quote(client, other, 10_000, pay_code=code), 401, "PAY_CODE_INVALID")
    assert redeem(client, merchant, code, 100, 10_000).status_code == 201


@pytest.mark.parametrize(("points", "amount", "status", "code"), [
    (2000, 100_000, 409, "INSUFFICIENT_POINTS"),
    (2000, 10, 409, "INSUFFICIENT_POINTS"),  # short wins over the share limit
    (1000, 10_000 - 1, 409, "LIMIT_EXCEEDED"),
    (150, 100_000, 422, "VALIDATION_ERROR"),
    (0, 100_000, 422, "VALIDATION_ERROR"),
    (-100, 100_000, 422, "VALIDATION_ERROR"),
    (100, 0, 422, "VALIDATION_ERROR"),
    (100, -5, 422, "VALIDATION_ERROR"),
    (100, 10**20, 422, "VALIDATION_ERROR"),
])
def test_bad_redemptions_are_refused_and_leave_points_and_code(rich, client, points, amount,
                                                               status, code):
    merchant, member = rich
    pay = pay_code(client, member)
    assert_error(redeem(client, merchant, pay, points, amount), status, code)
    assert balance(client, member) == 1000
    assert redeem(client, merchant, pay, 100, 10_000).status_code == 201


def test_an_excluded_category_takes_no_points(api, client):
    from loyalty.rules import default_rules
    rules = default_rules()
    rules["till"]["excluded_categories"] = ["surgery"]
    merchant = api.merchant(rules=rules)
    member = api.member(merchant)
    code = pay_code(client, member)
    assert quote(client, merchant, 10_000, pay_code=code, category="surgery"
                 ).json["max_points"] == 0
    assert_error(redeem(client, merchant, code, 100, 10_000, category="surgery"), 409,
                 "LIMIT_EXCEEDED")
    assert balance(client, member) == 100


def test_sixteen_concurrent_redemptions_on_one_code_spend_once(rich, app, client):
    merchant, member = rich
    code = pay_code(client, member)
    results = run_concurrently(
        lambda n: redeem(app.test_client(), merchant, code, 100, 10_000,
                         redemption_no=f"race-{n}").status_code, range(16))
    assert sorted(results) == [201] + [401] * 15
    assert balance(client, member) == 900


def test_a_void_returns_every_point_and_a_second_void_answers_the_same(rich, client):
    merchant, member = rich
    redeem(client, merchant, pay_code(client, member), 700, 20_000, redemption_no="r-v")
    first = void(client, merchant, "r-v")
    assert first.status_code == 200
    assert first.json == {"redemption_no": "r-v", "points_returned": 700, "balance": 1000}
    assert void(client, merchant, "r-v").json == first.json
    assert balance(client, member) == 1000
    assert_error(void(client, merchant, "nope"), 404, "NOT_FOUND")


def test_a_void_the_next_local_day_is_refused(rich, client, clock):
    merchant, member = rich
    redeem(client, merchant, pay_code(client, member), 100, 10_000, redemption_no="r-old")
    clock.advance(days=1)
    assert_error(void(client, merchant, "r-old"), 409, "CONFLICT")


def test_an_order_earns_on_cash_only_and_takes_its_redemption_once(rich, client):
    merchant, member = rich
    redeem(client, merchant, pay_code(client, member), 1000, 30_000, redemption_no="r-o")
    paid = order(client, merchant, {"member_id": member["id"]}, 25_000, order_no="o-1",
                 redemption_no="r-o")
    assert paid.status_code == 200, paid.json
    assert paid.json["points_earned"] == 250 and paid.json["balance"] == 250
    assert_error(order(client, merchant, {"member_id": member["id"]}, 100,
                       redemption_no="r-o"), 409, "CONFLICT")
    assert_error(void(client, merchant, "r-o"), 409, "CONFLICT")
    assert_error(order(client, merchant, {"member_id": member["id"]}, 100,
                       redemption_no="unknown"), 404, "NOT_FOUND")


def test_refunds_return_points_in_proportion_and_a_full_refund_returns_all(rich, client):
    merchant, member = rich
    redeem(client, merchant, pay_code(client, member), 700, 60_000, redemption_no="r-p")
    order(client, merchant, {"member_id": member["id"]}, 30_000, order_no="o-p",
          redemption_no="r-p")  # earns 300: balance 300 + 300 = 600
    assert balance(client, member) == 600
    first = refund(client, merchant, "o-p", 10_000, refund_no="rf-1").json
    assert (first["points_returned"], first["points_clawed"]) == (233, 100)
    assert first["balance"] == 600 + 233 - 100
    again = refund(client, merchant, "o-p", 10_000, refund_no="rf-1").json
    assert again == first
    second = refund(client, merchant, "o-p", 10_000).json
    assert (second["points_returned"], second["points_clawed"]) == (233, 100)
    last = refund(client, merchant, "o-p", 10_000).json
    assert (last["points_returned"], last["points_clawed"]) == (234, 100)
    assert balance(client, member) == 1000  # every point used came back, every earned went
    assert_error(refund(client, merchant, "o-p", 1), 409, "CONFLICT")


def test_a_refund_never_returns_more_than_was_used_nor_deducts_twice(rich, client):
    merchant, member = rich
    redeem(client, merchant, pay_code(client, member), 500, 20_000, redemption_no="r-x")
    order(client, merchant, {"member_id": member["id"]}, 10_000, order_no="o-x",
          redemption_no="r-x")  # 500 + 100 earned
    body = refund(client, merchant, "o-x", 10_000).json
    assert (body["points_returned"], body["points_clawed"], body["balance"]) == (500, 100, 1000)


def test_a_plain_order_refund_returns_no_points(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    purchase(client, merchant, member, 10_000, order_no="plain")
    body = refund(client, merchant, "plain", 5_000).json
    assert (body["points_returned"], body["points_clawed"]) == (0, 50)


def test_the_same_redemption_sent_by_eight_threads_spends_once_with_one_answer(rich, app,
                                                                               client):
    merchant, member = rich
    code = pay_code(client, member)
    results = run_concurrently(
        lambda _: redeem(app.test_client(), merchant, code, 300, 10_000,
                         redemption_no="same").get_json(), range(8))
    assert all(body == results[0] for body in results), results
    assert results[0]["balance"] == 700 and balance(client, member) == 700
