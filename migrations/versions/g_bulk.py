"""bulk: analytics summary: running points total at the roll-up mark, indexes for live new
members and members active on closed days

Revision ID: g_bulk
Revises: f_walletearn
Create Date: 2026-11-30 23:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'g_bulk'
down_revision = 'f_walletearn'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('analytics_rollup_marks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('points', sa.BigInteger(), nullable=True))
    op.create_index('ix_members_merchant_created', 'members', ['merchant_id', 'created_at'])
    op.create_index('ix_analytics_daily_active_member', 'analytics_daily_active',
                    ['merchant_id', 'member_id', 'day'])


def downgrade():
    op.drop_index('ix_analytics_daily_active_member', table_name='analytics_daily_active')
    op.drop_index('ix_members_merchant_created', table_name='members')
    with op.batch_alter_table('analytics_rollup_marks', schema=None) as batch_op:
        batch_op.drop_column('points')
