"""What happened differently in two sessions: tool calls per turn, errors, warnings.

Owns the outcome facts that are not numbers (the numbers — turns, responses by status,
interruptions, counts — are rows of `metrics.METRICS`):
- the tool-call sequence of each user turn, name and arguments (arguments compared as
  JSON, so spacing and key order do not count), from the conversation's function-call
  items and the responses each turn triggered;
- errors by code (else type), from the summary's error events;
- warnings, with line numbers taken out (the same warning at another line is the same).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from rtlog.conversation.model import Conversation
from rtlog.metrics.summary import Summary


@dataclass(slots=True)
class Outcome:
    """One session's outcome facts."""

    calls: dict[int, list[tuple[str, str]]]  # turn (0: before any turn) → [(name, arguments)]
    errors: dict[str, int]  # code (else type, else "error") → count
    warnings: dict[str, int]  # warning without line numbers → count


@dataclass(slots=True)
class OutcomeDiff:
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # turn, a: [...], b: [...]
    errors: list[dict[str, Any]] = field(default_factory=list)  # code, a, b
    warnings: list[dict[str, Any]] = field(default_factory=list)  # warning, a, b

    def __bool__(self) -> bool:
        return bool(self.tool_calls or self.errors or self.warnings)

    def as_json(self) -> dict[str, Any]:
        return {"tool_calls": self.tool_calls, "errors": self.errors, "warnings": self.warnings}


def _args(text: str | None) -> str:
    if text is None:
        return ""
    try:
        return orjson.dumps(orjson.loads(text), option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONDecodeError:
        return text


_LINE = re.compile(r"\blines? \d+")


def outcome_of(conv: Conversation, summary: Summary) -> Outcome:
    """The outcome facts of one conversation (and its summary)."""
    turn_of = {rid: t.index for t in conv.turns for rid in t.response_ids}
    calls: dict[int, list[tuple[str, str]]] = {}
    for it in conv.messages:
        if it.kind != "function_call" or it.replayed:
            continue
        calls.setdefault(turn_of.get(it.response_id or "", 0), []).append((it.name or "(unnamed)", _args(it.arguments)))
    errors = Counter(e.get("code") or e.get("type") or "error" for e in summary.errors)
    warnings = Counter(_LINE.sub("line N", w) for w in summary.warnings)
    return Outcome(calls, dict(errors), dict(warnings))


def _counts(a: dict[str, int], b: dict[str, int], key: str) -> list[dict[str, Any]]:
    return [{key: k, "a": a.get(k, 0), "b": b.get(k, 0)} for k in sorted(set(a) | set(b)) if a.get(k, 0) != b.get(k, 0)]


def outcome_diff(a: Outcome, b: Outcome) -> OutcomeDiff:
    d = OutcomeDiff()
    for turn in sorted(set(a.calls) | set(b.calls)):
        ca, cb = a.calls.get(turn, []), b.calls.get(turn, [])
        if ca != cb:
            d.tool_calls.append({"turn": turn, "a": [{"name": n, "arguments": x} for n, x in ca],
                                 "b": [{"name": n, "arguments": x} for n, x in cb]})  # fmt: skip
    d.errors = _counts(a.errors, b.errors, "code")
    d.warnings = _counts(a.warnings, b.warnings, "warning")
    return d
