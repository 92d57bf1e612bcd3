"""Treatment packages (疗程卡 · 次卡): issued by paid mall orders and counter sales, written
off one session per visit, refunded pro rata, extended by managers.

Uses of one package are serialised on the package row (SELECT … FOR UPDATE; SQLite
transactions begin IMMEDIATE); `sessions_left >= 0` is a check constraint besides.
"""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.models import Staff
from care import followups
from care import rules as pure
from care.models import Package, PackageUse
from core import audit, events, merchants
from core.clock import now
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.models import Merchant
from loyalty import earning, ledger, members
from loyalty.statements import qr_png
from mall import items
from mall.vouchers import new_code
from till import paycodes

QR_PREFIX = "jifen://package/"


def issue_for_order(order) -> None:
    """One package per unit of a paid mall order of a package item (caller commits)."""
    item = order.item
    if item.type != "package":
        return
    for _ in range(order.quantity):
        db.session.add(_new(item, order.member_id, price_fen=item.cash_price_fen,
                            points=item.points_price, order_id=order.id))
    db.session.flush()


def void_for_order(order) -> None:
    """A cancelled or refunded mall order voids its packages; a used one must be refunded
    through the package instead (pro rata), so the order is refused."""
    rows = db.session.execute(select(Package).where(Package.order_id == order.id)
                              .with_for_update()).scalars().all()
    if any(p.sessions_left < p.sessions_total or p.status != "active" for p in rows):
        raise Conflict("A package of this order was used or refunded: refund the package.")
    for package in rows:
        package.status, package.sessions_left = "void", 0


def _new(item, member_id: int, **fields) -> Package:
    return Package(merchant_id=item.merchant_id, member_id=member_id, item_id=item.id,
                   code=new_code(), title=item.title, category=item.category,
                   sessions_total=item.sessions, sessions_left=item.sessions,
                   expires_at=now() + timedelta(days=item.valid_days), **fields)


def sell(merchant: Merchant, *, sale_no: str, package_code: str, amount_fen: int,
         member: dict | None = None, pay_code: str | None = None) -> dict:
    """A counter sale, once per sale_no: the package, and points for the cash as a purchase."""
    existing = _sale(merchant.id, sale_no)
    if existing is not None:
        return answer(existing)
    if pay_code is not None:
        buyer = members.get(merchant.id, paycodes.peek(merchant_id=merchant.id, code=pay_code))
    else:
        buyer = members.find(merchant.id, **member)
    members.ensure_active(buyer)
    item = _package_item(merchant.id, package_code)
    package = _new(item, buyer.id, price_fen=amount_fen, points=0, sale_no=sale_no)
    db.session.add(package)
    try:
        db.session.flush()  # the unique (merchant, sale_no) row is the once-only guarantee
    except IntegrityError:
        db.session.rollback()
        return answer(_sale(merchant.id, sale_no))
    earned = earning.record_purchase(  # commits the package with the purchase
        merchant, order_no=_order_no(sale_no), member={"member_id": buyer.id},
        amount_fen=amount_fen, paid_at=now(), category=item.category)
    db.session.commit()
    return {**answer(package), "points_earned": earned["points_earned"]}


def _order_no(sale_no: str) -> str:
    return f"package:{sale_no}"


def _package_item(merchant_id: int, package_code: str):
    item = items.get(merchant_id, int(package_code)) if package_code.isdigit() else None
    if item is None or item.type != "package" or item.status == "off_sale":
        raise NotFound("Unknown package item.", details={"package_code": package_code})
    return item


def _sale(merchant_id: int, sale_no: str) -> Package | None:
    return db.session.execute(select(Package).where(
        Package.merchant_id == merchant_id, Package.sale_no == sale_no)).scalar_one_or_none()


def find(merchant_id: int, code: str, *, lock: bool = False) -> Package:
    """A package of this merchant by its code or scanned QR payload, or NOT_FOUND."""
    code = code.strip().removeprefix(QR_PREFIX).upper()
    query = select(Package).where(Package.merchant_id == merchant_id, Package.code == code)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    package = db.session.execute(query).scalar_one_or_none()
    if package is None:
        raise NotFound("Unknown package.")
    return package


def use(staff: Staff, *, code: str, use_no: str, technician_id: int | None = None,
        store_id: int | None = None) -> dict:
    """Write off one session, once per use_no; none left, expired or refunded → 409."""
    replay = _replay(staff.merchant_id, use_no, code)
    if replay is not None:
        return replay
    package = find(staff.merchant_id, code, lock=True)  # one write-off of a package at a time
    replay = _replay(staff.merchant_id, use_no, code)  # the same scan won the lock first
    if replay is not None:
        return replay
    _check_use(staff, package, technician_id, store_id)
    package.sessions_left -= 1
    record = PackageUse(merchant_id=staff.merchant_id, package_id=package.id, use_no=use_no,
                        staff_id=staff.id, technician_id=technician_id, store_id=store_id,
                        sessions_left=package.sessions_left, used_at=now())
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:  # the same use_no on another package, committed meanwhile
        db.session.rollback()
        return _replay(staff.merchant_id, use_no, code)
    followups.on_order(db.session.get(Merchant, staff.merchant_id), member_id=package.member_id,
                       order_no=f"use:{use_no}", category=package.category, at=record.used_at)
    audit.record(merchant_id=staff.merchant_id, action="package.use", target_type="package",
                 target_id=package.code, after={"use_no": use_no,
                                                "sessions_left": package.sessions_left})
    db.session.commit()
    return use_answer(package, record)


def _check_use(staff: Staff, package: Package, technician_id, store_id) -> None:
    merchants.store_of(staff.merchant_id, store_id)
    if technician_id is not None:
        technician = db.session.get(Staff, technician_id)
        if technician is None or technician.merchant_id != staff.merchant_id:
            raise ValidationFailed(details={"technician_id": ["Not a staff member here."]})
    status = package.shown_status(now())
    if status != "active":
        raise Conflict(f"This package is {status}.",
                       details={"status": status, "sessions_left": package.sessions_left})


def _replay(merchant_id: int, use_no: str, code: str) -> dict | None:
    record = db.session.execute(select(PackageUse).where(
        PackageUse.merchant_id == merchant_id, PackageUse.use_no == use_no)
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if record is None:
        return None
    package = db.session.get(Package, record.package_id)
    if package.code != code.strip().removeprefix(QR_PREFIX).upper():
        raise Conflict("This use_no was used for another package.", details={"use_no": use_no})
    return use_answer(package, record)


def use_answer(package: Package, record: PackageUse) -> dict:
    """What a write-off answers (the first time and on every replay)."""
    return {"use_no": record.use_no, "code": package.code, "title": package.title,
            "member_id": package.member_id, "sessions_total": package.sessions_total,
            "sessions_left": record.sessions_left, "used_at": record.used_at,
            "staff_id": record.staff_id, "technician_id": record.technician_id,
            "store_id": record.store_id}


def refund(staff: Staff, code: str) -> dict:
    """Refund the unused sessions pro rata, once; used sessions stay paid."""
    package = find(staff.merchant_id, code, lock=True)
    if package.status == "refunded":
        return answer(package)
    unused = package.sessions_left
    cash, points = pure.refund_share(price_fen=package.price_fen, points=package.points,
                                     sessions_total=package.sessions_total,
                                     sessions_unused=unused)
    before = answer(package)
    package.status, package.sessions_left, package.refunded_at = "refunded", 0, now()
    package.refunded_sessions, package.refunded_fen, package.refunded_points = unused, cash, points
    audit.record(merchant_id=staff.merchant_id, action="package.refund", target_type="package",
                 target_id=package.code, before=_plain(before), after=_plain(answer(package)))
    _give_back(staff, package, cash, points)  # a counter sale's claw-back commits it all
    db.session.commit()
    return answer(package)


def _give_back(staff: Staff, package: Package, cash: int, points: int) -> None:
    """Mall packages get their points back; counter sales lose the points their cash earned."""
    if points > 0:
        ledger.post(merchant_id=package.merchant_id, member_id=package.member_id, amount=points,
                    type="refund", reason="package_refund",
                    ref=ledger.Ref("care_package", package.code), operator_id=staff.id,
                    idempotency_key=f"package-refund:{package.id}")
    if package.sale_no is not None and cash > 0:
        earning.record_refund(db.session.get(Merchant, package.merchant_id),
                              order_no=_order_no(package.sale_no),
                              refund_no=f"package-refund:{package.code}", amount_fen=cash)


def extend(staff: Staff, code: str, expires_at: datetime) -> dict:
    """A manager moves the expiry later (also of an expired package), audited."""
    package = find(staff.merchant_id, code, lock=True)
    if package.status == "refunded":
        raise Conflict("A refunded package cannot be extended.", details={"status": "refunded"})
    if expires_at <= max(now(), package.expires_at):
        raise ValidationFailed(details={"expires_at": ["Must be later than now and than the "
                                                       "current expiry."]})
    before = package.expires_at
    package.expires_at = expires_at
    audit.record(merchant_id=staff.merchant_id, action="package.extend", target_type="package",
                 target_id=package.code, before={"expires_at": before.isoformat()},
                 after={"expires_at": expires_at.isoformat()})
    db.session.commit()
    return answer(package)


def _plain(data: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()
            if k != "uses"}


def answer(package: Package) -> dict:
    """A package as staff and its member see it."""
    return {"code": package.code, "qr_payload": QR_PREFIX + package.code,
            "title": package.title, "member_id": package.member_id,
            "category": package.category, "sessions_total": package.sessions_total,
            "sessions_left": package.sessions_left, "expires_at": package.expires_at,
            "status": package.shown_status(now()), "price_fen": package.price_fen,
            "points": package.points, "refunded_fen": package.refunded_fen,
            "refunded_points": package.refunded_points, "sale_no": package.sale_no,
            "order_id": package.order_id, "created_at": package.created_at,
            "uses": package.uses}


def of_member(member) -> list[dict]:
    """The member's packages, newest first, with their uses."""
    rows = db.session.execute(select(Package).where(
        Package.merchant_id == member.merchant_id, Package.member_id == member.id)
        .order_by(Package.id.desc())).scalars().all()
    return [answer(p) for p in rows]


def qr_image(member, code: str) -> bytes:
    """The PNG QR code of one of the member's own packages."""
    package = find(member.merchant_id, code)
    if package.member_id != member.id:
        raise NotFound("Unknown package.")
    return qr_png(QR_PREFIX + package.code)


def preview(merchant_id: int, code: str) -> dict:
    """A package with its member's name and card, for the clerk to confirm a write-off."""
    package = find(merchant_id, code)
    member = members.get(merchant_id, package.member_id)
    return {**answer(package), "member_nickname": member.nickname,
            "member_card_no": member.card_no}


events.subscribe(events.MALL_ORDER_PAID, issue_for_order)
events.subscribe(events.MALL_ORDER_VOIDED, void_for_order)
