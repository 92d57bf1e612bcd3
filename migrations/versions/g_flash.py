"""flash: mall items sold through the queued flash sale (秒杀排队)

Revision ID: g_flash
Revises: g_oneshot
Create Date: 2026-11-30 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'g_flash'
down_revision = 'g_oneshot'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mall_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flash', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('mall_items', schema=None) as batch_op:
        batch_op.drop_column('flash')
