"""The report's page data: a `Conversation` and its `Summary` → `Page`, what one HTML page
shows, as plain values (the HTML is `rtlog.report.html`'s).

Owns the arrangement, not the facts: the header is `Summary.as_json()` itself (so it equals
`rtlog summary --json` by construction); a turn row's texts are the transcript's entries
(`rtlog.transcript.entries.entry_of`: heard and unheard parts, interruptions), its latency
`rtlog.metrics.summary.turn_latency_ms`, its tokens the responses' usage priced by
`rtlog.metrics.pricing`; times are the conversation's timeline. What it decides itself:
which turn an item, an event or a check belongs to (a turn's own ids first, else the last
turn that started at or before its line; 0 = before the first turn) and the marks of the
timeline's lanes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rtlog.conversation.model import Conversation, ErrorNote, Item
from rtlog.metrics.pricing import PriceTable, usage_cost
from rtlog.metrics.summary import Summary, turn_latency_ms
from rtlog.protocol.objects import Usage
from rtlog.report.peaks import Peaks
from rtlog.report.raw import RawLog, RawRow
from rtlog.transcript.entries import Entry, entry_of


@dataclass(slots=True)
class ToolRow:
    name: str | None
    call_id: str | None
    arguments: str | None
    output: str | None
    line: int
    start: float | None  # the call on the timeline
    output_start: float | None  # its output's arrival (None: no output)
    output_line: int | None
    round_trip: float | None  # seconds from the call's arguments done to its output (receive times)


@dataclass(slots=True)
class TurnRow:
    n: int  # 1-based; 0 = what came before the first turn (session set-up)
    line: int  # its first line
    how: str | None = None  # speech | commit | text
    start: float | None = None  # timeline seconds
    end: float | None = None
    parts: list[Entry | ToolRow] = field(default_factory=list)  # messages and tool calls, in conversation order
    latency_ms: float | None = None
    interrupted: bool = False
    responses: list[Any] = field(default_factory=list)
    usage: Usage | None = None
    cost: float | None = None  # None: unknown (or no tokens)
    raw: list[RawRow] = field(default_factory=list)
    last_line: int = 0  # the last line of the log it covers (0: to the end)

    @property
    def entries(self) -> list[Entry]:
        return [p for p in self.parts if isinstance(p, Entry)]

    @property
    def tools(self) -> list[ToolRow]:
        return [p for p in self.parts if isinstance(p, ToolRow)]


@dataclass(slots=True)
class Check:
    kind: str  # error | transcription | warning | bad lines | note
    text: str
    line: int | None = None
    turn: int | None = None


@dataclass(slots=True)
class Page:
    title: str
    source: str
    summary: dict[str, Any]
    turns: list[TurnRow]
    checks: list[Check]
    lanes: dict[str, list[list[Any]]]
    duration: float  # timeline seconds the timeline shows
    t0: float | None
    peaks: Peaks | None = None
    audio: str = "none"  # none | link | embed
    audio_src: str | None = None  # the linked file's name (link)
    audio_note: str | None = None  # why there is no audio to play
    raw_dropped: int = 0
    raw_first_dropped: int | None = None


_LINE = re.compile(r"\bline (\d+)\b")


class _TurnIndex:
    """Which turn a line, an item or a response belongs to."""

    def __init__(self, conv: Conversation) -> None:
        self.starts = [t.line_no for t in conv.turns]
        self.by_item: dict[str, int] = {}
        self.by_response: dict[str, int] = {}
        for t in conv.turns:
            if t.item_id:
                self.by_item[t.item_id] = t.index
            for rid in t.response_ids:
                self.by_response.setdefault(rid, t.index)

    def of_line(self, line: int | None) -> int:
        if line is None:
            return 0
        lo, hi = 0, len(self.starts)
        while lo < hi:  # the last turn that started at or before the line
            mid = (lo + hi) // 2
            if self.starts[mid] <= line:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def of_item(self, it: Item, calls: dict[str, int]) -> int:
        if it.id and it.id in self.by_item:
            return self.by_item[it.id]
        if it.response_id and it.response_id in self.by_response:
            return self.by_response[it.response_id]
        if it.kind == "function_call_output" and it.call_id in calls:
            return calls[it.call_id]  # type: ignore[index]
        return self.of_line(it.line)


def build_page(
    conv: Conversation,
    summary: Summary,
    raw: RawLog,
    prices: PriceTable,
    *,
    title: str,
    peaks: Peaks | None = None,
    audio: str = "none",
    audio_src: str | None = None,
    audio_note: str | None = None,
) -> Page:
    """The page of one conversation (see the module docstring)."""
    idx = _TurnIndex(conv)
    rows = [TurnRow(0, 1)] + [TurnRow(t.index, t.line_no, how=t.how) for t in conv.turns]
    for k, row in enumerate(rows[:-1]):
        row.last_line = rows[k + 1].line - 1
    timed = summary.latency_measurable
    for t, row in zip(conv.turns, rows[1:]):
        ms = turn_latency_ms(conv, t) if timed else None
        row.latency_ms = None if ms is None or ms < 0 else ms  # negative: clock skew, a warning in the checks
        row.responses = [r for r in (conv.response(rid) for rid in t.response_ids) if r is not None]
    _items(conv, idx, rows)
    _usage(conv, rows, prices)
    for r in raw.rows:
        rows[idx.of_line(r.line)].raw.append(r)
    lanes = _lanes(conv, idx, raw)
    end = max([0.0, *(m[1] for lane in ("speech", "audio", "tools") for m in lanes[lane] if m[1] is not None),
               *(m[0] for lane in ("errors", "transcripts") for m in lanes[lane])])  # fmt: skip
    if peaks is not None:
        end = max(end, peaks.seconds)
    for row in rows:
        starts = [e.start for e in row.entries if e.start is not None] + [x.start for x in row.tools if x.start is not None]
        ends = [e.end for e in row.entries if e.end is not None] + [x.output_start for x in row.tools if x.output_start is not None]
        row.start = min(starts) if starts else None
        row.end = max(ends + starts) if starts else None
    if not rows[0].entries and not rows[0].tools and not rows[0].raw:
        rows.pop(0)
    return Page(title, conv.source, summary.as_json(), rows, _checks(summary, idx), lanes, end, conv.t0,
                peaks, audio, audio_src, audio_note, raw.dropped, raw.first_dropped)  # fmt: skip


def _items(conv: Conversation, idx: _TurnIndex, rows: list[TurnRow]) -> None:
    calls: dict[str, int] = {}
    call_rows: dict[str, tuple[ToolRow, Item]] = {}
    for it in conv.messages:
        if it.replayed:
            continue
        n = idx.of_item(it, calls)
        row = rows[n]
        if it.kind == "function_call":
            if it.call_id:
                calls[it.call_id] = n
            tool = ToolRow(it.name, it.call_id, it.arguments, it.output, it.line, it.start, None, None, None)
            row.parts.append(tool)
            if it.call_id:
                call_rows[it.call_id] = (tool, it)
            continue
        if it.kind == "function_call_output":
            found = call_rows.get(it.call_id or "")
            if found is None:  # an output for a call the log does not hold
                row.parts.append(ToolRow(it.name, it.call_id, None, it.output, it.line, None, it.start, it.line, None))
                continue
            tool, call = found
            tool.output, tool.output_start, tool.output_line = it.output, it.start, it.line
            if call.last_at is not None and it.first_at is not None:
                tool.round_trip = it.first_at - call.last_at
            continue
        e = entry_of(conv, it)
        if e is None:
            continue
        row.parts.append(e)
        if e.interrupted and e.role == "assistant":
            row.interrupted = True


def _usage(conv: Conversation, rows: list[TurnRow], prices: PriceTable) -> None:
    models = {s.index: s.model for s in conv.sessions}
    for row in rows:
        if not row.responses:
            continue
        total = Usage()
        usd: float | None = 0.0
        for r in row.responses:
            if r.usage is None:
                usd = None
                continue
            total.add(r.usage)
            fam = prices.family(models.get(r.done_session))
            if fam is None:
                usd = None
            elif usd is not None:
                usd += usage_cost(r.usage, prices.rates[fam]).usd
        row.usage = total if any(total.as_dict().values()) else None
        row.cost = usd if row.usage is not None else None


def _lanes(conv: Conversation, idx: _TurnIndex, raw: RawLog) -> dict[str, list[list[Any]]]:
    """The timeline's marks: [start, end, turn, label, …] per lane (timeline seconds)."""
    lanes: dict[str, list[list[Any]]] = {"speech": [], "audio": [], "tools": [], "errors": [], "transcripts": []}
    calls: dict[str, int] = {}
    tool_at: dict[str, list[Any]] = {}
    for x in conv.items:
        if isinstance(x, ErrorNote):
            if x.start is not None:
                lanes["errors"].append([round(x.start, 3), None, idx.of_line(x.line), _label(x.text), x.line])
            continue
        n = idx.of_item(x, calls)
        if x.kind == "message" and x.role == "user" and x.speech and x.start is not None:
            lanes["speech"].append([round(x.start, 3), _r(x.end), n, _label(x.text), x.line])
        elif x.kind == "function_call":
            if x.call_id:
                calls[x.call_id] = n
            if x.start is not None:
                mark = [round(x.start, 3), _r(x.end), n, _label(x.name or "(unnamed)"), x.line]
                lanes["tools"].append(mark)
                if x.call_id:
                    tool_at[x.call_id] = mark
        elif x.kind == "function_call_output" and x.call_id in tool_at and x.start is not None:
            tool_at[x.call_id][1] = round(x.start, 3)  # the span runs to the output's arrival
    by_item = {it.id: it for it in conv.messages if it.id}
    for a in conv.assistant_audio:
        it = by_item.get(a.item_id)
        n = idx.of_item(it, calls) if it is not None else idx.by_response.get(a.response_id or "", 0)
        text = _label(it.text) if it is not None else ""
        lanes["audio"].append([round(a.start, 3), round(a.start + a.seconds, 3), n, text,
                               it.line if it is not None else None, round(a.start + a.heard_seconds, 3), a.cut_ms])  # fmt: skip
    if conv.t0 is not None:
        for ts, item, line in raw.transcribed:
            if ts is None:
                continue
            it = by_item.get(item)
            n = idx.of_item(it, calls) if it is not None else idx.of_line(line)
            lanes["transcripts"].append([round(ts - conv.t0, 3), None, n, _label(it.text) if it is not None else "", line])
    return lanes


#: characters of a mark's text in the timeline's data (its tooltip)
LABEL = 100


def _label(s: str | None) -> str:
    s = s or ""
    return s if len(s) <= LABEL else s[: LABEL - 1] + "…"


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _checks(s: Summary, idx: _TurnIndex) -> list[Check]:
    out: list[Check] = []
    for e in s.errors:
        line = e.get("line")
        what = " · ".join(str(v) for v in (e.get("type"), e.get("code")) if v)
        msg = e.get("message")
        out.append(Check("error", f"{what}: {msg}" if what and msg else (what or str(msg or "error")), line, idx.of_line(line)))
    for f in s.transcription_failures:
        line = f.get("line")
        text = ": ".join(str(v) for v in (f.get("code") or f.get("type"), f.get("message")) if v)
        out.append(Check("transcription", f"transcription failed ({f.get('item_id')}): {text}", line, idx.of_line(line)))
    if s.malformed:
        out.append(Check("bad lines", f"{s.malformed} bad line{'s' if s.malformed != 1 else ''} skipped (see rtlog summary's warnings)"))
    for w in s.warnings:
        m = _LINE.search(w)
        line = int(m.group(1)) if m else None
        out.append(Check("warning", w, line, idx.of_line(line) if line is not None else None))
    return out
