"""The lottery in a real browser: a manager builds one with an odds preview, a member draws."""

from playwright.sync_api import expect

from tests.console.steps import member_login, screenshot, staff_login
from tests.helpers import balance


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
    screenshot(page, "h5-lottery")
    expect(page.locator("#my-draws li")).to_have_count(1)
    member = api.member(merchant, openid="lucky-member")
    assert balance(client, member) in (90, 140)
