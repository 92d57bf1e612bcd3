"""The CRM pages in a real browser: import with its dry-run report, then a segment's live count
and tags on the member page."""

from playwright.sync_api import expect

from tests.console.steps import menu, screenshot, staff_login

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
