"""Clinic care in a real browser: a package written off after confirming, my follow-ups,
the advisor on the member page, and the member's packages in the preview."""

import re

from playwright.sync_api import expect

from tests.care.shop import package_item, sell
from tests.console.steps import member_login, menu, screenshot, staff_login


def test_a_clerk_confirms_a_package_write_off_and_completes_a_follow_up(api, client, page):
    merchant = api.merchant()
    owner, clerk = api.staff(merchant, "owner"), api.staff(merchant, "clerk", "小美")
    member = api.member(merchant)
    client.put(f"/api/v1/admin/members/{member['id']}/advisor", headers=owner["headers"],
               json={"staff_id": clerk["id"]})
    sold = sell(client, merchant, member, package_item(client, owner)).json
    staff_login(page, merchant, clerk)
    assert "packages" in menu(page) and "followups" in menu(page)

    page.locator("#nav a[href='#/packages']").click()
    code = page.locator("#package-form [name=code]")
    code.fill(sold["qr_payload"])  # what a scanner types
    code.press("Enter")
    dialog = page.locator("#package-confirm")
    expect(dialog).to_contain_text(member["card_no"])
    expect(dialog).to_contain_text("剩余 3/3 次")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("#package-uses li")).to_contain_text("剩余 2/3 次")
    screenshot(page, "console-package-write-off")

    page.locator("#nav a[href='#/followups']").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(6)  # the sale and the use, 3 each, assigned to the advisor
    rows.first.get_by_role("button", name="完成回访").click()
    follow_up = page.locator("#follow-up-dialog")
    follow_up.locator("[name=credit]").check()
    follow_up.locator("button[type=submit]").click()
    expect(page.locator("table tbody tr").first).to_contain_text("已完成")
    assert client.get("/api/v1/me/points", headers=member["headers"]).json["balance"] == (
        100 + 30 + 20)  # sign-up, the sale's cash, the care visit

    page.goto(f"/console/#/members/{member['id']}")
    expect(page.locator("#advisor-form")).to_contain_text("小美")

    member_login(page, merchant, member["openid"])
    expect(page.locator("#advisor")).to_contain_text("小美")
    page.goto(page.url.split("#")[0] + "#/packages")
    card = page.locator(f"#packages [data-code='{sold['code']}']")
    expect(card).to_contain_text("剩余 2/3 次")
    expect(card.locator("img")).to_have_attribute("src", re.compile(r"^blob:"))
