"""The CRM pages in a real browser: import with its dry-run report, then a segment's live count
and tags on the member page."""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.console.steps import (
    CHART_LABELS,
    CHART_PIXELS,
    accessibility,
    menu,
    screenshot,
    staff_login,
)
from tests.crm.test_segments import _store
from tests.helpers import purchase

CSV = ("phone,name,card_no,balance,expires_at,tier,growth_value,joined_at\n"
       "13800000001,王小美,LC0001,1200,2099-06-30,platinum,6000,2019-03-08\n"
       "13800000002,李丽,LC0002,0,,,,\n")


def test_an_owner_imports_members_after_a_dry_run_and_segments_them(api, page):
    merchant = api.merchant()
    owner = api.staff(merchant, "owner")
    staff_login(page, merchant, owner)
    assert menu(page)[-3:] == ["segments", "imports", "webhooks"]

    page.goto("/console/#/imports")
    page.locator("#import-form input[type=file]").set_input_files(
        files=[{"name": "会员.csv", "mimeType": "text/csv", "buffer": CSV.encode("gb18030")}])
    page.locator("#import-form button[type=submit]").click()
    expect(page.locator("#import-summary")).to_contain_text("将新建 2 位")
    page.locator("#import-run").click()
    expect(page.locator("#import-summary")).to_contain_text("已导入：新建 2 位")
    screenshot(page, "console-import")

    page.goto("/console/#/segments")
    form = page.locator("#segment-form")
    expect(page.locator("#segment-count")).to_have_text("2")
    form.locator("[name=min_balance]").fill("1000")
    form.locator("[name=min_balance]").dispatch_event("change")
    expect(page.locator("#segment-count")).to_have_text("1")
    form.locator("[name=name]").fill("高余额")
    form.locator("button[type=submit]").click()
    page.get_by_role("link", name="高余额").click()
    expect(page.locator("#segment-size")).to_have_text("1")
    page.get_by_role("link", name="LC0001").click()
    tags = page.locator("#tags-form")
    tags.locator("[name=tags]").fill("VIP, 敏感肌")
    tags.locator("button[type=submit]").click()
    expect(page.locator(".toast").last).to_have_text("已保存")
    page.reload()
    expect(page.locator("#tags-form [name=tags]")).to_have_value("VIP, 敏感肌")


def test_a_manager_reads_the_member_and_store_reports_with_their_charts(app, api, client, page):
    merchant = api.merchant()
    store_id = _store(app, merchant["id"])
    regular, lapsed = api.member(merchant), api.member(merchant)
    client.patch("/api/v1/me", headers=regular["headers"], json={"gender": "female"})
    now = datetime.now(UTC)
    for days, who, fen in ((1, regular, 10000), (2, regular, 30000), (100, lapsed, 20000),
                           (90, lapsed, 20000)):
        purchase(client, merchant, who, fen, store_id=store_id,
                 paid_at=(now - timedelta(days=days)).isoformat())
    staff_login(page, merchant, api.staff(merchant, "manager"))

    page.goto("/console/#/reports")
    expect(page.locator("[data-kpi=average_ticket] strong")).to_have_text("¥200.00")
    expect(page.locator("[data-kpi=consumption_warnings] strong")).to_have_text("1")
    joined = page.locator("#chart-new-members").evaluate(CHART_PIXELS)
    assert joined["drawn"] > 0 and joined["data"] == [[2]]
    gender = page.locator("#chart-gender").evaluate(CHART_LABELS)
    assert dict(zip(gender["labels"], gender["data"][0], strict=True)) == {"女": 1, "未知": 1}
    stores = page.locator("#chart-stores").evaluate(CHART_LABELS)
    assert stores == {"labels": ["南山店"], "data": [[400]]}  # 400 yuan in the last 30 days
    expect(page.locator("#store-report td").first).to_have_text("南山店")
    expect(page.locator("#warnings a")).to_have_text(f"#{lapsed['id']}")
    accessibility(page, "console-reports")
    screenshot(page, "console-reports")

    with page.expect_download() as download:
        page.get_by_role("button", name="门店报表 CSV").click()
    report = download.value.path().read_text(encoding="utf-8")
    assert report.startswith("\ufeff门店,订单数") and "南山店,2,1,400.00,40000" in report
