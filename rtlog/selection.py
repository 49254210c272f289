"""Selecting events: the predicates of `rtlog filter`, a byte-level prefilter, and writing
the matching lines (as recorded, or with their base64 audio replaced by a marker).

Owns: turning option values into a `Selector` (type globs, direction, ids, regex over the
event text, `--where` paths, time and line ranges, user turns), matching events against it,
the prefilter that skips lines which cannot match without parsing them, `--since/--until`
parsing, and `--strip-audio` rewriting. It does not own reading (reader.py), the event model
(events.py) or presentation (commands/filter.py).

Predicates combine with AND across options and OR within one repeated option. Stateful
predicates (time offsets, turns) are per source: each file is its own log.
"""

from __future__ import annotations

import fnmatch
import io
import os
import re
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import field
from typing import IO, TYPE_CHECKING, Any, BinaryIO

import orjson

from rtlog.errors import InputError, UsageError
from rtlog.io.reader import BOM, MAX_LINE_BYTES, READ_ERRORS, Diagnostics, LineParser, Source, open_source, read_events
from rtlog.protocol import live
from rtlog.protocol.events import PAYLOAD_KEYS, BadLine, Event, parse_line
from rtlog.protocol.payload import inspect_b64
from rtlog.protocol.realtime import AUDIO_PAYLOAD_KEY, KIND_ALIASES
from rtlog.protocol.timestamps import parse_timestamp
from rtlog.records import record
from rtlog.units import parse_duration

if TYPE_CHECKING:
    from rtlog.conversation.turns import TurnTracker
    from rtlog.io.parts import PartDigest, PartScans

# --- event type globs ----------------------------------------------------------------

#: canonical kind → every other name the same event is recorded under (beta, Azure, …)
OTHER_NAMES: dict[str, tuple[str, ...]] = {}
for _old, _new in KIND_ALIASES.items():
    OTHER_NAMES[_new] = (*OTHER_NAMES.get(_new, ()), _old)

#: a literal shorter than this is not worth a prefilter (it would pass most lines)
MIN_NEEDLE = 4
#: characters that no JSON writer escapes, so such a text appears in the line as bytes
_PLAIN = r"[A-Za-z0-9_.:<>-]+"  # (patterns are compiled when first used, by `re`: filter starts faster)


class TypeGlobs:
    """Shell-style patterns over event types. A pattern matches an event when it matches any
    name of the event's type: the name as recorded, its canonical (GA) kind, or the other
    names of that kind (`response.*audio.delta` and `response.audio.delta` both select beta
    and GA audio deltas), so one pattern serves beta and GA logs. Across dialects: a pattern
    without wildcards also selects the counterpart of the type it names (`-t
    response.output_audio.delta` selects GPT-Live's `session.output_audio.delta`;
    `live.COUNTERPARTS`), and a `response.event` / `decision.event` envelope matches the type
    of the event it carries too (`-t response.completed`)."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        self._rx = re.compile("|".join(fnmatch.translate(p) for p in self.patterns))
        self._cache: dict[str, bool] = {}  # recorded type → verdict (kind follows from the type)
        exact = {p for p in self.patterns if not any(c in p for c in "*?[")}
        self._counterparts = frozenset(c for p in exact for c in live.COUNTERPARTS.get(p, ()))

    def __call__(self, ev: Event) -> bool:
        hit = self._cache.get(ev.type)
        if hit is None:
            match = self._rx.match
            hit = any(match(n) for n in (ev.type, ev.kind, *OTHER_NAMES.get(ev.kind, ()))) or ev.type in self._counterparts
            self._cache[ev.type] = hit
        if not hit and ev.type in live.NESTING_TYPES:
            inner = live.nested_type(ev.data)
            return inner is not None and (self._rx.match(inner) is not None or inner in self._counterparts)
        return hit

    def needles(self) -> tuple[bytes, ...] | None:
        """Byte strings of which every line holding a matching event contains at least one,
        or None if the patterns are too loose to say.

        A recorded type appears in its line as written (types are plain ASCII words that no
        JSON writer escapes), so a type matching a pattern contains the pattern's longest
        literal run; an event whose *other* name matches was recorded under one of the names
        of that kind, which are added. Synthesised types of non-message records (`<close>`)
        do not appear in the line, so patterns that could match them get no needles."""
        found: set[str] = set()
        for p in self.patterns:
            if p[:1] in "<*?[" and p[-1:] in ">*?]":
                return None  # could match `<close>`, which is not in the line's bytes
            head = p.split("[", 1)[0]  # a character class hides what follows; ignore it
            literal = max(re.split(r"[*?]", head), key=len)
            if len(literal) < MIN_NEEDLE or not re.fullmatch(_PLAIN, literal):
                return None
            found.add(literal)
            for kind, others in OTHER_NAMES.items():
                names = (kind, *others)
                if any(fnmatch.fnmatchcase(n, p) for n in names):
                    found.update(names)
        found.update(self._counterparts)  # (a nested type is in its envelope's line as it is)
        return _minimal_needles(found)


def _minimal_needles(texts: Iterable[str]) -> tuple[bytes, ...]:
    """Drop needles that contain another needle (the shorter one finds their lines too)."""
    ts = sorted(set(texts), key=len)
    keep: list[str] = []
    for t in ts:
        if not any(k in t for k in keep):
            keep.append(t)
    return tuple(k.encode() for k in keep)


#: a GPT-Live audio append, to ask whether type patterns can select one
_APPEND_PROBE = Event("", 0, b"", live.INPUT_APPEND, live.INPUT_APPEND, "unknown", None, {})

# --- ids -------------------------------------------------------------------------------


def _output_items(d: dict[str, Any]) -> list[Any]:
    resp = d.get("response")
    if type(resp) is dict:
        out = resp.get("output")
        if type(out) is list:
            return out
    return []


def item_ids(d: dict[str, Any]) -> list[Any]:
    """Item ids an event mentions: item_id, item.id, previous_item_id, response.output[].id
    (and those of the event a GPT-Live `response.event` carries)."""
    item = d.get("item")
    ids = [d.get("item_id"), d.get("previous_item_id"), item.get("id") if type(item) is dict else None]
    ids += [it.get("id") for it in _output_items(d) if type(it) is dict]
    return ids + _nested(d, item_ids)


def response_ids(d: dict[str, Any]) -> list[Any]:
    """Response ids an event mentions: response_id, response.id (GPT-Live: a delegation's
    response_id, and those of a `response.event`'s event)."""
    resp = d.get("response")
    deleg = d.get("delegation")
    ids = [d.get("response_id"), resp.get("id") if type(resp) is dict else None]
    if type(deleg) is dict:
        ids.append(deleg.get("response_id"))
    return ids + _nested(d, response_ids)


def call_ids(d: dict[str, Any]) -> list[Any]:
    """Call ids an event mentions: call_id, item.call_id, response.output[].call_id (and
    those of a GPT-Live `response.event`'s event)."""
    item = d.get("item")
    ids = [d.get("call_id"), item.get("call_id") if type(item) is dict else None]
    ids += [it.get("call_id") for it in _output_items(d) if type(it) is dict]
    return ids + _nested(d, call_ids)


def _nested(d: dict[str, Any], ids_of: Callable[[dict[str, Any]], list[Any]]) -> list[Any]:
    if d.get("type") not in live.NESTING_TYPES:
        return []
    inner = live.nested_event(d)
    return ids_of(inner) if inner is not None else []


# --- --where -------------------------------------------------------------------------

_MISSING = object()
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
#: PATH, then the first operator (two-character ones before their one-character prefixes), then VALUE
_WHERE = r"(?s)([^=~!<>]*?)\s*(!=|!~|>=|<=|==|=|~|>|<)\s*(.*?)\s*"
_ORDER = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}
WHERE_HELP = (
    "PATH=VALUE, PATH!=VALUE, PATH~REGEX, PATH!~REGEX, PATH>N, PATH>=N, PATH<N, PATH<=N, or PATH alone "
    "(present, not null)"
)


@record(frozen=True, slots=True)
class Where:
    """A test on one field of the event. PATH is dotted (list elements by index:
    `response.output.0.type`); spaces around the operator are ignored.

    - `PATH` — present and not null;
    - `PATH=VALUE` / `PATH!=VALUE` — equal / present and not equal (numbers compare as
      numbers, anything else by its text: strings as they are, other values as compact JSON);
    - `PATH~REGEX` / `PATH!~REGEX` — the regex is found / present and not found in the text;
    - `PATH>N`, `>=`, `<`, `<=` — the field is a number and compares so with the number N.

    An event without the field never matches (not even `!=`; use `--invert` for that)."""

    path: tuple[str, ...]
    op: str  # "exists", "=", "!=", "~", "!~", ">", ">=", "<", "<="
    value: str = ""
    number: float | None = None
    regex: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str) -> Where:
        what = f"--where {text!r}"
        m = re.fullmatch(_WHERE, text)
        path_text, op, value = (m.group(1), m.group(2), m.group(3)) if m else (text, "exists", "")
        if op == "==":
            op = "="  # (as a programmer writes it: never `= "=VALUE"`)
        path = tuple(path_text.strip().split("."))
        if not all(path) or any(re.search(r"[\s=~!<>]", seg) for seg in path):
            raise UsageError(f"{what}: expected {WHERE_HELP}, with a dotted PATH such as response.status")
        if op in ("~", "!~"):
            return cls(path, op, value, regex=_regex(value, what))
        number = float(value) if re.fullmatch(_NUMBER, value) else None
        if op in _ORDER and number is None:
            raise UsageError(f"{what}: {op} compares numbers, and {value!r} is not a number")
        return cls(path, op, value, number)

    def __call__(self, ev: Event) -> bool:
        v: Any = ev.data
        for seg in self.path:
            if type(v) is dict:
                v = v.get(seg, _MISSING)
            elif type(v) is list and re.fullmatch(r"-?\d+", seg) and -len(v) <= int(seg) < len(v):
                v = v[int(seg)]
            else:
                return False
            if v is _MISSING:
                return False
        op = self.op
        if op == "exists":
            return v is not None
        if op == "~" or op == "!~":
            assert self.regex is not None
            return (self.regex.search(_value_text(v)) is not None) == (op == "~")
        is_number = type(v) is int or type(v) is float  # not bool
        if op in _ORDER:
            assert self.number is not None
            return is_number and _ORDER[op](float(v), self.number)
        if is_number and self.number is not None:
            equal = v == self.number
        else:
            equal = _value_text(v) == self.value
        return equal == (op == "=")


def _value_text(v: Any) -> str:
    """A field's text: strings as they are, anything else as compact JSON."""
    return v if type(v) is str else orjson.dumps(v).decode()


def _regex(text: str, what: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise UsageError(f"{what}: bad regular expression: {exc}") from None


# --- --since / --until ---------------------------------------------------------------


#: a bare time of day, as `--since`/`--until` take it (the same forms events.parse_timestamp reads)
_CLOCK = r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\s*(?:[AaPp][Mm])?"
#: an offset as rtlog prints it: `+0:15.002`, `+1:02:03.5` (the `+` makes H:MM:SS an offset,
#: not a time of day) or `0:13.6` (minutes and seconds)
_PRINTED_OFFSET = r"(\+)?(?:(\d+):)?(\d+):(\d{2}(?:\.\d+)?)"


def _printed_offset(t: str) -> float | None:
    m = re.fullmatch(_PRINTED_OFFSET, t)
    if not m or (m.group(2) is not None and not m.group(1)):
        return None  # H:MM:SS without `+` is a time of day
    h, mi, sec = int(m.group(2) or 0), int(m.group(3)), float(m.group(4))
    if sec >= 60 or (m.group(2) is not None and mi > 59):
        return None
    return h * 3600 + mi * 60 + sec


#: timestamps below this are times of day (seconds since midnight), not epoch times
DAY = 86400.0


@record(frozen=True, slots=True)
class Bound:
    """A place in a log: `line` (a line number), `offset` (seconds from the log's first
    timestamp), `time` (a dated time: epoch seconds) or `clock` (a bare time of day:
    seconds since midnight, placed on a log's date by `resolve`)."""

    kind: str
    value: float
    text: str = field(default="", compare=False)  # as given, for messages

    @classmethod
    def parse(cls, text: str, option: str) -> Bound:
        t = text.strip()
        if t.lower().startswith("line:"):
            n = t[5:].strip()
            if not n.isdigit():
                raise UsageError(f"{option} {text!r}: line:N needs a line number, e.g. line:120")
            return cls("line", int(n), text)
        secs = parse_duration(t)
        if secs is None:
            secs = _printed_offset(t)
        if secs is not None:
            return cls("offset", secs, text)
        ts = parse_timestamp(t)
        if ts is not None:
            return cls("clock" if re.fullmatch(_CLOCK, t) else "time", ts, text)
        raise UsageError(
            f"{option} {text!r}: expected an offset from the log's start (90s, 2m30s, +0:15.002), "
            "an ISO time (2025-06-01T10:00:05Z), a time of day (10:00:05) or line:N"
        )

    def resolve(self, origin: float, source: str, option: str) -> float:
        """The bound as a value comparable with the timestamps of a log whose first
        timestamp is `origin`: a time of day on a dated log is placed on the date of that
        first timestamp (UTC); a dated time on a log of times of day is an error."""
        if self.kind == "clock" and origin >= DAY:
            return origin - origin % DAY + self.value
        if self.kind == "time" and origin < DAY:
            raise InputError(
                f"{source}: {option} {self.text!r}: the log's timestamps are times of day without a date; "
                "give a time of day (10:00:05) or an offset (90s)"
            )
        return self.value


# --- the selector --------------------------------------------------------------------


class Selector:
    """All predicates of one run. Call `start(source)` before each source's events and
    `finish()` after them; `__call__(ev)` says whether the event is selected (`invert`
    applied). Pass the events of a source in order: every one of them, except lines that
    `needles` rules out (it is None whenever a predicate needs to see every event)."""

    def __init__(
        self,
        *,
        types: Sequence[str] = (),
        exclude_types: Sequence[str] = (),
        directions: Sequence[str] = (),
        items: Sequence[str] = (),
        responses: Sequence[str] = (),
        calls: Sequence[str] = (),
        greps: Sequence[str] = (),
        wheres: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        turns: Sequence[int] = (),
        invert: bool = False,
        ignore_case: bool = False,
    ) -> None:
        self.invert = invert
        self.types = TypeGlobs(types) if types else None
        self.since = Bound.parse(since, "--since") if since is not None else None
        self.until = Bound.parse(until, "--until") if until is not None else None
        self.turns = frozenset(turns)
        self._timed = any(b is not None and b.kind != "line" for b in (self.since, self.until))
        preds: list[Callable[[Event], bool]] = []
        if self.types is not None:
            preds.append(self.types)
        if exclude_types:
            excluded = TypeGlobs(exclude_types)
            preds.append(lambda ev: not excluded(ev))
        self._side = live.AppendSide()  # who sent a GPT-Live session.input_audio.append
        self._by_side = bool(directions)
        if directions:
            dirs = frozenset(directions)
            preds.append(lambda ev: ev.direction in dirs)
        for wanted, ids_of in ((items, item_ids), (responses, response_ids), (calls, call_ids)):
            if wanted:
                preds.append(_id_predicate(frozenset(wanted), ids_of))
        if self.since is not None or self.until is not None:
            preds.append(self._in_range)
        for w in wheres:
            preds.append(Where.parse(w))
        if greps:
            flags = "(?i)" if ignore_case else ""
            for g in greps:
                _regex(g, f"--grep {g!r}")  # each on its own first, to name a bad one
            rx = _regex(flags + "|".join(f"(?:{g})" for g in greps), "--grep")
            preds.append(lambda ev: _grep(rx, ev))
        self._preds = preds
        self._needles = self._find_needles(items, responses, calls)
        self._source = ""
        self._tracker: TurnTracker | None = None
        self._origin: float | None = None
        self._last_ts: float | None = None
        self._events = 0
        self._since_at: float | None = None  # the time bounds on this source's clock
        self._until_at: float | None = None

    @staticmethod
    def _id_needles(ids: Iterable[str]) -> tuple[bytes, ...] | None:
        ids = list(ids)
        if not ids or not all(len(i) >= MIN_NEEDLE and re.fullmatch(_PLAIN, i) for i in ids):
            return None
        return _minimal_needles(ids)

    def _find_needles(self, *id_sets: Sequence[str]) -> tuple[bytes, ...] | None:
        if self._by_side and (self.types is None or self.types(_APPEND_PROBE)):
            return None  # the side of a GPT-Live append needs the events before it
        if self.invert or self.turns or self._timed:
            return None  # every event is needed (inverted output, turn tracking, timestamps)
        if self.types is not None:
            found = self.types.needles()
            if found is not None:
                return found
        for ids in id_sets:  # any one option's ids: AND means each option alone is necessary
            found = self._id_needles(ids)
            if found is not None:
                return found
        return None

    @property
    def needles(self) -> tuple[bytes, ...] | None:
        """A line can only be selected if it contains one of these byte strings (None: any line can)."""
        return self._needles

    @property
    def until_line(self) -> int | None:
        """The last line that can be selected, when `--until line:N` bounds it."""
        return int(self.until.value) if self.until is not None and self.until.kind == "line" else None

    def start(self, source: str) -> None:
        self._source = source
        self._tracker = self._live_turns = None
        if self.turns:  # (the conversation's modules are loaded only for --turn: filter starts faster)
            from rtlog.conversation.live import LiveTurnCounter
            from rtlog.conversation.turns import TurnTracker

            self._tracker = TurnTracker()
            self._live_turns = LiveTurnCounter()
        self._live_base: int | None = None  # Realtime turns before the first GPT-Live one (numbering goes on)
        self._side = live.AppendSide()
        self._origin = self._last_ts = self._since_at = self._until_at = None
        self._events = 0

    def finish(self) -> None:
        """After a source: time bounds on a log without any timestamp are an error."""
        if self._timed and self._events and self._origin is None:
            raise InputError(
                f"{self._source}: the log has no timestamps, so --since/--until can only be used as line:N"
            )

    def __call__(self, ev: Event) -> bool:
        self._events += 1
        if self._timed:
            ts = ev.timestamp
            if ts is not None:
                self._last_ts = ts
                if self._origin is None:
                    self._origin = ts
                    if self.since is not None:
                        self._since_at = self.since.resolve(ts, self._source, "--since")
                    if self.until is not None:
                        self._until_at = self.until.resolve(ts, self._source, "--until")
        self._side.feed(ev.type, ev.data)
        if ev.direction == "unknown" and ev.type in live.INPUT_AUDIO_TYPES:
            ev.direction = self._side.side()
        ok = True
        if self._tracker is not None:
            n = self._tracker.feed(ev)  # the tracker must see every event
            m = self._live_turns.feed(ev)  # type: ignore[union-attr]
            if m and self._live_base is None:
                self._live_base = n
            ok = (n if self._live_base is None else self._live_base + m) in self.turns
        if ok:
            for p in self._preds:
                if not p(ev):
                    ok = False
                    break
        return ok != self.invert

    def _in_range(self, ev: Event) -> bool:
        """Events without a timestamp take the last timestamp before them; those before
        the first timestamp are at offset 0, and at no known absolute time."""
        for bound, at, after in ((self.since, self._since_at, True), (self.until, self._until_at, False)):
            if bound is None:
                continue
            if bound.kind == "line":
                x: float | None = ev.line_no
                at = bound.value
            elif bound.kind == "offset":
                # in whole milliseconds, as offsets are printed: the event shown at +0:03.968 is
                # at 3.968s, whatever the float subtraction of two epoch times leaves behind
                x = 0 if self._last_ts is None or self._origin is None else round((self._last_ts - self._origin) * 1000)
                at = round(bound.value * 1000)
            else:
                x = self._last_ts
            if x is None or at is None or (x < at if after else x > at):
                return False
        return True


def _id_predicate(wanted: frozenset[str], ids_of: Callable[[dict[str, Any]], list[Any]]) -> Callable[[Event], bool]:
    return lambda ev: any(i in wanted for i in ids_of(ev.data) if type(i) is str)


# --- audio payloads --------------------------------------------------------------------


def trimmed_marker(nbytes: int) -> str:
    """The placeholder that stands for `nbytes` of audio (`events.inspect_b64` reads it back)."""
    return f"[trimmed: {nbytes} bytes]"


def _item_audio_parts(d: dict[str, Any]) -> list[dict[str, Any]]:
    """The content parts of the event's item that carry valid, non-empty base64 audio."""
    item = d.get("item")
    content = item.get("content") if type(item) is dict else None
    if type(content) is not list:
        return []
    return [
        c for c in content
        if type(c) is dict and type(c.get("audio")) is str and c["audio"] and inspect_b64(c["audio"]).problem is None
    ]  # fmt: skip


def _main_audio(ev: Event) -> int | None:
    """Decoded length of the event's own audio payload (delta / audio), if it is valid and not empty."""
    if ev.kind not in AUDIO_PAYLOAD_KEY:
        return None
    info = ev.audio_info()
    return info.nbytes if info is not None and info.problem is None and info.nbytes > 0 else None


def _data_as_recorded(ev: Event) -> dict[str, Any]:
    """The event dict with its audio payload in place (the reader may have cut it out)."""
    if ev.payload_span is None:
        return ev.data
    start, end = ev.payload_span
    return {**ev.data, AUDIO_PAYLOAD_KEY[ev.kind]: ev.raw[start:end].decode("ascii", "replace")}


def _with_markers(ev: Event, main: int | None) -> dict[str, Any]:
    """A copy of the event dict with its valid audio payloads replaced by markers."""
    out = dict(ev.data)
    if main is not None:
        out[AUDIO_PAYLOAD_KEY[ev.kind]] = trimmed_marker(main)
    item = out.get("item")
    if _item_audio_parts(out):
        content = [
            {**c, "audio": trimmed_marker(inspect_b64(c["audio"]).nbytes)} if any(c is p for p in _item_audio_parts(ev.data)) else c
            for c in item["content"]
        ]  # fmt: skip
        out["item"] = {**item, "content": content}
    return out


def strip_audio(ev: Event) -> bytes:
    """The event's line with each base64 audio payload replaced by `[trimmed: N bytes]`
    (N its decoded length): the event's own `delta`/`audio` and audio content parts of its
    item. The payloads are cut out of the line as recorded, so every other byte stays as it
    was; where that cannot be done safely (a payload not in the line exactly once, e.g.
    written with `\\/` escapes) the record is re-serialised instead. Either result must parse
    back to the same event with markers in place, else the line is returned unchanged.
    Invalid payloads and placeholders are kept as they are."""
    marked = _marked(ev)
    if marked is None:
        return ev.raw
    line, expected = marked
    if line is not None and _same_event(line, ev, expected):
        return line
    line = _reserialised(ev, expected)
    if line is not None and _same_event(line, ev, expected):
        return line
    return ev.raw


def _marked(ev: Event) -> tuple[bytes | None, dict[str, Any]] | None:
    """The line with markers spliced in (None if the payloads cannot be placed) and the event
    dict with markers; None when the event carries no valid audio."""
    main = _main_audio(ev)
    parts = _item_audio_parts(ev.data)
    if main is None and not parts:
        return None
    raw = ev.raw
    cuts: list[tuple[int, int, bytes]] | None = []
    if main is not None:
        span = ev.payload_span or _only_place(raw, ev.data[AUDIO_PAYLOAD_KEY[ev.kind]])
        cuts = None if span is None else [(*span, trimmed_marker(main).encode())]
    for c in parts:
        span = _only_place(raw, c["audio"])
        if cuts is None or span is None:
            cuts = None
            break
        cuts.append((*span, trimmed_marker(inspect_b64(c["audio"]).nbytes).encode()))
    line = None
    if cuts:
        line = raw
        for start, end, marker in sorted(cuts, reverse=True):
            line = line[:start] + marker + line[end:]
    return line, _with_markers(ev, main)


def _only_place(raw: bytes, text: str) -> tuple[int, int] | None:
    needle = text.encode()
    at = raw.find(needle)
    if at < 0 or raw.find(needle, at + 1) >= 0:
        return None
    return at, at + len(needle)


def _same_event(line: bytes, ev: Event, expected: dict[str, Any]) -> bool:
    try:
        new = parse_line(line, ev.source, ev.line_no)
    except BadLine:
        return False
    if new.direction == "unknown" and new.type in live.INPUT_AUDIO_TYPES:
        new.direction = ev.direction  # (a GPT-Live append's side is the log's, not the line's: `Selector`)
    same_record = (new.type, new.direction, new.timestamp, new.frame) == (ev.type, ev.direction, ev.timestamp, ev.frame)
    return same_record and _data_as_recorded(new) == expected


def _reserialised(ev: Event, expected: dict[str, Any]) -> bytes | None:
    """The record written anew by orjson (key order kept) with `expected` as its event."""
    raw = ev.raw
    end = b"\r\n" if raw.endswith(b"\r\n") else b"\n" if raw.endswith(b"\n") else b""
    env = ev.envelope
    if env is None:
        return orjson.dumps(expected) + end
    for k in PAYLOAD_KEYS:
        v = env.get(k)
        if v is ev.data:
            return orjson.dumps({**env, k: expected}) + end
        if type(v) is str and v.lstrip()[:1] == "{":  # the event as a JSON string
            return orjson.dumps({**env, k: orjson.dumps(expected).decode()}) + end
    return None


def _grep(rx: re.Pattern[str], ev: Event) -> bool:
    """`--grep` searches the line and the event as compact JSON (so a pattern works whatever
    the envelope and spacing), both with audio payloads as `--strip-audio` writes them."""
    raw, data = ev.raw, ev.data
    marked = _marked(ev) if ev.kind in AUDIO_PAYLOAD_KEY or "item" in data else None
    if marked is not None:
        raw = marked[0] or b""
        data = marked[1]
    text = raw.decode("utf-8", "replace").rstrip("\r\n")
    return rx.search(text) is not None or rx.search(orjson.dumps(data).decode()) is not None


# --- reading with the prefilter ---------------------------------------------------------

BLOCK = 1 << 20  # one buffer, read into again and again (see `_scan_blocks`)


def prefiltered_events(
    src: Source, diag: Diagnostics, needles: Sequence[bytes], *, stdin: BinaryIO | None = None, jobs: int = 0
) -> Iterator[Event]:
    """The events of a source that may match, in order: lines containing none of `needles`
    are skipped without being parsed (their line numbers still count).

    Blocks are read whole and searched for the needles with `bytes.find`, so Python code
    runs once per line only to count it, never per byte. A big plain file is searched by
    several processes (`rtlog.io.parts`; `jobs`: 0 = one per free CPU, 1 = this one only): workers
    report where the lines to parse are, this process reads them back, in order.

    Bad lines: a skipped line is only checked by its first and last bytes (`{` … `}`, which
    costs nothing); a line that does not look like a JSON object, and a last line without
    its newline (a log cut while being written), are parsed, so truncated
    lines, log text and blank lines get exactly the warnings a full read gives. A line that
    looks like an object but is malformed inside, or is valid JSON but not an event, is not
    reported when it cannot match; a full read (any run without a prefilter) reports it.
    The selection itself is the same as a full read's: a line without a needle cannot hold
    a matching event, and candidates are parsed and matched exactly."""
    scan = _Scanner(LineParser(src.name, diag), needles)
    try:
        with open_source(src, stdin) as fp:
            scans = None
            if src.path is not None and jobs != 1:
                from functools import partial

                from rtlog.io import parts

                scans = parts.start_parts(fp, jobs, digest=partial(_scan_part, needles=scan.needles))
            try:
                if fp.peek(3)[:3] == BOM:  # type: ignore[attr-defined]
                    fp.read(3)
                if scans is None:
                    yield from _scan_blocks(fp, scan, None)
                else:
                    yield from _scan_by_parts(fp, scan, scans)
            finally:
                if scans is not None:
                    scans.close()
    except READ_ERRORS as exc:
        scan.lines.read_failed(scan.line_no + 1, exc)
    scan.lines.finish(scan.line_no)


def _scan_blocks(fp: BinaryIO, scan: _Scanner, limit: int | None) -> Iterator[Event]:
    """The candidate events of the lines read from `fp`: to its end, or `limit` bytes on
    (which must end at a line start).

    One buffer of `BLOCK` bytes is read into again and again (`_readinto`: what is there,
    so it works mid-pipe): a new bytes object per read costs the kernel fresh pages to
    fill, which made reading cost as much as searching. The unfinished line at the end of
    a read moves to the buffer's start; a line longer than the buffer is gathered apart."""
    readinto = _readinto(fp)
    size = BLOCK
    buf = bytearray(size)
    view = memoryview(buf)
    have = 0  # the start of an unfinished line, at buf[:have]
    pending: list[bytes] = []  # the start of a line longer than the buffer
    held = 0  # its size
    carry = b""  # what follows a line skipped for its length
    while limit is None or limit > 0:
        if carry:
            n = len(carry)
            buf[:n] = carry
            carry = b""
        else:
            room = size - have
            n = readinto(view[have : have + (room if limit is None else min(room, limit))])
            if not n:
                break
            if limit is not None:
                limit -= n
        filled = have + n
        end = buf.rfind(b"\n", 0, filled) + 1
        if end == 0:
            if filled < size:  # (a pipe gave a part of a line: read on)
                have = filled
                continue
            pending.append(bytes(buf))
            held += filled
            have = 0
            if limit is None and held > MAX_LINE_BYTES:  # the reader's line limit, in bounded memory
                carry = yield from _skip_long_line(lambda k: _read(readinto, k), scan, held)
                pending, held = [], 0
            continue
        start = 0
        if pending:  # finish the long line alone rather than copy the buffer onto it
            start = buf.find(b"\n") + 1
            pending.append(bytes(view[:start]))
            yield from scan.block(b"".join(pending), 0, None)
            pending, held = [], 0
        if start < end:
            yield from scan.block(buf, start, end)  # (the events are parsed from copies: the buffer is reused)
        have = filled - end
        if have:
            buf[:have] = view[end:filled]
    if pending or have:
        yield from scan.block(b"".join([*pending, bytes(view[:have])]), 0, None)


def _read(readinto: Callable[[memoryview], int], k: int) -> bytes:
    """Up to `k` bytes through `readinto` (a long line's rest: the rare path)."""
    buf = bytearray(k)
    return bytes(buf[: readinto(memoryview(buf))])


def _readinto(fp: BinaryIO) -> Callable[[memoryview], int]:
    """A `readinto` for `_scan_blocks`: on a plain file, the file's own (what the
    BufferedReader holds first), since its `readinto1` of less than its buffer reads into
    that buffer and copies again (16 % more instructions on a 1-hour log); else
    `fp.readinto1`, or the same made of `read1` (a reader without it)."""
    raw = getattr(fp, "raw", None)
    if type(fp) is io.BufferedReader and type(raw) is io.FileIO:
        try:
            held = raw.tell() - fp.tell()
        except OSError:  # (a pipe)
            held = -1
        if held >= 0:
            head = [fp.read(held)] if held else []

            def from_file(view: memoryview) -> int:
                if not head:
                    return raw.readinto(view)  # type: ignore[no-any-return]
                data = head.pop()
                n = min(len(data), len(view))
                view[:n] = data[:n]
                if n < len(data):
                    head.append(data[n:])
                return n

            return from_file
    readinto1 = getattr(fp, "readinto1", None)
    if readinto1 is not None:
        return readinto1  # type: ignore[no-any-return]
    read1 = fp.read1  # type: ignore[attr-defined]

    def readinto(view: memoryview) -> int:
        data = read1(len(view))
        view[: len(data)] = data
        return len(data)

    return readinto


def _skip_long_line(read: Callable[[int], bytes], scan: _Scanner, held: int) -> Generator[Event, None, bytes]:
    """Read past the rest of a line over `MAX_LINE_BYTES`, report it (counted as a blank
    line); returns what was read after its newline."""
    size = held
    while True:
        buf = read(BLOCK)
        nl = buf.find(b"\n")
        if nl >= 0 or not buf:
            size += nl + 1 if nl >= 0 else 0
            break
        size += len(buf)
    if isinstance(scan.lines, LineParser):
        scan.lines.too_long(scan.line_no + 1, size)
    yield from scan.block(b"\n", 0, None)
    return buf[nl + 1 :] if nl >= 0 else b""


def _scan_by_parts(fp: BinaryIO, scan: _Scanner, scans: PartScans) -> Iterator[Event]:
    """`_scan_blocks` for a plain file whose later parts forked workers search."""
    from rtlog.io.reader import SHRUNK

    name = scan.lines.name
    yield from _scan_blocks(fp, scan, scans.starts[0] - fp.tell())
    if fp.tell() < scans.starts[0]:
        raise InputError(SHRUNK.format(name))
    fd = scans.fd
    for k, (start, end) in enumerate(zip(scans.starts, scans.ends)):
        part = scans.collect(k)
        if part is None:  # nobody took it, or its worker failed: search the part here
            fp.seek(start)
            yield from _scan_blocks(fp, scan, None if end > scans.size else end - start)
            continue
        if part.end < min(end, scans.size):
            raise InputError(SHRUNK.format(name))
        line0 = scan.line_no
        for i, off, n, candidate in part.entries:
            scan.line_no = line0 + i - 1  # lines before this one (a failing read is reported at the next)
            line = os.pread(fd, n, off)
            if len(line) != n:
                raise InputError(SHRUNK.format(name))
            ev = scan.lines.parse(line, line0 + i)
            if ev is not None and candidate:
                yield ev  # (a line that is not `{…}` is parsed only for its warning, as `_Scanner` does)
        scan.line_no = line0 + part.lines
        scan.lines.good += part.good


def _scan_part(fd: int, start: int, end: int, needles: Sequence[bytes]) -> PartDigest:
    """A worker's search of the lines that start in [start, end) of a file: where the
    lines to parse are (as `_Scanner` would parse them), and how many were skipped."""
    from rtlog.io import parts

    rec = _Recorder(needles)
    data = parts.read_part(fd, start, end)
    n = len(data)
    whole = data.rfind(b"\n") + 1
    rec.base = start
    rec.block(data, 0, whole)
    if whole < n:  # the file's last line, without its newline
        rec.base = start + whole
        rec.block(data[whole:], 0, None)
    return parts.PartDigest(rec.line_no, start + n, rec.entries, rec.lines.good)


class _Scanner:
    def __init__(self, lines: LineParser | _Count, needles: Sequence[bytes]) -> None:
        self.lines = lines  # the reader's per-source rules; its `good` also counts skipped `{…}` lines
        self.needles = tuple(needles)
        self.line_no = 0

    def block(self, buf: bytes, start: int, end: int | None) -> list[Event]:
        """The candidate events of the lines in `buf[start:end]`, each ending in a newline;
        with `end` None, `buf` is one line (the last may lack its newline)."""
        if end is None:
            self.line_no += 1
            if any(n in buf for n in self.needles):
                ev = self._parse(buf, 0, len(buf), True)
                return [] if ev is None else [ev]
            body = buf[:-1] if buf.endswith(b"\n") else buf
            if body.endswith(b"\r"):
                body = body[:-1]  # (one CR, as the block loop below allows)
            if body[:1] == b"{" and body[-1:] == b"}" and buf[-1:] == b"\n":
                self.lines.good += 1  # (a last line without its newline is parsed: cut off, it is reported)
            else:
                self._parse(buf, 0, len(buf), False)
            return []
        find = buf.find
        cands: list[int] = []
        for nd in self.needles:
            p = find(nd, start, end)
            while p >= 0:
                cands.append(p)
                p = find(nd, find(b"\n", p, end) + 1, end)
        if len(self.needles) > 1:
            cands.sort()
        cands.append(end)  # sentinel
        out: list[Event] = []
        ci = 0
        nxt = cands[0]
        line_no = self.line_no
        skipped = 0
        pos = start
        while pos < end:
            e = find(b"\n", pos, end)
            line_no += 1
            if nxt < e:  # a needle starts on this line
                while nxt < e:
                    ci += 1
                    nxt = cands[ci]
                self.line_no = line_no
                ev = self._parse(buf, pos, e + 1, True)
                if ev is not None:
                    out.append(ev)
            elif buf[pos] == 123 and (buf[e - 1] == 125 or (buf[e - 1] == 13 and buf[e - 2] == 125)):
                skipped += 1  # `{…}`: looks whole, cannot match
            else:  # not `{…}`: parse it so that a bad line is reported as a full read would
                self.line_no = line_no
                self._parse(buf, pos, e + 1, False)
            pos = e + 1
        self.line_no = line_no
        self.lines.good += skipped
        return out

    def _parse(self, buf: bytes | bytearray, start: int, end: int, candidate: bool) -> Event | None:
        """Parse a line: a candidate for its event, any other only for its warning."""
        line = bytes(memoryview(buf)[start:end]) if type(buf) is bytearray else buf[start:end]
        return self.lines.parse(line, self.line_no)  # type: ignore[union-attr, arg-type]


class _Count:
    good = 0


class _Recorder(_Scanner):
    """`_Scanner` in a worker: it notes where the lines to parse are instead of parsing them."""

    def __init__(self, needles: Sequence[bytes]) -> None:
        super().__init__(_Count(), needles)
        self.entries: list[tuple[int, int, int, bool]] = []  # (line of the part, offset, length, candidate)
        self.base = 0  # the file offset of the buffer being searched

    def _parse(self, buf: bytes, start: int, end: int, candidate: bool) -> Event | None:
        self.entries.append((self.line_no, self.base + start, end - start, candidate))
        return None


# --- the run -----------------------------------------------------------------------------


def select(
    sources: Iterable[Source],
    selector: Selector,
    diag: Diagnostics,
    *,
    follow: bool = False,
    stdin: BinaryIO | None = None,
    observe: Callable[[Event], None] | None = None,
    max_count: int | None = None,
    jobs: int = 0,
) -> Iterator[Event]:
    """The selected events of `sources` in order (with `invert`, the others), at most
    `max_count`; reading stops as soon as nothing more can be selected. `observe` sees
    every event (so it turns the prefilter off); `follow` reads the source as it grows;
    `jobs`: processes for the prefilter on a big plain file (0 = one per free CPU).
    With `diag.strict` every line is parsed (no prefilter), so the first bad line is fatal
    wherever it is, exactly as in a full read."""
    if max_count is not None and max_count <= 0:
        return
    needles = selector.needles if observe is None and not follow and not diag.strict else None
    last_line = None if selector.invert else selector.until_line
    n = 0
    sources = list(sources)
    for src in sources:
        selector.start(src.name)
        if needles:
            events = prefiltered_events(src, diag, needles, stdin=stdin, jobs=jobs)
        else:
            events = read_events(src, diag, follow=follow, stdin=stdin)
        try:
            for ev in events:
                if observe is not None:
                    observe(ev)
                if selector(ev):
                    yield ev
                    n += 1
                    if max_count is not None and n >= max_count:
                        return
                if last_line is not None and ev.line_no >= last_line:
                    break
        except InputError as exc:
            if len(sources) == 1 or not str(exc).startswith(f"{src.name}: "):
                raise  # (one input: its error is the run's; another error is not about this input)
            diag.source_failed(str(exc))  # said, and the other inputs still read
            continue
        selector.finish()


def write_lines(
    events: Iterable[Event], out: IO[bytes], *, strip: bool = False, flush_each: bool = False,
    prefix: Callable[[Event], bytes] | None = None,
) -> int:  # fmt: skip
    """Write each event's line as recorded (or with audio stripped), newline-terminated,
    after `prefix(event)` if given (grep -H's `FILE:`); return how many were written.
    `flush_each` makes the output line-buffered."""
    n = 0
    write = out.write
    for ev in events:
        line = strip_audio(ev) if strip else ev.raw
        if prefix is not None:
            write(prefix(ev))
        write(line)
        if not line.endswith(b"\n"):
            write(b"\n")
        if flush_each:
            out.flush()
        n += 1
    return n


# --- context events (-A/-B/-C) -------------------------------------------------------------

#: what `select_with_context` shows: a selected event, an event around one, or a break
#: between groups that are not next to each other (grep's `--`)
MATCH, CONTEXT, BREAK = "match", "context", "break"


class _Enough(Exception):
    """The last match's trailing context is out after `max_count`: stop reading."""


def select_with_context(
    sources: Iterable[Source],
    selector: Selector,
    diag: Diagnostics,
    show: Callable[[str, Event | None], None],
    *,
    before: int = 0,
    after: int = 0,
    follow: bool = False,
    stdin: BinaryIO | None = None,
    observe: Callable[[Event], None] | None = None,
    max_count: int | None = None,
    jobs: int = 0,
) -> int:
    """`select`, with up to `before` events before each selected one and `after` events
    after it, as grep -B/-A: `show(MATCH, ev)`, `show(CONTEXT, ev)` in log order, and
    `show(BREAK, None)` between groups that do not touch (or come from different files);
    an event is shown once, overlapping groups join. Context never crosses from one file
    into the next. After `max_count` matches the last one's trailing context is still
    shown (as grep -m), then reading stops. Returns the number of matches.

    Memory is bounded by `before` + `after` events: an event that is not selected is known
    to be so when the next one is read (`select` yields only selected ones), and is shown or
    held at once."""
    if max_count is not None and max_count <= 0:
        return 0
    held: deque[tuple[Event, int]] = deque(maxlen=before or 1)
    st: dict[str, Any] = {"prev": None, "after_left": 0, "source": None, "last": None, "matches": 0, "draining": False}
    seq = [0, -2]  # events read so far; the sequence number of the last one shown

    def emit(kind: str, ev: Event, n: int) -> None:
        if seq[1] >= 0 and (n != seq[1] + 1 or ev.source != st["last"]):
            show(BREAK, None)
        seq[1] = n
        st["last"] = ev.source
        show(kind, ev)

    def same_source(ev: Event) -> None:
        if ev.source != st["source"]:
            st["source"] = ev.source
            held.clear()
            st["after_left"] = 0

    def not_selected(ev: Event, n: int) -> None:
        same_source(ev)
        if st["after_left"] > 0:
            emit(CONTEXT, ev, n)
            st["after_left"] -= 1
            if st["draining"] and st["after_left"] == 0:
                raise _Enough
        elif before:
            held.append((ev, n))

    def seen(ev: Event) -> None:
        prev = st["prev"]
        if prev is not None:  # not yielded by `select` before this one was read: not selected
            st["prev"] = None
            not_selected(*prev)
        if observe is not None:
            observe(ev)
        st["prev"] = (ev, seq[0])
        seq[0] += 1

    try:
        for ev in select(sources, selector, diag, follow=follow, stdin=stdin, observe=seen, jobs=jobs):
            _, n = st["prev"]
            st["prev"] = None
            if st["draining"]:  # past max_count: a match is only trailing context now
                not_selected(ev, n)
                continue
            same_source(ev)
            for h, hn in held:
                emit(CONTEXT, h, hn)
            held.clear()
            emit(MATCH, ev, n)
            st["matches"] += 1
            st["after_left"] = after
            if max_count is not None and st["matches"] >= max_count:
                if not after:
                    break
                st["draining"] = True
        else:
            if st["prev"] is not None:  # the last event read, not selected
                not_selected(*st["prev"])
    except _Enough:
        pass
    return int(st["matches"])
