"""flashbatch: the flash-sale writer's batch of orders in one round trip (PostgreSQL)

Revision ID: g_flashbatch
Revises: g_flash
Create Date: 2026-12-01 00:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'g_flashbatch'
down_revision = 'g_flash'
branch_labels = None
depends_on = None

# One row per queued order, in the batch's order: {"ticket", "member", and "order" (the
# arguments of jifen_mall_order) or "skipped" (the writer already refused it)}. Under the
# accounts' locks (taken in id order, so two writers cannot deadlock) an order already
# written for the ticket answers {"order_id"} before anything may refuse it; else each order
# runs in its own subtransaction, as the savepoints of the per-order path: a refusal
# ({"refused": "jifen:CODE", "detail"}) or a value PostgreSQL cannot store
# ({"refused": "jifen:UNSTORABLE"}) undoes that order alone.
FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION jifen_mall_orders(p_merchant bigint, p_orders jsonb)
RETURNS SETOF jsonb LANGUAGE plpgsql AS $$
DECLARE
  e jsonb;
  a jsonb;
  written bigint;
  message text;
  detail text;
BEGIN
  PERFORM 1 FROM points_accounts WHERE merchant_id = p_merchant AND member_id IN (
    SELECT (x ->> 'member')::bigint FROM jsonb_array_elements(p_orders) AS x)
  ORDER BY id FOR UPDATE;
  FOR e IN SELECT value FROM jsonb_array_elements(p_orders) LOOP
    SELECT id INTO written FROM mall_orders WHERE reservation_id = e ->> 'ticket';
    IF written IS NOT NULL THEN
      RETURN NEXT jsonb_build_object('order_id', written);
      CONTINUE;
    END IF;
    IF e ? 'skipped' THEN
      RETURN NEXT jsonb_build_object('skipped', true);
      CONTINUE;
    END IF;
    a := e -> 'order';
    BEGIN
      RETURN NEXT jifen_mall_order(p_merchant => p_merchant,
        p_member => (e ->> 'member')::bigint, p_item => (a ->> 'item')::bigint,
        p_quantity => (a ->> 'quantity')::bigint, p_reservation => e ->> 'ticket',
        p_points => (a ->> 'points')::bigint, p_cash_fen => (a ->> 'cash_fen')::bigint,
        p_address => a ->> 'address', p_store => (a ->> 'store')::bigint,
        p_debit_key => a ->> 'debit_key', p_no_prefix => a ->> 'no_prefix',
        p_limit_order => (a ->> 'limit_order')::bigint,
        p_limit_day => (a ->> 'limit_day')::bigint,
        p_limit_total => (a ->> 'limit_total')::bigint,
        p_day_start => (a ->> 'day_start')::timestamptz, p_cap => (a ->> 'cap')::bigint,
        p_month_start => (a ->> 'month_start')::timestamptz,
        p_pay_deadline => (a ->> 'pay_deadline')::timestamptz,
        p_vouchers => ARRAY(SELECT jsonb_array_elements_text(a -> 'vouchers')),
        p_voucher_expires => (a ->> 'voucher_expires')::timestamptz,
        p_now => (a ->> 'now')::timestamptz);
    EXCEPTION
      WHEN raise_exception THEN
        GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
        IF message NOT LIKE 'jifen:%' THEN
          RAISE;
        END IF;
        RETURN NEXT jsonb_build_object('refused', message,
                                       'detail', coalesce(nullif(detail, ''), '{}')::jsonb);
      WHEN data_exception THEN
        RETURN NEXT jsonb_build_object('refused', 'jifen:UNSTORABLE', 'detail', '{}'::jsonb);
    END;
  END LOOP;
END $$;
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTIONS)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS jifen_mall_orders")
