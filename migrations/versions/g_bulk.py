"""bulk: indexes for the analytics summary (live new members, members active on closed days)

Revision ID: g_bulk
Revises: f_walletearn
Create Date: 2026-11-30 23:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'g_bulk'
down_revision = 'f_walletearn'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_members_merchant_created', 'members', ['merchant_id', 'created_at'])
    op.create_index('ix_analytics_daily_active_member', 'analytics_daily_active',
                    ['merchant_id', 'member_id', 'day'])


def downgrade():
    op.drop_index('ix_analytics_daily_active_member', table_name='analytics_daily_active')
    op.drop_index('ix_members_merchant_created', table_name='members')
