"""The points ledger: `post` is the only function that changes a balance entry by entry.

Every feature (POS, sign-up, check-in, sharing, referrals, mall, support) calls `post`.
The one other writer is expiry's set-based write-off (`loyalty/expiry.py::_expire_batch`),
which keeps the same invariants for a batch of accounts locked in id order. `post` runs
inside the caller's transaction (services commit once), locks the account row first
(SELECT … FOR UPDATE on PostgreSQL; SQLite transactions begin IMMEDIATE), and keeps
balance = Σ entries = Σ live lots.

Lock order. Every path that touches a member's rows takes the locks in this order, so two
of them can only queue, never deadlock:
  1. the document the change is about (a POS order, a mall order, an adjustment), if any;
  2. the member's points account (`lock_account`; `post` takes it again for free);
  3. the member row (growth value, tier: `tiers.add_growth` locks the account first);
  4. the account's lots, and last the hot shared rows (a mall item's stock).
A path that rewards two members (referrals) takes each member's locks in this order.

On PostgreSQL the same writes run as the ledger's PL/pgSQL functions (migration g_oneshot):
`post` calls `jifen_post` (one round trip instead of five to eight), and the hot paths
(check-in, POS earn, counter redemption, mall order) `call` a function that writes their
document row and posts through `jifen_post` in the same statement. The functions keep every
invariant above under the same constraints; SQLite keeps the Python path below.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, DateTime, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from core import bulk, events
from core.clock import add_months, now
from core.errors import InsufficientPoints
from core.extensions import db
from core.models import Merchant
from loyalty.models import LedgerEntry, Lot, LotConsumption, PointsAccount

LIFETIME_EARNED = {"earn", "adjust"}


@dataclass(frozen=True)
class Ref:
    """What caused an entry (an order, a check-in, a referral…)."""

    type: str
    id: str


def lock_account(merchant_id: int, member_id: int) -> PointsAccount:
    """Load and lock one account for the rest of the transaction."""
    query = (select(PointsAccount)
             .where(PointsAccount.merchant_id == merchant_id,
                    PointsAccount.member_id == member_id)
             .with_for_update()
             .execution_options(populate_existing=True))
    return db.session.execute(query).scalar_one()


def balance(merchant_id: int, member_id: int) -> int:
    """The member's balance as this transaction sees it (no lock)."""
    return db.session.execute(select(PointsAccount.balance).where(
        PointsAccount.merchant_id == merchant_id,
        PointsAccount.member_id == member_id)).scalar_one()


def find_by_key(merchant_id: int, idempotency_key: str) -> LedgerEntry | None:
    """The entry already posted under this idempotency key, if any."""
    return db.session.execute(select(LedgerEntry).where(
        LedgerEntry.merchant_id == merchant_id,
        LedgerEntry.idempotency_key == idempotency_key)).scalar_one_or_none()


def post(*, merchant_id: int, member_id: int, amount: int, type: str, reason: str,
         ref: Ref | None = None, operator_id: int | None = None, note: str | None = None,
         idempotency_key: str | None = None, restore: LedgerEntry | None = None,
         prefer_lot_id: int | None = None, on_shortfall: str = "raise",
         reverses_id: int | None = None, expires_at: datetime | None = None) -> LedgerEntry:
    """Post one entry and move lots to match; a repeated idempotency key changes nothing.

    Credits open a new lot, or with `restore` give back exactly the live lots that entry
    took. Debits consume lots first-to-expire (`prefer_lot_id` first). When lots run out,
    `on_shortfall` decides: "raise" InsufficientPoints, "debt" takes what is there and
    records the rest as debt that later credits repay first, "forgive" takes what is there.
    `expires_at` sets a credit's lot expiry (a migrated balance keeps its original one).
    """
    if restore is None and in_sql():
        moment = now()
        if amount > 0:
            expires_at = expires_at or _expiry(merchant_id, moment)
        return entry_of(call(
            "jifen_post", merchant=merchant_id, member=member_id, amount=amount, type=type,
            reason=reason, ref_type=ref.type if ref else None, ref_id=ref.id if ref else None,
            key=idempotency_key, now=moment, expires_at=expires_at, shortfall=on_shortfall,
            prefer=prefer_lot_id, operator=operator_id, note=note, reverses=reverses_id))
    account = lock_account(merchant_id, member_id)
    if idempotency_key and (existing := find_by_key(merchant_id, idempotency_key)):
        return existing
    fields = _fields(type, reason, ref, operator_id=operator_id, note=note,
                     idempotency_key=idempotency_key, reverses_id=reverses_id)
    if restore is not None:
        return _give_back(account, restore, fields)
    if amount > 0:
        return _credit(account, amount, fields, expires_at)
    return _debit(account, -amount, fields, prefer_lot_id=prefer_lot_id, on_shortfall=on_shortfall)


def _fields(type: str, reason: str, ref: Ref | None, **rest) -> dict:
    return {"type": type, "reason_code": reason, "ref_type": ref.type if ref else None,
            "ref_id": ref.id if ref else None, "operator_id": None, "note": None,
            "idempotency_key": None, "reverses_id": None, **rest}


def _append(account: PointsAccount, amount: int, fields: dict) -> LedgerEntry:
    account.balance += amount
    if fields["type"] in LIFETIME_EARNED and amount > 0:
        account.lifetime_earned += amount
    elif fields["type"] in ("redeem", "refund"):
        account.lifetime_redeemed -= amount
    entry = LedgerEntry(merchant_id=account.merchant_id, account_id=account.id,
                        member_id=account.member_id, amount=amount,
                        balance_after=account.balance, created_at=now(), **fields)
    db.session.add(entry)
    db.session.flush()
    events.publish(events.POINTS_CHANGED, entry=entry)
    return entry


def _credit(account: PointsAccount, amount: int, fields: dict,
            expires_at: datetime | None = None) -> LedgerEntry:
    entry = _append(account, amount, fields)
    moment = entry.created_at
    db.session.add(Lot(merchant_id=account.merchant_id, account_id=account.id,
                       entry_id=entry.id, amount=amount, remaining=amount, earned_at=moment,
                       expires_at=expires_at or _expiry(account.merchant_id, moment)))
    db.session.flush()
    if account.debt:
        _repay_debt(account, entry)
    return entry


def _repay_debt(account: PointsAccount, credit: LedgerEntry) -> None:
    repay = min(account.debt, account.balance)
    account.debt -= repay
    _debit(account, repay, _fields("debt_repay", "debt_repayment", Ref("entry", str(credit.id))))


def _expiry(merchant_id: int, earned_at: datetime) -> datetime:
    return expiry_of(db.session.get(Merchant, merchant_id), earned_at)


def expiry_of(merchant: Merchant, earned_at: datetime) -> datetime:
    """When a lot earned at `earned_at` expires under the merchant's rules."""
    return add_months(earned_at, merchant.rules["expiry"]["months"])


def _debit(account, need: int, fields: dict, *, prefer_lot_id=None, on_shortfall="raise"):
    lots = _live_lots(account.id, prefer_lot_id)
    available = sum(lot.remaining for lot in lots)
    if available < need and on_shortfall == "raise":
        raise InsufficientPoints(details={"balance": account.balance, "required": need})
    taken = min(available, need)
    if on_shortfall == "debt":
        account.debt += need - taken
    entry = _append(account, -taken, fields)
    _take(entry, lots, taken)
    return entry


def _take(entry: LedgerEntry, lots: list[Lot], amount: int) -> None:
    for lot in lots:
        if amount == 0:
            break
        part = min(lot.remaining, amount)
        lot.remaining -= part
        amount -= part
        db.session.add(LotConsumption(entry_id=entry.id, lot_id=lot.id, amount=part))
    db.session.flush()


def _live_lots(account_id: int, prefer_lot_id: int | None) -> list[Lot]:
    lots = db.session.execute(
        select(Lot).where(Lot.account_id == account_id, Lot.remaining > 0,
                          Lot.expired_at.is_(None))
        .order_by(Lot.expires_at, Lot.id)
        .execution_options(populate_existing=True)).scalars().all()
    return sorted(lots, key=lambda lot: lot.id != prefer_lot_id)


def _give_back(account: PointsAccount, original: LedgerEntry, fields: dict) -> LedgerEntry:
    """Return to each lot what `original` took from it; expired lots stay expired."""
    rows = db.session.execute(
        select(LotConsumption, Lot).join(Lot, Lot.id == LotConsumption.lot_id)
        .where(LotConsumption.entry_id == original.id, LotConsumption.amount > 0)
        .execution_options(populate_existing=True)).all()
    moment = now()
    live = [(taken, lot) for taken, lot in rows
            if lot.expired_at is None and lot.expires_at > moment]
    entry = _append(account, sum(taken.amount for taken, _ in live), fields)
    for taken, lot in live:
        lot.remaining += taken.amount
        db.session.add(LotConsumption(entry_id=entry.id, lot_id=lot.id, amount=-taken.amount))
    db.session.flush()
    return entry


def in_sql() -> bool:
    """Whether points move through the ledger's SQL functions (PostgreSQL) or in Python."""
    return db.session.get_bind().dialect.name == "postgresql"


def call(function: str, refusals: dict[str, Callable[[dict], Exception]] | None = None,
         **args) -> dict:
    """Run one of the ledger's SQL functions in one round trip and return its JSON answer.

    Arguments are passed by name (`p_<name>`). A refusal the function raises becomes the
    error `refusals` (or the ledger) maps its code to; the database transaction is then
    aborted and the caller rolls back, as after any refusal. Entries the call posted are
    announced (POINTS_CHANGED) and this session's copy of the account is brought up to date.
    """
    try:
        answer = db.session.execute(text(f"SELECT {function}({_binds(args)})"), args).scalar_one()
    except DBAPIError as exc:
        refused = _refusal(exc, {"INSUFFICIENT_POINTS": _insufficient, **(refusals or {})})
        if refused is None:
            raise
        raise refused from exc
    if (posted := answer.get("post", answer)) and "fresh" in posted:  # it posted points
        _settle(posted)
    return answer


def _binds(args: dict) -> str:
    return ", ".join(f"p_{name} => {_bind(name, value)}" for name, value in args.items())


def _bind(name: str, value) -> str:
    if isinstance(value, list | tuple):  # an empty or short list has no type of its own
        element = "text" if all(isinstance(v, str) for v in value) else "bigint"
        return f"CAST(:{name} AS {element}[])"
    return f":{name}"


def _insufficient(details: dict) -> Exception:
    return InsufficientPoints(details=details)


def call_each(function: str, refusals: dict[str, Callable[[dict], Exception]],
              **args) -> list[dict | Exception]:
    """Run a ledger SQL function that answers a set of rows, one per thing it was given,
    each done or refused on its own ({"refused": message, "detail"}): the answers, a
    refusal as the error `refusals` (or the ledger) maps it to. What each answer posted
    is announced and settled as after `call`."""
    rows = db.session.execute(text(f"SELECT * FROM {function}({_binds(args)})"), args).scalars()
    answers = []
    for answer in rows.all():
        if "refused" in answer:
            refused = _refused(answer["refused"], answer["detail"],
                               {"INSUFFICIENT_POINTS": _insufficient, **refusals})
            if refused is None:
                raise LookupError(f"{function} refused with no error to map: {answer}")
            answer = refused
        elif (posted := answer.get("post")) and "fresh" in posted:
            _settle(posted)
        answers.append(answer)
    return answers


def _refusal(exc: DBAPIError, refusals: dict) -> Exception | None:
    diag = getattr(exc.orig, "diag", None)
    if diag is None:
        return None
    return _refused(diag.message_primary or "", diag.message_detail, refusals)


def _refused(message: str, details: str | dict | None, refusals: dict) -> Exception | None:
    """The error a `jifen:<CODE>` refusal maps to; None for anything else (a unique
    violation's detail is PostgreSQL's prose, not our JSON)."""
    code = message.removeprefix("jifen:")
    if code == message or code not in refusals:
        return None
    if isinstance(details, str) or details is None:
        details = json.loads(details or "{}")
    return refusals[code](details)


def _settle(posted: dict) -> None:
    for row in posted["fresh"]:
        events.publish(events.POINTS_CHANGED, entry=adopt(LedgerEntry, row))
    after = posted["account"]
    known = db.session.identity_map.get(identity_key(PointsAccount, after["id"]))
    if known is not None:
        for field in ("balance", "debt", "lifetime_earned", "lifetime_redeemed"):
            set_committed_value(known, field, after[field])
    for lot in [o for o in db.session.identity_map.values()
                if isinstance(o, Lot) and o.account_id == after["id"]]:
        db.session.expire(lot)


def entry_of(posted: dict) -> LedgerEntry:
    """The entry a SQL post answered with (the one posted, or the one its key found)."""
    return adopt(LedgerEntry, posted["entry"])


def adopt(model: type, row: dict):
    """A row a SQL function wrote, as a clean object of this session (no SELECT needed)."""
    if (known := db.session.identity_map.get(identity_key(model, row["id"]))) is not None:
        return known
    mapper = model.__mapper__
    instance = model(**{prop.key: _python(prop.columns[0], row[prop.columns[0].name])
                        for prop in mapper.column_attrs})
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance


def _python(column, value):
    kind = getattr(column.type, "impl", column.type)
    if isinstance(value, str) and isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(value, str) and isinstance(kind, Date):
        return date.fromisoformat(value)
    return value


def live_lot_conditions(moment: datetime) -> tuple:
    """What makes a lot live at `moment`: unexpired, with points left."""
    return Lot.remaining > 0, Lot.expired_at.is_(None), Lot.expires_at > moment


def live_lots(account_id: int, moment: datetime) -> list[Lot]:
    """An account's live lots, soonest expiry first."""
    return db.session.execute(
        select(Lot).where(Lot.account_id == account_id, *live_lot_conditions(moment))
        .order_by(Lot.expires_at)).scalars().all()


def lot_of(entry_id: int | None) -> int | None:
    """The lot a credit entry opened (None for other entries)."""
    if entry_id is None:
        return None
    return db.session.execute(select(Lot.id).where(Lot.entry_id == entry_id)).scalar()


def give_back_part(*, merchant_id: int, member_id: int, original: LedgerEntry, start: int,
                   count: int, type: str, reason: str, ref: Ref,
                   idempotency_key: str) -> LedgerEntry:
    """Return points [start, start + count) of what `original` took, lot-exactly.

    The points `original` took are numbered in the order it took them (its consumptions'
    order), so successive partial returns (refunds of a bill paid with points) never give a
    lot back twice and together return everything; expired lots stay expired.
    """
    account = lock_account(merchant_id, member_id)
    if existing := find_by_key(merchant_id, idempotency_key):
        return existing
    fields = _fields(type, reason, ref, idempotency_key=idempotency_key)
    rows = db.session.execute(
        select(LotConsumption, Lot).join(Lot, Lot.id == LotConsumption.lot_id)
        .where(LotConsumption.entry_id == original.id, LotConsumption.amount > 0)
        .order_by(LotConsumption.id).execution_options(populate_existing=True)).all()
    moment, offset, parts = now(), 0, []
    for taken, lot in rows:
        part = max(0, min(offset + taken.amount, start + count) - max(offset, start))
        offset += taken.amount
        if part and lot.expired_at is None and lot.expires_at > moment:
            parts.append((lot, part))
    entry = _append(account, sum(part for _, part in parts), fields)
    for lot, part in parts:
        lot.remaining += part
        db.session.add(LotConsumption(entry_id=entry.id, lot_id=lot.id, amount=-part))
    db.session.flush()
    return entry
def open_balances(merchant_id: int, openings: list[dict]) -> int:
    """Bulk path for imports: new members' points accounts, opened with their balances.

    Each opening is {member_id, amount, expires_at, idempotency_key} for a member created in
    this transaction. Its account is created here with balance = amount, and a positive
    amount is one `adjust`/`migration` credit (balance_after = amount) with its lot, so the
    invariants of `post` hold without locking row by row. Rows are streamed with
    pre-allocated ids (`core.bulk`). Returns how many balances were opened.
    """
    moment = now()
    accounts = bulk.allocate_ids(PointsAccount.__table__, len(openings))
    bulk.insert_rows(PointsAccount.__table__, [
        {"id": a, "merchant_id": merchant_id, "member_id": o["member_id"], "balance": o["amount"],
         "lifetime_earned": o["amount"], "updated_at": moment}
        for a, o in zip(accounts, openings, strict=True)])
    credits = [(a, o) for a, o in zip(accounts, openings, strict=True) if o["amount"] > 0]
    entries = bulk.allocate_ids(LedgerEntry.__table__, len(credits))
    bulk.insert_rows(LedgerEntry.__table__, [
        {"id": e, "merchant_id": merchant_id, "account_id": a, "member_id": o["member_id"],
         "type": "adjust", "reason_code": "migration", "amount": o["amount"],
         "balance_after": o["amount"], "ref_type": "import", "ref_id": o["idempotency_key"][:64],
         "idempotency_key": o["idempotency_key"], "created_at": moment}
        for e, (a, o) in zip(entries, credits, strict=True)])
    bulk.insert_rows(Lot.__table__, [
        {"id": lot, "merchant_id": merchant_id, "account_id": a, "entry_id": e,
         "amount": o["amount"], "remaining": o["amount"], "earned_at": moment,
         "expires_at": o["expires_at"]}
        for lot, e, (a, o) in zip(bulk.allocate_ids(Lot.__table__, len(credits)), entries,
                                  credits, strict=True)])
    return len(credits)
