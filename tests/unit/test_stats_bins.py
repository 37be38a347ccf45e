"""The minute histograms of the statistics rollups (hub/tickets/facts.py): a bin's middle
falls in that bin, within 1 % (or 0.05 minute) of every value in it, and binning keeps the
order of values (so the binned nearest-rank value is the binned exact one)."""

from __future__ import annotations

import random

from hub.tickets.facts import bin_value, binned, minute_bin, nearest_ranks


def test_a_bins_middle_is_in_the_bin() -> None:
    assert all(minute_bin(bin_value(b)) == b for b in range(5_000))


def test_binned_values_are_within_one_percent_or_a_twentieth_of_a_minute() -> None:
    rng = random.Random(3)
    for _ in range(20_000):
        value = rng.choice([rng.uniform(0, 12), rng.expovariate(1 / 600), rng.uniform(0, 6e5)])
        assert abs((binned(value) or 0) - value) <= max(0.05, 0.01 * value)
    assert binned(None) is None and minute_bin(0) == 0


def test_ranking_bins_gives_the_binned_exact_rank() -> None:
    rng = random.Random(5)
    for _ in range(300):
        values = [rng.expovariate(1 / 90) for _ in range(rng.randrange(1, 60))]
        median, p90 = nearest_ranks(list(values))
        bins = sorted(minute_bin(v) for v in values)
        n = len(bins)
        assert bin_value(bins[(n + 1) // 2 - 1]) == binned(median)
        assert bin_value(bins[(9 * n + 9) // 10 - 1]) == binned(p90)
