"""walletearn: points earned by wallet payments and clawed back by their refunds

Revision ID: f_walletearn
Revises: f_crm
Create Date: 2026-11-30 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f_walletearn'
down_revision = 'f_crm'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('wallet_payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('points_earned', sa.BigInteger(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('points_clawed', sa.BigInteger(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('wallet_payment_refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('points_clawed', sa.BigInteger(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('wallet_payment_refunds', schema=None) as batch_op:
        batch_op.drop_column('points_clawed')
    with op.batch_alter_table('wallet_payments', schema=None) as batch_op:
        batch_op.drop_column('points_clawed')
        batch_op.drop_column('points_earned')
