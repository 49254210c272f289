"""Helpers of the report tests: reading a page back (its tags, the summary numbers it
shows, its data block) and a log with hostile strings in every field."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import orjson
from conftest import EXAMPLES

#: what a log's strings may try: close the data block, open a script, add an event handler,
#: a javascript: URL, close a style, open a comment, a line separator that ends JS strings
HOSTILE = (
    '</script><script>alert(1)</script><img src=x onerror="alert(2)">"\'><svg onload=alert(3)>'
    "javascript:alert(4)\u2028\u2029</style><style>*{display:none}</style><!--<a href=\"javascript:alert(5)\">x</a>&amp;"
)
#: keys whose values the log's meaning rests on (times, types, formats, audio): kept
_KEEP = {"time", "source", "type", "audio", "status", "object", "role", "modalities", "output_modalities", "format",
         "input_audio_format", "output_audio_format", "rate"}  # fmt: skip
_AUDIO_DELTAS = {"response.output_audio.delta", "response.audio.delta"}


def _poison(x: Any, audio_event: bool = False) -> Any:
    if isinstance(x, dict):
        audio_event = audio_event or x.get("type") in _AUDIO_DELTAS
        return {k: (v if k in _KEEP or (k == "delta" and audio_event) else _poison(v, audio_event)) for k, v in x.items()}
    if isinstance(x, list):
        return [_poison(v, audio_event) for v in x]
    if isinstance(x, str):
        return x + HOSTILE  # the same for every copy of an id, so ids still link up
    return x


def hostile_log(directory: Path) -> Path:
    """examples/ga_session.jsonl with HOSTILE appended to every string that is not a type,
    time, format or audio (ids, texts, names, arguments, outputs, errors, model…), plus an
    event of a hostile unknown type, in a file whose name is hostile too."""
    lines = []
    for raw in (EXAMPLES / "ga_session.jsonl").read_bytes().splitlines():
        rec = orjson.loads(raw)
        rec["event"] = _poison(rec["event"])
        lines.append(orjson.dumps(rec))
    unknown = {"time": "2026-11-20T10:00:05.000Z", "source": "server", "event": {"type": "x." + HOSTILE, "note": HOSTILE}}
    lines.insert(140, orjson.dumps(unknown))
    path = directory / 'call <img src=x onerror=alert(6)> "q".jsonl'
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


class PageParser(HTMLParser):
    """Every tag with its attributes, the scripts' texts, and the summary numbers
    (`data-k` → (`data-v`, shown text))."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.numbers: dict[str, tuple[Any, str]] = {}
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []
        self._num: tuple[str, Any] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        a = dict(attrs)
        if tag == "script":
            self._script, self._text = a, []
        if "data-k" in a:
            self._num = (a["data-k"], json.loads(a["data-v"] or "null"))
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None
        if tag == "span" and self._num is not None:
            self.numbers[self._num[0]] = (self._num[1], "".join(self._text))
            self._num = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._script is not None or self._num is not None:
            self._text.append(data)


def parse_page(path: Path) -> PageParser:
    p = PageParser()
    p.feed(path.read_text(encoding="utf-8"))
    p.close()
    return p


def page_data(p: PageParser) -> dict[str, Any]:
    (text,) = [t for a, t in p.scripts if a.get("id") == "rtlog-data"]
    return json.loads(text)


def json_path(obj: Any, key: str) -> Any:
    """`responses.completed` → obj["responses"]["completed"] (a function's name may hold dots)."""
    if key.endswith(".#"):
        return len(json_path(obj, key[:-2]))
    if key.startswith("function_calls."):
        return obj["function_calls"][key.removeprefix("function_calls.")]
    for part in key.split("."):
        obj = obj[part] if part in obj else obj[int(part)]
    return obj
