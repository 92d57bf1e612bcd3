"""oneshot: the ledger's PL/pgSQL functions, one round trip per hot write on PostgreSQL

`jifen_post` is `loyalty.ledger.post` in SQL (lock, idempotency key, credit with its lot and
debt repayment, FIFO debit with the shortfall policy); `jifen_grow` is `tiers.add_growth`'s
write. The hot paths (check-in, POS earn, counter redemption, mall order) each call them
with their own document row, so a request writes in one statement. Every function returns
jsonb; a refusal raises SQLSTATE P0001 with the message 'jifen:<ERROR_CODE>' and the
details as JSON in DETAIL. SQLite has no functions: it keeps the Python path.

A later change to a function is a new migration that replaces it (CREATE OR REPLACE) and
whose downgrade restores this text.

Revision ID: g_oneshot
Revises: g_bulk
Create Date: 2026-11-30 23:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'g_oneshot'
down_revision = 'g_bulk'
branch_labels = None
depends_on = None

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION jifen_refuse(p_code text, p_details jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'jifen:%', p_code USING DETAIL = p_details::text;
END $$;

-- One entry on a locked account: the balance, lifetime sums and balance_after move with it.
CREATE OR REPLACE FUNCTION jifen_append(p_account bigint, p_amount bigint, p_type text,
    p_reason text, p_ref_type text, p_ref_id text, p_key text, p_operator bigint,
    p_note text, p_reverses bigint, p_now timestamptz) RETURNS ledger_entries
LANGUAGE plpgsql AS $$
DECLARE
  e ledger_entries;
BEGIN
  UPDATE points_accounts SET
    balance = balance + p_amount,
    lifetime_earned = lifetime_earned
      + CASE WHEN p_type IN ('earn', 'adjust') AND p_amount > 0 THEN p_amount ELSE 0 END,
    lifetime_redeemed = lifetime_redeemed
      - CASE WHEN p_type IN ('redeem', 'refund') THEN p_amount ELSE 0 END,
    updated_at = p_now
  WHERE id = p_account
  RETURNING merchant_id, id, member_id, balance
    INTO e.merchant_id, e.account_id, e.member_id, e.balance_after;
  INSERT INTO ledger_entries (merchant_id, account_id, member_id, type, reason_code, amount,
      balance_after, ref_type, ref_id, operator_id, note, idempotency_key, reverses_id,
      created_at)
  VALUES (e.merchant_id, e.account_id, e.member_id, p_type, p_reason, p_amount,
      e.balance_after, p_ref_type, p_ref_id, p_operator, p_note, p_key, p_reverses, p_now)
  RETURNING * INTO e;
  RETURN e;
END $$;

-- A debit of `p_need` from a locked account: live lots first-to-expire (`p_prefer` first).
CREATE OR REPLACE FUNCTION jifen_debit(p_account points_accounts, p_need bigint,
    p_type text, p_reason text, p_ref_type text, p_ref_id text, p_key text,
    p_shortfall text, p_prefer bigint, p_operator bigint, p_note text, p_reverses bigint,
    p_now timestamptz) RETURNS ledger_entries
LANGUAGE plpgsql AS $$
DECLARE
  available bigint;
  taken bigint;
  e ledger_entries;
BEGIN
  SELECT coalesce(sum(remaining), 0) INTO available FROM lots
  WHERE account_id = p_account.id AND remaining > 0 AND expired_at IS NULL;
  IF available < p_need AND p_shortfall = 'raise' THEN
    PERFORM jifen_refuse('INSUFFICIENT_POINTS',
                         jsonb_build_object('balance', p_account.balance, 'required', p_need));
  END IF;
  taken := least(available, p_need);
  IF p_shortfall = 'debt' AND p_need > taken THEN
    UPDATE points_accounts SET debt = debt + (p_need - taken) WHERE id = p_account.id;
  END IF;
  e := jifen_append(p_account.id, -taken, p_type, p_reason, p_ref_type, p_ref_id, p_key,
                    p_operator, p_note, p_reverses, p_now);
  WITH live AS (
    SELECT id, remaining,
           sum(remaining) OVER (ORDER BY id = p_prefer IS NOT TRUE, expires_at, id)
             - remaining AS before
    FROM lots
    WHERE account_id = p_account.id AND remaining > 0 AND expired_at IS NULL
  ), part AS (
    SELECT id, least(remaining, taken - before) AS amount, before
    FROM live WHERE before < taken
  ), spent AS (
    UPDATE lots SET remaining = lots.remaining - part.amount
    FROM part WHERE lots.id = part.id
  )
  INSERT INTO lot_consumptions (entry_id, lot_id, amount)
  SELECT e.id, id, amount FROM part ORDER BY before;
  RETURN e;
END $$;

-- loyalty.ledger.post: {"fresh": [new entries], "entry": the answer, "account": after}.
CREATE OR REPLACE FUNCTION jifen_post(p_merchant bigint, p_member bigint, p_amount bigint,
    p_type text, p_reason text, p_ref_type text, p_ref_id text, p_key text,
    p_now timestamptz, p_expires_at timestamptz DEFAULT NULL,
    p_shortfall text DEFAULT 'raise', p_prefer bigint DEFAULT NULL,
    p_operator bigint DEFAULT NULL, p_note text DEFAULT NULL, p_reverses bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  a points_accounts;
  e ledger_entries;
  repay ledger_entries;
  repaid bigint;
  fresh jsonb;
BEGIN
  SELECT * INTO STRICT a FROM points_accounts
  WHERE merchant_id = p_merchant AND member_id = p_member FOR UPDATE;
  IF p_key IS NOT NULL THEN
    SELECT * INTO e FROM ledger_entries WHERE merchant_id = p_merchant AND idempotency_key = p_key;
    IF FOUND THEN
      RETURN jsonb_build_object('fresh', '[]'::jsonb, 'entry', to_jsonb(e), 'account', to_jsonb(a));
    END IF;
  END IF;
  IF p_amount > 0 THEN
    e := jifen_append(a.id, p_amount, p_type, p_reason, p_ref_type, p_ref_id, p_key,
                      p_operator, p_note, p_reverses, p_now);
    INSERT INTO lots (merchant_id, account_id, entry_id, amount, remaining, earned_at, expires_at)
    VALUES (p_merchant, a.id, e.id, p_amount, p_amount, p_now, p_expires_at);
    fresh := jsonb_build_array(to_jsonb(e));
    IF a.debt > 0 THEN  -- later credits repay debt first
      repaid := least(a.debt, e.balance_after);
      UPDATE points_accounts SET debt = debt - repaid WHERE id = a.id RETURNING * INTO a;
      repay := jifen_debit(a, repaid, 'debt_repay', 'debt_repayment', 'entry', e.id::text,
                           NULL, 'raise', NULL, NULL, NULL, NULL, p_now);
      fresh := fresh || jsonb_build_array(to_jsonb(repay));
    END IF;
  ELSE
    e := jifen_debit(a, -p_amount, p_type, p_reason, p_ref_type, p_ref_id, p_key, p_shortfall,
                     p_prefer, p_operator, p_note, p_reverses, p_now);
    fresh := jsonb_build_array(to_jsonb(e));
  END IF;
  SELECT * INTO a FROM points_accounts WHERE id = a.id;
  RETURN jsonb_build_object('fresh', fresh, 'entry', to_jsonb(e), 'account', to_jsonb(a));
END $$;
-- tiers.add_growth's write: the account first (the ledger's lock order), then the member row.
CREATE OR REPLACE FUNCTION jifen_grow(p_merchant bigint, p_member bigint, p_amount bigint,
    p_source text, p_now timestamptz) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  grown jsonb;
BEGIN
  PERFORM 1 FROM points_accounts WHERE merchant_id = p_merchant AND member_id = p_member
  FOR UPDATE;
  INSERT INTO growth_events (merchant_id, member_id, amount, source, created_at)
  VALUES (p_merchant, p_member, p_amount, p_source, p_now);
  UPDATE members SET growth_value = growth_value + p_amount WHERE id = p_member
  RETURNING jsonb_build_object('growth_value', growth_value, 'tier_code', tier_code)
    INTO grown;
  RETURN grown;
END $$;

-- engagement.checkin: the streak from yesterday's row, the ladder's points, credit, growth.
CREATE OR REPLACE FUNCTION jifen_checkin(p_merchant bigint, p_member bigint, p_day date,
    p_ladder bigint[], p_key text, p_expires_at timestamptz, p_now timestamptz)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  c checkins;
  posted jsonb;
  grown jsonb;
BEGIN
  SELECT coalesce((SELECT streak FROM checkins WHERE member_id = p_member
                   AND day = p_day - 1), 0) + 1 INTO c.streak;
  INSERT INTO checkins (merchant_id, member_id, day, streak, points, created_at)
  VALUES (p_merchant, p_member, p_day, c.streak,
          p_ladder[(c.streak - 1) % cardinality(p_ladder) + 1], p_now)
  RETURNING * INTO c;
  IF c.points > 0 THEN
    posted := jifen_post(p_merchant, p_member, c.points, 'earn', 'checkin', 'checkin',
                         c.id::text, p_key, p_now, p_expires_at);
    grown := jifen_grow(p_merchant, p_member, c.points, 'checkin', p_now);
  END IF;
  RETURN jsonb_build_object('checkin', to_jsonb(c), 'post', posted, 'growth', grown);
END $$;

-- loyalty.earning: the POS order, growth, then the earn (unless its points are held).
CREATE OR REPLACE FUNCTION jifen_pos_earn(p_merchant bigint, p_member bigint,
    p_order_no text, p_amount_fen bigint, p_paid_at timestamptz, p_store bigint,
    p_category text, p_points bigint, p_post boolean, p_growth bigint,
    p_expires_at timestamptz, p_now timestamptz) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  o pos_orders;
  first boolean;
  posted jsonb;
  grown jsonb;
BEGIN
  first := NOT EXISTS (SELECT 1 FROM pos_orders WHERE member_id = p_member);
  INSERT INTO pos_orders (merchant_id, order_no, member_id, amount_fen, refunded_fen,
      points_earned, points_clawed, balance_after, store_id, category, paid_at, created_at)
  VALUES (p_merchant, p_order_no, p_member, p_amount_fen, 0, p_points, 0, 0, p_store,
      p_category, p_paid_at, p_now)
  RETURNING * INTO o;
  IF p_growth > 0 THEN
    grown := jifen_grow(p_merchant, p_member, p_growth, 'purchase', p_now);
  END IF;
  IF p_post THEN
    posted := jifen_post(p_merchant, p_member, p_points, 'earn', 'purchase', 'pos_order',
                         p_order_no, 'pos:' || p_order_no, p_now, p_expires_at);
    UPDATE pos_orders SET entry_id = (posted -> 'entry' ->> 'id')::bigint,
        balance_after = (posted -> 'entry' ->> 'balance_after')::bigint
    WHERE id = o.id RETURNING * INTO o;
  ELSE
    UPDATE pos_orders SET balance_after = (SELECT balance FROM points_accounts
                                           WHERE member_id = p_member)
    WHERE id = o.id RETURNING * INTO o;
  END IF;
  RETURN jsonb_build_object('order', to_jsonb(o), 'first', first, 'post', posted,
                            'growth', grown);
END $$;

-- till.redemptions: the member may spend, short points win over the share limit, the debit.
CREATE OR REPLACE FUNCTION jifen_till_redeem(p_merchant bigint, p_member bigint,
    p_redemption_no text, p_amount_fen bigint, p_category text, p_store bigint,
    p_points bigint, p_discount_fen bigint, p_over_limit boolean, p_now timestamptz)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  a points_accounts;
  r till_redemptions;
  posted jsonb;
BEGIN
  IF (SELECT status FROM members WHERE id = p_member) = 'frozen' THEN
    PERFORM jifen_refuse('MEMBER_FROZEN', '{}');
  END IF;
  SELECT * INTO STRICT a FROM points_accounts
  WHERE merchant_id = p_merchant AND member_id = p_member FOR UPDATE;
  IF p_points > a.balance THEN
    PERFORM jifen_refuse('INSUFFICIENT_POINTS', jsonb_build_object('balance', a.balance));
  ELSIF p_over_limit THEN
    PERFORM jifen_refuse('LIMIT_EXCEEDED', jsonb_build_object('balance', a.balance));
  END IF;
  posted := jifen_post(p_merchant, p_member, -p_points, 'redeem', 'till_redemption',
                       'redemption', p_redemption_no, 'till:' || p_redemption_no, p_now);
  INSERT INTO till_redemptions (merchant_id, redemption_no, member_id, amount_fen, category,
      store_id, points, discount_fen, balance_after, entry_id, status, points_returned,
      created_at)
  VALUES (p_merchant, p_redemption_no, p_member, p_amount_fen, p_category, p_store, p_points,
      p_discount_fen, (posted -> 'entry' ->> 'balance_after')::bigint,
      (posted -> 'entry' ->> 'id')::bigint, 'redeemed', 0, p_now)
  RETURNING * INTO r;
  RETURN jsonb_build_object('redemption', to_jsonb(r), 'post', posted);
END $$;

-- mall.orders: the database's word on limits and the monthly cap under the account lock,
-- the order (numbered from its id), the debit, payment when there is no cash part (with
-- its vouchers), and last the stock of the hot item row.
CREATE OR REPLACE FUNCTION jifen_mall_order(p_merchant bigint, p_member bigint,
    p_item bigint, p_quantity bigint, p_reservation text, p_points bigint, p_cash_fen bigint,
    p_address text, p_store bigint, p_debit_key text, p_no_prefix text,
    p_limit_order bigint, p_limit_day bigint, p_limit_total bigint, p_day_start timestamptz,
    p_cap bigint, p_month_start timestamptz, p_pay_deadline timestamptz,
    p_vouchers text[], p_voucher_expires timestamptz, p_now timestamptz) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  live text[] := ARRAY['pending_payment', 'paid', 'shipped', 'completed'];
  total bigint;
  today bigint;
  remaining bigint;
  spent bigint;
  o mall_orders;
  first boolean;
  posted jsonb;
  issued jsonb;
BEGIN
  PERFORM 1 FROM points_accounts WHERE merchant_id = p_merchant AND member_id = p_member
  FOR UPDATE;  -- one order of a member at a time
  IF coalesce(p_limit_order, p_limit_day, p_limit_total) IS NOT NULL THEN
    SELECT coalesce(sum(quantity), 0),
           coalesce(sum(CASE WHEN created_at >= p_day_start THEN quantity ELSE 0 END), 0)
    INTO total, today FROM mall_orders
    WHERE member_id = p_member AND item_id = p_item AND status = ANY(live);
    remaining := greatest(least(p_limit_order, p_limit_day - today, p_limit_total - total), 0);
    IF p_quantity > remaining THEN
      PERFORM jifen_refuse('LIMIT_EXCEEDED', jsonb_build_object('remaining', remaining));
    END IF;
  END IF;
  IF p_cap > 0 THEN
    SELECT coalesce(sum(points), 0) INTO spent FROM mall_orders
    WHERE member_id = p_member AND status = ANY(live) AND created_at >= p_month_start;
    IF spent + p_points * p_quantity > p_cap THEN
      PERFORM jifen_refuse('LIMIT_EXCEEDED',
                           jsonb_build_object('monthly_redeem_cap', p_cap, 'redeemed', spent));
    END IF;
  END IF;
  first := NOT EXISTS (SELECT 1 FROM mall_orders WHERE member_id = p_member
                       AND paid_at IS NOT NULL);
  o.id := nextval(pg_get_serial_sequence('mall_orders', 'id'));
  INSERT INTO mall_orders (id, merchant_id, member_id, item_id, order_no, reservation_id,
      quantity, points, cash_fen, status, address, store_id, pay_deadline, created_at,
      paid_at)
  VALUES (o.id, p_merchant, p_member, p_item,
      p_no_prefix || lpad(o.id::text, greatest(8, length(o.id::text)), '0'), p_reservation,
      p_quantity, p_points * p_quantity, p_cash_fen * p_quantity,
      CASE WHEN p_cash_fen > 0 THEN 'pending_payment' ELSE 'paid' END, p_address, p_store,
      p_pay_deadline, p_now, CASE WHEN p_cash_fen > 0 THEN NULL ELSE p_now END)
  RETURNING * INTO o;
  posted := jifen_post(p_merchant, p_member, -o.points, 'redeem', 'mall_order', 'mall_order',
                       o.order_no, coalesce(p_debit_key, 'mall-order:' || o.id), p_now);
  IF posted -> 'entry' ->> 'ref_id' <> o.order_no THEN
    PERFORM jifen_refuse('KEY_REUSED', '{}');  -- this key's debit already paid another order
  END IF;
  UPDATE mall_orders SET redeem_entry_id = (posted -> 'entry' ->> 'id')::bigint
  WHERE id = o.id RETURNING * INTO o;
  WITH made AS (
    INSERT INTO mall_vouchers (merchant_id, member_id, order_id, code, status, expires_at,
                               created_at)
    SELECT p_merchant, p_member, o.id, code, 'issued', p_voucher_expires, p_now
    FROM unnest(p_vouchers) AS code
    RETURNING *
  ) SELECT coalesce(jsonb_agg(to_jsonb(made) ORDER BY id), '[]') INTO issued FROM made;
  UPDATE mall_items SET stock = stock - p_quantity, updated_at = p_now
  WHERE id = p_item AND stock >= p_quantity;
  IF NOT FOUND THEN
    PERFORM jifen_refuse('OUT_OF_STOCK', '{}');
  END IF;
  RETURN jsonb_build_object('order', to_jsonb(o), 'vouchers', issued, 'first', first,
                            'post', posted);
END $$;
"""

NAMES = ["jifen_mall_order", "jifen_till_redeem", "jifen_pos_earn", "jifen_checkin",
         "jifen_grow", "jifen_post", "jifen_debit", "jifen_append", "jifen_refuse"]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTIONS)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in NAMES:
            op.execute(f"DROP FUNCTION IF EXISTS {name}")
