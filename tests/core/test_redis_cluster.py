"""Redis Cluster readiness: every key of one merchant hashes to one slot, and with
REDIS_URL=redis+cluster://… (scripts/test.sh runs the Redis-touching tests that way) the app
talks to the cluster through redis-py's RedisCluster."""

import inspect
from datetime import date

import redis
from redis.crc import key_slot

from core import keys
from core.extensions import rds


def _every_key(merchant_id: int) -> list[str]:
    made = []
    for name, build in inspect.getmembers(keys, inspect.isfunction):
        if name.startswith("_"):
            continue
        made.append(build(*[_sample(p, merchant_id)
                            for p in inspect.signature(build).parameters.values()]))
    return made


def _sample(param: inspect.Parameter, merchant_id: int):
    if param.name == "merchant_id":
        return merchant_id
    if param.annotation in (date, "date"):
        return date(2026, 11, 30)
    return 7 if param.name.endswith("_id") else "Ab"


def test_every_key_of_a_merchant_hashes_to_the_merchants_slot():
    for merchant_id in (1, 2, 977):
        slots = {key_slot(key.encode()) for key in _every_key(merchant_id)}
        assert len(slots) == 1, (merchant_id, slots)
    assert key_slot(b"{m1}:x") != key_slot(b"{m2}:x")


def test_the_app_uses_the_client_its_redis_url_names(app):
    with app.app_context():
        cluster = app.config["REDIS_URL"].startswith("redis+cluster://")
        assert isinstance(rds._get_current_object(), redis.RedisCluster) == cluster
        assert rds.set("{m1}:probe", "1", ex=5) and rds.get("{m1}:probe") == "1"
