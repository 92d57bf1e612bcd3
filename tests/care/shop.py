"""Small factories for care tests: package items, counter sales, write-offs."""

import uuid

from tests.helpers import pos_post
from tests.mall.shop import create_item

PACKAGE = {"type": "package", "title": "水光针疗程 Hydra course", "category": "treatment",
           "points_price": 30, "cash_price_fen": 0, "sessions": 3, "valid_days": 180}


def package_item(client, owner: dict, **fields) -> dict:
    """A package item on sale (points only unless told otherwise)."""
    return create_item(client, owner, **{**PACKAGE, **fields})


def sell(client, merchant: dict, member: dict, item: dict, amount_fen: int = 3000,
         sale_no: str | None = None):
    """A counter sale of a package to a member."""
    return pos_post(client, merchant, "/api/v1/pos/packages", {
        "sale_no": sale_no or f"s-{uuid.uuid4().hex[:12]}", "member": {"member_id": member["id"]},
        "package_code": str(item["id"]), "amount_fen": amount_fen})


def use(client, staff: dict, code: str, use_no: str | None = None, **extra):
    """Write one session of a package off."""
    return client.post("/api/v1/admin/packages/uses", headers=staff["headers"], json={
        "code": code, "use_no": use_no or uuid.uuid4().hex, **extra})


def victim_objects(api, client, merchant: dict, owner: dict) -> dict:
    """Path ids of a merchant's care objects, for tenancy probes."""
    member = api.member(merchant)
    item = package_item(client, owner)
    sold = sell(client, merchant, member, item).json
    use(client, owner, sold["code"])
    follow_up = client.get("/api/v1/admin/follow-ups", headers=owner["headers"]).json["items"][0]
    return {"follow_up_id": follow_up["id"]}
