"""The counter in a real browser: the member shows a pay code, a clerk redeems and voids."""

import re

from playwright.sync_api import expect

from tests.console.steps import member_login, screenshot, staff_login
from tests.helpers import balance, purchase


def test_a_clerk_redeems_points_by_the_members_pay_code_and_voids_it(api, client, page,
                                                                      browser, live_server):
    merchant = api.merchant()
    clerk = api.staff(merchant, "clerk")
    member = api.member(merchant, openid="counter-member")
    purchase(client, merchant, member, 90_000)  # 100 + 900 points
    member_login(page, merchant, "counter-member")
    page.get_by_role("link", name="付款码").click()
    expect(page.locator("#pay-qr")).to_have_attribute("src", re.compile(r"^data:image/svg"))
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^(60|59|58|57|56|55)$"))
    code = page.locator("#pay-digits").inner_text().replace(" ", "")
    assert re.fullmatch(r"\d{18}", code)
    screenshot(page, "h5-pay-code")

    desk = browser.new_context(base_url=live_server.url, locale="zh-CN",
                               timezone_id="Asia/Shanghai").new_page()
    try:
        staff_login(desk, merchant, clerk)
        desk.locator("#nav a[href='#/counter']").click()
        form = desk.locator("#counter-form")
        form.locator("[name=amount_fen]").fill("120.00")
        form.locator("[name=pay_code]").fill(f"jifen://pay/{code}")
        form.locator("button[type=submit]").click()
        expect(desk.locator("#quote-summary")).to_contain_text("最多可用 1000 积分抵 ¥50.00")
        expect(desk.locator("#points-form h2")).to_contain_text(member["card_no"])
        desk.locator("#points-form [name=points]").fill("600")
        desk.locator("#points-form button[type=submit]").click()
        expect(desk.locator("#redemptions li").first).to_contain_text("已抵扣 600 积分（¥30.00）")
        assert balance(client, member) == 400
        screenshot(desk, "console-counter")
        desk.locator("#redemptions").get_by_role("button", name="撤销").click()
        expect(desk.locator("#redemptions li").first).to_contain_text("退回 600 积分")
        assert balance(client, member) == 1000

        form.locator("[name=amount_fen]").fill("120.00")
        form.locator("[name=pay_code]").fill(code)  # used up by the redemption
        form.locator("button[type=submit]").click()
        expect(form.locator(".error")).to_contain_text("付款码无效")
    finally:
        desk.context.close()
