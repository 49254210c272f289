"""The cohort statistics of `rtlog diff`: the shortcut bootstraps give the distribution an
ordinary resampling bootstrap gives, the intervals are reproducible, and swapping the
cohorts negates them exactly."""

from __future__ import annotations

import random
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtlog.diff.stats import binomial, centre, difference_intervals, quantile, replicates


def _brute(values: list[float], kind: str, n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    f = statistics.median if kind == "median" else statistics.fmean
    return sorted(f(rng.choices(values, k=len(values))) for _ in range(n))


@pytest.mark.parametrize(("size", "kind"), [(7, "median"), (8, "median"), (31, "median"), (40, "mean")])
def test_shortcut_bootstrap_matches_resampling(size: int, kind: str) -> None:
    rng = random.Random(size)
    values = sorted(rng.gauss(0, 1) for _ in range(size)) if kind == "median" else sorted(rng.choice([0, 0, 1, 2, 5]) for _ in range(size))
    fast = sorted(replicates(values, kind, 20000, seed=1))
    slow = _brute(values, kind, 20000, seed=2)
    for q in (0.025, 0.25, 0.5, 0.75, 0.975):
        # order statistics of the same discrete distribution: equal, or neighbours
        assert abs(quantile(fast, q) - quantile(slow, q)) <= 0.25 * statistics.pstdev(values), q
    assert abs(statistics.fmean(fast) - statistics.fmean(slow)) < 0.02 * (statistics.pstdev(values) or 1)


def test_binomial_draws_have_the_binomial_moments() -> None:
    rng = random.Random(7)
    for n, p in ((1000, 0.3), (20, 0.1), (500, 0.9)):
        xs = [binomial(rng, n, p) for _ in range(20000)]
        assert abs(statistics.fmean(xs) - n * p) < 0.03 * n * p ** 0.5
        assert abs(statistics.pvariance(xs) / (n * p * (1 - p)) - 1) < 0.05
        assert min(xs) >= 0 and max(xs) <= n
    assert (binomial(rng, 10, 0.0), binomial(rng, 10, 1.0)) == (0, 10)


def test_intervals_are_reproducible_and_hold_the_centre_change() -> None:
    rng = random.Random(3)
    a = sorted(rng.gauss(800, 100) for _ in range(200))
    b = sorted(x + 150 for x in (rng.gauss(800, 100) for _ in range(200)))
    ci, rel = difference_intervals(a, b, "median")
    assert ci == difference_intervals(list(a), list(b), "median")[0]
    assert ci[0] < centre(b, "median") - centre(a, "median") < ci[1] and ci[0] > 0
    assert rel is not None and rel[0] > 0


@settings(max_examples=60, deadline=None)
@given(
    a=st.lists(st.integers(0, 6), min_size=2, max_size=40),
    b=st.lists(st.integers(0, 6), min_size=2, max_size=40),
    kind=st.sampled_from(["median", "mean"]),
)
def test_swapping_the_cohorts_negates_the_interval(a: list[int], b: list[int], kind: str) -> None:
    xa, xb = sorted(map(float, a)), sorted(map(float, b))
    (lo, hi), _ = difference_intervals(xa, xb, kind, n=200)
    (lo2, hi2), _ = difference_intervals(xb, xa, kind, n=200)
    assert (lo2, hi2) == (-hi, -lo)
    assert lo <= hi
