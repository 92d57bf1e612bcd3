"""Reading and replacing a merchant's rules; every version is kept."""

from sqlalchemy import select

from auth.models import Staff
from core import audit
from core.extensions import db
from core.models import Merchant
from loyalty import rules as pure
from loyalty.models import RulesVersion


def current(merchant_id: int) -> dict:
    """The merchant's rules with their version number."""
    merchant = db.session.get(Merchant, merchant_id)
    return {"version": merchant.rules_version, "rules": merchant.rules}


def replace(staff: Staff, loaded: dict) -> dict:
    """Store a validated rules document as a new version (the view's schema validated it)."""
    new_rules = pure.as_document(loaded)
    merchant = db.session.execute(select(Merchant).where(Merchant.id == staff.merchant_id)
                                  .with_for_update()).scalar_one()
    before = {"version": merchant.rules_version, "rules": merchant.rules}
    _keep(merchant, staff_id=None)
    merchant.rules, merchant.rules_version = new_rules, merchant.rules_version + 1
    _keep(merchant, staff_id=staff.id)
    audit.record(merchant_id=merchant.id, action="rules.replace", target_type="rules",
                 target_id=merchant.rules_version, before=before,
                 after={"version": merchant.rules_version, "rules": new_rules})
    db.session.commit()
    return current(merchant.id)


def _keep(merchant: Merchant, staff_id: int | None) -> None:
    exists = db.session.execute(select(RulesVersion.id).where(
        RulesVersion.merchant_id == merchant.id,
        RulesVersion.version == merchant.rules_version)).first()
    if not exists:
        db.session.add(RulesVersion(merchant_id=merchant.id, version=merchant.rules_version,
                                    rules=merchant.rules, created_by=staff_id))
        db.session.flush()


def versions(merchant_id: int):
    """A select of the stored versions (paginate it)."""
    return select(RulesVersion).where(RulesVersion.merchant_id == merchant_id)
