"""exactly once: a reversal waiting for approval points at the entry it reverses

Revision ID: f_rel
Revises: e1_analytics
Create Date: 2026-11-30 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f_rel'
down_revision = 'e1_analytics'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('adjustments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reverses_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_adjustments_reverses_id_ledger_entries'), 'ledger_entries', ['reverses_id'], ['id'])


def downgrade():
    with op.batch_alter_table('adjustments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_adjustments_reverses_id_ledger_entries'), type_='foreignkey')
        batch_op.drop_column('reverses_id')
