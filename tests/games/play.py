"""Small factories for games tests: lotteries, draws, contests."""

import uuid
from datetime import UTC, datetime, timedelta

HOUR = timedelta(hours=1)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def window(before=HOUR, after=HOUR) -> dict:
    moment = datetime.now(UTC)
    return {"starts_at": iso(moment - before), "ends_at": iso(moment + after)}


LOTTERY = {"title": "幸运大转盘 Lucky wheel", "cost_points": 10, "daily_limit": 3,
           "prizes": [{"name": "50积分", "kind": "points", "points": 50, "stock": 5, "weight": 1},
                      {"name": "谢谢参与", "kind": "none", "weight": 3}]}


def create_lottery(client, staff: dict, **fields) -> dict:
    """A lottery of the staff member's merchant, open now unless told otherwise."""
    response = client.post("/api/v1/admin/lotteries", headers=staff["headers"],
                           json={**LOTTERY, **window(), **fields})
    assert response.status_code == 201, response.json
    return response.json


def draw(client, member: dict, lottery: dict, key: str | None = None):
    """POST one draw (a fresh Idempotency-Key unless given)."""
    return client.post(f"/api/v1/lotteries/{lottery['id']}/draws",
                       headers={**member["headers"], "Idempotency-Key": key or uuid.uuid4().hex})


def create_contest(client, staff: dict, **fields) -> dict:
    """A spend contest open now, 100 points for rank 1 and 50 for ranks 2–3."""
    body = {"title": "本月消费王 Top spender", "metric": "spend_fen",
            "awards": [{"rank_from": 1, "rank_to": 1, "points": 100},
                       {"rank_from": 2, "rank_to": 3, "points": 50}], **window(), **fields}
    response = client.post("/api/v1/admin/contests", headers=staff["headers"], json=body)
    assert response.status_code == 201, response.json
    return response.json


def victim_objects(client, headers: dict) -> dict:
    """A lottery and a contest of the victim merchant, for the security matrix."""
    staff = {"headers": headers}
    return {"lottery_id": create_lottery(client, staff)["id"],
            "contest_id": create_contest(client, staff)["id"]}
