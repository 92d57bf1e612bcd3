"""The counter (收银台): member pay codes, points at the till, walk-in points."""
