"""The default `shop`: a member who topped up 1,000 yuan with the t1000 plan (100 yuan gift,
500 bonus points); modules that need another world define their own."""

import pytest

from tests.helpers import balance
from tests.wallet.purse import topped_up


@pytest.fixture
def shop(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    topped_up(client, merchant, member, 100_000, plan_code="t1000")  # 1000 + 100 gift
    return {"merchant": merchant, "member": member, "start": balance(client, member)}
