"""The merchant console in a real browser: each role's work, end to end over HTTP."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.console.steps import CHART_PIXELS, accessibility, menu, screenshot, staff_login
from tests.helpers import balance, purchase
from tests.mall.shop import create_item, db_stock, placed

SPOIL_ACCESS_TOKEN = """() => {
  const session = JSON.parse(localStorage.getItem("jifen.console"));
  localStorage.setItem("jifen.console", JSON.stringify({...session, access: "spoilt"}));
  return session;
}"""


def test_an_owner_sees_the_dashboard_chart_and_downloads_a_report(api, client, page):
    merchant = api.merchant()
    owner = api.staff(merchant, "owner")
    member = api.member(merchant)
    purchase(client, merchant, member, 12_300)  # 100 sign-up + 123 earned
    client.post("/api/v1/me/checkins", headers=member["headers"])  # + 5 = 228 issued

    staff_login(page, merchant, owner)

    expect(page).to_have_url(re.compile(r"#/dashboard$"))
    expect(page.locator("[data-kpi=issued] strong")).to_have_text("228")
    expect(page.locator("[data-kpi=liability_fen] strong")).to_have_text("¥2.28")
    expect(page.locator("#engagement [data-kpi=checkins] strong")).to_have_text("1")
    series = page.locator("#chart-series").evaluate(CHART_PIXELS)
    assert series["drawn"] > 0 and sum(series["data"][0]) == 228
    assert page.locator("#chart-tiers").evaluate(CHART_PIXELS)["data"] == [[1, 0, 0]]
    assert menu(page) == ["dashboard", "reports", "vouchers", "packages", "members", "followups",
                          "adjustments", "items", "orders", "rules", "campaigns", "audit",
                          "counter", "wallet", "lotteries", "contests", "segments", "imports",
                          "webhooks"]
    screenshot(page, "console-dashboard")

    with page.expect_download() as download:
        page.get_by_role("button", name="概览 CSV").click()
    report = download.value.path().read_text(encoding="utf-8")
    assert report.startswith("\ufeff指标,数值") and "发放积分,228" in report

    page.locator("#lang").select_option("en")
    expect(page.locator("#nav a.active")).to_have_text("Dashboard")


def test_the_dashboard_ranks_referrers_with_their_conversion(api, client, page):
    merchant = api.merchant()
    referrer = api.member(merchant)
    code = client.get("/api/v1/me/referral", headers=referrer["headers"]).json["code"]
    referees = [api.member(merchant, referral_code=code) for _ in range(2)]
    purchase(client, merchant, referees[0], 10_000)  # one of the two qualifies
    staff_login(page, merchant, api.staff(merchant, "manager"))

    row = page.locator("#referrers tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(referrer["card_no"])
    assert [cell.strip() for cell in row.locator("td").all_inner_texts()][3:6] == [
        "2", "1", "50.0%"]


def test_a_manager_creates_an_item_with_a_sale_window_and_puts_it_on_sale(api, client, page):
    merchant = api.merchant()
    manager = api.staff(merchant, "manager")
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(second=0, microsecond=0)
    staff_login(page, merchant, manager)

    page.locator("#nav a[href='#/items']").click()
    page.get_by_role("link", name="新建商品").click()
    form = page.locator("#item-form")
    form.locator("[name=title]").fill("水光针体验 Hydra trial")
    form.locator("[name=type]").select_option("service")
    form.locator("[name=points_price]").fill("80")
    form.locator("[name=cash_price_fen]").fill("19.90")
    form.locator("[name=stock]").fill("5")
    form.locator("[name=sale_starts_at]").fill(f"{now - timedelta(days=1):%Y-%m-%dT%H:%M}")
    form.locator("[name=sale_ends_at]").fill(f"{now + timedelta(days=7):%Y-%m-%dT%H:%M}")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"#/items/\d+$"))
    item_id = int(page.url.rsplit("/", 1)[1])

    stock = page.locator("#stock-form")
    stock.locator("[name=units]").fill("3")
    stock.get_by_role("button", name="增加库存").click()
    expect(page.locator("#stock-now")).to_have_text("8")
    screenshot(page, "console-item-editor")

    page.get_by_role("link", name="返回").click()
    row = page.locator("tr", has_text="水光针体验")
    expect(row.locator(".badge")).to_have_text("草稿")
    row.get_by_role("button", name="上架").click()
    expect(page.locator("tr", has_text="水光针体验").locator(".badge")).to_have_text("在售")
    screenshot(page, "console-items")

    item = client.get(f"/api/v1/admin/items/{item_id}", headers=manager["headers"]).json
    assert (item["status"], item["stock"], item["cash_price_fen"]) == ("on_sale", 8, 1990)
    assert datetime.fromisoformat(item["sale_starts_at"]) == now - timedelta(days=1)
    shelf = client.get("/api/v1/mall/items", headers=api.member(merchant)["headers"]).json
    assert [i["id"] for i in shelf["items"]] == [item_id]


def test_support_requests_a_large_adjustment_and_a_manager_approves_it(api, client, page):
    merchant = api.merchant()
    support = api.staff(merchant, "support")
    manager = api.staff(merchant, "manager")
    member = api.member(merchant)
    staff_login(page, merchant, support)
    assert menu(page) == ["members", "followups", "adjustments", "rules"]

    page.locator("#member-search [name=q]").fill(member["card_no"])
    page.locator("#member-search button[type=submit]").click()
    page.get_by_role("link", name=member["card_no"]).click()
    adjust = page.locator("#adjust-form")
    adjust.locator("[name=delta]").fill("1500")  # above the default threshold of 1000
    adjust.locator("[name=reason_code]").select_option("compensation")
    adjust.locator("[name=note]").fill("术后补偿 aftercare")
    adjust.locator("button[type=submit]").click()
    expect(page.locator(".toast")).to_have_text("待审批")
    expect(page.locator("[data-fact=balance]")).to_have_text("100")

    page.locator("#logout").click()
    expect(page.locator("#login-form")).to_be_visible()
    staff_login(page, merchant, manager)
    page.locator("#nav a[href='#/adjustments']").click()
    row = page.locator("tr", has_text="术后补偿")
    expect(row).to_contain_text("+1500")
    screenshot(page, "console-approval-queue")
    row.get_by_role("button", name="批准").click()
    expect(page.locator(".toast")).to_have_text("已批准，积分已入账")
    expect(page.locator("tr", has_text="术后补偿")).to_have_count(0)

    page.goto(f"/console/#/members/{member['id']}")
    expect(page.locator("[data-fact=balance]")).to_have_text("1600")
    expect(page.locator("tbody tr").first).to_contain_text("+1500")
    screenshot(page, "console-member")
    points = client.get("/api/v1/me/points", headers=member["headers"]).json
    assert points["balance"] == 1600


def test_a_clerk_confirms_a_voucher_before_writing_it_off_and_a_second_scan_is_explained(
        api, client, page):
    merchant = api.merchant()
    item = create_item(client, api.staff(merchant, "owner"), title="补水护理 Hydrating facial",
                       type="service", points_price=30)
    member = api.member(merchant)
    client.patch("/api/v1/me", headers=member["headers"],
                 json={"nickname": "爱丽丝", "phone": "13800005678"})
    bought = placed(client, member, item)
    voucher = bought["vouchers"][0]
    clerk = api.staff(merchant, "clerk")
    staff_login(page, merchant, clerk)
    assert menu(page) == ["vouchers", "packages", "members", "followups", "rules", "counter",
                          "wallet"]

    code = page.locator("#redeem-form [name=code]")
    code.fill(voucher["qr_payload"])  # what a scanner types
    code.press("Enter")
    confirm = page.locator("#voucher-confirm")
    expect(confirm).to_contain_text("爱丽丝 · 138****5678")
    expect(confirm).to_contain_text("补水护理")
    expect(confirm).to_contain_text(bought["order_no"])
    accessibility(page, "write-off confirmation")
    screenshot(page, "console-write-off-confirm")
    confirm.get_by_role("button", name="确认核销").click()
    expect(page.locator("#written-off li")).to_contain_text("核销成功：爱丽丝")

    code.fill(voucher["code"])
    code.press("Enter")
    expect(confirm).to_contain_text("已于")
    expect(confirm).to_contain_text("核销，不能重复使用")
    expect(confirm.get_by_role("button", name="确认核销")).to_have_count(0)
    expect(page.locator("#written-off li")).to_have_count(1)
    screenshot(page, "console-write-off")


def test_a_manager_ships_one_order_with_a_tracking_number_and_refunds_another(api, client,
                                                                               page):
    merchant = api.merchant()
    manager = api.staff(merchant, "manager")
    item = create_item(client, manager, title="面膜礼盒 Mask gift box", points_price=40)
    member = api.member(merchant)
    shipped, refunded = placed(client, member, item), placed(client, member, item)
    staff_login(page, merchant, manager)
    page.locator("#nav a[href='#/orders']").click()

    page.locator("tr", has_text=shipped["order_no"]).get_by_role("button", name="发货").click()
    dialog = page.locator("#ship-dialog")
    dialog.locator("[name=tracking_no]").fill("SF1234567890")
    screenshot(page, "console-ship-dialog")
    dialog.get_by_role("button", name="发货").click()
    row = page.locator("tr", has_text=shipped["order_no"])
    expect(row.locator(".badge")).to_have_text("已发货")
    expect(row).to_contain_text("SF1234567890")

    refund = page.locator("tr", has_text=refunded["order_no"]).get_by_role("button", name="退款")
    refund.click()
    page.locator("#refund-dialog").get_by_role("button", name="取消").click()
    expect(page.locator("#refund-dialog")).to_have_count(0)
    assert balance(client, member) == 20  # cancelled: nothing happened
    refund.click()
    page.locator("#refund-dialog").get_by_role("button", name="退款").click()
    expect(page.locator("tr", has_text=refunded["order_no"]).locator(".badge")).to_have_text(
        "已退款")
    screenshot(page, "console-orders")
    assert balance(client, member) == 60
    assert db_stock(client, manager, item) == 9


def test_an_owner_credits_an_activity_reverses_it_and_anonymises_the_member(api, client, page):
    merchant = api.merchant()
    owner, member = api.staff(merchant, "owner"), api.member(merchant)
    staff_login(page, merchant, owner)
    page.goto(f"/console/#/members/{member['id']}")

    activity = page.locator("#activity-form")
    activity.locator("[name=task_code]").select_option("skin_test")
    activity.get_by_role("button", name="发放").click()
    expect(page.locator("[data-fact=balance]")).to_have_text("130")
    activity.locator("[name=task_code]").select_option("skin_test")
    activity.get_by_role("button", name="发放").click()  # once a month
    expect(activity.locator(".error")).to_have_attribute("data-code", "LIMIT_EXCEEDED")

    page.locator("tbody tr").first.get_by_role("button", name="撤销").click()
    dialog = page.locator("#reverse-dialog")
    dialog.locator("[name=reason]").fill("误操作 wrong member")
    dialog.get_by_role("button", name="撤销").click()
    expect(page.locator("[data-fact=balance]")).to_have_text("100")
    expect(page.locator("tbody tr").first).to_contain_text("误操作 wrong member")
    reversed_entry = page.locator("tbody tr").nth(1)
    expect(reversed_entry).to_contain_text("已撤销")  # reversed once: no second 撤销
    expect(reversed_entry.get_by_role("button", name="撤销")).to_have_count(0)
    screenshot(page, "console-member-actions")

    page.get_by_role("button", name="注销个人信息").click()
    page.locator("#anonymise-dialog").get_by_role("button", name="注销个人信息").click()
    expect(page.get_by_role("button", name="注销个人信息")).to_have_count(0)
    assert client.get("/api/v1/me", headers=member["headers"]).status_code == 401
    ledger = client.get(f"/api/v1/admin/members/{member['id']}/transactions",
                        headers=owner["headers"]).json["items"]
    assert [entry["amount"] for entry in ledger] == [-30, 30, 100]


def test_the_rules_editor_shows_the_servers_field_errors_next_to_the_fields(api, client, page):
    merchant = api.merchant()
    owner = api.staff(merchant, "owner")
    staff_login(page, merchant, owner)
    page.locator("#nav a[href='#/rules']").click()
    threshold = page.locator("[name='tiers.1.threshold']")

    threshold.fill("-5")
    page.locator("#rules-form button[type=submit]").click()
    expect(page.locator("[data-path='tiers.1.threshold'] .field-error")).not_to_be_empty()
    expect(page.locator("#rules-form > .error")).to_have_attribute("data-code", "VALIDATION_ERROR")
    screenshot(page, "console-rules-errors")

    threshold.fill("6000")
    page.locator("#rules-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"v2$"))
    rules = client.get("/api/v1/admin/rules", headers=owner["headers"]).json
    assert rules["rules"]["tiers"][1]["threshold"] == 6000

    history = page.locator("#rules-history tbody tr")
    expect(history.first).to_contain_text("v2")
    expect(history.first).to_contain_text("会员等级 · #2 · 成长值门槛")
    history.last.get_by_role("button", name="载入编辑").click()  # v1 back into the form
    expect(threshold).to_have_value("5000")
    page.locator("#rules-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"v3$"))
    screenshot(page, "console-rules-history")
    rules = client.get("/api/v1/admin/rules", headers=owner["headers"]).json
    assert rules["rules"]["tiers"][1]["threshold"] == 5000


def test_the_campaigns_editor_shows_the_servers_field_errors_then_creates(api, page):
    merchant = api.merchant()
    staff_login(page, merchant, api.staff(merchant, "manager"))
    page.locator("#nav a[href='#/campaigns']").click()
    form = page.locator("#campaign-form")
    form.locator("[name=name]").fill("周年庆双倍积分 Anniversary")
    form.locator("[name=multiplier]").fill("50")  # above the maximum of 20
    form.locator("[name=starts_at]").fill("2030-05-01T00:00")
    form.locator("[name=ends_at]").fill("2030-05-08T00:00")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-path=multiplier] .field-error")).not_to_be_empty()

    form.locator("[name=multiplier]").fill("2")
    form.locator("button[type=submit]").click()
    expect(page.locator("tr", has_text="周年庆双倍积分")).to_contain_text("× 2")
    screenshot(page, "console-campaigns")


def test_a_rejected_access_token_is_refreshed_once_and_the_page_still_loads(api, page):
    merchant = api.merchant()
    staff_login(page, merchant, api.staff(merchant, "owner"))
    first = page.evaluate(SPOIL_ACCESS_TOKEN)

    page.reload()
    expect(page.locator("[data-kpi=issued] strong")).to_have_text("0")
    session = page.evaluate("() => JSON.parse(localStorage.getItem('jifen.console'))")
    assert session["access"] != "spoilt" and session["refresh"] != first["refresh"]
