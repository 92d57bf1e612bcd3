"""Stored value in a real browser: the counter tops up and charges; the member refunds."""

from playwright.sync_api import expect

from tests.console.steps import member_login, screenshot, staff_login
from tests.wallet.purse import pay_code, wallet


def test_a_clerk_tops_up_and_charges_a_wallet_at_the_console(api, client, page):
    merchant = api.merchant()
    clerk = api.staff(merchant, "clerk")
    member = api.member(merchant)
    staff_login(page, merchant, clerk)
    page.get_by_role("link", name="储值").click()

    topup = page.locator("#wallet-topup")
    topup.locator("[name=who]").fill(member["card_no"])
    topup.locator("[name=plan_code]").select_option("t1000")
    topup.get_by_role("button", name="确认充值（已收款）").click()
    expect(topup.locator(".log li")).to_contain_text("本金 ¥1000.00 · 赠送 ¥100.00")

    charge = page.locator("#wallet-pay")
    charge.locator("[name=pay_code]").fill(pay_code(client, member))
    charge.locator("[name=amount_fen]").fill("110")
    charge.get_by_role("button", name="确认扣款").click()
    expect(charge.locator(".log li")).to_contain_text("扣款成功：本金 ¥100.00，赠送 ¥10.00")
    charge.locator("[name=pay_code]").fill("1" * 18)
    charge.locator("[name=amount_fen]").fill("1")
    charge.get_by_role("button", name="确认扣款").click()
    expect(charge.locator(".error")).to_contain_text("付款码无效")

    page.locator("[name=q]").fill(member["card_no"])
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#wallet-member tbody tr")).to_have_count(3)  # 1 top-up, 2 entries
    screenshot(page, "console-wallet")
    assert wallet(client, member) == (90_000, 9_000)


def test_a_member_tops_up_and_takes_it_back_within_seven_days(api, client, page):
    merchant = api.merchant()
    member_login(page, merchant, "wallet-member")
    page.get_by_role("link", name="储值卡").click()
    page.locator("[data-plan=t1000] button").click()
    expect(page.locator("#wallet-total")).to_have_text("¥1100.00")
    expect(page.locator("#wallet-entries li")).to_have_count(1)
    page.locator("#wallet-topups .topup button").click()
    expect(page.locator("#wallet-total")).to_have_text("¥0.00")
    expect(page.locator("#wallet-topups .badge")).to_have_text("已退款")
    screenshot(page, "h5-wallet")
    member = api.member(merchant, openid="wallet-member")
    assert wallet(client, member) == (0, 0)
