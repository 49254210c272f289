"""Indented JSON written a piece at a time.

Owns one promise: `write_json(obj, out)` writes exactly the bytes of
`orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\\n"`, but never holds the document: the
outer levels of dicts and lists are written key by key and element by element, and only
what lies deeper is serialised whole. A 20-hour log's `summary --json` is ~13 MB; made in
one piece, and copied once more to add its newline, it doubled the peak memory of the
command's own data.

A value below the outer levels is dumped by orjson inside as many one-element lists as
there are levels above it, and those lists' bytes are cut off: what is left is the value
indented as it would be in the whole document, and orjson's nesting limit counts the outer
levels too, so a document is refused exactly where `orjson.dumps` would refuse it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

#: levels written a piece at a time: the summary's per-turn rows (`turn_taking.turns[i]`)
#: sit at the fourth and are each dumped whole (a piece per value of theirs cost 10x
#: orjson's time for the whole document; a piece per row, ~1.5x)
DEPTH = 3


def write_json(obj: Any, out: IO[bytes], depth: int = DEPTH) -> None:
    """Write `orjson.dumps(obj, option=OPT_INDENT_2)` and a newline to `out`, byte for
    byte, a piece at a time. What orjson refuses (a type it does not write, a non-str key,
    nesting past its limit of 255 levels) raises as orjson would, but possibly after the
    pieces before it were written."""
    for piece in json_pieces(obj, depth):
        out.write(piece)
    out.write(b"\n")


def write_json_list(items: Iterable[Any], out: IO[bytes]) -> None:
    """`write_json(list(items), out)`, byte for byte, taking the items one at a time from
    an iterator: a long list (a transcript's entries) is never held, as values or as bytes."""
    sep = b"[\n  "
    for item in items:
        out.write(sep)
        for piece in json_pieces(item, 0, b"\n  "):
            out.write(piece)
        sep = b",\n  "
    out.write(b"[]\n" if sep == b"[\n  " else b"\n]\n")


def json_pieces(obj: Any, depth: int = DEPTH, newline: bytes = b"\n") -> Iterator[bytes]:
    """Pieces whose concatenation is `orjson.dumps(obj, option=OPT_INDENT_2)`, for a value
    that sits at the indentation `newline` (a newline and the level's spaces)."""
    t = type(obj)
    if depth > 0 and obj and (t is list or (t is dict and all(type(k) is str for k in obj))):
        inner = newline + b"  "
        if t is dict:
            sep = b"{" + inner
            for k, v in obj.items():
                yield sep + orjson.dumps(k) + b": "
                yield from json_pieces(v, depth - 1, inner)
                sep = b"," + inner
            yield newline + b"}"
        else:
            sep = b"[" + inner
            for v in obj:
                yield sep
                yield from json_pieces(v, depth - 1, inner)
                sep = b"," + inner
            yield newline + b"]"
        return
    level = (len(newline) - 1) // 2
    if level and isinstance(obj, (dict, list, tuple)):
        # dumped inside as many one-element lists as it has levels above it, so that
        # orjson's nesting limit (255) counts them as it would in the whole document; the
        # lists' own bytes are cut off, and what is left is the value at its indentation
        for _ in range(level):
            obj = [obj]
        data = orjson.dumps(obj, option=orjson.OPT_INDENT_2)
        head, tail = _wrap(level)
        yield data[len(head) : len(data) - len(tail)]
        return
    data = orjson.dumps(obj, option=orjson.OPT_INDENT_2)
    yield data if newline == b"\n" else data.replace(b"\n", newline)


@functools.cache
def _wrap(level: int) -> tuple[bytes, bytes]:
    """The bytes orjson writes before and after a value wrapped in `level` lists."""
    head = b"".join(b"[\n" + b"  " * (i + 1) for i in range(level))
    return head, b"".join(b"\n" + b"  " * i + b"]" for i in reversed(range(level)))
