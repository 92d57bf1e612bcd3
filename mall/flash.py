"""The queued flash sale (秒杀排队): orders of `flash` items are accepted in Redis, written later.

The order request runs one script (`flash.lua` on top of `reserve.lua`'s functions): the
item's window, stock and the member's limits are checked and reserved exactly as for a
regular order (a hold whose id is the ticket), an entry is appended to the merchant's stream
and the ticket is recorded as queued; the member gets 202 and the ticket. A writer process
(`flask mall writer`, `Writer` here) reads the streams in a consumer group and writes the
orders in batches, one transaction per batch: on PostgreSQL in one call of the ledger's
`jifen_mall_orders` (`jifen_mall_order` per order, each in a subtransaction), elsewhere
through `orders.write` with a savepoint per order. A refused order (too few points, a limit,
a frozen member) fails alone, and its stock and quota go back. After the commit one script
call settles the batch: each entry is acknowledged and deleted, its hold settled or released
and the ticket's outcome recorded.

Exactly once: the order's `reservation_id` is the ticket (unique), and the writer looks for
it under the member's account lock before writing or refusing, so an entry delivered twice
(a writer killed between its commit and its acknowledgement, an entry claimed from a writer
thought dead) is written once. Entries of writers that died are claimed (XAUTOCLAIM) once idle for
`CLAIM_IDLE`; a writer restarted under the same consumer name first re-reads its own.
"""

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from redis.exceptions import RedisError, ResponseError
from sqlalchemy import select
from sqlalchemy.exc import DataError, SQLAlchemyError

from core import keys
from core.clock import now
from core.errors import ApiError, NotFound, Unauthorized, ValidationFailed
from core.extensions import db, rds
from core.idempotency import ANSWERED_SECONDS
from core.mirror import scripted
from core.models import Merchant
from loyalty import ledger, members
from loyalty.models import Member
from mall import orders, stock
from mall.models import Item, Order

log = logging.getLogger("jifen.mall.flash")
OPERATIONS = "-- Operations"  # where reserve.lua's functions end and its operations begin
SCRIPT = (stock.SCRIPT.partition(OPERATIONS)[0]
          + (Path(__file__).parent / "flash.lua").read_text())
GROUP = "writers"
TICKET_TTL = 86_400  # a ticket's state outlives any queue; the order is the truth after that
BATCH = 100
CLAIM_IDLE = 30.0  # seconds an entry stays with a silent writer before another takes it
IDLE_SLEEP = 0.02  # seconds between polls of empty streams
DISCOVER_EVERY = 5.0  # seconds between looks for merchants with flash items


@dataclass(frozen=True)
class Ticket:
    """Where a queued order stands: queued, then the order's status, or failed."""

    ticket: str
    status: str
    order_id: int | None = None
    error: dict | None = None


def _run(keys_: list[str], *args):
    script = current_app.extensions.get("jifen.mall.flash")
    if script is None:
        script = current_app.extensions["jifen.mall.flash"] = rds.register_script(
            scripted(SCRIPT, rds))
    return script(keys=keys_, args=args, client=rds)


def _keys(hold: stock.Hold) -> list[str]:
    return [*hold.keys(), keys.mall_flash_stream(hold.merchant_id),
            keys.mall_flash_ticket(hold.merchant_id, hold.id)]


def ticket_id(member_id: int, request_key: str | None) -> str:
    """A new ticket, or the one a retried request (same Idempotency-Key) already got."""
    if request_key is None:
        return uuid.uuid4().hex
    return hashlib.sha256(f"{member_id}\n{request_key}".encode()).hexdigest()[:32]


def enqueue(merchant_id: int, member_id: int, *, item_id: int, quantity: int,
            address: str | None = None, store_id: int | None = None,
            request_key: str | None = None) -> Ticket | None:
    """Queue an order of a flash item (one Redis round trip; refusals raise as for any
    order); None for a regular item, which nothing was done for."""
    hold = stock.Hold(merchant_id, item_id, member_id, quantity,
                      ticket_id(member_id, request_key))
    answer = stock.answered(hold, lambda: _run(
        _keys(hold), "enqueue", *_order_args(hold, address, store_id, request_key)))
    if answer[0] == "REGULAR":
        return None
    return Ticket(hold.id, "queued")


def enqueue_guarded(merchant_id: int, member_id: int, *, denylist: list[str], issued_at: int,
                    marker: str | None, keep: Callable[[Ticket], str], item_id: int,
                    quantity: int, address: str | None = None, store_id: int | None = None,
                    request_key: str | None = None) -> tuple[list, Ticket]:
    """`enqueue` for the order lane in front of Flask (mall/lane.py), with what Flask's
    decorators check done in the same round trip: the token's denylist keys, and the
    Idempotency-Key's `marker`, which keeps `keep(ticket)` once the order is queued. The
    script's answer (QUEUED, DENIED, SEEN and the marker, REGULAR) and the ticket queued;
    refusals raise as in `enqueue`."""
    hold = stock.Hold(merchant_id, item_id, member_id, quantity,
                      ticket_id(member_id, request_key))
    queued = Ticket(hold.id, "queued")
    guard, kept = denylist + ([marker] if marker else []), keep(queued) if marker else ""
    answer = stock.answered(hold, lambda: _run(
        _keys(hold) + guard, "lane", *_order_args(hold, address, store_id, request_key),
        issued_at, kept, ANSWERED_SECONDS))
    return answer, queued


def _order_args(hold: stock.Hold, address: str | None, store_id: int | None,
                request_key: str | None) -> tuple:
    return (hold.id, hold.item_id, hold.quantity, hold.member_id, int(now().timestamp()),
            stock.QUOTA_TTL, TICKET_TTL, address or "", store_id or "", request_key or "")


def ticket(merchant_id: int, member_id: int, ticket_: str) -> Ticket:
    """The member's ticket: queued or failed from Redis, the order's status once written."""
    state = rds.hgetall(keys.mall_flash_ticket(merchant_id, ticket_))
    if state and state["member"] != str(member_id):
        raise NotFound("Unknown ticket.")
    if state.get("status") == "queued":
        return Ticket(ticket_, "queued")
    if state.get("status") == "failed":
        return Ticket(ticket_, "failed",
                      error={"code": state["code"], "message": state["message"]})
    order = db.session.execute(select(Order.id, Order.status).where(
        Order.reservation_id == ticket_, Order.merchant_id == merchant_id,
        Order.member_id == member_id)).first()
    if order is None:  # unknown, or its state expired and it failed
        raise NotFound("Unknown ticket.")
    return Ticket(ticket_, order.status, order_id=order.id)


def backlog() -> int:
    """Entries appended and not yet written or failed, over all merchants (written entries
    are deleted, so this is the streams' length)."""
    pipe = rds.pipeline(transaction=False)
    for merchant_id in _merchants():
        pipe.xlen(keys.mall_flash_stream(merchant_id))
    return sum(pipe.execute())


def _merchants() -> list[int]:
    """Merchants with a flash item: the streams there are to read."""
    merchant_ids = list(db.session.execute(
        select(Item.merchant_id).where(Item.flash.is_(True)).distinct()).scalars())
    db.session.rollback()  # hold no lock (SQLite: the write lock) while Redis answers
    return merchant_ids


@dataclass(frozen=True)
class Entry:
    """An order request as the stream holds it."""

    id: str
    merchant_id: int
    fields: dict

    @property
    def hold(self) -> stock.Hold:
        return stock.Hold(self.merchant_id, int(self.fields["item"]), int(self.fields["member"]),
                          int(self.fields["quantity"]), self.fields["ticket"])


class Writer:
    """Writes queued orders: one consumer of the streams' group."""

    def __init__(self, consumer: str, *, batch: int = BATCH, claim_idle: float = CLAIM_IDLE):
        self.consumer, self.batch, self.claim_idle = consumer, batch, claim_idle
        self.merchants: list[int] = []
        self.discovered = float("-inf")
        self.own_first = True  # after a start or a failure: our own unacknowledged entries

    def run(self, stop: Callable[[], bool], *, once: bool = False) -> int:
        """Write until stop() is true, or with `once` until the streams are empty; returns
        the entries handled. Failures (database, Redis) are logged and retried, unless once."""
        handled = 0
        while not stop():
            try:
                done = self.step()
            except (RedisError, SQLAlchemyError):
                db.session.rollback()
                if once:
                    raise
                log.exception("flash writer %s: batch left for a retry", self.consumer)
                self.own_first, done = True, 0
                time.sleep(1)
            handled += done
            if not done:
                if once:
                    break
                time.sleep(IDLE_SLEEP)
        return handled

    def step(self) -> int:
        """One batch from every merchant's stream; the number of entries handled."""
        if time.monotonic() - self.discovered > DISCOVER_EVERY:
            self.merchants = sorted(set(self.merchants) | set(_merchants()))
            self.discovered = time.monotonic()
        if self.own_first:  # entries delivered to this consumer before it died or failed
            handled = sum(self._write(self._next(merchant_id, self._own))
                          for merchant_id in self.merchants)
            self.own_first = handled > 0
            if handled:
                return handled
        return sum(self._write(self._next(merchant_id, self._others_or_new))
                   for merchant_id in self.merchants)

    def _next(self, merchant_id: int, read: Callable[[str], list]) -> list[Entry]:
        stream = keys.mall_flash_stream(merchant_id)
        try:
            return [Entry(entry_id, merchant_id, fields)
                    for entry_id, fields in read(stream) if fields]
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            rds.xgroup_create(stream, GROUP, id="0", mkstream=True)  # a first or emptied Redis
            return []

    def _own(self, stream: str) -> list:
        return self._read(stream, "0")

    def _others_or_new(self, stream: str) -> list:
        """Entries of writers silent for claim_idle, else entries no writer has read."""
        _next_id, claimed, *_deleted = rds.xautoclaim(
            stream, GROUP, self.consumer, int(self.claim_idle * 1000), count=self.batch)
        return claimed or self._read(stream, ">")

    def _read(self, stream: str, start: str) -> list:
        answer = rds.xreadgroup(GROUP, self.consumer, {stream: start}, count=self.batch)
        return answer[0][1] if answer else []

    def _write(self, entries: list[Entry]) -> int:
        """Write the orders in one transaction, each refused alone, then settle them in Redis
        in one script call."""
        if not entries:
            return 0
        outcomes = _in_sql(entries) if ledger.in_sql() else [_outcome(e) for e in entries]
        db.session.commit()
        settle = []
        for entry, outcome in zip(entries, outcomes, strict=True):
            if isinstance(outcome, ApiError):
                settle += ["failed", entry.hold.id, entry.id, outcome.code, outcome.message]
            else:
                settle += ["written", entry.hold.id, entry.id, outcome, ""]
        _run([key for entry in entries for key in _keys(entry.hold)], "settle", GROUP,
             TICKET_TTL, *settle)
        return len(entries)


def _outcome(entry: Entry) -> int | ApiError:
    """The entry's order id, or why it failed: written under a savepoint of its own."""
    try:
        with db.session.begin_nested():
            return _order(entry)
    except ApiError as refusal:
        return refusal
    except DataError:  # e.g. a NUL byte in the address: it would fail every retry
        return _unstorable()


def _unstorable(_details: dict | None = None) -> ApiError:
    return ValidationFailed("A value in the order cannot be stored.")


def _order(entry: Entry) -> int:
    """The id of the entry's order, written now unless it was before (a redelivered entry)."""
    hold = entry.hold
    ledger.lock_account(hold.merchant_id, hold.member_id)  # a copy of this entry waits here
    written = db.session.execute(
        select(Order.id).where(Order.reservation_id == hold.id)).scalar()
    if written is not None:  # before any refusal: a written order must not be failed
        return written
    return orders.write(_buyer(db.session.get(Member, hold.member_id)), hold,
                        **_details(entry)).id


def _in_sql(entries: list[Entry]) -> list[int | ApiError]:
    """The batch's orders in one round trip (the ledger's `jifen_mall_orders`): what the
    database cannot check is checked here first, and an order it finds written for the
    ticket (under the account lock) wins over any refusal, as in `_order`."""
    merchant_id = entries[0].merchant_id  # a batch is one merchant's stream
    buyers = {member.id: member for member in db.session.execute(select(Member).where(
        Member.id.in_({entry.hold.member_id for entry in entries}))).scalars()}
    # held for the batch: the session keeps only weak references, so each order would
    # load its merchant and item again
    _held = [db.session.get(Merchant, merchant_id), *db.session.execute(select(Item).where(
        Item.id.in_({entry.hold.item_id for entry in entries}))).scalars()]
    requests, refusals = [], {}
    for entry in entries:
        hold = entry.hold
        request = {"ticket": hold.id, "member": hold.member_id}
        try:
            if any("\x00" in value for value in entry.fields.values()):  # jsonb refuses it
                raise _unstorable()
            request["order"] = orders.in_sql(_buyer(buyers.get(hold.member_id)), hold,
                                             **_details(entry))
        except ApiError as refusal:
            request["skipped"], refusals[hold.id] = True, refusal
        requests.append(request)
    answers = ledger.call_each(
        "jifen_mall_orders", {**orders.REFUSALS, "UNSTORABLE": _unstorable},
        merchant=merchant_id, orders=json.dumps(requests, default=datetime.isoformat))
    return [_outcome_in_sql(answer, refusals.get(request["ticket"]))
            for request, answer in zip(requests, answers, strict=True)]


def _outcome_in_sql(answer: dict | ApiError, refusal: ApiError | None) -> int | ApiError:
    if isinstance(answer, ApiError):
        return answer
    if answer.get("skipped"):
        return refusal
    return answer.get("order_id") or orders.written_in_sql(answer).id


def _buyer(member: Member | None) -> Member:
    if member is None or member.anonymized_at:
        raise Unauthorized("Unknown member.")
    members.ensure_active(member)
    return member


def _details(entry: Entry) -> dict:
    fields = entry.fields
    return {"address": fields["address"] or None,
            "store_id": int(fields["store"]) if fields["store"] else None,
            "request_key": fields["key"] or None}


def reconcile(consumer: str) -> dict:
    """Write or fail what the streams hold that no live writer took: entries never read and
    entries of writers silent for `CLAIM_IDLE`."""
    return {"flash_entries": Writer(consumer).run(lambda: False, once=True)}
