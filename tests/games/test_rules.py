"""The pure rules of the games: odds, the weighted choice, ranking and awards."""

import math
import random
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ValidationFailed
from games import contests, odds

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_prize_without_stock_drops_out_and_the_odds_renormalise():
    weights = odds.in_play([(1, 1, 0), (2, 1, 4), (3, 2, None)])
    assert weights == {2: 1, 3: 2}
    assert odds.published(weights) == {2: pytest.approx(1 / 3), 3: pytest.approx(2 / 3)}


def test_no_prize_left_publishes_no_odds():
    assert odds.published(odds.in_play([(1, 5, 0)])) == {}


def test_each_roll_lands_on_the_prize_whose_weight_covers_it():
    weights = {7: 2, 3: 1, 9: 3}  # walked in id order: 3, 7, 7, 9, 9, 9
    assert [odds.pick(weights, roll) for roll in range(6)] == [3, 7, 7, 9, 9, 9]
    with pytest.raises(ValueError):
        odds.pick(weights, 6)


def test_the_draw_uses_secrets_by_default():
    assert odds.draw.__defaults__ == (secrets.randbelow,)


def test_draw_frequencies_match_the_weights_within_five_binomial_sigmas():
    weights, n = {1: 1, 2: 4, 3: 15, 4: 80}, 40_000
    rng = random.Random(16)  # fixed seed: the same draws every run, never flaky
    counts = dict.fromkeys(weights, 0)
    for _ in range(n):
        counts[odds.draw(weights, rng.randrange)[0]] += 1
    for prize_id, p in odds.published(weights).items():
        sigma = math.sqrt(n * p * (1 - p))
        assert abs(counts[prize_id] - n * p) < 5 * sigma, (prize_id, counts)


def test_higher_score_ranks_first_and_a_tie_goes_to_who_reached_it_first():
    later = T0 + timedelta(minutes=5)
    scores = {10: (500, later), 11: (500, T0), 12: (900, later), 13: (0, T0), 14: (-5, T0)}
    assert [(r, m) for r, m, _, _ in contests.rank(scores)] == [(1, 12), (2, 11), (3, 10)]


def test_awards_follow_the_rank_ranges():
    standings = [(1, 12, 900, T0), (2, 11, 500, T0), (3, 10, 400, T0), (4, 9, 1, T0)]
    awards = [{"rank_from": 1, "rank_to": 1, "points": 100},
              {"rank_from": 2, "rank_to": 3, "points": 50}]
    assert contests.prizes(awards, standings) == [(12, 1, 900, 100), (11, 2, 500, 50),
                                                  (10, 3, 400, 50)]


def test_overlapping_or_inverted_rank_ranges_are_refused():
    with pytest.raises(ValidationFailed):
        contests.check_awards([{"rank_from": 1, "rank_to": 3}, {"rank_from": 3, "rank_to": 5}])
    with pytest.raises(ValidationFailed):
        contests.check_awards([{"rank_from": 4, "rank_to": 2}])


def test_nicknames_are_masked_to_their_first_character():
    assert contests.mask("张小美") == "张**" and contests.mask(None) == "**"
