"""merge engagement and mall

Revision ID: d0_merge
Revises: b1_engagement, c1_mall
Create Date: 2026-11-24 03:51:23.983415

"""
from alembic import op
import sqlalchemy as sa

import core.types


# revision identifiers, used by Alembic.
revision = 'd0_merge'
down_revision = ('b1_engagement', 'c1_mall')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
