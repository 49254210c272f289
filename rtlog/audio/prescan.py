"""The prescan: what extract-audio must know before it streams the audio.

Truncations arrive after the audio they cut, so cutting (`--heard`, `--side both`) needs
them first; the stereo mix also needs to know whether each side has any audio at all (so
it does not wait for a channel that never comes). `prescan` reads the logs once in large
blocks and parses only the lines that mention a truncation, by the one rule of
`rtlog.conversation.truncations`. Bad lines are left to the main pass to report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from typing import BinaryIO

from rtlog.conversation.truncations import Truncations
from rtlog.io.reader import READ_ERRORS, Source, open_source
from rtlog.protocol.events import BadLine, parse_line
from rtlog.records import record


@record(slots=True)
class LogFacts:
    """What the extraction must know before it streams: truncations (they arrive after
    the audio they cut) and whether each side has any audio at all."""

    truncations: dict[str, int] = field(default_factory=dict)  # item id → audio_end_ms
    has_user_audio: bool = False
    has_assistant_audio: bool = False


def prescan(sources: Sequence[Source], stdin: BinaryIO | None = None) -> LogFacts:
    """Read the logs once, in large blocks, parsing only the lines that mention a
    truncation (base64 has no `.`, so audio payloads never match). The server's
    `conversation.item.truncated` wins over the client's request. Bad lines are left to
    the main pass to report."""
    facts = LogFacts()
    cuts = Truncations()
    for src in sources:
        if stdin is not None and src.path is None:
            stdin.seek(0)
        with open_source(src, stdin) as fp:
            tail = b""  # the start of a line that continues in the next block
            while True:
                try:
                    block = fp.read(_PRESCAN_BLOCK)
                except READ_ERRORS:
                    # a truncated or corrupt compressed log: the main pass reads the same
                    # lines and reports "cannot read further" once, at the right line
                    break
                if not block:
                    break
                first = block.find(b"\n") + 1
                if first == 0:
                    tail += block
                    continue
                if tail:
                    _prescan_block(tail + block[:first], first + len(tail), src.name, facts, cuts)
                last = block.rfind(b"\n") + 1
                _prescan_block(block, last, src.name, facts, cuts, first)
                tail = block[last:]
            if tail:
                _prescan_block(tail, len(tail), src.name, facts, cuts)
    if stdin is not None:
        stdin.seek(0)
    return facts


_PRESCAN_BLOCK = 4 << 20


def _prescan_block(buf: bytes, end: int, name: str, facts: LogFacts, cuts: Truncations, begin: int = 0) -> None:
    """Look at the whole lines in buf[begin:end]."""
    if not facts.has_user_audio and buf.find(b"input_audio_buffer.append", begin, end) >= 0:
        facts.has_user_audio = True
    if not facts.has_assistant_audio and buf.find(b"audio.delta", begin, end) >= 0:
        facts.has_assistant_audio = True
    i = buf.find(b"item.truncate", begin, end)
    while i >= 0:
        start = max(buf.rfind(b"\n", begin, i) + 1, begin)
        stop = buf.find(b"\n", i, end)
        stop = end if stop < 0 else stop + 1
        _prescan_line(buf[start:stop], name, facts, cuts)
        i = buf.find(b"item.truncate", stop, end)


def _prescan_line(line: bytes, name: str, facts: LogFacts, cuts: Truncations) -> None:
    try:
        ev = parse_line(line, name, 0)
    except BadLine:
        return
    iid = cuts.feed(ev)  # the one rule for where an item was cut (truncations.py)
    if iid is not None:
        facts.truncations[iid] = cuts.cut_ms(iid)  # type: ignore[assignment]
