"""The `--fail-on` gate: rules over a diff, and which of them trip.

Owns the rule language and its verdicts. A rule is `NAME`, or `NAME OP VALUE`:
- NAME is a metric key of `metrics.METRICS` (`latency.p90`, `cost_per_min`, `errors`…), a
  configuration field (`model`, `instructions`, `tools`… see `config.FIELDS`), `config`
  (any setting), `tool_sequence` (the tool calls of any turn) or `transcript` (any word);
- OP is one of `>`, `>=`, `<`, `<=`, `=`, `!=`;
- VALUE is a number in the metric's unit (ms, s, USD, tokens, a count, a share 0..1):
  unsigned, it is compared with B's value (`errors>0`: B has errors); signed, with the
  change B − A (`latency.p90>+200`); with `%`, with the relative change (B − A) / |A|
  (`cost_per_min>+10%`; from A = 0 any rise is +∞ %);
- a NAME alone trips when that thing changed at all.
Rules are separated by commas (and `--fail-on` may be repeated).

Verdicts: `tripped`, `ok`, or `unknown` — the diff cannot tell (a side where the metric is
unknown, or, between cohorts, a change rule with fewer sessions than the minimum). Between
cohorts a value rule compares B's centre (median, or mean for counts); a change rule
compares the change of the centres and trips only when the change is also real: its
bootstrap confidence interval lies wholly on one side of 0.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rtlog.diff.config import FIELDS
from rtlog.diff.metrics import BY_KEY
from rtlog.errors import UsageError

OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, "!=": operator.ne, "==": operator.eq,
    ">": operator.gt, "<": operator.lt, "=": operator.eq,
}  # fmt: skip
#: names that trip when they changed at all (besides every metric)
CHANGE_NAMES = (*FIELDS, "config", "tool_sequence", "transcript")

_RULE = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?:(>=|<=|!=|==|>|<|=)\s*([+-]?)\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*)?$")


@dataclass(frozen=True, slots=True)
class Rule:
    text: str
    name: str
    op: str | None = None  # None: "changed"
    threshold: float = 0.0  # for `%` rules, a fraction (10% → 0.1)
    kind: str = "changed"  # value | delta | relative | changed

    def holds(self, x: float) -> bool:
        return OPS[self.op or "!="](x, self.threshold)


@dataclass(slots=True)
class Verdict:
    rule: Rule
    status: str  # tripped | ok | unknown
    observed: float | None = None  # what the rule compared (a fraction for % rules)
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        obs = self.observed
        if obs is not None and math.isinf(obs):
            obs = None  # +∞ %: from 0 (said in `reason`)
        elif obs is not None:
            obs = round(obs, 6)
        return {"rule": self.rule.text, "status": self.status, "observed": obs, "reason": self.reason}


def parse_rules(specs: list[str]) -> list[Rule]:
    """The rules of `--fail-on` values; a rule that cannot be read is a `UsageError`."""
    rules: list[Rule] = []
    for spec in specs:
        for text in spec.split(","):
            if not text.strip():
                continue
            m = _RULE.match(text)
            if not m:
                raise UsageError(f"--fail-on {text.strip()!r}: not a rule (NAME, or NAME OP VALUE as in 'latency.p90>+20%', 'errors>0')")
            name, op, sign, number, pct = m.groups()
            if name not in BY_KEY and name not in CHANGE_NAMES:
                known = ", ".join([*BY_KEY, *CHANGE_NAMES])
                raise UsageError(f"--fail-on {text.strip()!r}: unknown name {name!r} (known: {known})")
            if op is None:
                rules.append(Rule(text.strip(), name))
                continue
            if name not in BY_KEY:
                raise UsageError(f"--fail-on {text.strip()!r}: {name} is not a number; use the name alone (trips when it changed)")
            value = float(number) * (-1 if sign == "-" else 1)
            kind = "relative" if pct else ("delta" if sign else "value")
            rules.append(Rule(text.strip(), name, "==" if op == "=" else op, value / 100 if pct else value, kind))
    return rules


def relative_change(a: float, b: float) -> float:
    """(b − a) / |a|, with a rise from 0 as +∞ (and a fall from 0 as −∞)."""
    if a == 0:
        return 0.0 if b == 0 else math.copysign(math.inf, b)
    return (b - a) / abs(a)
