"""What the service accepts from a request, checked once for every endpoint: JSON it can
parse without recursing away, text it can store (no lone UTF-16 surrogates), numbers and
moments its databases and calendar arithmetic can represent, and bounded sizes."""

from datetime import UTC, date, datetime

import marshmallow as ma
from flask import request
from webargs.flaskparser import FlaskParser, abort
from werkzeug.exceptions import NotFound

from core.errors import error_response

BIGINT_MAX = 2**63 - 1
# Every moment and day a request carries lies in these years: far enough from the ends of the
# calendar that converting to any time zone and adding months or days never overflows.
FIRST_YEAR, LAST_YEAR = 1900, 2999
MAX_URL_BYTES = 8 * 1024  # path + query string: above it, 414 in the contract's format
MAX_HEADER_BYTES = 8 * 1024  # one header field (name + value): above it, 431

MAX_DEPTH = 16  # our deepest schema nests 3 levels; deeper data could overflow json.dumps later
NESTING = f"Nested more than {MAX_DEPTH} levels deep."
SURROGATE = "Not valid text: contains a lone UTF-16 surrogate (a cut emoji?)."
OUT_OF_RANGE = "Out of range."
CALENDAR = f"Must lie between the years {FIRST_YEAR} and {LAST_YEAR}."


def has_surrogate(text: str) -> bool:
    """True when the text holds a lone surrogate (it cannot be encoded as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _children(value) -> list:
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return list(enumerate(value))
    return []


def walk(data):
    """(dotted path, depth, key or value) for every dict key and scalar value, iteratively
    (the data may be nested as deeply as the JSON parser allowed)."""
    stack = [("", 0, data)]
    while stack:
        path, depth, value = stack.pop()
        children = _children(value) if depth <= MAX_DEPTH else []
        if not children:
            yield path or "_schema", depth, value
        for key, child in children:
            where = f"{path}.{key}" if path else str(key)
            if isinstance(value, dict):
                yield where, depth + 1, key
            stack.append((where, depth + 1, child))


def _problem(value) -> str | None:
    if isinstance(value, str):
        return SURROGATE if has_surrogate(value) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if -BIGINT_MAX <= value <= BIGINT_MAX else OUT_OF_RANGE
    if isinstance(value, datetime):
        return None if _representable(value) else CALENDAR
    if isinstance(value, date):
        return None if FIRST_YEAR <= value.year <= LAST_YEAR else CALENDAR
    return None


def _representable(moment: datetime) -> bool:
    try:
        utc = moment.astimezone(UTC) if moment.tzinfo else moment
    except OverflowError:
        return False
    return FIRST_YEAR <= utc.year <= LAST_YEAR


def problems(data) -> dict:
    """field path → messages for every value the service cannot store or compute with."""
    found = {}
    for path, depth, value in walk(data):
        message = NESTING if depth > MAX_DEPTH else _problem(value)
        field = path.encode("utf-8", "backslashreplace").decode()  # printable even if hostile
        if message and message not in found.get(field, []):
            found.setdefault(field, []).append(message)
    return found


def refuse_unrepresentable(data):
    """A webargs validator: a 422 naming each field whose value cannot be stored."""
    found = problems(data)
    if found:
        raise ma.ValidationError(found)


class JifenParser(FlaskParser):
    """webargs' parser, refusing what the service cannot represent before any view runs."""

    def load_json(self, req, schema):
        try:
            return super().load_json(req, schema)
        except RecursionError:
            abort(400, messages={"json": ["The JSON body is nested too deeply."]})

    def pre_load(self, location_data, *, schema, req, location):
        refuse_unrepresentable(location_data)  # as sent: keys and text the schema never sees
        return location_data

    def parse(self, argmap, req=None, *, validate=None, **kwargs):
        given = validate if isinstance(validate, list | tuple) else [validate] if validate else []
        return super().parse(argmap, req, validate=[refuse_unrepresentable, *given], **kwargs)


def refuse_unstorable_ids(_endpoint, values):
    """url_value_preprocessor: a path id beyond BIGINT names nothing → 404, for every method
    and database (SQLite cannot even bind it)."""
    if any(isinstance(value, int) and not -BIGINT_MAX <= value <= BIGINT_MAX
           for value in (values or {}).values()):
        raise NotFound("No such object.")


def check_request_size():
    """before_request: a URL or a header too long for us is the contract's 414/431, never
    a proxy's or gunicorn's HTML page (gunicorn.conf.py lets these through to the app)."""
    url_bytes = len(request.environ.get("PATH_INFO", "")) + len(
        request.environ.get("QUERY_STRING", ""))
    if url_bytes > MAX_URL_BYTES:
        return error_response(414, "URI_TOO_LONG",
                              f"The URL is longer than {MAX_URL_BYTES} bytes.")
    for name, value in request.headers.items():
        if len(name) + len(value) > MAX_HEADER_BYTES:
            return error_response(431, "REQUEST_HEADER_FIELDS_TOO_LARGE",
                                  f"A header is longer than {MAX_HEADER_BYTES} bytes.",
                                  {"header": [name[:64]]})
    return None
