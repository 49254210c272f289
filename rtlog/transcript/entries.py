"""A conversation as transcript entries: who said what, when, and what was not heard.

Owns the presentation rules of `rtlog transcript` over the conversation model (the
reassembly itself — deltas, final values, order, echoes — is `rtlog.conversation.items`,
and times are the timeline's, so the transcript, summary and extract-audio agree):
- roles: developer → system; a function call is the assistant's, its output the tool's; an
  MCP call is the assistant's, with its server, arguments and output or error in one entry;
  a failed MCP tool listing is a system entry; other MCP items and the like are not shown;
- what the user sent that is not speech or text: images (`[image]`, Qwen's image buffer
  appends in a row as one entry) and DTMF keypresses in a row (`[keys: 1 2 3]`);
- gpt-realtime-2 preambles (assistant items of phase `commentary`) keep their phase;
- an assistant item of a cancelled response, or whose playback the client cleared, is
  interrupted (with the response's reason); a response that ended incomplete or failed
  gives its reason; one without a `response.done` is "unfinished";
- a truncated item is interrupted, and its text is split where the user stopped hearing
  it, in proportion to `audio_end_ms` over the item's audio duration, at the nearest word
  gap (`split_heard`);
- a user message without text says why: not transcribed, or an idle timeout;
- GPT-Live / Translation speech comes as segments the fold joined from fragments
  (`conversation.live`); an assistant segment the user spoke into is interrupted
  ("barge-in"), backend function calls are the assistant's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import field
from typing import Any

from rtlog.conversation.load import conversations
from rtlog.conversation.model import Conversation, ErrorNote, Item
from rtlog.conversation.session import SessionConfig
from rtlog.io.reader import Diagnostics, Source
from rtlog.protocol.objects import ErrorInfo
from rtlog.records import record

ROLES = {"user": "user", "assistant": "assistant", "system": "system", "developer": "system", "tool": "tool"}


@record(slots=True)
class Entry:
    """One line of the transcript (see `as_dict` for the JSON form)."""

    session: int  # 1-based, within its file
    role: str  # user | assistant | system | tool
    type: str  # message | function_call | function_call_output | error
    text: str | None = None
    heard_text: str | None = None  # the part before the mark, for truncated items
    unheard_text: str | None = None  # the part after it
    item_id: str | None = None
    response_id: str | None = None
    status: str | None = None
    interrupted: bool = False
    start: float | None = None
    end: float | None = None
    name: str | None = None
    call_id: str | None = None
    arguments: str | None = None
    output: str | None = None
    error: dict[str, Any] | None = None  # failed transcription, or the error of an error entry
    audio_seconds: float | None = None  # duration of the item's generated audio
    audio_end_ms: int | None = None  # truncation point
    reason: str | None = None  # why a response ended early (turn_detected, client_cancelled, …)
    note: str | None = None  # e.g. "not transcribed", "unfinished"
    line: int = 0
    file: str | None = None  # the input it comes from (several files: one conversation each)
    server: str | None = None  # an MCP call's server
    phase: str | None = None  # gpt-realtime-2: commentary (a preamble) or final_answer
    images: int = 0  # images the user sent with this entry (shown as `[image]`)
    keys: list[str] | None = None  # DTMF keys pressed (a `dtmf` entry, shown as `[keys: 1 2 3]`)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "session": self.session, "role": self.role, "type": self.type, "text": self.text,
            "heard_text": self.heard_text, "item_id": self.item_id, "response_id": self.response_id,
            "status": self.status, "interrupted": self.interrupted,
            "start": _round(self.start), "end": _round(self.end),
            "name": self.name, "call_id": self.call_id, "arguments": self.arguments, "output": self.output,
            "error": self.error, "audio_seconds": _round(self.audio_seconds), "audio_end_ms": self.audio_end_ms,
            "reason": self.reason, "note": self.note, "line": self.line, "server": self.server, "phase": self.phase,
            "images": self.images, "keys": self.keys,
        }  # fmt: skip


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


@record(slots=True)
class Transcript:
    entries: list[Entry]
    sessions: list[SessionConfig]
    t0: float | None  # epoch seconds of time 0 (None: the log has no timestamps)
    source: str | None = None  # the input file's name (one Transcript per file)
    notes: list[str] = field(default_factory=list)  # what placing its times had to assume (warnings)


def error_dict(err: ErrorInfo | None) -> dict[str, Any] | None:
    """An error as a transcript entry shows it."""
    if err is None:
        return None
    return {"type": err.type, "code": err.code, "message": err.message}


def transcript_of(conv: Conversation, *, errors: bool = False, source: str | None = None) -> Transcript:
    """The transcript of a conversation (`errors`: error events and failed responses as
    entries where they arrived; `source`: the file name put on every entry)."""
    entries: list[Entry] = []
    for x in conv.items:
        if isinstance(x, ErrorNote):
            if errors:
                entries.append(Entry(x.session, "system", "error", text=x.text, error=error_dict(x.error), line=x.line, start=x.start))
            continue
        if x.replayed:
            continue  # history a resumed session replayed: it was said (and shown) before
        e = entry_of(conv, x)
        if e is not None:
            entries.append(e)
    if source is not None:
        for e in entries:
            e.file = source
    return Transcript(entries, list(conv.sessions), conv.t0, source, list(conv.notes))


def entry_of(conv: Conversation, it: Item) -> Entry | None:
    """An item as a transcript entry (None: not part of the spoken conversation)."""
    kind = it.kind
    e = Entry(it.session, ROLES.get(it.role or "", "assistant"), kind, item_id=it.id,
              response_id=it.response_id, status=it.status, line=it.line)  # fmt: skip
    if kind == "function_call":
        e.role = "assistant"
        e.name, e.call_id, e.arguments, e.output = it.name, it.call_id, it.arguments, it.output
    elif kind == "function_call_output":
        e.role = "tool"
        e.call_id, e.output, e.name = it.call_id, it.output, it.name
    elif kind == "message":
        e.text = it.text
        e.images = it.images  # an image the user sent, with or without text
        e.phase = it.phase
    elif kind == "mcp_call":
        e.role = "assistant"
        e.name, e.server, e.arguments, e.output = it.name, it.server, it.arguments, it.output
        e.error = error_dict(it.error)
    elif kind == "mcp_list_tools" and it.error is not None:
        e.role = "system"
        e.server, e.error = it.server, error_dict(it.error)
        e.text = f"listing the tools of MCP server {it.server or '?'} failed"
    elif kind == "input_image":
        e.role, e.images = "user", it.images
    elif kind == "dtmf":
        e.role, e.keys = "user", list(it.keys or [])
    else:
        return None  # other MCP items and the like are not part of the spoken conversation
    r = conv.response(it.response_id)
    rstatus = (r.status or r.created_status) if r is not None else None
    reason = r.reason if r is not None else None
    if e.status is None:
        e.status = rstatus
    if it.response_id and e.role == "assistant":
        if rstatus == "cancelled" or it.response_id in conv.cleared_responses:
            e.interrupted = True
            e.reason = reason or ("cancelled" if rstatus == "cancelled" else "audio cleared")
        elif rstatus in ("incomplete", "failed"):
            e.reason = reason or rstatus
        elif rstatus in (None, "in_progress") and it.status in (None, "in_progress"):
            e.note = "unfinished: the log ends before the response does"
    e.start, e.end, e.audio_seconds = it.start, it.end, it.audio_seconds
    if it.interrupted:  # GPT-Live: the user spoke over it (the text is what was generated)
        e.interrupted = True
        e.reason = e.reason or "barge-in"
    if it.cut_ms is not None:
        e.interrupted = True
        e.audio_end_ms = it.cut_ms
        _heard(e)
    if e.role == "user" and e.type == "message":
        if it.transcription_error is not None:
            e.error = error_dict(it.transcription_error)
        if e.text is None and it.transcription_error is None:
            e.note = "idle timeout, no speech" if it.idle else ("not transcribed" if it.speech else None)
    return e


def _heard(e: Entry) -> None:
    ms = e.audio_end_ms or 0
    total = e.audio_seconds
    if e.text is None:
        return
    if not total:
        e.note = "the item's audio is not in the log: where it was cut is unknown"
        return
    frac = ms / 1000 / total
    if frac >= 1:
        if ms / 1000 > total + 0.0005:
            e.note = f"audio_end_ms {ms} is beyond the item's {total * 1000:.0f} ms of audio: all of it was heard"
        frac = 1.0
    e.heard_text, e.unheard_text = split_heard(e.text, max(frac, 0.0))


_GAP = re.compile(r"\s+")


def split_heard(text: str, frac: float) -> tuple[str, str]:
    """Split `text` at the fraction `frac` of its length, snapped to the nearest word gap
    (text without any whitespace is split at the character). Returns (heard, unheard),
    both without the whitespace at the cut."""
    n = len(text)
    p = frac * n
    if frac >= 1:
        return text, ""
    if frac <= 0:
        return "", text.lstrip()
    best = (p, 0, 0)  # the start of the text counts as a gap
    found = False
    # (the gaps one at a time, up to the first past the cut: a list of every gap of a long
    # text took ~20 times the text's size)
    for m in _GAP.finditer(text):
        found = True
        a, b = m.span()
        d = 0.0 if a <= p <= b else min(abs(p - a), abs(p - b))
        if d < best[0]:
            best = (d, a, b)
        if a > p:
            break  # every later gap is further away
    else:
        if not found:
            k = round(p)
            return text[:k], text[k:]
        if n - p < best[0]:  # the end of the text counts as a gap too
            best = (n - p, n, n)
    _, a, b = best
    return text[:a].rstrip(), text[b:].lstrip()


def build_transcript(events: Iterable[Any], *, errors: bool = False) -> Transcript:
    """The transcript of a stream of events (one pass)."""
    from rtlog.conversation.fold import fold

    return transcript_of(fold(events, recording=False), errors=errors)


def build_transcripts(files: Iterable[tuple[str, Iterable[Any]]], *, errors: bool = False) -> Iterator[Transcript]:
    """One transcript per input file (name, events), each its own conversation, on one
    timeline that starts where the previous file ends."""
    from rtlog.conversation.fold import Fold

    previous: Fold | None = None
    for name, events in files:
        f = previous = Fold(name, after=previous, recording=False)
        for ev in events:
            f.feed(ev)
        yield transcript_of(f.finish(), errors=errors, source=name)


def transcribe_sources(
    sources: Iterable[Source],
    diag: Diagnostics,
    *,
    errors: bool = False,
    jobs: int = 0,
    meanwhile: Callable[[], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[Transcript]:
    """One transcript per source, each its own conversation on one timeline that starts
    where the previous file ends (see `conversation.load.conversations`; `on_progress`:
    bytes read over all the sources)."""
    for conv in conversations(sources, diag, jobs=jobs, meanwhile=meanwhile, recording=False,  # (it reads no counts)
                              on_progress=on_progress):  # fmt: skip
        yield transcript_of(conv, errors=errors, source=conv.source)
