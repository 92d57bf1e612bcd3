"""The lottery's pure rules: which prizes are in play, their published odds, the choice.

A prize whose stock is gone drops out and the odds renormalise over the rest:
odds(p) = weight(p) / Σ weight of the prizes still in play. The choice draws one integer
uniformly from [0, Σ weights) (`secrets.randbelow` in production) and walks the prizes in
id order, so a draw is reproducible from the weights and the roll it stores.
"""

import secrets
from collections.abc import Callable


def in_play(prizes: list[tuple[int, int, int | None]]) -> dict[int, int]:
    """{prize_id: weight} of the prizes (id, weight, units left or None = unlimited) in play."""
    return {prize_id: weight for prize_id, weight, left in sorted(prizes)
            if weight > 0 and (left is None or left > 0)}


def published(weights: dict[int, int]) -> dict[int, float]:
    """The probability of each prize in play (they sum to 1; empty when none is left)."""
    total = sum(weights.values())
    return {prize_id: weight / total for prize_id, weight in weights.items()} if total else {}


def pick(weights: dict[int, int], roll: int) -> int:
    """The prize that `roll` (0 ≤ roll < Σ weights) lands on, prizes in id order."""
    for prize_id in sorted(weights):
        if roll < weights[prize_id]:
            return prize_id
        roll -= weights[prize_id]
    raise ValueError("roll is beyond the total weight")


def draw(weights: dict[int, int],
         randbelow: Callable[[int], int] = secrets.randbelow) -> tuple[int, int]:
    """Choose a prize with probability proportional to its weight: (prize_id, roll)."""
    roll = randbelow(sum(weights.values()))
    return pick(weights, roll), roll
