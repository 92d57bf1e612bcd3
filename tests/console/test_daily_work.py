"""Clinic staff's and members' daily work in words, names and pictures (issue 15), each page
scanned with axe-core (no serious or critical violation) and kept as screenshots."""

import io

from PIL import Image
from playwright.sync_api import expect

from tests.console.steps import accessibility, member_login, screenshot, staff_login
from tests.mall.shop import create_item, placed


def _named_member(api, client, merchant, nickname, phone, **extra):
    member = api.member(merchant, **extra)
    client.patch("/api/v1/me", headers=member["headers"],
                 json={"nickname": nickname, "phone": phone})
    return member


def test_logged_out_pages_hide_the_logout_button_and_pass_the_accessibility_scan(
        api, page):
    page.goto("/console/")
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#logout")).to_be_hidden()
    expect(page.locator("#login-form")).to_contain_text("机构编号")
    accessibility(page, "console login")
    page.set_viewport_size({"width": 1024, "height": 768})
    screenshot(page, "tablet-console-login")
    page.goto(f"/h5/?appid={api.merchant()['appid']}&code=fake-someone")
    expect(page.locator("#member-login")).to_be_visible()
    expect(page.locator("#logout")).to_be_hidden()
    accessibility(page, "h5 login")


def test_a_clerk_finds_a_member_by_the_last_four_phone_digits_on_a_tablet(api, client, page):
    merchant = api.merchant()
    alice = _named_member(api, client, merchant, "爱丽丝", "13800005678")
    _named_member(api, client, merchant, "鲍勃", "13900001234")
    page.set_viewport_size({"width": 1024, "height": 768})
    staff_login(page, merchant, api.staff(merchant, "clerk"))
    page.locator("#nav a[href='#/members']").click()
    page.locator("#member-search [name=q]").fill("5678")
    page.locator("#member-search [name=q]").press("Enter")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("爱丽丝")
    expect(rows.first).to_contain_text("星耀 Starlight")  # the tier by its name
    accessibility(page, "member search")
    screenshot(page, "tablet-member-search")
    rows.first.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text(f"爱丽丝 · 138****5678 · {alice['card_no']}")
    accessibility(page, "member page")


def test_a_manager_ships_to_the_address_shown_and_reads_the_order_drawer(api, client, page):
    merchant = api.merchant()
    manager = api.staff(merchant, "manager")
    member = _named_member(api, client, merchant, "爱丽丝", "13800005678")
    item = create_item(client, manager, title="面膜礼盒 Mask gift box", points_price=40)
    order = placed(client, member, item, address="上海市静安区南京西路 1 号 3 楼")
    staff_login(page, merchant, manager)
    page.locator("#nav a[href='#/orders']").click()
    row = page.locator("tr", has_text=order["order_no"])
    expect(row).to_contain_text("爱丽丝 · 138****5678")
    expect(row).to_contain_text("南京西路 1 号 3 楼")
    accessibility(page, "orders")

    row.get_by_role("button", name=order["order_no"]).click()
    drawer = page.locator("#order-drawer")
    expect(drawer).to_contain_text("面膜礼盒")
    expect(drawer).to_contain_text("下单")
    accessibility(page, "order drawer")
    screenshot(page, "console-order-drawer")
    page.keyboard.press("Escape")
    expect(drawer).to_have_count(0)

    row.get_by_role("button", name="发货").click()
    dialog = page.locator("#ship-dialog")
    expect(dialog.locator(".ship-address")).to_have_text("上海市静安区南京西路 1 号 3 楼")
    expect(dialog.locator("[name=tracking_no]")).to_be_focused()
    page.keyboard.type("SF1234567890")
    screenshot(page, "console-ship-with-address")
    page.keyboard.press("Enter")
    expect(page.locator("tr", has_text=order["order_no"]).locator(".badge")).to_have_text(
        "已发货")

    page.locator("tr", has_text=order["order_no"]).get_by_role("button", name="退款").click()
    expect(page.locator("#refund-dialog")).to_be_visible()
    page.evaluate("location.hash = '#/members'")  # a dialog never outlives its page
    expect(page.locator("#refund-dialog")).to_have_count(0)
    page.goto(f"/console/#/members/{member['id']}")
    expect(page.locator("#member-orders")).to_contain_text(order["order_no"])


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (194, 24, 91)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_manager_uploads_a_picture_and_members_see_it_and_why_buttons_are_disabled(
        api, client, app, page, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_FOLDER", str(tmp_path))
    merchant = api.merchant()
    manager = api.staff(merchant, "manager")
    create_item(client, manager, title="钻石专享晚霜 Night cream", type="coupon",
                points_price=10, min_tier="diamond")
    create_item(client, manager, title="限量体验 Trial", type="coupon", points_price=10,
                stock=0)
    staff_login(page, merchant, manager)
    page.locator("#nav a[href='#/items']").click()
    page.get_by_role("link", name="新建商品").click()
    form = page.locator("#item-form")
    form.locator("[name=title]").fill("玫瑰精油 Rose oil")
    form.locator("[name=points_price]").fill("30")
    form.locator("[name=stock]").fill("5")
    form.locator("[name=status]").select_option("on_sale")
    expect(form.locator("[name=min_tier] option")).to_have_count(4)  # every member + 3 tiers
    form.locator("#picture-input").set_input_files(
        files=[{"name": "rose.png", "mimeType": "image/png", "buffer": _png()}])
    expect(page.locator("#item-pictures img")).to_have_count(1)
    accessibility(page, "item editor")
    screenshot(page, "console-item-picture")
    form.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("编辑商品")

    member_login(page, merchant, "picture-fan")
    page.get_by_role("link", name="积分商城").click()
    rose = page.locator("article", has_text="玫瑰精油")
    expect(rose.locator("img.picture")).to_have_js_property("naturalWidth", 1200)
    expect(rose.get_by_role("button")).to_be_enabled()
    cream = page.locator("article", has_text="钻石专享晚霜")
    expect(cream.get_by_role("button")).to_be_disabled()
    expect(cream.locator(".reason")).to_have_text("钻石 Diamond及以上会员专享")
    expect(page.locator("article", has_text="限量体验").locator(".reason")).to_have_text("已兑完")
    accessibility(page, "h5 mall")
    screenshot(page, "h5-mall-pictures-and-reasons")

    rose.get_by_role("button").click()
    page.locator("#address-dialog [name=address]").fill("上海市徐汇区 2 号")
    page.locator("#address-dialog").get_by_role("button", name="确认兑换").click()
    expect(page.locator("#orders .order").first).to_contain_text("上海市徐汇区 2 号")
    page.get_by_role("link", name="积分商城").click()
    page.locator("article", has_text="玫瑰精油").get_by_role("button").click()
    expect(page.locator("#address-dialog [name=address]")).to_have_value("上海市徐汇区 2 号")
    page.locator("#address-dialog").get_by_role("button", name="取消").click()


def test_every_console_page_and_member_tab_passes_the_accessibility_scan(api, client, page):
    merchant = api.merchant()
    owner = api.staff(merchant, "owner")
    member = _named_member(api, client, merchant, "爱丽丝", "13800005678")
    placed(client, member, create_item(client, owner, type="service", points_price=10))
    staff_login(page, merchant, owner)
    for path in ("dashboard", "vouchers", "members", "adjustments", "items", "items/new",
                 "orders", "rules", "campaigns", "audit", f"members/{member['id']}"):
        page.goto(f"/console/#/{path}")
        expect(page.locator("main h1").first).to_be_visible()
        accessibility(page, f"console {path}")
    screenshot(page, "console-audit")
    member_login(page, merchant, member["openid"])
    for tab in ("home", "mall", "orders", "share"):
        page.goto(f"/h5/#/{tab}")
        expect(page.locator("#view > *").first).to_be_visible()
        accessibility(page, f"h5 {tab}")
