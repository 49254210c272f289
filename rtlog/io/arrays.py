"""A session saved as one JSON array of events (`[{…}, {…}]`, on one line or pretty-printed),
read as the JSONL the rest of rtlog reads: one compact line per element.

Owns recognising such a file from its first bytes (`looks_like_array`) and the streaming
conversion (`array_lines`, `convert`): the file is read in blocks and cut at the array's top-level
commas, so memory is bounded by the largest element (one event), never by the file. Each
element becomes one line (the raw newlines between its tokens become spaces; JSON strings
cannot hold raw newlines), placed on the line of the file where it starts, so a bad element
is reported at its own line (padding lines are blank, which the reader skips). Elements that
share a line (a one-line array) follow each other on consecutive line numbers. What follows
the array's closing `]` is passed on as lines, as recorded.

Not owned: what an element means (`rtlog.protocol`); an element that is not an event gets
the reader's usual bad-line warning. A file that is a JSON array of anything but objects
(`[]`, `[1, 2]`, `[[…]]`) is not taken for a session: it stays JSONL and its lines are bad.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import BinaryIO

BLOCK = 1 << 20
_WS = b" \t\r\n"
#: inside strings, the bytes that end or escape
_IN_STRING = re.compile(rb'["\\]')
#: inside an element: a whole string (skipped in one step), else a byte that changes the state
#: (a quote here opens a string that does not end in this block)
_SCAN = re.compile(rb'("[^"\\\n]*(?:\\.[^"\\\n]*)*")|["\[\]{}\n]')
#: the end of a scalar element
_SCALAR_END = re.compile(rb"[\s,\]]")


def looks_like_array(head: bytes) -> bool:
    """The first bytes of a file (BOM and whitespace allowed) open an array of objects."""
    s = head.lstrip(b"\xef\xbb\xbf" + _WS)
    return s[:1] == b"[" and s[1:].lstrip(_WS)[:1] == b"{"


def convert(fp: BinaryIO) -> Iterator[bytes]:
    """The JSONL bytes of a JSON array read from `fp` (see the module docstring)."""
    line = 1  # the line of the file being scanned
    emitted = 0  # lines written so far
    depth = 0  # 0: before the array; 1: between its elements; > 1: inside one
    in_string = escape = string_element = False
    started = False  # the array's `[` was seen
    element: list[bytes] = []  # the current element's bytes (depth > 1)
    element_line = 0
    data = fp.read(BLOCK)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    while data:
        i, n = 0, len(data)
        mark = 0  # where the current element's bytes start in this block
        while i < n:
            if in_string:
                if escape:
                    escape = False
                    i += 1
                    continue
                m = _IN_STRING.search(data, i)
                if m is None:
                    i = n
                    break
                i = m.start()
                if data[i] == 0x5C:  # backslash: skip what it escapes
                    escape = True
                    i += 1
                    continue
                in_string = False
                i += 1
                if string_element:  # a string element ends with its string
                    string_element = False
                    element.append(data[mark:i])
                    yield from _emit(element, element_line, emitted)
                    emitted = max(emitted, element_line - 1) + 1
                    element = []
                    depth = 1
                continue
            if depth <= 1:  # between elements (or before the array): byte by byte
                c = data[i]
                if c == 0x0A:
                    line += 1
                elif c in (0x20, 0x09, 0x0D, 0x2C):  # whitespace, commas
                    pass
                elif not started and c == 0x5B:  # the array opens
                    started, depth = True, 1
                elif c == 0x5D and depth == 1:  # the array closes: the rest as it is
                    rest = data[i + 1 :]
                    nl = rest.find(b"\n")
                    if nl >= 0 and not rest[:nl].strip(_WS):
                        rest = rest[nl + 1 :]  # (the end of the array's own line)
                        line += 1
                    if emitted < line - 1:
                        yield b"\n" * (line - 1 - emitted)
                    if rest:
                        yield rest
                    while True:
                        more = fp.read(BLOCK)
                        if not more:
                            return
                        yield more
                else:  # an element starts
                    element_line = line
                    mark = i
                    depth = 2
                    if c in (0x7B, 0x5B):  # { [
                        i += 1
                        continue
                    if c == 0x22:  # a string
                        in_string = string_element = True
                        i += 1
                        continue
                    # a scalar: up to the next separator
                    m = _SCALAR_END.search(data, i)
                    j = n if m is None else m.start()
                    element.append(data[mark:j])
                    if m is None:
                        i = n
                        mark = n
                        break
                    yield from _emit(element, element_line, emitted)
                    emitted = max(emitted, element_line - 1) + 1
                    element = []
                    depth = 1
                    i = j
                    continue
                i += 1
                continue
            m = _SCAN.search(data, i)
            if m is None:
                i = n
                break
            if m.group(1) is not None:  # a whole string
                i = m.end()
                continue
            i = m.start()
            c = data[i]
            if c == 0x22:
                in_string = True
            elif c == 0x0A:
                line += 1
            elif c in (0x7B, 0x5B):
                depth += 1
            else:  # } ]
                depth -= 1
                if depth == 1:
                    element.append(data[mark : i + 1])
                    yield from _emit(element, element_line, emitted)
                    emitted = max(emitted, element_line - 1) + 1
                    element = []
            i += 1
        if depth > 1 and mark < n:
            element.append(data[mark:])
        data = fp.read(BLOCK)
    if element:  # the file ends inside an element: it is written as it is, cut short (a bad line)
        yield from _emit(element, element_line, emitted, end=b"")


def _emit(element: list[bytes], at: int, emitted: int, end: bytes = b"\n") -> Iterator[bytes]:
    """The element's line, after blank lines that put it on line `at`; `element` is emptied
    (its pieces are not held while the line is read: memory is one element, not two)."""
    pad = at - 1 - emitted
    text = b"".join(element)
    element.clear()
    if b"\n" in text or b"\r" in text:  # (a compact element is passed on without a copy)
        text = text.replace(b"\r", b" ").replace(b"\n", b" ")
    if pad > 0:
        yield b"\n" * pad
    yield text
    if end:
        yield end


class _ArrayStream(io.RawIOBase):
    """The converted bytes as a readable raw stream (for `io.BufferedReader`)."""

    def __init__(self, fp: BinaryIO) -> None:
        self._fp = fp  # (the reader's progress asks the underlying file where it is)
        self._chunks = convert(fp)
        self._pending = memoryview(b"")  # (a view: a big element is handed out without copying its rest each time)

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        k = min(len(b), len(self._pending))
        b[:k] = self._pending[:k]
        self._pending = self._pending[k:]
        return k

    def tell(self) -> int:
        return self._fp.tell()


def array_lines(fp: BinaryIO) -> BinaryIO:
    """`fp` (a JSON array of events, `looks_like_array`) as JSONL lines."""
    return io.BufferedReader(_ArrayStream(fp), BLOCK)  # type: ignore[return-value]
