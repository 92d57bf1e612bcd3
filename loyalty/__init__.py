"""Members, the points ledger, rules, tiers, support and POS earning."""
