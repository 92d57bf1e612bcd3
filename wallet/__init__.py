"""Stored value (储值卡): a second ledger, in fen, with principal and gift kept apart."""
