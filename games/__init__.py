"""Points games: a lottery with published odds and held prize stock, and points contests."""
