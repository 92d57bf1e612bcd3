import io
from datetime import UTC, datetime

from sqlalchemy import func, select

from core.extensions import db
from crm import importing, imports
from loyalty.models import LedgerEntry, Lot, Member
from tests.helpers import assert_error, run_concurrently

URL = "/api/v1/admin/imports/members"
HEADER = "phone,name,card_no,balance,expires_at,tier,growth_value,joined_at\n"
GOOD = (HEADER + "13800000001,王小美,LC0001,1200,2099-06-30,platinum,6000,2019-03-08\n"
        "13800000002,李丽,,0,,,,\n"
        ",张三,LC0003,50,2099-01-31,starlight,10,\n")


def _upload(client, owner, text: str, *, dry_run: bool, encoding="utf-8"):
    data = {"file": (io.BytesIO(text.encode(encoding)), "members.csv")}
    return client.post(f"{URL}?dry_run={str(dry_run).lower()}", headers=owner, data=data,
                       content_type="multipart/form-data")


def _counts(app, merchant_id):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model).where(
            model.merchant_id == merchant_id)) for model in (Member, LedgerEntry, Lot))


def test_rows_are_checked_field_by_field_without_a_database():
    today = datetime(2026, 11, 30).date()
    rows, errors = importing.read(HEADER + "12,,,-5,2026-02-30,gold,x,\n")
    assert errors == [] and rows[0]["line"] == 2
    _, problems = importing.check(rows[0], {"starlight": "starlight"}, today)
    assert {field for field, _ in problems} == {"phone", "balance", "expires_at", "tier",
                                                "growth_value"}
    assert importing.read("phone,name\n1,2\n")[1][0]["row"] == 1
    dates = [importing.check({**rows[0], "joined_at": value}, {}, today)[0]["joined_at"]
             for value in ("2027-06-30", "2027/6/30", "20270630", "2027-06/30", "2027-13-01")]
    assert dates == [datetime(2027, 6, 30).date()] * 3 + [None, None]
    assert importing.decode("会员".encode("gb18030")) == "会员"
    assert importing.decode(b"\xef\xbb\xbfphone") == "phone"


def test_a_dry_run_reports_and_writes_nothing_then_the_real_run_imports(app, client, shop):
    owner, merchant_id = shop["owner"]["headers"], shop["merchant"]["id"]
    dry = _upload(client, owner, GOOD, dry_run=True)
    assert dry.status_code == 200, dry.json
    assert dry.json == {"rows": 3, "valid": 3, "errors": [], "created": 3, "updated": 0,
                        "dry_run": True}
    assert _counts(app, merchant_id) == (0, 0, 0)
    real = _upload(client, owner, GOOD, dry_run=False)
    assert real.json == {**dry.json, "dry_run": False}
    assert _counts(app, merchant_id) == (3, 2, 2)
    page = client.get("/api/v1/admin/members?q=LC0001", headers=owner).json["items"]
    assert page[0]["tier"] == "platinum" and page[0]["balance"] == 1200
    assert page[0]["growth_value"] == 6000 and page[0]["nickname"] == "王小美"
    assert page[0]["created_at"].startswith("2019-03-07T16:00")  # midnight in Shanghai
    # the front desk finds imported members by the last 4 digits of their phone
    by_suffix = client.get("/api/v1/admin/members?q=0002", headers=owner).json["items"]
    assert [m["nickname"] for m in by_suffix] == ["李丽"]
    with app.app_context():
        lot = db.session.scalars(select(Lot).where(Lot.merchant_id == merchant_id,
                                                   Lot.amount == 1200)).one()
        assert lot.expires_at == datetime(2099, 6, 30, 16, 0, tzinfo=UTC)  # end of that day
    again = _upload(client, owner, GOOD, dry_run=False)
    assert (again.json["created"], again.json["updated"]) == (0, 3)
    assert _counts(app, merchant_id) == (3, 2, 2)


def test_a_file_with_any_error_imports_nothing_and_names_rows_and_fields(app, client, shop):
    owner, merchant_id = shop["owner"]["headers"], shop["merchant"]["id"]
    bad = GOOD + "13800000001,重复,,0,,,,\n13900000009,坏日期,,10,2099-13-01,,,\n"
    dry = _upload(client, owner, bad, dry_run=True).json
    assert dry["valid"] == 3 and dry["created"] == 0
    assert [(e["row"], e["field"]) for e in dry["errors"]] == [(5, "phone"), (6, "expires_at")]
    error = assert_error(_upload(client, owner, bad, dry_run=False), 422, "VALIDATION_ERROR")
    assert error["details"]["errors"] == dry["errors"]
    header = assert_error(_upload(client, owner, "phone,name\n1,2\n", dry_run=False), 422,
                          "VALIDATION_ERROR")
    assert header["details"]["errors"][0] == {"row": 1, "field": "header",
                                              "message": header["details"]["errors"][0][
                                                  "message"]}
    negative = _upload(client, owner, HEADER + "13800000001,,,-5,2099-01-01,,,\n", dry_run=True)
    assert negative.json["errors"][0]["field"] == "balance"
    assert _counts(app, merchant_id) == (0, 0, 0)


def test_gb18030_and_bom_files_are_read(app, client, shop):
    owner = shop["owner"]["headers"]
    gb = _upload(client, owner, GOOD, dry_run=False, encoding="gb18030")
    assert gb.status_code == 200 and gb.json["created"] == 3
    names = {m["nickname"] for m in client.get("/api/v1/admin/members", headers=owner)
             .json["items"]}
    assert names == {"王小美", "李丽", "张三"}
    bom = _upload(client, owner, "\ufeff" + GOOD, dry_run=True)
    assert bom.json["errors"] == [] and bom.json["updated"] == 3


def test_too_large_files_missing_files_and_other_roles_are_refused(app, client, shop):
    owner = shop["owner"]["headers"]
    app.config["IMPORT_MAX_BYTES"] = 1024
    try:
        assert_error(_upload(client, owner, GOOD + "x" * 2048, dry_run=True), 413,
                     "PAYLOAD_TOO_LARGE")
    finally:
        app.config.pop("IMPORT_MAX_BYTES")
    assert_error(client.post(URL, headers=owner, data={}, content_type="multipart/form-data"),
                 422, "VALIDATION_ERROR")
    assert_error(_upload(client, shop["manager"]["headers"], GOOD, dry_run=False), 403,
                 "FORBIDDEN")
    assert _counts(app, shop["merchant"]["id"]) == (0, 0, 0)


def test_an_imported_member_joins_the_wechat_member_who_verifies_the_same_phone(
        app, api, client, shop):
    owner, merchant = shop["owner"]["headers"], shop["merchant"]
    _upload(client, owner, GOOD, dry_run=False)
    wechat = api.member(merchant)
    # An unverified phone in the profile joins nothing.
    client.patch("/api/v1/me", headers=wechat["headers"], json={"phone": "13800000001"})
    assert client.get("/api/v1/me/points", headers=wechat["headers"]).json["balance"] == 100
    verified = client.post("/api/v1/me/phone", headers=wechat["headers"],
                           json={"code": "phone-13800000001"})
    assert verified.status_code == 200, verified.json
    with app.app_context():
        again = imports.join_verified_phone(merchant_id=merchant["id"],
                                            member_id=wechat["id"], phone="13800000001")
        assert again == {"joined": False, "points_moved": 0}
    points = client.get("/api/v1/me/points", headers=wechat["headers"]).json
    assert points["balance"] == 1300
    assert {e["expires_at"][:10] for e in points["expiring"]} >= {"2099-06-30"}
    me = client.get("/api/v1/me", headers=wechat["headers"]).json
    assert me["tier"] == "platinum" and me["growth_value"] == 6000
    # The legacy card is the member's card from now on: WeChat shows it, staff find by it.
    assert client.get("/api/v1/me/card", headers=wechat["headers"]).json["card_no"] == "LC0001"
    found = client.get("/api/v1/admin/members?q=LC0001", headers=owner).json["items"]
    assert [m["id"] for m in found] == [wechat["id"]]
    reimport = _upload(client, owner, GOOD, dry_run=False).json
    assert (reimport["created"], reimport["updated"]) == (0, 3)
    assert client.get("/api/v1/me/points", headers=wechat["headers"]).json["balance"] == 1300


def test_concurrent_real_runs_of_one_file_import_it_once(app, client, shop):
    owner, merchant_id = shop["owner"]["headers"], shop["merchant"]["id"]

    def run(_):
        return _upload(app.test_client(), owner, GOOD, dry_run=False).status_code

    statuses = run_concurrently(run, range(3))
    assert set(statuses) <= {200, 409} and 200 in statuses
    assert _counts(app, merchant_id) == (3, 2, 2)
