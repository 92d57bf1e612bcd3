"""`flask demo seed`: a demo merchant that shows every feature, created once (above the
domains, beside app.py, since it seeds all of them)."""

from auth.service import create_staff
from core import merchants
from core.extensions import db
from core.models import Store
from loyalty import members
from loyalty.rules import default_rules
from mall.models import Item

APPID = "wx-demo-jifen"
NAME = "Jifen Demo Clinic"
STAFF = [("owner", "owner"), ("manager", "manager"), ("manager2", "manager"),
         ("clerk", "clerk"), ("clerk2", "clerk"), ("support", "support")]
PASSWORD = "demo-pass-123"
MEMBERS = ["demo-alice", "demo-bing", "demo-chen", "demo-dai", "demo-emma"]
ITEMS = [
    {"title": "50元代金券 ¥50 off the next visit", "type": "coupon", "category": "coupons",
     "points_price": 50, "stock": 200, "limit_per_member_day": 1},
    {"title": "玻尿酸补水护理 Hydrating facial", "type": "service", "category": "care",
     "points_price": 80, "stock": 20, "limit_per_member_total": 1},
    {"title": "旅行装精华 Travel-size serum", "type": "goods", "category": "skincare",
     "points_price": 60, "cash_price_fen": 1990, "stock": 30},
    {"title": "钻石专享晚霜 Diamond night cream", "type": "goods", "category": "skincare",
     "points_price": 90, "stock": 5, "min_tier": "diamond"},
]


def seed() -> dict:
    """Create the demo merchant unless it exists; return its logins either way."""
    merchant = merchants.by_appid(APPID)
    created = merchant is None
    if created:
        merchant, _secret = merchants.create_merchant(
            name=NAME, appid=APPID, wechat_secret="demo-wechat-secret", rules=default_rules())
        store = Store(merchant_id=merchant.id, name="静安旗舰店 Jing'an flagship")
        db.session.add(store)
        db.session.flush()
        for username, role in STAFF:
            create_staff(merchant_id=merchant.id, username=username, password=PASSWORD,
                         role=role, store_id=store.id if role == "clerk" else None)
        db.session.add_all(Item(merchant_id=merchant.id, status="on_sale", **item)
                           for item in ITEMS)
        db.session.commit()
        for openid in MEMBERS:
            members.login(merchant, openid)
    return {
        "created": created, "merchant_id": merchant.id, "appid": APPID,
        "pos_key_id": merchant.pos_key_id, "pos_secret": merchant.pos_secret,
        "staff": [{"username": u, "role": r, "password": PASSWORD} for u, r in STAFF],
        "member_login_codes": [f"fake-{openid}" for openid in MEMBERS],
    }
