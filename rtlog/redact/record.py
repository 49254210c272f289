"""One recorded line → the same line with its sensitive values replaced.

Owns the rules applied to one event: the fields of `fields.EVENT_FIELDS` by category
(replaced by a marker, or kept with the personal data in them scrubbed), audio made silent
or dropped in the format of its session and side, JSON inside strings redacted value by
value (keys and structure kept), secrets found by key and by pattern anywhere in the
record (envelope included), and ids pseudonymised with a salt.

Bytes: only the values that change are rewritten. A changed value is spliced into the line
as recorded where it can be found as a value; the result must parse back to exactly the
expected record, else the record is written anew (orjson, key order kept). An audio payload
whose place in the line is known is replaced in place by base64 of the same length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import Any

import orjson

from rtlog.protocol.events import Event
from rtlog.protocol.formats import DEFAULT_FORMAT, AudioFormat, parse_audio_format
from rtlog.protocol.payload import _inspect_span, b64_decoded_size, inspect_b64
from rtlog.protocol.realtime import AUDIO_PAYLOAD_KEY, INPUT_AUDIO_APPEND, OUTPUT_AUDIO_DELTA
from rtlog.records import record
from rtlog.redact import fields as F
from rtlog.redact.audio import scrub_invalid, silence_b64
from rtlog.redact.detect import SECRET_HEADER_WORDS, SECRET_KEYS, is_redacted, marker, scrub, scrub_secrets
from rtlog.redact.ids import pseudonym
from rtlog.redact.splice import record_of, splice

AUDIO_SILENCE, AUDIO_DROP = "silence", "drop"

#: keys that hold ids (pseudonymised with --pseudonymize)
ID_KEYS = frozenset({
    "id", "event_id", "item_id", "response_id", "previous_item_id", "call_id", "client_event_id",
    "conversation_id", "session_id", "delegation_id", "trigger_id", "source_event_id",
})  # fmt: skip


#: the keys of an audio event and of recorders' envelopes around it that hold no secret
_AUDIO_KEYS = frozenset({"type", "event_id", "response_id", "item_id", "output_index", "content_index", "delta",
                         "audio", "timestamp", "obfuscation", "previous_item_id"})  # fmt: skip
_ENVELOPE_KEYS = frozenset({"time", "timestamp", "ts", "source", "direction", "kind", "event", "data", "from",
                            "type", "event_type", "eventName", "eventData", "event_data", "payload", "message"})  # fmt: skip


#: bare audio lines as recorders write them (compact or Python's json.dumps)
_BARE_AUDIO = (
    b'{"type":"response.audio.delta"', b'{"type": "response.audio.delta"',
    b'{"type":"response.output_audio.delta"', b'{"type": "response.output_audio.delta"',
    b'{"type":"input_audio_buffer.append"', b'{"type": "input_audio_buffer.append"',
)  # fmt: skip


def _audio_side(ev: Event) -> str:
    """Which side an audio event's payload is (its row in the table; a client's append is input)."""
    for _, what in F.EVENT_FIELDS.get(ev.kind) or F.EVENT_FIELDS.get(ev.type) or ():
        if isinstance(what, F.Leaf) and what.category == F.AUDIO:
            return what.side
    return "in" if ev.kind == INPUT_AUDIO_APPEND else "out"


def _plain_audio(ev: Event, body: bytes) -> bool:
    """An audio line with nothing to look at but its payload: only the usual keys (a
    key test costs a fraction of the word search), or none of the secret words."""
    env = ev.envelope
    if ev.data.keys() <= _AUDIO_KEYS and (env is None or env.keys() <= _ENVELOPE_KEYS):
        return True
    return not _maybe_secret(body)


def _maybe_secret(raw: bytes) -> bool:
    """A cheap gate before looking for secrets in a record: without any of these words (in
    lower case) it holds none. (`in` on the lowered line: a case-blind regex took 50 µs an
    audio line, a generator over the words 10.)"""
    low = raw.lower()
    return (
        b"key" in low or b"ek_" in low or b"sk-" in low or b"auth" in low or b"secret" in low or b"token" in low
        or b"bearer" in low or b"basic" in low or b"://" in low or b"cookie" in low or b"password" in low
        or b"header" in low
    )  # fmt: skip


@record(frozen=True, slots=True)
class Policy:
    """What to keep (`fields.KEEPABLE` categories), what audio becomes, and the salt for
    pseudonymising ids (None: ids are kept)."""

    keep: frozenset[str] = frozenset()
    audio: str = AUDIO_SILENCE
    salt: bytes | None = None


class Formats:
    """The audio encoding of each side, followed through the log (`SessionTracker` rules,
    fed by the caller, plus GPT-Live's startup `audio.format`, one format both ways)."""

    def __init__(self) -> None:
        from rtlog.conversation.session import SESSION_KINDS, SessionTracker

        self.tracker = SessionTracker()
        self.live: AudioFormat | None = None
        self._changes = SESSION_KINDS | {"session.start", "session.started"}
        self._out: dict[str, str] = {}  # response id → encoding, until the formats change

    def feed(self, ev: Event) -> None:
        if ev.kind not in self._changes:
            return
        self._out.clear()
        if ev.kind in ("session.start", "session.started"):
            s = ev.data.get("session")
            a = s.get("audio") if type(s) is dict else None
            fmt = parse_audio_format(a.get("format")) if type(a) is dict else None
            if fmt is not None:
                self.live = fmt
        self.tracker.feed(ev)

    def encoding(self, side: str, ev: Event) -> str:
        """The encoding of an audio event's payload (`side`: in or out)."""
        if self.live is not None and ev.kind.startswith("session."):
            return self.live.encoding
        if side == "in":
            return self.tracker.input_format.encoding
        rid = ev.data.get("response_id")
        enc = self._out.get(rid) if type(rid) is str else None
        if enc is None:
            t = self.tracker
            enc = (t.output_format(ev.response_id) if t.sessions else DEFAULT_FORMAT).encoding
            if type(rid) is str:
                self._out[rid] = enc
        return enc


@record(slots=True)
class _Job:
    """The work on one event: the pieces changed, as (old string, new string)."""

    ev: Event
    pairs: list[tuple[str, str]] = field(default_factory=list)
    delta_text: str | None = None  # this delta's text as pass 1 decided (kept text only)


class Redactor:
    """Redacts events one by one, in log order (it follows the session's audio formats).

    `delta_edits`: line number → the new text of a delta touched by personal data split
    across deltas (found by `assemble` in a first pass; only needed when text is kept)."""

    def __init__(self, policy: Policy, delta_edits: dict[int, str] | None = None) -> None:
        self.policy = policy
        self.delta_edits = delta_edits or {}
        self.formats = Formats()
        self._pseudonyms: dict[str, str] = {}
        self.rewritten = 0  # lines written anew rather than spliced

    # -- the line ------------------------------------------------------------------------
    def line(self, ev: Event) -> bytes:
        """The event's line (newline included as recorded), redacted."""
        raw = ev.raw
        span = ev.payload_span
        audio: bytes | None = None
        if span is not None:
            a, b = span
            audio = self._audio_span(ev, raw, span)
            body = raw[:a] + raw[b:]
            if self.policy.salt is None and ev.kind in AUDIO_PAYLOAD_KEY and _plain_audio(ev, body):
                # the common case, most of a log's lines: only the payload changes
                if audio is None or raw.startswith(audio, a):  # (already silent: the line as it is)
                    return raw
                return b"".join((raw[:a], audio, raw[b:]))
        else:
            body = raw
        self.formats.feed(ev)
        job = _Job(ev, delta_text=self.delta_edits.get(ev.line_no))
        gate = body
        record, data_at = record_of(ev)
        # an audio event whose payload was cut out has nothing else in the table
        data = ev.data if span is not None and ev.kind in AUDIO_PAYLOAD_KEY else self._event(ev.data, job)
        walk = self.policy.salt is not None or _maybe_secret(gate)
        if walk:
            data = self._scrub(data, job, "", False)
        new_record = self._rebuild(record, data_at, data, job, walk)
        if not job.pairs:
            return raw if audio is None else raw[: span[0]] + audio + raw[span[1] :]  # type: ignore[index]
        return self._write(ev, body, new_record, data_at, job, audio)

    def _rebuild(self, record: dict[str, Any], data_at: tuple[str, str], data: Any, job: _Job, walk: bool) -> Any:
        """The record with the event's data replaced (and the envelope scrubbed)."""
        how, key = data_at
        if how == "bare":
            return data
        env = dict(record)
        if walk:
            rest = self._scrub({k: v for k, v in record.items() if k != key}, job, "", False)
            env = {k: (v if k == key else rest[k]) for k, v in record.items()}
        if how == "none":
            return env
        if how == "obj":
            env[key] = data
        elif data is not job.ev.data:
            old = record[key]
            new = orjson.dumps(data).decode()
            job.pairs = [(o, n) for o, n in job.pairs if o in env.values()]  # inner pieces are escaped in the line
            job.pairs.append((old, new))
            env[key] = new
        return env

    def _write(
        self, ev: Event, body: bytes, record: Any, data_at: tuple[str, str], job: _Job, audio: bytes | None
    ) -> bytes:
        span = ev.payload_span
        spliced = splice(body, job.pairs, record)
        if spliced is not None:
            line, shift = spliced
            if audio is None or span is None:
                return line
            cut = span[0] + shift(span[0])
            return line[:cut] + audio + line[cut:]
        self.rewritten += 1
        if audio is not None and span is not None:
            data = record if data_at[0] == "bare" else record[data_at[1]]
            data[AUDIO_PAYLOAD_KEY[ev.kind]] = audio.decode("ascii")
        end = b"\r\n" if ev.raw.endswith(b"\r\n") else b"\n" if ev.raw.endswith(b"\n") else b""
        return orjson.dumps(record) + end

    def bare_audio_line(self, line: bytes) -> bytes | None:
        """The fast way for the commonest line of all, a bare audio event that starts with
        its type and holds only the usual keys (`digest.audio_digest`'s rules: the payload
        strict base64, the rest of the line parsed with it cut out, so the line is judged as
        `parse_line` judges it): its redacted line without building an Event, or None (take
        the normal way)."""
        if not line.startswith(_BARE_AUDIO) or self.policy.salt is not None or F.AUDIO in self.policy.keep:
            return None
        at = 9 if line[8] == 34 else 10  # the type's first letter, after `{"type":"` or `{"type": "`
        if line[at] == 105:  # i: input_audio_buffer.append
            t, needle, key = INPUT_AUDIO_APPEND, b'"audio":', "audio"
        else:
            t = "response.audio.delta" if line[at + 9] == 97 else OUTPUT_AUDIO_DELTA
            needle, key = b'"delta":', "delta"
        i = line.find(needle, 30) + 8
        start = i + 1 if line[i : i + 1] == b'"' else i + 2 if line[i : i + 2] == b' "' else 0
        stop = line.find(b'"', start) if i > 7 and start else -1
        if stop - start < 64 or line.find(needle[:-1], stop) >= 0:
            return None
        size = b64_decoded_size(memoryview(line)[start:stop])  # type: ignore[arg-type]
        if size is None:
            return None
        try:
            d = orjson.loads(line[:start] + line[stop:])
        except orjson.JSONDecodeError:
            return None
        if type(d) is not dict or d.get(key) != "" or d.get("type") != t or not d.keys() <= _AUDIO_KEYS:
            return None
        if key == "audio":
            enc = self.formats.tracker.input_format.encoding
        else:
            rid = d.get("response_id")
            enc = self._out_encoding(rid if type(rid) is str else None)
        if self.policy.audio == AUDIO_DROP:
            return b"".join((line[:start], f"[trimmed: {size} bytes]".encode(), line[stop:]))
        audio = silence_b64(size, enc)
        return line if line.startswith(audio, start) else b"".join((line[:start], audio, line[stop:]))

    def _out_encoding(self, rid: str | None) -> str:
        f = self.formats
        enc = f._out.get(rid) if rid is not None else None
        if enc is None:
            t = f.tracker
            enc = (t.output_format(rid) if t.sessions else DEFAULT_FORMAT).encoding
            if rid is not None:
                f._out[rid] = enc
        return enc

    # -- the event's own fields ------------------------------------------------------------
    def _event(self, data: dict[str, Any], job: _Job) -> dict[str, Any]:
        rows = F.EVENT_FIELDS.get(job.ev.kind) or F.EVENT_FIELDS.get(job.ev.type)
        if not rows:
            return data
        return self._fields(data, rows, job, "")  # type: ignore[no-any-return]

    def _fields(self, obj: Any, rows: tuple[F.Field, ...], job: _Job, role: str) -> Any:
        for path, what in rows:
            obj = _at(obj, path, 0, lambda v, what=what: self._value(v, what, job, role))
        return obj

    def _value(self, v: Any, what: F.Leaf | str, job: _Job, role: str) -> Any:
        if what == F.ITEM:
            return self._item(v, job)
        if what == F.PART:
            return self._part(v, job, role)
        if what == F.SESSION:
            return self._fields(v, F.SESSION_FIELDS, job, "") if type(v) is dict else v
        if what == F.RESPONSES:
            return self._fields(v, F.RESPONSES_FIELDS, job, "") if type(v) is dict else v
        assert isinstance(what, F.Leaf)
        return self._leaf(v, what, job)

    def _item(self, item: Any, job: _Job) -> Any:
        if type(item) is not dict:
            return item
        role = item.get("role") if type(item.get("role")) is str else ""
        new = item
        content = item.get("content")
        if type(content) is list:
            parts = [self._part(p, job, role) for p in content]
            if any(a is not b for a, b in zip(parts, content)):
                new = {**new, "content": parts}
        elif type(content) is str and content:  # GPT-Live / Responses input text
            new = {**new, "content": self._leaf(content, F.INSTR if role in ("system", "developer") else F.T, job)}
        for key in F.ITEM_TOOL_KEYS:
            v = new.get(key)
            if v is not None:
                nv = self._leaf(v, F.TOOL, job)
                if nv is not v:
                    new = {**new, key: nv}
        return new

    def _part(self, part: Any, job: _Job, role: str) -> Any:
        if type(part) is not dict:
            return part
        new = part
        system = role in ("system", "developer")
        for key, leaf in F.PART_TEXT_KEYS:
            v = new.get(key)
            if v is not None:
                nv = self._leaf(v, F.INSTR if system and leaf is F.T else leaf, job)
                if nv is not v:
                    new = {**new, key: nv}
        v = new.get("audio")
        if type(v) is str and v:
            nv = self._leaf(v, F.AUDIO_OUT if role == "assistant" else F.AUDIO_IN, job)
            if nv is not v:
                new = {**new, "audio": nv}
        return new

    def _leaf(self, v: Any, leaf: F.Leaf, job: _Job) -> Any:
        if leaf.category == F.AUDIO:
            return self._audio_value(v, leaf, job) if type(v) is str else v
        kept = leaf.category in self.policy.keep
        if type(v) is list:  # logprobs bytes: the token's UTF-8
            return v if kept or not v else _changed(job, v, [])
        if type(v) is not str or is_redacted(v):
            return v
        if kept:
            if leaf.delta:
                new = job.delta_text if job.delta_text is not None else v
            elif leaf.json:
                new = _json_values(v, scrub, keep_numbers=False)
            else:
                new = scrub(v)
        elif leaf.json:
            new = _json_values(v, lambda s: marker(leaf.kind, s), keep_numbers=False, whole=marker(leaf.kind, v))
        else:
            new = marker(leaf.kind, v)
        return v if new == v else _changed(job, v, new)

    # -- audio -----------------------------------------------------------------------------
    def _audio_span(self, ev: Event, raw: bytes, span: tuple[int, int]) -> bytes | None:
        """The new bytes of a payload cut out of the line (None: unchanged)."""
        if F.AUDIO in self.policy.keep:
            return None
        size = b64_decoded_size(memoryview(raw)[span[0] : span[1]])  # type: ignore[arg-type]
        enc = self.formats.encoding(_audio_side(ev), ev)
        if size is None:
            info = _inspect_span(raw, *span)
            if info.problem == "placeholder":
                return None
            return scrub_invalid(raw[span[0] : span[1]].decode("utf-8", "replace"), enc).encode()
        if self.policy.audio == AUDIO_DROP:
            return f"[trimmed: {size} bytes]".encode()
        return silence_b64(size, enc)

    def _audio_value(self, v: str, leaf: F.Leaf, job: _Job) -> str:
        if F.AUDIO in self.policy.keep or not v:
            return v
        info = inspect_b64(v)
        if info.problem == "placeholder":
            return v
        enc = self.formats.encoding(leaf.side, job.ev)
        if info.problem is not None:
            new = scrub_invalid(v, enc)
        elif self.policy.audio == AUDIO_DROP:
            new = f"[trimmed: {info.nbytes} bytes]"
        else:
            new = silence_b64(info.nbytes, enc).decode("ascii")
        return v if new == v else _changed(job, v, new)

    # -- secrets and ids, anywhere -----------------------------------------------------------
    def _scrub(self, v: Any, job: _Job, key: str, secret: bool) -> Any:
        """`v` (found under `key`) with secrets replaced and ids pseudonymised; `secret`:
        every string below is a credential (an `authorization` object, MCP `headers`)."""
        t = type(v)
        if t is str:
            if not v or is_redacted(v):
                return v
            if secret:
                return _changed(job, v, marker("secret", v))
            if self.policy.salt is not None and key in ID_KEYS and v != "root":
                new = self._pseudonym(v)
            else:
                new = scrub_secrets(v)
            return v if new == v else _changed(job, v, new)
        if t is dict:
            low = key.lower()
            mcp = v.get("type") == "mcp"
            out = {}
            changed = False
            for k, x in v.items():
                kl = k.lower() if type(k) is str else ""
                if kl == "sip_headers":
                    nx = self._sip(x, job)
                else:
                    hidden = secret or kl in SECRET_KEYS or (kl == "headers" and mcp)
                    if low == "headers" and any(w in kl for w in SECRET_HEADER_WORDS):
                        hidden = True
                    nx = self._scrub(x, job, k, hidden)
                out[k] = nx
                changed = changed or nx is not x
            return out if changed else v
        if t is list:
            items = [self._scrub(x, job, key, secret) for x in v]
            return items if any(a is not b for a, b in zip(items, v)) else v
        return v

    def _sip(self, v: Any, job: _Job) -> Any:
        """SIP headers (`[{name, value}]` or `{name: value}`): every value (caller numbers, names)."""
        if type(v) is list:
            out = [
                {**h, "value": self._sip_value(h.get("value"), job)} if type(h) is dict and "value" in h else h
                for h in v
            ]
            return out if any(a != b for a, b in zip(out, v)) else v
        if type(v) is dict:
            out2 = {k: self._sip_value(x, job) for k, x in v.items()}
            return out2 if out2 != v else v
        return v

    def _sip_value(self, v: Any, job: _Job) -> Any:
        if type(v) is not str or is_redacted(v):
            return v
        return _changed(job, v, marker("sip", v))

    def _pseudonym(self, value: str) -> str:
        got = self._pseudonyms.get(value)
        if got is None:
            got = self._pseudonyms[value] = pseudonym(value, self.policy.salt or b"")
        return got


def _changed(job: _Job, old: Any, new: Any) -> Any:
    if type(old) is str:
        job.pairs.append((old, new))
    else:
        job.pairs.append(("", ""))  # not a string: the record is written anew
    return new


def _at(obj: Any, path: tuple[str, ...], i: int, fn: Callable[[Any], Any]) -> Any:
    """`obj` with `fn` applied at `path` (`*`: every element or value), copied where it changes."""
    if i == len(path):
        return fn(obj)
    key = path[i]
    if key == "*":
        if type(obj) is list:
            new = [_at(x, path, i + 1, fn) for x in obj]
            return new if any(a is not b for a, b in zip(new, obj)) else obj
        if type(obj) is dict:
            newd = {k: _at(x, path, i + 1, fn) for k, x in obj.items()}
            return newd if any(newd[k] is not obj[k] for k in obj) else obj
        return obj
    if type(obj) is not dict or key not in obj:
        return obj
    v = obj[key]
    nv = _at(v, path, i + 1, fn)
    return obj if nv is v else {**obj, key: nv}


def _walk(x: Any, fn: Callable[[str], str], keep_numbers: bool) -> Any:
    """`_json_values` on a parsed document (a module function: a nested one that calls
    itself is a reference cycle, garbage for the cyclic collector at every call)."""
    t = type(x)
    if t is dict:
        return {k: _walk(v, fn, keep_numbers) for k, v in x.items()}
    if t is list:
        return [_walk(v, fn, keep_numbers) for v in x]
    if t is str:
        return x if is_redacted(x) else fn(x)
    if t in (int, float) and not keep_numbers:
        s = str(x)
        new = fn(s)
        return x if new == s else new
    return x


def _json_values(text: str, fn: Callable[[str], str], *, keep_numbers: bool, whole: str | None = None) -> str:
    """A JSON document in a string with `fn` applied to every string value (and number,
    as its text) — keys and structure kept; not JSON: `whole` (default `fn(text)`)."""
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return fn(text) if whole is None else whole
    if type(doc) not in (dict, list):
        return fn(text) if whole is None else whole

    new = _walk(doc, fn, keep_numbers)
    return text if new == doc else orjson.dumps(new).decode()
