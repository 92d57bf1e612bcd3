"""Prepaid liability (principal and gift, per store and in total) and movements per period."""

from datetime import date

from sqlalchemy import func, select

from analytics.periods import local_range
from core.extensions import db
from core.models import Merchant, Store
from wallet.models import WalletAccount, WalletEntry

MOVEMENTS = ("topup", "payment", "payment_refund", "topup_refund", "gift_forfeit")


def report(merchant: Merchant, start: date | None, end: date | None) -> dict:
    """Outstanding principal and gift now, per store, and what moved in the period."""
    period = local_range(merchant.timezone, start, end)
    total = db.session.execute(select(
        func.coalesce(func.sum(WalletAccount.principal_fen), 0),
        func.coalesce(func.sum(WalletAccount.gift_fen), 0)).where(
        WalletAccount.merchant_id == merchant.id)).one()
    return {"from": period.start.isoformat(), "to": period.end.isoformat(),
            "liability_principal_fen": int(total[0]), "liability_gift_fen": int(total[1]),
            **_movements(merchant.id, period), "stores": _per_store(merchant.id)}


def _movements(merchant_id: int, period) -> dict:
    rows = db.session.execute(select(
        WalletEntry.type, func.sum(WalletEntry.principal_fen), func.sum(WalletEntry.gift_fen))
        .where(WalletEntry.merchant_id == merchant_id,
               WalletEntry.created_at >= period.since, WalletEntry.created_at < period.until)
        .group_by(WalletEntry.type)).all()
    sums = {kind: (int(p), int(g)) for kind, p, g in rows}
    out = {}
    for kind in MOVEMENTS:
        principal, gift = sums.get(kind, (0, 0))
        out[f"{kind}_principal_fen"], out[f"{kind}_gift_fen"] = abs(principal), abs(gift)
    return out


def _per_store(merchant_id: int) -> list[dict]:
    """Net principal and gift by the store where the money moved (none: the mini-program)."""
    rows = db.session.execute(select(
        WalletEntry.store_id, Store.name, func.sum(WalletEntry.principal_fen),
        func.sum(WalletEntry.gift_fen))
        .outerjoin(Store, Store.id == WalletEntry.store_id)
        .where(WalletEntry.merchant_id == merchant_id)
        .group_by(WalletEntry.store_id, Store.name).order_by(WalletEntry.store_id)).all()
    return [{"store_id": sid, "store_name": name, "principal_fen": int(p), "gift_fen": int(g)}
            for sid, name, p, g in rows]


def csv_rows(data: dict) -> list[dict]:
    """The report as metric/value rows, stores last."""
    rows = [{"metric": k, "value": v} for k, v in data.items() if k != "stores"]
    for store in data["stores"]:
        name = store["store_name"] or "online"
        rows.append({"metric": f"store:{name}:principal_fen", "value": store["principal_fen"]})
        rows.append({"metric": f"store:{name}:gift_fen", "value": store["gift_fen"]})
    return rows
