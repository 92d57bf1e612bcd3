"""Keyset pagination with an opaque cursor: {"items": [...], "next_cursor": ...}."""

import base64

import marshmallow as ma
from marshmallow import validate

from core.errors import ValidationFailed
from core.inputs import BIGINT_MAX


class ListArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=20, validate=validate.Range(1, 100))
    cursor = ma.fields.String(load_default=None, validate=validate.Length(max=64))


def page_schema(item_schema, name: str):
    """A response schema {items: [item], next_cursor} named for the OpenAPI document."""
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item_schema)),
        "next_cursor": ma.fields.String(allow_none=True),
    }, name=name)


def encode_cursor(position: int) -> str:
    """An opaque cursor for a position (an id, or an offset in a ranking)."""
    return base64.urlsafe_b64encode(str(position).encode()).decode()


def decode_cursor(cursor: str | None) -> int | None:
    """The position an opaque cursor stands for (None for no cursor)."""
    if cursor is None:
        return None
    try:
        position = int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(details={"cursor": ["Not a valid cursor."]}) from exc
    if not 0 <= position <= BIGINT_MAX:  # ours are ids and offsets: never negative or huge
        raise ValidationFailed(details={"cursor": ["Not a valid cursor."]})
    return position


def paginate(session, query, id_column, *, limit: int, cursor: str | None) -> dict:
    """Newest first by id; the cursor is the last id seen."""
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(id_column < after)
    rows = session.execute(query.order_by(id_column.desc()).limit(limit + 1)).scalars().all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].id) if more else None
    return {"items": rows, "next_cursor": next_cursor}
