"""Hostile input, table-driven over the OpenAPI document: deep nesting, lone UTF-16
surrogates, the ends of the calendar, numbers beyond BIGINT, oversized bodies, URLs and
headers. Every answer is a 4xx in the contract's JSON error format and nothing is stored."""

import json
import re
from datetime import UTC, datetime

import flask_smorest
import pytest
import requests
from sqlalchemy import func, select

from core.api import Blueprint
from core.extensions import db
from tests.helpers import pos_headers
from tests.mall.shop import ITEM, victim_objects
from tests.servers import gunicorn

METHODS = ("get", "post", "put", "patch", "delete")
PARAM = re.compile(r"{(\w+)}")
SURROGATE = "\ud800"  # half an emoji, what a client that cuts "😀" in two sends
CALENDAR_EDGES = ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-12:00"]
HUGE = [2**63, 10**20]


def _spec(app):
    return app.test_client().get("/api/v1/openapi.json").json


def _resolve(spec, schema):
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _plain(spec, schema):
    """A plausible value for a schema (bodies that pass the types, if not the business)."""
    schema = _resolve(spec, schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "object":
        return {name: _plain(spec, sub) for name, sub in schema.get("properties", {}).items()
                if not sub.get("readOnly")}
    if kind == "array":
        return [_plain(spec, schema.get("items", {}))]
    if fmt == "date-time":
        return datetime.now(UTC).isoformat()
    if fmt == "date":
        return "2026-01-01"
    return {"integer": 1, "number": 1, "boolean": True}.get(kind, schema.get("example", "x1"))


def _leaves(value, path=()):
    """(path, value) of every scalar in a body."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaves(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaves(child, (*path, index))
    else:
        yield path, value


def _replaced(body, path, new):
    body = json.loads(json.dumps(body))
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return body


def _json_operations(spec):
    for path, item in sorted(spec["paths"].items()):
        for method, op in item.items():
            content = op.get("requestBody", {}).get("content", {}) if method in METHODS else {}
            if "application/json" in content:
                yield method, path, op, content["application/json"]["schema"]


def _variants(spec, schema):
    """(what, raw body) pairs: each hostile value in each field it fits, and whole bodies."""
    plain = _plain(spec, schema)
    yield "nested", b"[" * 100_000
    yield "nested object", b'{"a":' * 50_000
    yield "nested deep enough to parse", json.dumps(
        {**plain, "deep": json.loads("[" * 500 + "]" * 500)}).encode()
    yield "surrogate key", json.dumps({**plain, SURROGATE: 1}).encode()
    for path, value in _leaves(plain):
        if isinstance(value, str):
            yield f"surrogate in {path}", json.dumps(_replaced(plain, path, SURROGATE)).encode()
            if value[:2].isdigit():  # a date or a moment
                edges = CALENDAR_EDGES if "T" in value else ["0001-01-01", "9999-12-31"]
                for edge in edges:
                    yield f"{edge} in {path}", json.dumps(_replaced(plain, path, edge)).encode()
        if isinstance(value, int) and not isinstance(value, bool):
            for huge in HUGE:
                yield f"{huge} in {path}", json.dumps(_replaced(plain, path, huge)).encode()


@pytest.fixture
def world(api, client):
    merchant = api.merchant()
    owner, member = api.staff(merchant, "owner"), api.member(merchant)
    ids = victim_objects(api, client, merchant, owner["headers"])
    entry = client.get(f"/api/v1/admin/members/{member['id']}/transactions",
                       headers=owner["headers"]).json["items"]
    campaign = client.post("/api/v1/admin/campaigns", headers=owner["headers"], json={
        "name": "C", "multiplier": "2", "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": "2026-02-01T00:00:00Z"}).json
    ids.update(member_id=member["id"], campaign_id=campaign["id"], adjustment_id=1,
               entry_id=entry[0]["id"] if entry else 1, token="t" * 16)
    return {"merchant": merchant, "owner": owner, "member": member, "ids": ids}


def _counts(app) -> dict:
    with app.app_context():
        counts = {table.name: db.session.scalar(select(func.count()).select_from(table))
                  for table in db.metadata.sorted_tables}
        db.session.remove()
        return counts


def _send(client, world, method, path, op, raw: bytes, **extra):
    url = PARAM.sub(lambda m: str(world["ids"].get(m.group(1), 1)), path)
    headers = {"Content-Type": "application/json", **extra.pop("headers", {})}
    if "posKey" in json.dumps(op.get("security", [])):
        headers.update(pos_headers(world["merchant"], url, raw))
    elif op.get("x-subject") == "member":
        headers.update(world["member"]["headers"])
    elif op.get("x-subject") == "staff":
        headers.update(world["owner"]["headers"])
    return client.open(url, method=method.upper(), data=raw, headers=headers, **extra)


def assert_refused(response, *context):
    assert 400 <= response.status_code < 500, (*context, response.status_code,
                                                response.get_data(True)[:300])
    assert response.is_json and response.json["error"]["code"], (*context, response.data[:300])


def test_every_json_endpoint_refuses_every_hostile_body_and_stores_nothing(app, world, client):
    spec, before = _spec(app), _counts(app)
    tried = 0
    for method, path, op, schema in _json_operations(spec):
        for what, raw in _variants(spec, schema):
            assert_refused(_send(client, world, method, path, op, raw), method, path, what)
            tried += 1
    assert tried > 150
    assert _counts(app) == before


VALID_BODIES = {  # (method, path) → a body the endpoint accepts; each field is then poisoned
    ("patch", "/api/v1/me"): {"nickname": "小美", "gender": "female"},
    ("post", "/api/v1/admin/items"): {**ITEM, "sale_starts_at": "2026-01-01T00:00:00Z",
                                      "sale_ends_at": "2027-01-01T00:00:00Z"},
    ("post", "/api/v1/admin/campaigns"): {"name": "Double", "multiplier": "2",
                                          "starts_at": "2026-01-01T00:00:00Z",
                                          "ends_at": "2027-01-01T00:00:00Z"},
    ("post", "/api/v1/pos/orders"): {"order_no": "POS-1", "amount_fen": 10_000,
                                     "paid_at": "2026-11-30T10:00:00+08:00"},
    ("post", "/api/v1/admin/vouchers/redeem"): {"code": "V"},
    ("post", "/api/v1/auth/wechat/login"): {"appid": "A", "code": "fake-hostile"},
}


@pytest.mark.parametrize(("method", "path"), sorted(VALID_BODIES))
def test_a_valid_body_with_one_poisoned_field_is_refused(app, world, client, method, path):
    body = dict(VALID_BODIES[method, path])
    if path == "/api/v1/pos/orders":
        body["member"] = {"member_id": world["member"]["id"]}
    if path == "/api/v1/admin/vouchers/redeem":
        body["code"] = world["ids"]["code"]
    if path == "/api/v1/auth/wechat/login":
        body["appid"] = world["merchant"]["appid"]
    op = _spec(app)["paths"][path][method]
    before = _counts(app)
    for field, value in body.items():
        poisons = [SURROGATE, f"ok{SURROGATE}"] if isinstance(value, str) else HUGE
        if isinstance(value, str) and value[:4].isdigit():
            poisons += CALENDAR_EDGES
        for poison in poisons:
            raw = json.dumps({**body, field: poison}).encode()
            assert_refused(_send(client, world, method, path, op, raw), path, field, poison)
    assert _counts(app) == before


QUERIES = [
    ("/api/v1/admin/analytics/summary", {"from": "0001-01-01"}),
    ("/api/v1/admin/analytics/summary", {"to": "9999-12-01"}),
    ("/api/v1/admin/analytics/timeseries", {"from": "0001-01-01", "to": "0001-01-02"}),
    ("/api/v1/admin/analytics/engagement", {"from": "9999-12-01", "to": "9999-12-31"}),
    ("/api/v1/admin/analytics/items", {"from": "0001-01-01"}),
    ("/api/v1/admin/analytics/referrals", {"cursor": "MTAwMDAwMDAwMDAwMDAwMDAwMDAw"}),
    ("/api/v1/admin/audit", {"actor_id": str(10**20)}),
    ("/api/v1/admin/orders", {"member_id": str(2**63)}),
    ("/api/v1/admin/members", {"cursor": "LTE="}),  # -1
    ("/api/v1/me/checkins", {"month": "0000-01"}),
    ("/api/v1/me/checkins", {"month": "١٢٣٤-01"}),  # Arabic-Indic digits
]


def test_hostile_query_strings_are_refused(world, client):
    for path, query in QUERIES:
        member = path.startswith(("/api/v1/me", "/api/v1/mall"))
        who = world["member"] if member else world["owner"]
        assert_refused(client.get(path, query_string=query, headers=who["headers"]), path, query)


def test_percent_encoded_surrogates_in_urls_arrive_as_harmless_text(world, client):
    """HTTP cannot carry a lone surrogate in a URL: werkzeug decodes %ED%A0%80 to U+FFFD in
    paths and keeps it percent-encoded in query strings, so these are plain lookups."""
    member = world["member"]["headers"]
    assert client.get("/api/v1/mall/items", query_string="category=%ED%A0%80",
                      headers=member).json["items"] == []
    response = client.get("/api/v1/me/vouchers/%ED%A0%80/qr.png", headers=member)
    assert_refused(response, "voucher code")


def test_path_ids_beyond_bigint_match_no_route(app, world, client):
    before = _counts(app)
    for path, item in _spec(app)["paths"].items():
        if not re.search(r"{\w+_id}", path):
            continue
        for method, op in item.items():
            if method in METHODS:
                for huge in (2**63, 10**30):
                    url = re.sub(r"{\w+_id}", str(huge), PARAM.sub(
                        lambda m: str(world["ids"].get(m.group(1), 1)) if not m.group(1).endswith(
                            "_id") else m.group(0), path))
                    response = _send(client, world, method, url, op, b"{}")
                    assert response.status_code == 404, (method, url, response.status_code)
                    assert response.json["error"]["code"] == "NOT_FOUND"
    assert _counts(app) == before


def test_a_pos_timestamp_that_is_not_ascii_digits_is_401(world, client):
    raw = json.dumps(VALID_BODIES["post", "/api/v1/pos/orders"]).encode()
    for timestamp in ["²", "١٧٠٠٠٠٠٠٠٠", "9" * 40, "-1", " 1"]:
        headers = {**pos_headers(world["merchant"], "/api/v1/pos/orders", raw),
                   "X-Jifen-Timestamp": timestamp}
        response = client.post("/api/v1/pos/orders", data=raw, headers=headers)
        assert response.status_code == 401, (timestamp, response.get_data(True))
        assert response.json["error"]["code"] == "UNAUTHORIZED"


def test_oversized_bodies_urls_and_headers_get_413_414_431_in_the_contract(world, client):
    member = world["member"]["headers"]
    body = json.dumps({"nickname": "x" * (2 * 1024 * 1024)})
    too_big = client.patch("/api/v1/me", data=body, headers={
        **member, "Content-Type": "application/json"})
    assert (too_big.status_code, too_big.json["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
    long_url = client.get("/api/v1/me/points", query_string={"q": "x" * 9000}, headers=member)
    assert (long_url.status_code, long_url.json["error"]["code"]) == (414, "URI_TOO_LONG")
    big_header = client.get("/api/v1/me/points", headers={**member, "X-Junk": "x" * 9000})
    assert big_header.status_code == 431
    assert big_header.json["error"]["code"] == "REQUEST_HEADER_FIELDS_TOO_LARGE"
    fine = client.get("/api/v1/me/points", query_string={"q": "x" * 5000}, headers=member)
    assert fine.status_code == 200


def test_every_api_blueprint_parses_its_arguments_through_the_hostile_input_checks(app):
    offenders = [name for name, blueprint in app.blueprints.items()
                 if isinstance(blueprint, flask_smorest.Blueprint)
                 and not isinstance(blueprint, Blueprint)]
    assert offenders == [], f"use core.api.Blueprint, not flask_smorest's, in {offenders}"


@pytest.mark.slow
def test_gunicorn_lets_long_urls_and_headers_through_to_the_contracts_json(app, world):
    with gunicorn(app, workers=1, threads=2) as server:
        member = world["member"]["headers"]
        cases = [({"q": "x" * 5000}, {}, 200), ({"q": "x" * 9000}, {}, 414),
                 ({"q": "x" * 60_000}, {}, 414), ({}, {"X-Junk": "x" * 9000}, 431),
                 ({}, {"X-Junk": "x" * 60_000}, 431)]
        for query, extra, status in cases:
            response = requests.get(f"{server.url}/api/v1/me/points", params=query,
                                    headers={**member, **extra}, timeout=10)
            assert response.status_code == status, (len(str(query)), extra.keys())
            assert response.headers["Content-Type"].startswith("application/json")
            assert "error" in response.json() or status == 200
