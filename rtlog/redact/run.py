"""Redacting a whole log, and checking one: the streaming passes over a source.

Owns the line loop of `redact` (every line written, in order: good lines redacted, blank
lines as they are, a bad line as a blank line so line numbers still match, with its
warning) and of `redact --check` (a finding is what redacting would still change, plus
personal data anywhere in the text, as (line, path, kind)). With text kept, a first pass
reassembles deltas (`assemble`); a source that cannot be read twice is read from a copy
the caller makes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import field
from typing import IO, Any

import orjson

from rtlog.io.reader import BOM, READ_ERRORS, Diagnostics, LineParser, Source, open_source
from rtlog.protocol.events import Event
from rtlog.protocol.payload import cut_audio_payload
from rtlog.protocol.realtime import AUDIO_PAYLOAD_KEY
from rtlog.records import record
from rtlog.redact import fields as F
from rtlog.redact.assemble import Assembler, Split, delta_of
from rtlog.redact.detect import MARKER
from rtlog.redact.record import _BARE_AUDIO, Policy, Redactor
from rtlog.redact.splice import record_of


@record(slots=True)
class RedactStats:
    """What a run did: lines read and written, events, lines changed, bad lines blanked."""

    lines: int = 0
    events: int = 0
    changed: int = 0
    blanked: int = 0
    rewritten: int = 0


def _lines(src: Source, lp: LineParser, fp: IO[bytes], *, judge: bool = True) -> Iterator[tuple[int, bytes]]:
    """(number, line) of every line (a BOM cut off the first: the caller puts it back); a read
    that fails is reported where it stopped. `judge`: at the end, a log of nothing but bad
    lines is refused (`LineParser.finish`), which only a pass that parses every line can say."""
    n = 0
    try:
        for line in fp:
            n += 1
            yield n, line[3:] if n == 1 and line.startswith(BOM) else line
    except READ_ERRORS as exc:
        lp.read_failed(n + 1, exc)
    if judge:
        lp.finish(n)


def needs_first_pass(policy: Policy) -> bool:
    """Whether deltas must be reassembled first: only text that is kept is searched."""
    return bool(policy.keep & {F.TEXT, F.TOOLS, F.INSTRUCTIONS})


def delta_edits(src: Source, categories: frozenset[str] | None) -> tuple[dict[int, str], list[Split]]:
    """The first pass: deltas reassembled and scrubbed (see `assemble`). Bad lines are
    left to the second pass to report."""
    quiet = Diagnostics()
    lp = LineParser(src.name, quiet)
    asm = Assembler()
    with open_source(src) as fp:
        # (it parses only lines with a delta: it cannot judge the log; a bad delta line and
        # good lines without one made it 'no events found: not a JSONL event log?')
        for n, line in _lines(src, lp, fp, judge=False):
            if b"delta" not in line or line.startswith(_BARE_AUDIO):  # cheap: no parse
                continue
            ev = lp.parse(line, n)
            if ev is None or ev.kind in AUDIO_PAYLOAD_KEY:
                continue
            d = delta_of(ev, categories)
            if d is not None:
                asm.add(d[0], n, d[2])
    return asm.edits()


def redact_source(src: Source, out: IO[bytes], policy: Policy, diag: Diagnostics) -> RedactStats:
    """Redact one source into `out`, line for line (two passes when text is kept)."""
    edits = delta_edits(src, policy.keep)[0] if needs_first_pass(policy) else {}
    red = Redactor(policy, edits)
    stats = RedactStats()
    lp = LineParser(src.name, diag)
    write = out.write
    with open_source(src) as fp:
        if fp.peek(3)[:3] == BOM:  # type: ignore[attr-defined]
            write(BOM)
        fast = red.bare_audio_line
        for n, line in _lines(src, lp, fp):
            stats.lines = n
            new = fast(line) if len(line) > 1024 else None
            if new is not None:
                lp.good += 1
                stats.events += 1
                stats.changed += new is not line
                write(new)
                continue
            ev = lp.parse(line, n)
            if ev is None:
                if line.strip():
                    stats.blanked += 1
                    write(b"\n")
                else:
                    write(line)
                continue
            stats.events += 1
            new = red.line(ev)
            if new is not line:
                stats.changed += 1
            write(new)
    stats.rewritten = red.rewritten
    return stats


# --- check ------------------------------------------------------------------------------


@record(slots=True)
class Finding:
    """Something that still looks sensitive: where, and what kind (a category of
    `fields`, `secret`, `sip`, or a kind of personal data such as `card`)."""

    line: int
    path: str
    kind: str
    note: str = ""


@record(slots=True)
class CheckResult:
    source: str
    events: int = 0
    findings: list[Finding] = field(default_factory=list)


def check_source(src: Source, keep: frozenset[str], diag: Diagnostics) -> CheckResult:
    """Scan a log for what redacting (keeping `keep`) would still change, and for personal
    data and secrets in any text, kept or not — split across deltas too."""
    every = frozenset({F.TEXT, F.TOOLS, F.INSTRUCTIONS, F.AUDIO})
    edits, splits = delta_edits(src, None)
    split_note = {ln: s for s in splits for ln in s.lines}
    strict = Redactor(Policy(keep=keep))
    pii = Redactor(Policy(keep=every), edits)
    result = CheckResult(src.name)
    lp = LineParser(src.name, diag)
    with open_source(src) as fp:
        for n, line in _lines(src, lp, fp):
            ev = lp.parse(line, n)
            if ev is None:
                continue
            result.events += 1
            seen: dict[str, Finding] = {}
            split = split_note.get(n)
            for red in (pii, strict):
                new = red.line(ev)
                if new is line:
                    continue
                for path, kind in _differences(ev, new):
                    if path in seen:
                        continue
                    if split is not None and red is pii and path.endswith("delta"):
                        # a delta that holds only a middle piece of a match has no marker of its own
                        seen[path] = Finding(
                            n, path, split.kind, f"split over lines {split.lines[0]}-{split.lines[-1]}"
                        )
                    else:
                        seen[path] = Finding(n, path, kind)
            # in the order they appear in the line
            result.findings.extend(sorted(seen.values(), key=lambda f: _place(line, f.path)))
    return result


def _differences(ev: Event, new: bytes) -> Iterator[tuple[str, str]]:
    """(path, kind) of each value that differs between the event's line and `new`."""
    if ev.payload_span is not None:
        a, b = ev.payload_span
        cut = cut_audio_payload(new)
        if cut is None:  # (the line was written anew)
            yield from _diff(orjson.loads(ev.raw[:a] + ev.raw[b:]), orjson.loads(new), "")
            return
        new_rec, key, c, d = cut
        if new[c:d] != ev.raw[a:b]:
            how, at = record_of(ev)
            yield (f"{at}.{key}" if how == "obj" else key), F.AUDIO
        yield from _diff(orjson.loads(ev.raw[:a] + ev.raw[b:]), new_rec, "")
        return
    yield from _diff(orjson.loads(ev.raw), orjson.loads(new), "")


def _place(line: bytes, path: str) -> int:
    """Where the value at `path` appears in the line (roughly: its last key's first place)."""
    key = path.rsplit(".", 1)[-1].split("[", 1)[0]
    at = line.find(f'"{key}"'.encode())
    return at if at >= 0 else len(line)


def _diff(a: Any, b: Any, path: str) -> Iterator[tuple[str, str]]:
    if type(a) is str and type(b) is str and a[:1] == "{" and b[:1] == "{":  # an event held as a JSON string
        try:
            a, b = orjson.loads(a), orjson.loads(b)
        except orjson.JSONDecodeError:
            pass
    if type(a) is dict and type(b) is dict:
        for k, v in a.items():
            if k in b and b[k] is not v and b[k] != v:
                yield from _diff(v, b[k], f"{path}.{k}" if path else str(k))
        return
    if type(a) is list and type(b) is list and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                yield from _diff(x, y, f"{path}[{i}]")
        return
    yield path, _kind_of(a, b)


def _kind_of(old: Any, new: Any) -> str:
    """What a change was about: the kind in the first marker it brought in."""
    if type(new) is str:
        before = set(MARKER.findall(old)) if type(old) is str else set()
        for m in MARKER.findall(new):
            if m not in before:
                return m[len("[REDACTED:") :].split(":")[0]
        if type(old) is str and len(new) == len(old):
            return F.AUDIO  # silence of the same length
        if new.startswith("[trimmed:"):
            return F.AUDIO
    return F.TEXT
