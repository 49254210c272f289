"""The raw events a report shows beside each turn: every Event of the log as compact JSON,
audio payloads elided, in a bounded amount of text.

Owns what of the log itself goes on the page: each event's line, type, time and its JSON
(an audio payload replaced by `[audio: N bytes]`, long texts cut), runs of the same
non-audio delta type folded into one row, and a budget: past it events are counted, not
kept, so a one-hour log still gives a page of a few hundred kB. Audio lines the fold's fast
path takes never reach it; the page shows them as the line numbers between rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from rtlog.protocol.events import Event
from rtlog.protocol.realtime import AUDIO_PAYLOAD_KEY

TRANSCRIBED = "conversation.item.input_audio_transcription.completed"
#: characters of one event's JSON kept on the page
EVENT_CHARS = 400
#: characters of raw JSON kept for the whole page (the rest is counted)
BUDGET = 300_000
#: characters of a folded delta run's joined text
DELTA_CHARS = 400


@dataclass(slots=True)
class RawRow:
    """One event, or a run of deltas of one type (`count` > 1, `last` its last line)."""

    line: int
    type: str
    direction: str
    ts: float | None
    text: str
    count: int = 1
    last: int = 0
    delta: str | None = None  # the joined text of a delta run


def _elide(data: dict[str, Any], kind: str) -> dict[str, Any]:
    key = AUDIO_PAYLOAD_KEY.get(kind)
    if key is None or key not in data:
        return data
    v = data[key]
    out = dict(data)
    out[key] = f"[audio: {len(v) * 3 // 4 if isinstance(v, str) else '?'} base64 bytes elided]" if v else "[audio elided]"
    return out


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class RawLog:
    """Called with every Event in order (`conversation_of(on_event=…)`); `rows` afterwards."""

    def __init__(self, budget: int = BUDGET, per_event: int = EVENT_CHARS) -> None:
        self.rows: list[RawRow] = []
        self.budget = budget
        self.per_event = per_event
        self.used = 0
        self.dropped = 0  # events not kept (over the budget)
        self.first_dropped: int | None = None
        self.transcribed: list[tuple[float | None, str | None, int]] = []  # (ts, item, line) of each transcription

    def __call__(self, ev: Event) -> None:
        rows = self.rows
        t = ev.type
        if ev.kind == TRANSCRIBED:
            self.transcribed.append((ev.timestamp, ev.item_id, ev.line_no))
        if t.endswith(".delta") and ev.kind not in AUDIO_PAYLOAD_KEY and rows and rows[-1].type == t:
            row = rows[-1]  # a run of text deltas: one row
            row.count += 1
            row.last = ev.line_no
            d = ev.data.get("delta")
            if isinstance(d, str) and row.delta is not None and len(row.delta) < DELTA_CHARS:
                row.delta = _cut(row.delta + d, DELTA_CHARS)
            return
        if self.used >= self.budget:
            self.dropped += 1
            if self.first_dropped is None:
                self.first_dropped = ev.line_no
            return
        try:
            text = orjson.dumps(_elide(ev.data, ev.kind), option=orjson.OPT_NON_STR_KEYS).decode()
        except (TypeError, orjson.JSONEncodeError):  # (a value orjson cannot write: shown by its repr)
            text = repr(ev.data)
        text = _cut(text, self.per_event)
        self.used += len(text) + len(t) + 24
        d = ev.data.get("delta")
        rows.append(RawRow(ev.line_no, t, ev.direction, ev.timestamp, text, last=ev.line_no,
                           delta=_cut(d, DELTA_CHARS) if isinstance(d, str) and t.endswith(".delta") else None))  # fmt: skip
