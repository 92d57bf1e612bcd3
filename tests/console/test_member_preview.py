"""The member preview (/h5/) in a real browser: card, check-in, mall, vouchers, referral."""

import re

from playwright.sync_api import expect

from tests.console.steps import member_login, screenshot
from tests.helpers import balance
from tests.mall.shop import create_item


def test_the_member_preview_checks_in_and_redeems(api, client, page):
    merchant = api.merchant()
    owner = api.staff(merchant, "owner")
    coupon = create_item(client, owner, title="满减券 Coupon", type="coupon", points_price=30)
    serum = create_item(client, owner, title="精华小样 Serum", type="goods", points_price=20,
                        cash_price_fen=990)
    member_login(page, merchant, "preview-member")

    expect(page.locator("#balance")).to_have_text("100")  # the sign-up bonus
    expect(page.locator("#card-qr")).to_have_attribute("src", re.compile(r"^blob:"))
    page.get_by_role("button", name="签到领 5 积分").click()
    expect(page.locator("#balance")).to_have_text("105")
    expect(page.locator(".calendar .checked")).to_have_count(1)
    expect(page.locator("#checkin")).to_contain_text("今日已签到")
    screenshot(page, "h5-home")

    page.get_by_role("link", name="积分商城").click()
    screenshot(page, "h5-mall")
    page.locator(f"[data-item='{coupon['id']}'] button").click()
    voucher = page.locator("#vouchers .voucher").first
    expect(voucher.locator(".badge")).to_have_text("未使用")
    expect(voucher.locator("img")).to_have_attribute("src", re.compile(r"^blob:"))

    page.get_by_role("link", name="积分商城").click()
    page.locator(f"[data-item='{serum['id']}'] button").click()  # points + ¥9.90, paid at once
    page.locator("#address-dialog [name=address]").fill("上海市静安区南京西路 1 号")
    page.locator("#address-dialog").get_by_role("button", name="确认兑换").click()
    expect(page.locator("#orders .order").first).to_contain_text("精华小样")
    expect(page.locator("#orders .order .badge").first).to_have_text("已支付")
    screenshot(page, "h5-orders")

    member = api.member(merchant, openid="preview-member")  # the same member, logged in again
    assert balance(client, member) == 105 - 30 - 20
    orders = client.get("/api/v1/me/orders", headers=member["headers"]).json["items"]
    assert [(o["item_id"], o["status"], o["cash_fen"]) for o in orders] == [
        (serum["id"], "paid", 990), (coupon["id"], "paid", 0)]
    assert orders[0]["address"] == "上海市静安区南京西路 1 号"


def test_the_member_preview_shows_the_referral_code_and_makes_a_share_link(api, page):
    merchant = api.merchant()
    member_login(page, merchant, "sharer")

    page.get_by_role("link", name="分享邀请").click()
    expect(page.locator("#referral .referral-code")).to_have_text(re.compile(r"^\w{4,}$"))
    page.get_by_role("button", name="生成分享链接").click()
    expect(page.locator("#share-link code")).to_contain_text("token=")
    screenshot(page, "h5-share")
