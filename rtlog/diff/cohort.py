"""Two cohorts (folders of sessions) compared: per-metric statistics, the change of each
metric's centre with its bootstrap confidence interval, the sessions that moved the most,
the configurations in use, and the gate.

Owns `CohortDiff` (the `--json` object of `rtlog diff A/ B/`). Rules it applies:
- a metric's cohort figures are over the sessions where it is known (`n`): median, p90,
  mean; the centre compared is the metric's (`metrics.Metric.centre`);
- below `min_sessions` known values on either side the change gets no interval and no
  verdict: "too few sessions to tell" (never a verdict from three calls);
- a change is *real* when its interval lies wholly on one side of 0;
- sessions are paired by file name: a paired session moved by its change from its
  namesake, an unpaired one by its distance from A's centre; the largest relative moves
  are listed.
Every figure comes from the sessions' summaries: nothing here reads a log.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rtlog.diff.config import FIELDS
from rtlog.diff.metrics import BY_KEY, METRICS, Metric, fmt_value, values
from rtlog.diff.rules import Rule, Verdict, relative_change
from rtlog.diff.stats import CONFIDENCE, REPLICATES, SEED, centre, difference_intervals, quantile
from rtlog.metrics.summary import Summary

#: the fewest sessions (with the metric known) on each side for a change to be judged
MIN_SESSIONS = 10
#: how many of the sessions that moved the most are listed
MOVED = 10


@dataclass(slots=True)
class Side:
    n: int
    median: float | None = None
    p90: float | None = None
    mean: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {"n": self.n, "median": _r(self.median), "p90": _r(self.p90), "mean": _r(self.mean)}


@dataclass(slots=True)
class MetricChange:
    metric: Metric
    a: Side
    b: Side
    delta: float | None = None  # centre(B) − centre(A)
    relative: float | None = None
    ci: tuple[float, float] | None = None
    ci_relative: tuple[float, float] | None = None
    verdict: str = "unknown"  # higher | lower | no change | too few sessions | unknown

    @property
    def real(self) -> bool:
        return self.verdict in ("higher", "lower")

    def as_json(self) -> dict[str, Any]:
        return {
            "centre": self.metric.centre, "a": self.a.as_json(), "b": self.b.as_json(),
            "delta": _r(self.delta), "relative": _r(self.relative),
            "ci": None if self.ci is None else [_r(self.ci[0]), _r(self.ci[1])],
            "ci_relative": None if self.ci_relative is None else [_r(self.ci_relative[0]), _r(self.ci_relative[1])],
            "verdict": self.verdict,
        }  # fmt: skip


@dataclass(slots=True)
class CohortDiff:
    a: str
    b: str
    sessions: tuple[int, int]
    metrics: list[MetricChange]
    config: list[dict[str, Any]]  # field, a: {value: sessions}, b: {...}
    moved: list[dict[str, Any]]
    paired: int
    min_sessions: int = MIN_SESSIONS
    unreadable: dict[str, list[dict[str, str]]] = field(default_factory=lambda: {"a": [], "b": []})
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.config) or any(m.real for m in self.metrics)

    @property
    def tripped(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status == "tripped"]

    @property
    def enough(self) -> bool:
        return min(self.sessions) >= self.min_sessions

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": "cohorts",
            "a": {"path": self.a, "sessions": self.sessions[0], "unreadable": self.unreadable["a"]},
            "b": {"path": self.b, "sessions": self.sessions[1], "unreadable": self.unreadable["b"]},
            "differs": self.differs,
            "min_sessions": self.min_sessions, "confidence": CONFIDENCE, "replicates": REPLICATES, "seed": SEED,
            "config": self.config,
            "metrics": {m.metric.key: m.as_json() for m in self.metrics},
            "paired_sessions": self.paired,
            "moved": self.moved,
            "rules": [v.as_json() for v in self.verdicts],
        }  # fmt: skip


def _r(x: float | None) -> float | None:
    if x is None or math.isinf(x):
        return None
    return round(x, 6)


def _side(vals: list[float]) -> Side:
    if not vals:
        return Side(0)
    return Side(len(vals), quantile(vals, 0.5), quantile(vals, 0.9), math.fsum(vals) / len(vals))


def _change(m: Metric, a: list[float], b: list[float], min_sessions: int) -> MetricChange:
    a, b = sorted(a), sorted(b)
    ch = MetricChange(m, _side(a), _side(b))
    if not a or not b:
        return ch
    ca, cb = centre(a, m.centre), centre(b, m.centre)
    ch.delta = cb - ca
    ch.relative = None if ca == 0 and cb != 0 else relative_change(ca, cb)
    if len(a) < min_sessions or len(b) < min_sessions:
        ch.verdict = "too few sessions"
        return ch
    if a == b:  # the same values: no resampling can move them apart
        ch.ci, ch.verdict = (0.0, 0.0), "no change"
        ch.ci_relative = (0.0, 0.0) if ca != 0 else None
        return ch
    ch.ci, ch.ci_relative = difference_intervals(a, b, m.centre)
    lo, hi = ch.ci
    ch.verdict = "higher" if lo > 0 else "lower" if hi < 0 else "no change"
    return ch


def _config(sa: list[Summary], sb: list[Summary]) -> list[dict[str, Any]]:
    """The settings of each cohort's first sessions, counted, where the two differ."""

    def facts(s: Summary) -> dict[str, str | None]:
        if not s.sessions:
            return dict.fromkeys(("model", "voice", "instructions", "tools", "turn_detection", "transcription"))
        c = s.sessions[0]
        instr = None if c.instructions is None else "sha256:" + hashlib.sha256(c.instructions.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        return {"model": c.model, "voice": c.voice, "instructions": instr, "tools": ",".join(sorted(c.tools)),
                "turn_detection": c.turn_detection, "transcription": c.transcription_model}  # fmt: skip

    fa, fb = [facts(s) for s in sa], [facts(s) for s in sb]
    out = []
    for name in FIELDS:
        if not fa or name not in fa[0]:
            continue
        ca = Counter(str(f[name]) if f[name] is not None else "(none)" for f in fa)
        cb = Counter(str(f[name]) if f[name] is not None else "(none)" for f in fb)
        if set(ca) != set(cb):
            out.append({"field": name, "a": dict(sorted(ca.items())), "b": dict(sorted(cb.items()))})
    return out


def _moved(names_a: list[str], va: list[dict[str, float | None]], names_b: list[str], vb: list[dict[str, float | None]],
           centres: dict[str, float | None]) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
    by_name = {os.path.basename(n): k for k, n in enumerate(names_a)}
    moves = []
    paired = 0
    for name, v in zip(names_b, vb):
        k = by_name.get(os.path.basename(name))
        base = va[k] if k is not None else centres
        paired += k is not None
        best: tuple[float, str, float, float] | None = None
        for m in METRICS:
            x, y = base.get(m.key), v.get(m.key)
            if x is None or y is None or x == 0:
                continue
            rel = (y - x) / abs(x)
            if best is None or abs(rel) > abs(best[0]):
                best = (rel, m.key, x, y)
        if best is not None and best[0] != 0:
            moves.append({"session": name, "paired_with": names_a[k] if k is not None else None, "metric": best[1],
                          "a": _r(best[2]), "b": _r(best[3]), "relative": _r(best[0])})  # fmt: skip
    moves.sort(key=lambda d: (-abs(d["relative"] or 0), d["session"]))
    return moves[:MOVED], paired


def diff_cohorts(a: str, sa: list[Summary], b: str, sb: list[Summary], *, min_sessions: int = MIN_SESSIONS) -> CohortDiff:
    """The diff of two cohorts from their sessions' summaries."""
    va, vb = [values(s) for s in sa], [values(s) for s in sb]
    changes = []
    for m in METRICS:
        xs = [v[m.key] for v in va if v[m.key] is not None]
        ys = [v[m.key] for v in vb if v[m.key] is not None]
        changes.append(_change(m, xs, ys, min_sessions))  # type: ignore[arg-type]
    centres = {c.metric.key: (c.a.median if c.metric.centre == "median" else c.a.mean) for c in changes}
    moved, paired = _moved([s.source for s in sa], va, [s.source for s in sb], vb, centres)
    return CohortDiff(a, b, (len(sa), len(sb)), changes, _config(sa, sb), moved, paired, min_sessions)


def judge(rule: Rule, d: CohortDiff) -> Verdict:
    """Whether `rule` trips on the diff of two cohorts (see `rules` for the meaning)."""
    if rule.kind == "changed":
        if rule.name in BY_KEY:
            ch = next(c for c in d.metrics if c.metric.key == rule.name)
            if ch.verdict in ("too few sessions", "unknown"):
                return Verdict(rule, "unknown", None, _why(ch, d))
            return Verdict(rule, "tripped" if ch.real else "ok", ch.delta, ch.verdict)
        if rule.name in ("tool_sequence", "transcript"):
            return Verdict(rule, "unknown", None, f"{rule.name} is compared between two sessions, not two folders")
        hit = bool(d.config) if rule.name == "config" else any(c["field"] == rule.name for c in d.config)
        return Verdict(rule, "tripped" if hit else "ok", None, "changed" if hit else "unchanged")
    ch = next(c for c in d.metrics if c.metric.key == rule.name)
    if rule.kind == "value":
        x = ch.b.median if ch.metric.centre == "median" else ch.b.mean
        if x is None:
            return Verdict(rule, "unknown", None, f"{rule.name} is unknown in every session of B")
        return Verdict(rule, "tripped" if rule.holds(x) else "ok", x, f"B's {ch.metric.centre} {fmt_value(ch.metric.unit, x)}")
    if ch.verdict in ("too few sessions", "unknown"):
        return Verdict(rule, "unknown", None, _why(ch, d))
    x = ch.delta if rule.kind == "delta" else (math.inf if ch.relative is None else ch.relative)
    assert x is not None
    real = ch.real
    trips = rule.holds(x) and real and (x > 0) == (ch.verdict == "higher")
    shown = fmt_value(ch.metric.unit, x, signed=True) if rule.kind == "delta" else ("from 0" if math.isinf(x) else f"{x:+.1%}")
    reason = f"{ch.metric.centre} {shown}, " + ("a real change" if real else "within the noise (the interval includes 0)")
    return Verdict(rule, "tripped" if trips else "ok", x, reason)


def _why(ch: MetricChange, d: CohortDiff) -> str:
    if ch.verdict == "too few sessions":
        return f"too few sessions to tell ({ch.a.n} and {ch.b.n} with {ch.metric.key} known; at least {d.min_sessions} each)"
    return f"{ch.metric.key} is unknown in every session of {'A' if not ch.a.n else 'B'}"
