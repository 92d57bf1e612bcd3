"""A clinic with an owner, a manager and a clerk, for the CRM tests."""

import pytest

from core.extensions import db
from loyalty.models import Member


class Shop(dict):
    """shop["merchant"], and shop[role]: that role's staff, logged in on first use."""

    def __init__(self, api):
        super().__init__(merchant=api.merchant())
        self.api = api

    def __missing__(self, role):
        self[role] = self.api.staff(self["merchant"], role)
        return self[role]


@pytest.fixture
def shop(api):
    return Shop(api)


def set_member(app, member_id: int, **fields) -> None:
    """Change a member's columns directly (tier, birthday…): test set-up only."""
    with app.app_context():
        member = db.session.get(Member, member_id)
        for name, value in fields.items():
            setattr(member, name, value)
        db.session.commit()
