"""Pay codes: issued to members over HTTP, charged by services inside their transaction."""

import pytest

from app import create_app
from core.errors import PayCodeInvalid, RateLimited
from core.extensions import db
from tests.helpers import assert_error, run_concurrently
from till import paycodes

PAY_CODES = "/api/v1/me/pay-codes"


def new_code(client, member) -> str:
    response = client.post(PAY_CODES, headers=member["headers"])
    assert response.status_code == 201, response.json
    return response.json["code"]


def try_charge(app, merchant_id: int, code: str):
    with app.app_context():
        try:
            member_id = paycodes.charge(merchant_id=merchant_id, code=code)
            db.session.commit()
            return member_id
        except PayCodeInvalid:
            db.session.rollback()
            return None


def test_a_member_gets_an_eighteen_digit_code_valid_for_sixty_seconds(api, client, clock):
    merchant = api.merchant()
    member = api.member(merchant)
    response = client.post(PAY_CODES, headers=member["headers"])
    assert response.status_code == 201
    body = response.json
    assert len(body["code"]) == 18 and body["code"].isdigit()
    assert body["qr_payload"].endswith(body["code"])
    assert body["expires_at"]
    assert new_code(client, member) != body["code"]


def test_a_code_charges_once_and_names_its_member(api, client, app):
    merchant = api.merchant()
    member = api.member(merchant)
    code = new_code(client, member)
    with app.app_context():
        assert paycodes.peek(merchant_id=merchant["id"], code=code) == member["id"]
    assert try_charge(app, merchant["id"], code) == member["id"]
    assert try_charge(app, merchant["id"], code) is None


def test_a_new_code_voids_the_previous_one(api, client, app):
    merchant = api.merchant()
    member = api.member(merchant)
    old, new = new_code(client, member), new_code(client, member)
    assert try_charge(app, merchant["id"], old) is None
    assert try_charge(app, merchant["id"], new) == member["id"]


def test_an_expired_code_is_refused(api, client, app, clock):
    merchant = api.merchant()
    member = api.member(merchant)
    code = new_code(client, member)
    clock.advance(seconds=61)
    assert try_charge(app, merchant["id"], code) is None


def test_another_merchants_code_is_refused(api, client, app):
    merchant, other = api.merchant(), api.merchant()
    member = api.member(merchant)
    code = new_code(client, member)
    assert try_charge(app, other["id"], code) is None
    assert try_charge(app, merchant["id"], code) == member["id"]


def test_a_charge_rolled_back_leaves_the_code_usable(api, client, app):
    merchant = api.merchant()
    member = api.member(merchant)
    code = new_code(client, member)
    with app.app_context():
        paycodes.charge(merchant_id=merchant["id"], code=code)
        db.session.rollback()
    assert try_charge(app, merchant["id"], code) == member["id"]


def test_sixteen_concurrent_charges_of_one_code_let_exactly_one_through(api, client, app):
    merchant = api.merchant()
    member = api.member(merchant)
    code = new_code(client, member)
    results = run_concurrently(lambda _: try_charge(app, merchant["id"], code), range(16))
    assert results.count(member["id"]) == 1 and results.count(None) == 15


@pytest.mark.parametrize("code", ["", "12345", "x" * 18, "1" * 19, "０" * 18])
def test_malformed_codes_are_invalid(api, app, code):
    merchant = api.merchant()
    assert try_charge(app, merchant["id"], code) is None


def test_guessing_codes_is_throttled_long_before_the_space_is_searched(api, app):
    merchant = api.merchant()
    tight = create_app({**app.config, "RATE_LIMITS": {
        **app.config["RATE_LIMITS"], "pay_code_failures": {"subject": "3/minute"}}})
    with tight.app_context():
        for guess in range(3):
            with pytest.raises(PayCodeInvalid):
                paycodes.peek(merchant_id=merchant["id"], code=f"{guess:018d}")
        with pytest.raises(RateLimited):
            paycodes.peek(merchant_id=merchant["id"], code="0" * 18)


def test_staff_cannot_take_a_members_pay_code(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant)
    assert_error(client.post(PAY_CODES, headers=owner["headers"]), 403, "FORBIDDEN")
    assert_error(client.post(PAY_CODES), 401, "UNAUTHORIZED")


def test_concurrent_new_codes_leave_exactly_one_usable(api, client, app):
    merchant = api.merchant()
    member = api.member(merchant)
    codes = run_concurrently(lambda _: new_code(app.test_client(), member), range(6))
    usable = [code for code in codes if try_charge(app, merchant["id"], code)]
    assert len(usable) == 1
