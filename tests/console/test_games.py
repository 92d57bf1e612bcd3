"""The lottery in a real browser: a manager builds one with an odds preview, a member draws."""

from playwright.sync_api import expect

from tests.console.steps import member_login, screenshot, staff_login
from tests.helpers import balance, purchase


def test_a_manager_builds_a_lottery_with_an_odds_preview_and_a_member_draws(api, client, page):
    merchant = api.merchant()
    staff_login(page, merchant, api.staff(merchant, "manager"))
    page.locator("#nav a[href='#/lotteries']").click()
    page.locator("a[href='#/lotteries/new']").click()
    form = page.locator("#lottery-form")
    form.locator("[name=title]").fill("幸运大转盘 Lucky wheel")
    form.locator("[name=starts_at]").fill("2020-01-01T00:00")
    form.locator("[name=ends_at]").fill("2099-01-01T00:00")
    form.locator("[name='prizes.0.name']").fill("50积分")
    form.locator("[name='prizes.0.points']").fill("50")
    form.locator("[name='prizes.0.stock']").fill("1")
    form.get_by_role("button", name="添加奖品").click()
    form.locator("[name='prizes.1.name']").fill("谢谢参与")
    form.locator("[name='prizes.1.weight']").fill("3")
    expect(form.locator(".prize .odds").first).to_have_text("概率 25.00%")
    form.locator("button[type=submit]").click()
    expect(page.locator("tr", has_text="幸运大转盘")).to_contain_text("50积分、谢谢参与")
    screenshot(page, "console-lotteries")

    member_login(page, merchant, "lucky-member")
    page.get_by_role("link", name="积分抽奖").click()
    card = page.locator(".lottery").first
    expect(card).to_contain_text("今日还可抽 3 次")
    expect(card.locator(".odds")).to_contain_text("25.00%")
    card.get_by_role("button", name="立即抽奖").click()
    expect(page.locator("#draw-result")).to_contain_text("消耗 10 积分")
    expect(page.locator("#my-draws li")).to_have_count(1)
    expect(card).to_contain_text("今日还可抽 2 次")
    screenshot(page, "h5-lottery")
    member = api.member(merchant, openid="lucky-member")
    assert balance(client, member) in (90, 140)


def test_a_manager_creates_a_contest_and_members_see_the_standings(api, client, page):
    merchant = api.merchant()
    member = api.member(merchant, openid="contest-member")
    client.patch("/api/v1/me", headers=member["headers"], json={"nickname": "李小姐"})
    purchase(client, merchant, member, 12_300)
    staff_login(page, merchant, api.staff(merchant, "manager"))
    page.locator("#nav a[href='#/contests']").click()
    page.locator("a[href='#/contests/new']").click()
    form = page.locator("#contest-form")
    form.locator("[name=title]").fill("本月消费王")
    form.locator("[name=starts_at]").fill("2020-01-01T00:00")
    form.locator("[name=ends_at]").fill("2099-01-01T00:00")
    form.get_by_role("button", name="添加名次段").click()
    form.locator("[name='awards.1.rank_from']").fill("1")  # overlaps rank 1: refused
    form.locator("[name='awards.1.rank_to']").fill("3")
    form.locator("[name='awards.1.points']").fill("50")
    form.locator("button[type=submit]").click()
    expect(form.locator(".error")).to_contain_text("请检查标红的字段")
    form.locator("[name='awards.1.rank_from']").fill("2")
    form.locator("button[type=submit]").click()
    row = page.locator("tr", has_text="本月消费王")
    expect(row).to_contain_text("第2–3名 50积分")
    row.get_by_role("link", name="排行榜").click()
    expect(page.locator("#contest-standings")).to_contain_text("李小姐")
    expect(page.locator("#contest-standings")).to_contain_text("¥123.00")
    screenshot(page, "console-contest-standings")

    member_login(page, merchant, "contest-member")
    page.get_by_role("link", name="积分竞赛").click()
    expect(page.locator(".contest .board")).to_contain_text("李** · ¥123.00")
    expect(page.locator(".contest .me")).to_contain_text("第 1 名")
