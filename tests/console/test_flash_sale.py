"""A flash sale (秒杀排队) in the browser: the console's checkbox, the member's queue."""

import re

from playwright.sync_api import expect

from mall import flash
from tests.console.steps import member_login, screenshot, staff_login


def test_a_manager_marks_an_item_flash_and_a_member_waits_in_the_queue(api, app, client, page):
    merchant = api.merchant()
    manager = api.staff(merchant, "manager")
    staff_login(page, merchant, manager)
    page.locator("#nav a[href='#/items']").click()
    page.get_by_role("link", name="新建商品").click()
    form = page.locator("#item-form")
    form.locator("[name=title]").fill("限量面膜 Flash mask")
    form.locator("[name=type]").select_option("coupon")
    form.locator("[name=points_price]").fill("30")
    form.locator("[name=stock]").fill("5")
    form.locator("[name=status]").select_option("on_sale")
    form.get_by_label("秒杀排队").check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"#/items/\d+$"))
    item_id = int(page.url.rsplit("/", 1)[1])
    assert client.get(f"/api/v1/admin/items/{item_id}",
                      headers=manager["headers"]).json["flash"] is True
    page.get_by_role("link", name="返回").click()
    expect(page.locator("tr", has_text="限量面膜").locator(".badge.flash")).to_have_text("秒杀排队")

    member_login(page, merchant, "flash-member")
    page.get_by_role("link", name="积分商城").click()
    card = page.locator(f"[data-item='{item_id}']")
    expect(card.locator(".badge.flash")).to_have_text("秒杀排队")
    card.get_by_role("button").click()
    expect(page.locator("#flash-queue")).to_have_text(re.compile("排队中"))
    screenshot(page, "h5-flash-queued")
    with app.app_context():  # the writer's turn
        assert flash.Writer("browser-test").run(lambda: False, once=True) == 1
    expect(page.locator("#vouchers .voucher").first.locator(".badge")).to_have_text("未使用")
    expect(page.locator("#flash-queue")).to_have_count(0)
