"""Two sessions compared: configuration, outcome, numbers and transcript, and the gate.

Owns `PairDiff` (the `--json` object of `rtlog diff A.jsonl B.jsonl`) and how the rules
are judged on it: a value rule reads B's metric, a change rule B − A (or its relative
change); a name alone trips when that part of the diff is not empty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from rtlog.conversation.model import Conversation
from rtlog.diff.align import TurnDiff, transcript_diff
from rtlog.diff.config import FIELDS, ConfigChange, config_diff
from rtlog.diff.metrics import BY_KEY, METRICS, delta, fmt_value, values
from rtlog.diff.outcome import OutcomeDiff, outcome_diff, outcome_of
from rtlog.diff.rules import Rule, Verdict, relative_change
from rtlog.metrics.summary import Summary


@dataclass(slots=True)
class NumberRow:
    key: str
    a: float | None
    b: float | None
    delta: float | None
    relative: float | None

    @property
    def changed(self) -> bool:
        return self.a != self.b

    def as_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "delta": self.delta, "relative": self.relative, "changed": self.changed}


@dataclass(slots=True)
class PairDiff:
    a: str
    b: str
    config: list[ConfigChange]
    outcome: OutcomeDiff
    numbers: list[NumberRow]
    turns: int  # user turns compared (the larger of the two)
    transcript: list[TurnDiff]
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.config or self.outcome or self.transcript or any(r.changed for r in self.numbers))

    @property
    def tripped(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status == "tripped"]

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": "sessions",
            "a": self.a,
            "b": self.b,
            "differs": self.differs,
            "config": [c.as_json() for c in self.config],
            "outcome": self.outcome.as_json(),
            "metrics": {r.key: r.as_json() for r in self.numbers},
            "transcript": {"turns": self.turns, "differing": [t.as_json() for t in self.transcript]},
            "rules": [v.as_json() for v in self.verdicts],
        }


def diff_pair(ca: Conversation, sa: Summary, cb: Conversation, sb: Summary, *, text: bool = True) -> PairDiff:
    """The diff of two sessions (each a conversation and its summary)."""
    va, vb = values(sa), values(sb)
    rows = []
    for m in METRICS:
        d, rel = delta(va[m.key], vb[m.key], m.digits)
        if d is not None and m.digits == 0:
            d = int(d)  # a count
        rows.append(NumberRow(m.key, va[m.key], vb[m.key], d, rel))
    turns, tdiff = transcript_diff(ca, cb)
    return PairDiff(
        a=sa.source, b=sb.source,
        config=config_diff(sa.sessions, sb.sessions, text=text),
        outcome=outcome_diff(outcome_of(ca, sa), outcome_of(cb, sb)),
        numbers=rows, turns=turns, transcript=tdiff,
    )  # fmt: skip


def judge(rule: Rule, d: PairDiff) -> Verdict:
    """Whether `rule` trips on the diff of two sessions."""
    if rule.kind == "changed":
        if rule.name in BY_KEY:
            row = next(r for r in d.numbers if r.key == rule.name)
            m = BY_KEY[rule.name]
            how = f"{fmt_value(m.unit, row.a)} → {fmt_value(m.unit, row.b)}"
            return Verdict(rule, "tripped" if row.changed else "ok", row.delta, how if row.changed else "unchanged")
        hit = {
            "config": bool(d.config),
            "tool_sequence": bool(d.outcome.tool_calls),
            "transcript": bool(d.transcript),
        }.get(rule.name)
        if hit is None and rule.name in FIELDS:
            hit = any(c.field == rule.name for c in d.config)
        return Verdict(rule, "tripped" if hit else "ok", None, "changed" if hit else "unchanged")
    row = next(r for r in d.numbers if r.key == rule.name)
    if rule.kind == "value":
        x = row.b
    elif row.a is None or row.b is None:
        x = None
    else:
        x = row.b - row.a if rule.kind == "delta" else relative_change(row.a, row.b)
    if x is None:
        side = "A and B" if row.a is None and row.b is None else ("B" if row.b is None else "A")
        return Verdict(rule, "unknown", None, f"{rule.name} is unknown in {side}")
    m = BY_KEY[rule.name]
    reason = f"{fmt_value(m.unit, row.a)} → {fmt_value(m.unit, row.b)}"
    if rule.kind == "relative":
        reason += " (from 0)" if math.isinf(x) else f" ({x:+.1%})"
    elif rule.kind == "value":
        reason = f"B {fmt_value(m.unit, row.b)} (A {fmt_value(m.unit, row.a)})"
    return Verdict(rule, "tripped" if rule.holds(x) else "ok", x, reason)

