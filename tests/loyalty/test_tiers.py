from datetime import UTC, datetime

from core.extensions import db
from core.models import Merchant
from loyalty import tiers
from tests.helpers import purchase


def test_rolling_downgrade_lets_old_growth_lapse(api, app, client, clock):
    merchant = api.merchant()
    clock.set(datetime(2025, 6, 1, tzinfo=UTC))
    member = api.member(merchant)
    purchase(client, merchant, member, 600_000)  # growth 6000 → platinum
    clock.set(datetime(2026, 7, 1, tzinfo=UTC))
    with app.app_context():
        record = db.session.get(Merchant, merchant["id"])
        assert tiers.evaluate(record) == {"merchant_id": merchant["id"], "changed": 0}
        record.rules = {**record.rules, "tier_downgrade": "rolling_12_months"}
        db.session.commit()
        assert tiers.evaluate(db.session.get(Merchant, merchant["id"]))["changed"] == 1
    card = client.get("/api/v1/me/card", headers=member["headers"]).json
    assert card["tier"]["code"] == "starlight" and card["growth_value"] == 0
