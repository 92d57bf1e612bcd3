"""The points mall (积分商城): items, Redis-held stock, orders, vouchers."""
