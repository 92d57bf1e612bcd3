"""Pure rules of the member import: decoding, header and row checks (no database)."""

import csv
import io
import re
from datetime import date

COLUMNS = ("phone", "name", "card_no", "balance", "expires_at", "tier", "growth_value",
           "joined_at")
PHONE = re.compile(r"^\+?[0-9]{6,15}$")
MAX_POINTS = 10**9
# 2027-06-30, 2027/6/30 or 20270630 (a regex and date(): strptime is slow on 100k rows)
DATE = re.compile(r"([0-9]{4})([-/]?)([0-9]{1,2})\2([0-9]{1,2})")


def decode(raw: bytes) -> str:
    """UTF-8 with or without BOM, else GB18030 (what legacy Chinese cashiers export)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def read(text: str) -> tuple[list[dict], list[dict]]:
    """(rows with their line numbers, header errors); the header is line 1."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing or len(header) != len(set(header)):
        return [], [{"row": 1, "field": "header",
                     "message": f"The header must be {','.join(COLUMNS)}."}]
    reader.fieldnames = header
    rows = []
    for record in reader:
        cells = {k: (v or "").strip() for k, v in record.items() if k in COLUMNS}
        rows.append({"line": reader.line_num, **cells})
    return rows, []


def _integer(value: str, field: str, errors: list) -> int:
    if value == "":
        return 0
    if not re.fullmatch(r"[0-9]{1,10}", value) or int(value) > MAX_POINTS:
        errors.append((field, "Must be a whole number from 0 to 1000000000."))
        return 0
    return int(value)


def _date(value: str, field: str, errors: list) -> date | None:
    if value == "":
        return None
    match = DATE.fullmatch(value)
    try:
        return date(*(int(part) for part in match.group(1, 3, 4)))
    except (AttributeError, ValueError):  # no match, or no such day
        errors.append((field, "Must be a date like 2027-06-30."))
        return None


def check(row: dict, tiers: dict[str, str], today: date) -> tuple[dict, list[tuple]]:
    """The cleaned row and its (field, message) errors; `tiers` maps code and name → code."""
    errors: list[tuple] = []
    phone, card_no = row["phone"], row["card_no"]
    if phone and not PHONE.match(phone):
        errors.append(("phone", "Not a phone number."))
    if not phone and not card_no:
        errors.append(("phone", "Give a phone or a card_no."))
    if len(card_no) > 20:
        errors.append(("card_no", "At most 20 characters."))
    if len(row["name"]) > 64:
        errors.append(("name", "At most 64 characters."))
    if row["tier"] and row["tier"] not in tiers:
        errors.append(("tier", "Not one of the merchant's tiers."))
    clean = {"phone": phone or None, "card_no": card_no or None, "name": row["name"] or None,
             "balance": _integer(row["balance"], "balance", errors),
             "growth_value": _integer(row["growth_value"], "growth_value", errors),
             "expires_at": _date(row["expires_at"], "expires_at", errors),
             "joined_at": _date(row["joined_at"], "joined_at", errors),
             "tier": tiers.get(row["tier"]) if row["tier"] else None,
             "key": f"phone:{phone}" if phone else f"card:{card_no}"}
    _check_balance(row, clean, today, errors)
    return clean, errors


def _check_balance(row: dict, clean: dict, today: date, errors: list) -> None:
    if row["balance"].startswith("-"):
        errors[:] = [e for e in errors if e[0] != "balance"]
        errors.append(("balance", "Must not be negative."))
    if clean["balance"] and clean["expires_at"] is None and not row["expires_at"]:
        errors.append(("expires_at", "Required when there is a balance."))
    if clean["balance"] and clean["expires_at"] and clean["expires_at"] <= today:
        errors.append(("expires_at", "Already expired."))
