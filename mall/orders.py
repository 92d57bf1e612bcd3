"""Mall orders: placing (a Redis hold, then one database transaction), paying, cancelling,
fulfilment and refunds by staff, expiry of unpaid orders, and voucher write-off."""

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from auth.models import Staff
from core import audit, events, merchants
from core.clock import local_date, local_midnight, now
from core.errors import (
    Conflict,
    Forbidden,
    LimitExceeded,
    NotFound,
    OutOfStock,
    ValidationFailed,
)
from core.extensions import db
from core.models import Merchant, Store
from loyalty import ledger, members, tiers
from loyalty.models import LedgerEntry, Member
from mall import items, stock, vouchers
from mall.models import LIVE, VOUCHER_TYPES, Item, Order, Voucher
from mall.payments import provider


def place(merchant_id: int, member_id: int, load_member: Callable[[], Member], *, item_id: int,
          quantity: int, address: str | None = None, store_id: int | None = None,
          request_key: str | None = None) -> Order:
    """Hold stock in Redis, then debit points and write the order in one transaction.

    The debit's ledger key comes from the client's Idempotency-Key (`request_key`), so a
    retried request can never debit twice, even without its stored answer.

    The member is loaded (`load_member`, which raises when they may not order) only after
    the hold, so that a sold-out item is refused without a database query."""
    hold = stock.reserve(merchant_id, member_id, item_id, quantity)
    try:
        member = load_member()
        members.ensure_active(member)
        order = write(member, hold, address=address, store_id=store_id,
                      request_key=request_key)
        _detach(order)
        db.session.commit()
    except Exception:
        db.session.rollback()
        stock.release(hold)
        raise
    stock.settle(hold)
    return order


def write(member: Member, hold: stock.Hold, *, address, store_id, request_key=None) -> Order:
    """Debit the points and write the order of held units, in the caller's transaction."""
    merchant, item, address = _checked(member, hold, address, store_id)
    if ledger.in_sql():
        done = ledger.call("jifen_mall_order", refusals=REFUSALS, merchant=merchant.id,
                           member=member.id, reservation=hold.id,
                           **_in_sql(member, merchant, item, hold, address, store_id,
                                     request_key))
        return written_in_sql(done)
    ledger.lock_account(merchant.id, member.id)  # one order of a member at a time
    _check_limits(member, item, merchant, hold.quantity)
    moment = now()
    order = Order(merchant_id=merchant.id, member_id=member.id, item_id=item.id,
                  reservation_id=hold.id, quantity=hold.quantity,
                  points=item.points_price * hold.quantity,
                  cash_fen=item.cash_price_fen * hold.quantity, status="pending_payment",
                  address=address, store_id=store_id, created_at=moment)
    db.session.add(order)
    db.session.flush()
    set_committed_value(order, "item", item)
    order.order_no = f"{local_date(moment, merchant.timezone):%Y%m%d}{order.id:08d}"
    debit = ledger.post(
        merchant_id=merchant.id, member_id=member.id, amount=-order.points, type="redeem",
        reason="mall_order", ref=ledger.Ref("mall_order", order.order_no),
        idempotency_key=_debit_key(member, order.id, request_key))
    if debit.ref_id != order.order_no:  # this key's debit already paid another order
        raise _key_reused()
    order.redeem_entry_id = debit.id
    if order.cash_fen:
        minutes = merchant.rules["mall"]["pay_timeout_minutes"]
        order.pay_deadline = moment + timedelta(minutes=minutes)
    else:
        _paid(order, merchant)
    _take_stock(item, hold.quantity)  # last: the item row is the hot one
    return order


def _checked(member: Member, hold: stock.Hold, address, store_id) -> tuple:
    """What the database cannot check: the merchant, the item and the address it needs."""
    merchant = db.session.get(Merchant, member.merchant_id)
    item = db.session.get(Item, hold.item_id)
    address = _delivery_address(item, address)
    merchants.store_of(merchant.id, store_id)
    _check_tier(member, item, merchant)
    return merchant, item, address


def in_sql(member: Member, hold: stock.Hold, *, address, store_id, request_key=None) -> dict:
    """The arguments of the ledger's `jifen_mall_order` for this order, but the merchant,
    member and reservation (a batch of the flash-sale writer passes them per order); refuses
    as `write` does before it reaches the database."""
    merchant, item, address = _checked(member, hold, address, store_id)
    return _in_sql(member, merchant, item, hold, address, store_id, request_key)


def _in_sql(member, merchant, item, hold, address, store_id, request_key) -> dict:
    """The order in one round trip: the ledger's `jifen_mall_order` checks limits and the
    cap under the account lock, writes the order, debits, pays a points-only order with its
    vouchers and takes the stock, in the order of `write`."""
    moment = now()
    timezone, rules = merchant.timezone, merchant.rules["mall"]
    today = local_date(moment, timezone)
    paid = not item.cash_price_fen
    codes = [vouchers.new_code() for _ in range(hold.quantity)] \
        if paid and item.type in VOUCHER_TYPES else []
    return dict(
        item=item.id, quantity=hold.quantity, points=item.points_price,
        cash_fen=item.cash_price_fen, address=address, store=store_id,
        debit_key=_debit_key(member, None, request_key), no_prefix=f"{today:%Y%m%d}",
        limit_order=item.limit_per_order, limit_day=item.limit_per_member_day,
        limit_total=item.limit_per_member_total, day_start=local_midnight(today, timezone),
        cap=rules["monthly_redeem_cap"] or 0,
        month_start=local_midnight(today.replace(day=1), timezone),
        pay_deadline=None if paid else moment + timedelta(minutes=rules["pay_timeout_minutes"]),
        vouchers=codes, voucher_expires=moment + timedelta(days=rules["voucher_valid_days"]),
        now=moment)


def written_in_sql(done: dict) -> Order:
    """The order `jifen_mall_order` answered with, as a clean object (with its item and
    vouchers); a paid one is announced."""
    order = ledger.adopt(Order, done["order"])
    set_committed_value(order, "item", db.session.get(Item, order.item_id))
    set_committed_value(order, "vouchers", [ledger.adopt(Voucher, v) for v in done["vouchers"]])
    if order.paid_at is not None:
        _announce_paid(order, first=done["first"])
    return order


def _detach(order: Order) -> None:
    """Keep the order as written for the answer: the commit expires nothing of it, so the
    response needs no reload of the order, its vouchers or its item."""
    if "vouchers" not in order.__dict__:  # a new order: nothing issued, nothing to load
        set_committed_value(order, "vouchers", [])
    db.session.flush()
    for row in (*order.vouchers, order.item, order):
        db.session.expunge(row)


def _key_reused() -> Conflict:
    return Conflict("An order was already placed with this Idempotency-Key.")


def _cap_exceeded(details: dict) -> LimitExceeded:
    if "monthly_redeem_cap" in details:
        return LimitExceeded("The monthly redemption cap would be exceeded.", details=details)
    return LimitExceeded(details=details)


# The refusals of `jifen_mall_order`, as the Python path raises them.
REFUSALS = {"LIMIT_EXCEEDED": _cap_exceeded, "KEY_REUSED": lambda _: _key_reused(),
            "OUT_OF_STOCK": lambda _: OutOfStock()}


def _debit_key(member: Member, order_id: int | None, request_key: str | None) -> str | None:
    """The debit's idempotency key: from the client's key, else the order's (None: the SQL
    function names it after the order id it draws)."""
    if request_key:
        return f"mall-order:{member.id}:{request_key}"
    return None if order_id is None else f"mall-order:{order_id}"


def _delivery_address(item: Item, address: str | None) -> str | None:
    """Goods are delivered, so they need an address; services and coupons never keep one."""
    if item.type != "goods":
        return None
    if not (address or "").strip():
        raise ValidationFailed("Goods are delivered: give an address.",
                               details={"address": ["Goods need a delivery address."]})
    return address.strip()


def _check_tier(member: Member, item: Item, merchant: Merchant) -> None:
    if item.min_tier and not tiers.reaches(member, item.min_tier, merchant.rules["tiers"]):
        raise Forbidden(f"This item is for members of tier {item.min_tier} and above.",
                        details={"min_tier": item.min_tier})


def _check_limits(member: Member, item: Item, merchant: Merchant, quantity: int) -> None:
    """The database's word on limits and the monthly cap (Redis only pre-checks)."""
    if items.remaining_limit(item, 0, 0) is not None:  # limited: count what they hold
        total, today = stock.bought(member.merchant_id, member.id, [item.id]).get(
            item.id, (0, 0))
        remaining = items.remaining_limit(item, total, today)
        if quantity > remaining:
            raise LimitExceeded(details={"remaining": remaining})
    cap = merchant.rules["mall"]["monthly_redeem_cap"]
    if cap:
        spent = _redeemed_this_month(member, merchant.timezone)
        if spent + item.points_price * quantity > cap:
            raise _cap_exceeded({"monthly_redeem_cap": cap, "redeemed": spent})


def _redeemed_this_month(member: Member, timezone: str) -> int:
    start = local_midnight(local_date(now(), timezone).replace(day=1), timezone)
    return db.session.execute(select(func.coalesce(func.sum(Order.points), 0)).where(
        Order.member_id == member.id, Order.status.in_(LIVE),
        Order.created_at >= start)).scalar()


def _take_stock(item: Item, quantity: int) -> None:
    taken = db.session.execute(update(Item).where(Item.id == item.id, Item.stock >= quantity)
                               .values(stock=Item.stock - quantity)).rowcount
    if not taken:
        raise OutOfStock()


def _paid(order: Order, merchant: Merchant) -> None:
    """Mark paid: vouchers for services and coupons; the member's first paid order is news."""
    with db.session.no_autoflush:  # this order's pending changes cannot alter the answer
        first = db.session.execute(select(Order.id).where(
            Order.member_id == order.member_id, Order.paid_at.is_not(None)).limit(1)
        ).first() is None
    order.advance("pay")
    if order.item.type in VOUCHER_TYPES:
        vouchers.issue(order, merchant.rules["mall"]["voucher_valid_days"])
    _announce_paid(order, first=first)


def _announce_paid(order: Order, *, first: bool) -> None:
    member = db.session.get(Member, order.member_id)
    events.publish(events.ORDER_PAID, member=member, order_no=order.order_no,
                   amount_fen=order.cash_fen, source="mall")
    events.publish(events.MALL_ORDER_PAID, order=order)
    if first:
        events.publish(events.FIRST_MALL_ORDER, member=member, source=f"mall:{order.order_no}")


def pay(member: Member, order_id: int) -> Order:
    """Pay the cash part through the payment provider, before the deadline."""
    order = get(member.merchant_id, order_id, member_id=member.id, lock=True)
    if order.status == "pending_payment":
        if order.pay_deadline <= now():
            raise Conflict("The payment deadline has passed.",
                           details={"pay_deadline": order.pay_deadline.isoformat()})
        order.payment_ref = provider().charge(order)
        _paid(order, db.session.get(Merchant, order.merchant_id))
    else:
        order.advance("pay")  # already paid: nothing to do; closed: CONFLICT
    db.session.commit()
    return order


def cancel(member: Member, order_id: int) -> Order:
    """The member cancels before shipping or use: points, stock and cash go back."""
    order = get(member.merchant_id, order_id, member_id=member.id, lock=True)
    if any(voucher.status == "used" for voucher in order.vouchers):
        raise Conflict("A voucher of this order was already used.")
    return _close(order, "cancel")


def refund(staff: Staff, order_id: int) -> Order:
    """Staff refund a paid order: points return lot-exactly, stock and cash go back."""
    return _close(get(staff.merchant_id, order_id, lock=True), "refund", staff)


def _close(order: Order, action: str, staff: Staff | None = None) -> Order:
    before = order.status
    cash_paid = order.cash_fen > 0 and order.paid_at is not None
    if not order.advance(action):
        return order
    ledger.post(merchant_id=order.merchant_id, member_id=order.member_id, amount=order.points,
                type="refund", reason=f"mall_{action}",
                ref=ledger.Ref("mall_order", order.order_no),
                restore=db.session.get(LedgerEntry, order.redeem_entry_id),
                idempotency_key=f"mall-return:{order.id}")
    if cash_paid:
        order.refund_ref = provider().refund(order)
    vouchers.void_unused(order)
    events.publish(events.MALL_ORDER_VOIDED, order=order)
    db.session.execute(update(Item).where(Item.id == order.item_id)
                       .values(stock=Item.stock + order.quantity))
    if staff is not None:
        _audit(staff, order, action, before)
    db.session.commit()
    stock.give_back(order)
    return order


def ship(staff: Staff, order_id: int, tracking_no: str | None = None) -> Order:
    """Staff ship a paid goods order."""
    order = get(staff.merchant_id, order_id, lock=True)
    if order.item.type != "goods":
        raise Conflict("Only goods are shipped; services and coupons are used in store.")
    return _advance_by_staff(staff, order, "ship", tracking_no=tracking_no)


def complete(staff: Staff, order_id: int) -> Order:
    """Staff mark a paid or shipped order completed."""
    return _advance_by_staff(staff, get(staff.merchant_id, order_id, lock=True), "complete")


def _advance_by_staff(staff: Staff, order: Order, action: str, **changes) -> Order:
    before = order.status
    if order.advance(action):
        for field, value in changes.items():
            setattr(order, field, value)
        _audit(staff, order, action, before)
    db.session.commit()
    return order


def _audit(staff: Staff, order: Order, action: str, before: str) -> None:
    audit.record(merchant_id=staff.merchant_id, action=f"order.{action}", target_type="order",
                 target_id=order.id, before={"status": before},
                 after={"status": order.status, "order_no": order.order_no})


def expire_unpaid() -> dict:
    """Cancel every order whose payment deadline passed: points and stock go back."""
    due = db.session.execute(select(Order.merchant_id, Order.id).where(
        Order.status == "pending_payment", Order.pay_deadline <= now())
        .order_by(Order.id)).all()
    cancelled = []
    for merchant_id, order_id in due:
        order = get(merchant_id, order_id, lock=True)
        if order.status != "pending_payment":  # paid just before its deadline
            db.session.rollback()
            continue
        cancelled.append(_close(order, "cancel").order_no)
    return {"cancelled": len(cancelled), "orders": cancelled}


def redeem_voucher(staff: Staff, code: str) -> Voucher:
    """Write a voucher off in store, exactly once; the last one completes its order."""
    voucher = vouchers.find(staff.merchant_id, code)
    order = get(staff.merchant_id, voucher.order_id, lock=True)  # one write-off at a time
    db.session.refresh(voucher)
    status = voucher.shown_status(now())
    if status != "issued":
        raise Conflict(f"This voucher is {status}.", details={"status": status})
    voucher.status, voucher.used_at, voucher.used_by = "used", now(), staff.id
    if order.status == "paid" and all(v.status == "used" for v in order.vouchers):
        order.advance("complete")
    audit.record(merchant_id=staff.merchant_id, action="voucher.redeem", target_type="voucher",
                 target_id=voucher.id, before={"status": status},
                 after={"status": "used", "order_no": order.order_no})
    db.session.commit()
    return voucher


def annotate(merchant_id: int, orders: list[Order]) -> list[Order]:
    """Give orders what staff read: the member's card (`member`) and the store's name."""
    people = members.cards(merchant_id, [order.member_id for order in orders])
    store_ids = {order.store_id for order in orders if order.store_id}
    names = dict(db.session.execute(select(Store.id, Store.name).where(
        Store.merchant_id == merchant_id, Store.id.in_(store_ids))).all()) if store_ids else {}
    for order in orders:
        order.member = people.get(order.member_id)
        order.store_name = names.get(order.store_id)
    return orders


def voucher_details(staff: Staff, code: str) -> dict:
    """What a clerk confirms before a write-off: the voucher, its order, item and member."""
    voucher = vouchers.find(staff.merchant_id, code)
    order = annotate(staff.merchant_id, [get(staff.merchant_id, voucher.order_id)])[0]
    return {"code": voucher.code, "status": voucher.shown_status(now()),
            "expires_at": voucher.expires_at, "used_at": voucher.used_at,
            "order_id": order.id, "order_no": order.order_no, "item_title": order.item.title,
            "item_type": order.item.type, "quantity": order.quantity, "member": order.member,
            "store_name": order.store_name}


def get(merchant_id: int, order_id: int, *, member_id: int | None = None,
        lock: bool = False) -> Order:
    """An order of this merchant (and member, when given), or NOT_FOUND."""
    query = select(Order).where(Order.id == order_id, Order.merchant_id == merchant_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    order = db.session.execute(query).scalar_one_or_none()
    if order is None or (member_id is not None and order.member_id != member_id):
        raise NotFound("Unknown order.")
    return order


def of_member(member: Member, status: str | None = None):
    """A select of the member's own orders (paginate it)."""
    return of_merchant(member.merchant_id, status=status, member_id=member.id)


def of_merchant(merchant_id: int, *, status: str | None = None, member_id: int | None = None):
    """A select of the merchant's orders, optionally of one status or member."""
    query = select(Order).where(Order.merchant_id == merchant_id)
    if status:
        query = query.where(Order.status == status)
    return query.where(Order.member_id == member_id) if member_id else query


def gift(member: Member, hold: stock.Hold) -> Order:
    """A free, paid order of held units inside the caller's transaction (lottery prizes):
    vouchers for services; the caller commits, then `stock.settle`s or `stock.release`s."""
    merchant = db.session.get(Merchant, member.merchant_id)
    item = db.session.get(Item, hold.item_id)
    moment = now()
    order = Order(merchant_id=merchant.id, member_id=member.id, item_id=item.id,
                  reservation_id=hold.id, quantity=hold.quantity, points=0, cash_fen=0,
                  status="pending_payment", created_at=moment)
    db.session.add(order)
    db.session.flush()
    order.order_no = f"{local_date(moment, merchant.timezone):%Y%m%d}{order.id:08d}"
    _paid(order, merchant)
    _take_stock(item, hold.quantity)
    return order
