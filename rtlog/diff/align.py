"""The two transcripts side by side: aligned turn by turn, what was said diffed word by word.

Owns the transcript comparison of `rtlog diff`. It reads the transcript entries
(`rtlog.transcript.entries.transcript_of`, so what is compared is what `rtlog transcript`
shows) and groups them into turns: a user message starts a turn, and what comes before the
first one is turn 0. Turn k of A is compared with turn k of B; inside a turn the entries
are matched in order by role, type and tool name (a reply only one side has is added or
removed), and matched entries whose words differ get a word diff: a list of
`["=", text]`, `["-", text]` (only in A) and `["+", text]` (only in B).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from rtlog.conversation.model import Conversation
from rtlog.transcript.entries import Entry, transcript_of


@dataclass(slots=True)
class TurnDiff:
    turn: int
    entries: list[dict[str, Any]]  # role, type, a (text or None), b, words

    def as_json(self) -> dict[str, Any]:
        return {"turn": self.turn, "entries": self.entries}


def _turns(conv: Conversation) -> list[list[Entry]]:
    turns: list[list[Entry]] = [[]]
    for e in transcript_of(conv).entries:
        if e.role == "user" and e.type == "message":
            turns.append([])
        turns[-1].append(e)
    return turns


def _said(e: Entry) -> str:
    if e.type == "function_call":
        return f"{e.name or ''}({e.arguments or ''})"
    if e.type == "function_call_output":
        return e.output or ""
    return e.text or ""


def word_diff(a: str, b: str) -> list[list[str]]:
    """`a` → `b` word by word: runs of equal, removed and added words."""
    wa, wb = a.split(), b.split()
    out: list[list[str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(["=", " ".join(wa[i1:i2])])
            continue
        if i2 > i1:
            out.append(["-", " ".join(wa[i1:i2])])
        if j2 > j1:
            out.append(["+", " ".join(wb[j1:j2])])
    return out


def _key(e: Entry) -> tuple[str, str, str]:
    return (e.role, e.type, e.name or "")


def _turn_entries(a: list[Entry], b: list[Entry]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    ka, kb = [_key(e) for e in a], [_key(e) for e in b]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
        if op == "equal":
            for ea, eb in zip(a[i1:i2], b[j1:j2]):
                sa, sb = _said(ea), _said(eb)
                if sa.split() != sb.split():
                    out.append({"role": ea.role, "type": ea.type, "a": sa, "b": sb, "words": word_diff(sa, sb)})
            continue
        for ea in a[i1:i2]:
            out.append({"role": ea.role, "type": ea.type, "a": _said(ea), "b": None, "words": [["-", _said(ea)]]})
        for eb in b[j1:j2]:
            out.append({"role": eb.role, "type": eb.type, "a": None, "b": _said(eb), "words": [["+", _said(eb)]]})
    return out


def transcript_diff(a: Conversation, b: Conversation) -> tuple[int, list[TurnDiff]]:
    """(turns compared, the turns whose transcript differs)."""
    ta, tb = _turns(a), _turns(b)
    n = max(len(ta), len(tb))
    diffs = []
    for k in range(n):
        entries = _turn_entries(ta[k] if k < len(ta) else [], tb[k] if k < len(tb) else [])
        if entries:
            diffs.append(TurnDiff(k, entries))
    return n - 1 if n > 0 else 0, diffs
