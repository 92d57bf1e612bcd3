"""The balance read renders without marshmallow exactly what PointsSchema would dump."""

from datetime import UTC, datetime

from loyalty.schemas import PointsSchema
from loyalty.statements import as_json


def test_as_json_is_what_the_schema_dumps():
    moment = datetime(2026, 12, 1, 15, 59, 59, 123456, tzinfo=UTC)
    points = {"balance": 120, "lifetime_earned": 300, "lifetime_redeemed": 180, "debt": 0,
              "expiring": [{"expires_at": moment, "points": 70},
                           {"expires_at": moment.replace(microsecond=0), "points": 50}],
              "pending": [{"points": 9, "available_at": moment, "source": "pos_order",
                           "order_no": "A-1"}]}
    assert as_json(points) == PointsSchema().dump(points)
    empty = {**points, "expiring": [], "pending": []}
    assert as_json(empty) == PointsSchema().dump(empty)
