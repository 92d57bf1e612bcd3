"""console: members.phone_suffix (last 4 digits, indexed) for front-desk search

Revision ID: f_console
Revises: f_wallet
Create Date: 2026-11-30 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f_console'
down_revision = 'f_wallet'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_suffix', sa.String(length=4), nullable=True))
        batch_op.create_index('ix_members_merchant_phone_suffix',
                              ['merchant_id', 'phone_suffix'], unique=False)
    op.execute("UPDATE members SET phone_suffix = substr(phone, length(phone) - 3, 4) "
               "WHERE phone IS NOT NULL AND length(phone) >= 4")


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('ix_members_merchant_phone_suffix')
        batch_op.drop_column('phone_suffix')
