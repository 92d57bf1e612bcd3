"""CSV reports for clinic staff: Chinese headers, yuan beside fen, a header when empty."""

from analytics.reports import yuan
from tests.helpers import purchase


def _csv(client, staff, name, query=""):
    response = client.get(f"/api/v1/admin/analytics/{name}.csv{query}",
                          headers=staff["headers"])
    assert response.status_code == 200, response.data
    return response.get_data(as_text=True).removeprefix("\ufeff").splitlines()


def test_yuan_is_exact_for_any_number_of_fen():
    assert [yuan(0), yuan(5), yuan(1990), yuan(-1990), yuan(10**12 + 1)] == [
        "0.00", "0.05", "19.90", "-19.90", "10000000000.01"]


def test_empty_reports_still_have_their_chinese_header_row(api, client):
    owner = api.staff(api.merchant())
    assert _csv(client, owner, "churn") == ["会员编号,会员卡号,昵称,最近活动时间,积分余额"]
    assert _csv(client, owner, "items") == [
        "商品编号,商品,类型,件数,积分,现金（分）,现金（元）,订单数"]
    assert _csv(client, owner, "referrals") == [
        "排名,会员编号,昵称,会员卡号,邀请人数,推荐成功,获得积分,转化率"]


def test_money_columns_keep_fen_and_add_yuan(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant)
    summary = _csv(client, owner, "summary")
    assert summary[0] == "指标,数值"
    assert "积分负债（分）,0" in summary and "积分负债（元）,0.00" in summary


def test_referrals_csv_lists_the_referrers(api, client):
    merchant = api.merchant()
    owner, alice = api.staff(merchant), api.member(merchant)
    code = client.get("/api/v1/me/referral", headers=alice["headers"]).json["code"]
    friend = api.member(merchant, referral_code=code)
    purchase(client, merchant, friend, 100_00)  # the first purchase qualifies the referral
    rows = _csv(client, owner, "referrals")
    assert rows[1].startswith(f"1,{alice['id']},") and ",1,1," in rows[1]
