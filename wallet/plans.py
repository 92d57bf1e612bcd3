"""Top-up plans live in the rules document (`wallet.plans`), so they are versioned with it."""

from auth.models import Staff
from loyalty import rulebook
from loyalty.rules import RulesSchema
from wallet import settings


def current(merchant_id: int) -> dict:
    """The plans and the rules version they belong to."""
    version = rulebook.current(merchant_id)["version"]
    return {"version": version, "plans": settings.of(merchant_id)["plans"]}


def replace(staff: Staff, plans: list[dict]) -> dict:
    """Store the whole list of plans as a new rules version (audited there)."""
    rules = RulesSchema().load(rulebook.current(staff.merchant_id)["rules"])
    rules["wallet"] = {**rules["wallet"], "plans": plans}
    rulebook.replace(staff, rules)
    return current(staff.merchant_id)
