"""Statistics for comparing two cohorts: quantiles, and bootstrap confidence intervals.

Owns the numbers behind folder mode: the median and percentiles of a metric over a
cohort's sessions, and the confidence interval of the difference of two cohorts' centres
(median or mean) by the percentile bootstrap. Rules it applies:
- reproducible: every resampling draws from a generator seeded from `seed` and the sorted
  values of the side it resamples, so the same inputs give the same interval on every run
  and machine, and swapping the cohorts gives exactly the negated interval;
- the bootstrap of a median needs no resample: the k-th smallest of n indices drawn
  uniformly is the k-th order statistic of n uniforms (a Beta(k, n-k+1) variable), so one
  draw per replicate gives it exactly (a 1,000-session cohort costs as little as a small one);
- a mean needs only how many times each distinct value is drawn, a multinomial draw
  (a binomial per distinct value, by Hörmann's BTRS, as Python 3.12's
  `random.binomialvariate`, written out here so every Python gives the same numbers): a
  count metric has a handful of distinct values, so a replicate costs a handful of draws,
  not one per session (values with many distinct values fall back to `random.choices`).
No I/O, no rendering.
"""

from __future__ import annotations

import hashlib
import math
import random
import struct
from collections.abc import Sequence

#: bootstrap replicates, and the confidence level of the intervals
REPLICATES = 2000
CONFIDENCE = 0.95
#: the fixed seed: the same folders give the same intervals on every run
SEED = 17


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of sorted values, interpolated between the two nearest ranks
    (the median of an even count is the mean of the middle two)."""
    n = len(sorted_values)
    if n == 0:
        raise ValueError("quantile of no values")
    pos = q * (n - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac if frac else sorted_values[lo]


def centre(sorted_values: Sequence[float], kind: str) -> float:
    """The centre of a cohort's values: `median` or `mean`."""
    if kind == "mean":
        return math.fsum(sorted_values) / len(sorted_values)
    return quantile(sorted_values, 0.5)


def _rng(seed: int, sorted_values: Sequence[float]) -> random.Random:
    h = hashlib.blake2b(digest_size=8)
    h.update(struct.pack("<q", seed))
    for v in sorted_values:
        h.update(struct.pack("<d", v))
    return random.Random(h.digest())


def replicates(sorted_values: Sequence[float], kind: str, n: int = REPLICATES, seed: int = SEED) -> list[float]:
    """`n` bootstrap replicates of the centre of `sorted_values` (see the module docstring)."""
    rng = _rng(seed, sorted_values)
    size = len(sorted_values)
    if kind == "mean":
        levels: dict[float, int] = {}
        for v in sorted_values:
            levels[v] = levels.get(v, 0) + 1
        if len(levels) > 64:
            return [math.fsum(rng.choices(sorted_values, k=size)) / size for _ in range(n)]
        return [_multinomial_mean(rng, levels, size) for _ in range(n)]
    out = []
    beta = rng.betavariate
    rand = rng.random
    if size % 2:  # the median is the k-th smallest of the resample
        k = (size + 1) // 2
        for _ in range(n):
            out.append(sorted_values[min(size - 1, int(beta(k, size - k + 1) * size))])
        return out
    k = size // 2  # the mean of the k-th and (k+1)-th smallest
    for _ in range(n):
        u = beta(k, size - k + 1)
        # the next order statistic: the smallest of the other size-k uniforms above u
        v = u + (1 - u) * (1 - rand() ** (1 / (size - k)))
        a = sorted_values[min(size - 1, int(u * size))]
        b = sorted_values[min(size - 1, int(v * size))]
        out.append((a + b) / 2)
    return out


def _multinomial_mean(rng: random.Random, levels: dict[float, int], size: int) -> float:
    """The mean of one resample of `size` values drawn from `levels` (value → count)."""
    left, mass, total = size, size, 0.0
    for value, count in levels.items():
        if left == 0:
            break
        k = left if count == mass else binomial(rng, left, count / mass)
        total += value * k
        left -= k
        mass -= count
    return total / size


def binomial(rng: random.Random, n: int, p: float) -> int:
    """A Binomial(n, p) draw (the algorithm of CPython 3.12's `random.binomialvariate`)."""
    if p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - binomial(rng, n, 1.0 - p)
    rand = rng.random
    if n * p < 10.0:  # Devroye's geometric method, O(np)
        x = y = 0
        c = math.log(1.0 - p)
        if not c:
            return x
        while True:
            y += math.floor(math.log(rand()) / c) + 1
            if y > n:
                return x
            x += 1
    # BTRS: transformed rejection with squeeze (Hörmann 1993)
    spq = math.sqrt(n * p * (1.0 - p))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    vr = 0.92 - 4.2 / b
    setup = False
    alpha = lpq = h = 0.0
    m = 0
    while True:
        u = rand() - 0.5
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        v = rand()
        if us >= 0.07 and v <= vr:
            return k
        if not setup:
            alpha = (2.83 + 5.1 / b) * spq
            lpq = math.log(p / (1.0 - p))
            m = math.floor((n + 1) * p)
            h = math.lgamma(m + 1) + math.lgamma(n - m + 1)
            setup = True
        v *= alpha / (a / (us * us) + b)
        if math.log(v) <= h - math.lgamma(k + 1) - math.lgamma(n - k + 1) + (k - m) * lpq:
            return k


Interval = tuple[float, float]


def difference_intervals(
    a_sorted: Sequence[float], b_sorted: Sequence[float], kind: str, *, n: int = REPLICATES, seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> tuple[Interval, Interval | None]:
    """The percentile-bootstrap intervals of centre(B) − centre(A) and of the relative
    change (centre(B) − centre(A)) / |centre(A)| (None when a replicate of A's centre is 0)."""
    ra = replicates(a_sorted, kind, n, seed)
    rb = replicates(b_sorted, kind, n, seed)
    k = int(math.floor((1 - confidence) / 2 * n))
    d = sorted(y - x for x, y in zip(ra, rb))
    absolute = (d[k], d[n - 1 - k])
    if any(x == 0 for x in ra):
        return absolute, None
    r = sorted((y - x) / abs(x) for x, y in zip(ra, rb))
    return absolute, (r[k], r[n - 1 - k])
