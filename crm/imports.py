"""Member import from a legacy cashier: dry run, then an all-or-nothing, idempotent real run.

A row's key is its phone (else its card number); a key seen before updates the member it
created, so re-importing a file changes nothing. New members, growth events and import keys
are streamed in batches with ids allocated up front (`core.bulk`: COPY on PostgreSQL), then
their accounts and opening balances through `loyalty.ledger.open_balances`: `adjust`/
`migration` lots that keep the file's expiry.
"""

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import audit, bulk, events
from core.clock import local_date, local_midnight, now
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.models import Merchant
from crm import importing
from crm.models import ImportKey
from loyalty import ledger, members, tiers
from loyalty.models import GrowthEvent, LedgerEntry, Lot, Member, PointsAccount

log = logging.getLogger("jifen.crm.import")
BATCH = 10_000  # new members per bulk write and progress line
ANALYZE_AFTER = 2000  # new members; fewer hardly move the tables' statistics


def run(merchant: Merchant, raw: bytes, *, dry_run: bool) -> dict:
    """Check every row; unless dry_run, write them all in one transaction or (any error) none.

    A dry run answers the report, errors included; a real run with errors is 422 with the
    report as the error's details.
    """
    rows, errors = _parse(raw)
    checked = _check_rows(merchant, rows, errors)
    known = _known(merchant.id, [clean["key"] for clean in checked])
    _check_cards(merchant.id, checked, known, errors)
    errors.sort(key=lambda e: (e["row"], e["field"]))
    new = [c for c in checked if c["key"] not in known]
    answer = {"rows": len(rows), "valid": len(rows) - len({e["row"] for e in errors} - {1}),
              "errors": errors[:1000], "created": len(new), "updated": len(checked) - len(new),
              "dry_run": dry_run}
    if errors:
        answer["created"] = answer["updated"] = 0
    if errors or dry_run:
        db.session.rollback()
        if errors and not dry_run:
            raise ValidationFailed("The file has errors; nothing was imported.", details=answer)
        return answer
    try:
        _write(merchant, new, [c for c in checked if c["key"] in known], known)
        audit.record(merchant_id=merchant.id, action="member.import", target_type="merchant",
                     target_id=merchant.id, after={k: answer[k] for k in ("rows", "created",
                                                                           "updated")})
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict("Another import of these rows ran at the same time; retry.") from exc
    if len(new) >= ANALYZE_AFTER:
        bulk.refresh_statistics(Member.__table__, ImportKey.__table__, PointsAccount.__table__,
                                LedgerEntry.__table__, Lot.__table__)
    return answer


def _parse(raw: bytes) -> tuple[list[dict], list[dict]]:
    try:
        text = importing.decode(raw)
    except UnicodeDecodeError:
        return [], [{"row": 1, "field": "file", "message": "Not UTF-8 or GB18030 text."}]
    return importing.read(text)


def _check_rows(merchant: Merchant, rows: list[dict], errors: list[dict]) -> list[dict]:
    codes = {t["code"]: t["code"] for t in merchant.rules["tiers"]}
    codes.update({t["name"]: t["code"] for t in merchant.rules["tiers"] if t.get("name")})
    today, seen, checked = local_date(now(), merchant.timezone), {}, []
    for row in rows:
        clean, problems = importing.check(row, codes, today)
        for value, field in ((clean["key"], "phone" if clean["phone"] else "card_no"),
                             (clean["card_no"] and "card:" + clean["card_no"], "card_no")):
            if value and seen.setdefault(value, row["line"]) != row["line"]:
                problems.append((field, f"Same as line {seen[value]}."))
        errors.extend({"row": row["line"], "field": f, "message": m} for f, m in problems)
        checked.append({**clean, "line": row["line"]})
    return checked


def _known(merchant_id: int, keys: list[str]) -> dict[str, tuple[int, int]]:
    """Row keys imported before → (the member imported, the member they now stand for)."""
    return {key: (imported, joined or imported) for key, imported, joined in bulk.matching(
        select(ImportKey.row_key, ImportKey.member_id, ImportKey.joined_member_id)
        .where(ImportKey.merchant_id == merchant_id), ImportKey.row_key, keys)}


def _check_cards(merchant_id: int, checked: list[dict], known: dict, errors: list) -> None:
    owners = dict(bulk.matching(
        select(Member.card_no, Member.id).where(Member.merchant_id == merchant_id),
        Member.card_no, [c["card_no"] for c in checked if c["card_no"]]))
    for clean in checked:
        owner = owners.get(clean["card_no"])
        if owner is not None and owner not in known.get(clean["key"], ()):
            errors.append({"row": clean["line"], "field": "card_no",
                           "message": "This card number belongs to another member."})


def _write(merchant: Merchant, new: list[dict], old: list[dict], known: dict) -> None:
    for start in range(0, len(new), BATCH):
        _create(merchant, new[start:start + BATCH])
        log.info("import merchant=%s created %s/%s", merchant.id,
                 min(start + BATCH, len(new)), len(new))
    for clean in _changing(merchant, old, known):
        _update(merchant, known[clean["key"]][1], clean)


def _create(merchant: Merchant, batch: list[dict]) -> None:
    moment, tz = now(), merchant.timezone
    entry = merchant.rules["tiers"][0]["code"]
    ids = bulk.allocate_ids(Member.__table__, len(batch))
    bulk.insert_rows(Member.__table__, [
        {"id": i, "merchant_id": merchant.id,
         "card_no": c["card_no"] or members.CARD_CODES.encode([i]), "nickname": c["name"],
         "phone": c["phone"], "phone_suffix": c["phone"] and c["phone"][-4:],
         "status": "active", "tier_code": c["tier"] or entry, "growth_value": c["growth_value"],
         "created_at": local_midnight(c["joined_at"], tz) if c["joined_at"] else moment}
        for i, c in zip(ids, batch, strict=True)])
    growth = [(i, c) for i, c in zip(ids, batch, strict=True) if c["growth_value"]]
    bulk.insert_rows(GrowthEvent.__table__, [
        {"id": g, "merchant_id": merchant.id, "member_id": i, "amount": c["growth_value"],
         "source": "migration", "created_at": moment}
        for g, (i, c) in zip(bulk.allocate_ids(GrowthEvent.__table__, len(growth)), growth,
                             strict=True)])
    bulk.insert_rows(ImportKey.__table__, [
        {"id": k, "merchant_id": merchant.id, "row_key": c["key"], "member_id": i,
         "phone": c["phone"], "created_at": moment}
        for k, i, c in zip(bulk.allocate_ids(ImportKey.__table__, len(batch)), ids, batch,
                           strict=True)])
    ledger.open_balances(merchant.id, [
        {"member_id": i, "amount": c["balance"], "expires_at": _expiry(c, tz),
         "idempotency_key": f"import:{c['key']}"} for i, c in zip(ids, batch, strict=True)])


def _expiry(clean: dict, timezone: str):
    """A lot expires at the end of its last day in the merchant's timezone."""
    day = clean["expires_at"]
    return local_midnight(day + timedelta(days=1), timezone) if day else None


def _changing(merchant: Merchant, rows: list[dict], known: dict) -> list[dict]:
    """The rows seen before that would change something (a re-import usually has none)."""
    ids = [known[c["key"]][1] for c in rows]
    members_now = {row.id: row for row in bulk.matching(
        select(Member.id, Member.tier_code, Member.growth_value), Member.id, ids)}
    credited = {key for key, in bulk.matching(
        select(LedgerEntry.idempotency_key).where(LedgerEntry.merchant_id == merchant.id),
        LedgerEntry.idempotency_key, [f"import:{c['key']}" for c in rows])}
    rules = merchant.rules["tiers"]
    return [c for c, member_id in zip(rows, ids, strict=True)
            if (c["balance"] and f"import:{c['key']}" not in credited)
            or c["growth_value"] > members_now[member_id].growth_value
            or (c["tier"] and _rank(c["tier"], rules)
                > _rank(members_now[member_id].tier_code, rules))]


def _rank(code: str, rules: list[dict]) -> int:
    ordered = sorted(rules, key=lambda tier: tier["threshold"])
    return next((i for i, tier in enumerate(ordered) if tier["code"] == code), -1)


def _update(merchant: Merchant, member_id: int, clean: dict) -> None:
    """A row seen before: set tier and growth (never down); its opening balance credits once."""
    member = db.session.get(Member, member_id)
    if clean["tier"] and not tiers.reaches(member, clean["tier"], merchant.rules["tiers"]):
        member.tier_code = clean["tier"]
    member.growth_value = max(member.growth_value, clean["growth_value"])
    if clean["balance"]:
        ledger.post(merchant_id=merchant.id, member_id=member_id, amount=clean["balance"],
                    type="adjust", reason="migration", ref=ledger.Ref("import", clean["key"]),
                    idempotency_key=f"import:{clean['key']}",
                    expires_at=_expiry(clean, merchant.timezone))


def join_verified_phone(*, merchant_id: int, member_id: int, phone: str) -> dict:
    """Join the member imported with this phone to the WeChat member who just verified it.

    Runs inside the caller's transaction (the caller commits) and only for a VERIFIED phone:
    the imported member's live lots move over keeping their expiry, growth value adds up,
    the higher tier stays, and the import key points at the WeChat member from now on.
    """
    key = db.session.execute(select(ImportKey).where(
        ImportKey.merchant_id == merchant_id, ImportKey.row_key == f"phone:{phone}",
        ImportKey.joined_member_id.is_(None)).with_for_update()).scalar_one_or_none()
    if key is None or key.member_id == member_id:
        return {"joined": False, "points_moved": 0}
    moved = _move_lots(merchant_id, key.member_id, member_id)
    cards = _merge_profile(merchant_id, key.member_id, member_id)
    key.joined_member_id = member_id
    audit.record(merchant_id=merchant_id, action="member.import_join", target_type="member",
                 target_id=member_id, after={"imported_member_id": key.member_id,
                                             "points_moved": moved, **cards})
    return {"joined": True, "imported_member_id": key.member_id, "points_moved": moved}


def _move_lots(merchant_id: int, source_id: int, target_id: int) -> int:
    account = ledger.lock_account(merchant_id, source_id)
    lots = ledger.live_lots(account.id, now())
    total = sum(lot.remaining for lot in lots)
    if not total:
        return 0
    plan = [(lot.id, lot.remaining, lot.expires_at) for lot in lots]
    ledger.post(merchant_id=merchant_id, member_id=source_id, amount=-total, type="adjust",
                reason="migration", ref=ledger.Ref("member", str(target_id)),
                idempotency_key=f"import-join-out:{source_id}")
    for lot_id, points, expires_at in plan:
        ledger.post(merchant_id=merchant_id, member_id=target_id, amount=points, type="adjust",
                    reason="migration", ref=ledger.Ref("member", str(source_id)),
                    idempotency_key=f"import-join-in:{lot_id}", expires_at=expires_at)
    return total


def _merge_profile(merchant_id: int, source_id: int, target_id: int) -> dict:
    """Growth, tier, nickname and the legacy card move over; answers the card change."""
    source, target = db.session.get(Member, source_id), db.session.get(Member, target_id)
    rules = db.session.get(Merchant, merchant_id).rules["tiers"]
    target.growth_value += source.growth_value
    if not tiers.reaches(target, source.tier_code, rules):
        target.tier_code = source.tier_code
    target.nickname = target.nickname or source.nickname
    source.status, source.growth_value, source.phone = "merged", 0, None
    if source.card_no == members.CARD_CODES.encode([source.id]):
        return {}  # the file had no card for this member: the WeChat card stays
    # The customer carries the old cashier's card and staff look them up by it: it becomes
    # the member's card (the number WeChat gave minutes ago is kept in the audit record).
    cards = {"card_no": source.card_no, "replaced_card_no": target.card_no}
    source.card_no = None
    db.session.flush()  # the card number is unique per merchant: free it first
    target.card_no = cards["card_no"]
    return cards


events.subscribe(events.PHONE_VERIFIED, join_verified_phone)
