"""Small factories for mall tests: items, orders, many members, a peek into Redis."""

import uuid

from auth.tokens import issue_pair
from core import keys, merchants
from core.extensions import rds
from loyalty import members
from tests.helpers import bearer

ADDRESS = "上海市静安区南京西路 1 号"  # goods need one; services and coupons ignore it
ITEM = {"title": "玻尿酸补水护理 Hydrating facial", "type": "goods", "category": "care",
        "points_price": 50, "stock": 10, "status": "on_sale"}


def create_item(client, owner: dict, **fields) -> dict:
    """An item of the owner's merchant, on sale unless told otherwise."""
    response = client.post("/api/v1/admin/items", headers=owner["headers"],
                           json={**ITEM, **fields})
    assert response.status_code == 201, response.json
    return response.json


def order(client, member: dict, item: dict, quantity: int = 1, **extra):
    """POST a mall order for the member."""
    return client.post("/api/v1/mall/orders", headers=member["headers"],
                       json={"item_id": item["id"], "quantity": quantity,
                             "address": ADDRESS, **extra})


def placed(client, member: dict, item: dict, quantity: int = 1, **extra) -> dict:
    """A mall order that must succeed."""
    response = order(client, member, item, quantity, **extra)
    assert response.status_code == 201, response.json
    return response.json


def many_members(app, merchant: dict, count: int) -> list[dict]:
    """Members registered through the service (HTTP logins are throttled per IP)."""
    with app.app_context():
        tenant = merchants.get(merchant["id"])
        made = [members.login(tenant, f"racer-{uuid.uuid4().hex}")[0] for _ in range(count)]
        return [{"id": member.id, "headers": bearer(
            issue_pair("member", member.id, tenant.id)["access_token"])} for member in made]


def redis_stock(app, merchant: dict, item: dict) -> int | None:
    """The item's stock as Redis holds it (None when not loaded)."""
    with app.app_context():
        value = rds.hget(keys.mall_item(merchant["id"], item["id"]), "stock")
        return None if value is None else int(value)


def redis_holds(app, merchant: dict, item: dict) -> int:
    """How many reservations Redis holds for the item."""
    with app.app_context():
        return rds.hlen(keys.mall_holds(merchant["id"], item["id"]))


def db_stock(client, owner: dict, item: dict) -> int:
    """The item's database stock, as staff see it."""
    return client.get(f"/api/v1/admin/items/{item['id']}", headers=owner["headers"]).json["stock"]


def victim_objects(api, client, merchant: dict, owner_headers: dict) -> dict:
    """Path ids of a merchant's mall objects, for tenancy and ownership probes."""
    item = client.post("/api/v1/admin/items", headers=owner_headers,
                       json={**ITEM, "type": "service", "points_price": 10}).json
    buyer = api.member(merchant)
    bought = placed(client, buyer, item)
    flash_item = client.post("/api/v1/admin/items", headers=owner_headers,
                             json={**ITEM, "type": "service", "flash": True}).json
    queued = order(client, buyer, flash_item).json
    return {"item_id": item["id"], "order_id": bought["id"],
            "code": bought["vouchers"][0]["code"], "ticket": queued["ticket"]}
