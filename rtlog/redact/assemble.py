"""Text streamed in deltas, put back together to find what is split across them.

Owns the first pass of `redact` when text is kept (and of `redact --check`): every delta's
text is collected per stream (item and content part, see `fields.stream_key`); the whole
text is searched for personal data and secrets (`detect.find_pii`), and each match is
mapped back onto the deltas it covers. The delta where a match starts gets its marker, the
others lose their part of it, so the deltas still add up to the scrubbed whole text (what
a `.done` event's copy of the text becomes). Memory: the conversation's text, never audio.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from rtlog.protocol.events import Event
from rtlog.redact import fields as F
from rtlog.redact.detect import find_pii, is_redacted, marker


def delta_of(ev: Event, categories: frozenset[str] | None = None) -> tuple[tuple[object, ...], str, str] | None:
    """(stream key, path, text) of a text delta (of one of `categories`; None: any), else None."""
    for path, what in F.EVENT_FIELDS.get(ev.kind) or F.EVENT_FIELDS.get(ev.type) or ():
        if isinstance(what, F.Leaf) and what.delta and (categories is None or what.category in categories):
            v = ev.data.get(path[0])
            if type(v) is str and v and not is_redacted(v):
                return F.stream_key(ev.kind, ev.data), ".".join(path), v
    return None


@dataclass(slots=True)
class Split:
    """A match in a stream's whole text: its kind and the delta lines it covers."""

    kind: str
    lines: list[int] = field(default_factory=list)


class Assembler:
    """Collects deltas per stream, in log order."""

    def __init__(self) -> None:
        self._streams: dict[tuple[object, ...], list[tuple[int, str]]] = {}

    def add(self, key: tuple[object, ...], line_no: int, text: str) -> None:
        self._streams.setdefault(key, []).append((line_no, text))

    def edits(self) -> tuple[dict[int, str], list[Split]]:
        """line → the delta's new text, for the deltas a match touches; and every match
        that covers more than one delta."""
        out: dict[int, str] = {}
        splits: list[Split] = []
        for pieces in self._streams.values():
            for line_no, new in _scrubbed(pieces, splits):
                out[line_no] = new
        return out, splits


def _scrubbed(pieces: list[tuple[int, str]], splits: list[Split]) -> Iterator[tuple[int, str]]:
    whole = "".join(t for _, t in pieces)
    spans = find_pii(whole)
    if not spans:
        return
    starts, at = [], 0
    for _, t in pieces:
        starts.append(at)
        at += len(t)
    for a, b, kind in spans:
        covered = [ln for (ln, t), s in zip(pieces, starts) if s < b and s + len(t) > a]
        if len(covered) > 1:
            splits.append(Split(kind, covered))
    for (line_no, text), s in zip(pieces, starts):
        e = s + len(text)
        touching = [(a, b, k) for a, b, k in spans if a < e and b > s]
        if not touching:
            continue
        parts, pos = [], s
        for a, b, kind in touching:
            if a >= pos:
                parts.append(whole[pos:a])
            if s <= a < e:
                parts.append(marker(kind, whole[a:b]))
            pos = max(pos, min(b, e))
        parts.append(whole[pos:e])
        yield line_no, "".join(parts)
