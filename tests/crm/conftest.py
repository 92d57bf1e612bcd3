"""A clinic with an owner, a manager and a clerk, for the CRM tests."""

import pytest

from core.extensions import db
from loyalty.models import Member


@pytest.fixture
def shop(api):
    merchant = api.merchant()
    return {"merchant": merchant, "owner": api.staff(merchant, "owner"),
            "manager": api.staff(merchant, "manager"), "clerk": api.staff(merchant, "clerk")}


def set_member(app, member_id: int, **fields) -> None:
    """Change a member's columns directly (tier, birthday…): test set-up only."""
    with app.app_context():
        member = db.session.get(Member, member_id)
        for name, value in fields.items():
            setattr(member, name, value)
        db.session.commit()
