"""Each report once, served as JSON and as CSV (UTF-8 with BOM so Excel reads Chinese).

CSV speaks to the clinic: Chinese headers, every `*_fen` column kept and followed by the
same amount in yuan, and the header row even when there are no rows."""

import csv
import io

from flask import Response

BOM = "\ufeff"
HEADERS = {
    "metric": "指标", "value": "数值", "period": "时间段", "issued": "发放积分",
    "redeemed": "消耗积分", "expired": "过期积分", "redemption_rate": "兑换率",
    "liability_points": "未使用积分", "liability_fen": "积分负债（分）",
    "new_members": "新会员", "active_members": "活跃会员", "from": "开始日期", "to": "结束日期",
    "checkins": "签到次数", "checkin_members": "签到人数", "shares": "分享次数",
    "share_visits": "分享打开人数", "rewarded_visits": "获奖励的打开",
    "referrals_invited": "邀请注册", "referrals_qualified": "推荐成功",
    "activity_tasks": "活动积分次数", "member_id": "会员编号", "card_no": "会员卡号",
    "nickname": "昵称", "last_activity_at": "最近活动时间", "balance": "积分余额",
    "points": "积分", "first_expiry_at": "最早过期时间", "buyers": "购买人数",
    "repeat_buyers": "复购人数", "repurchase_rate": "复购率", "item_id": "商品编号",
    "title": "商品", "type": "类型", "units": "件数", "cash_fen": "现金（分）", "orders": "订单数",
    "rank": "排名", "invited": "邀请人数", "qualified": "推荐成功", "points_earned": "获得积分",
    "conversion_rate": "转化率", "staff_id": "员工编号", "name": "姓名", "members": "会员数",
    "pos_sales_fen": "门店消费（分）", "packages_sold": "售出疗程卡", "sessions_used": "已核销次数",
    "follow_ups_due": "待回访", "follow_ups_done_on_time": "按时回访",
    "follow_ups_done_late": "逾期完成回访", "follow_ups_overdue": "已逾期回访",
}
VALUES = {"type": {"goods": "实物", "service": "服务", "coupon": "优惠券"}}


def header(key: str) -> str:
    """A column's Chinese header (the key itself when it has none)."""
    return HEADERS.get(key, key)


def yuan_header(key: str) -> str:
    """The header of the yuan column that follows a `*_fen` column."""
    return header(key).replace("（分）", "") + "（元）"


def yuan(fen) -> str:
    """Fen as yuan with two decimals (exact: integer arithmetic)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def columns_of(schema) -> list[str]:
    """A row schema's keys, in declaration order (so an empty report still has a header)."""
    return [field.data_key or name for name, field in schema().fields.items()]


def to_csv(rows: list[dict], filename: str, columns: list[str] | None = None) -> Response:
    """A CSV download of flat rows: Chinese headers, a yuan column after each fen column.

    Without `columns` the first row's keys are the columns (rows already in words)."""
    columns = columns if columns is not None else list(rows[0]) if rows else []
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow([title for key in columns for title in _titles(key)])
    for row in rows:
        writer.writerow([cell for key in columns for cell in _cells(key, row.get(key))])
    return Response(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _titles(key: str) -> list[str]:
    return [header(key), yuan_header(key)] if key.endswith("_fen") else [header(key)]


def _cells(key: str, value) -> list:
    if key.endswith("_fen"):
        return [value, "" if value is None else yuan(value)]
    return [VALUES.get(key, {}).get(value, value)]


def metric_rows(report: dict) -> list[dict]:
    """A report of single figures as metric/value rows (fen figures also in yuan)."""
    rows = []
    for key, value in report.items():
        if isinstance(value, dict):
            continue
        rows.append({"metric": header(key), "value": value})
        if key.endswith("_fen"):
            rows.append({"metric": yuan_header(key), "value": yuan(value)})
    return rows


def summary_rows(report: dict, tier_names: dict[str, str]) -> list[dict]:
    """The summary as metric/value rows, tier counts by the tiers' names."""
    return metric_rows(report) + [
        {"metric": f"会员等级：{tier_names.get(code, code)}", "value": n}
        for code, n in report["tier_distribution"].items()]
