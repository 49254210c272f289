"""Typed, defensive views over the objects inside events: items and their content,
responses, usage (normalised across OpenAI, Azure, Qwen and xAI), errors.

Accessors never raise on fields of the wrong type: they return None or empty values.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from rtlog.protocol.realtime import CONTENT_TYPE_ALIASES
from rtlog.records import record

# --- typed views over event objects ------------------------------------------------------


@record(slots=True)
class ContentPart:
    type: str | None  # canonical: output_audio / output_text / input_audio / input_text / …
    text: str | None  # `text`, else `transcript`
    transcript: str | None


@record(slots=True)
class Item:
    id: str | None
    type: str | None
    role: str | None
    status: str | None
    call_id: str | None
    name: str | None
    arguments: str | None
    output: str | None
    content: list[ContentPart]
    server_label: str | None = None  # an MCP item's server
    error: ErrorInfo | None = None  # a failed MCP call's or tool listing's error
    phase: str | None = None  # gpt-realtime-2: `commentary` (a preamble) or `final_answer`

    @classmethod
    def from_obj(cls, obj: Any) -> Item | None:
        if type(obj) is not dict:
            return None
        parts = []
        for c in _list(obj.get("content")):
            if type(c) is not dict:
                continue
            ctype = _word(c.get("type"))
            transcript = _str(c.get("transcript"))
            text = _str(c.get("text"))
            parts.append(ContentPart(CONTENT_TYPE_ALIASES.get(ctype, ctype) if ctype else None, text if text is not None else transcript, transcript))
        output = obj.get("output")
        if output is not None and type(output) is not str:
            output = orjson.dumps(output).decode()
        return cls(
            _str(obj.get("id")),
            _word(obj.get("type")),
            _word(obj.get("role")),
            _word(obj.get("status")),
            _str(obj.get("call_id")),
            _word(obj.get("name")),
            _str(obj.get("arguments")),
            output,
            parts,
            _str(obj.get("server_label")),
            ErrorInfo.from_obj(obj.get("error")) if obj.get("error") else None,
            _str(obj.get("phase")),
        )

    @property
    def text(self) -> str | None:
        """All text of the item's content parts joined, or None if none has text."""
        texts = [p.text for p in self.content if p.text is not None]
        return "".join(texts) if texts else None


#: the most tokens one usage may count: far above any realtime model's context (a
#: response's input is at most ~10^6). A larger or negative count is a corrupt or hostile
#: log, not a bill: such a usage is not counted (see `usage_problem`)
MAX_TOKENS = 10**9


def usage_problem(obj: Any) -> str | None:
    """What makes a usage object implausible (`input_tokens = -5`, `total_tokens =
    1e+300`: negative, not finite or over `MAX_TOKENS`), or None. Counts of the wrong
    type are ignored as elsewhere, not called implausible."""
    if type(obj) is not dict:
        return None
    todo: list[tuple[str, Any]] = [("", obj)]
    while todo:  # the usage and its *_details objects (a few levels at most)
        prefix, d = todo.pop()
        for k, v in d.items():
            if type(v) is dict and prefix.count(".") < 3:
                todo.append((f"{prefix}{k}.", v))
            elif (type(v) is int or type(v) is float) and k.endswith("tokens") and not (0 <= v <= MAX_TOKENS):
                return f"{prefix}{k} = {v!r}" if type(v) is int and abs(v) < 10**30 else f"{prefix}{k} = {v:.3g}"
    return None


@record(slots=True)
class Usage:
    """Token usage, normalised across OpenAI, Azure, Qwen (`*_tokens_details`) and xAI."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0
    cached_text_tokens: int = 0
    cached_audio_tokens: int = 0
    input_text_tokens: int = 0
    input_audio_tokens: int = 0
    input_image_tokens: int = 0
    output_text_tokens: int = 0
    output_audio_tokens: int = 0
    reasoning_tokens: int = 0

    FIELDS = (
        "input_tokens", "output_tokens", "total_tokens", "cached_tokens", "cached_text_tokens",
        "cached_audio_tokens", "input_text_tokens", "input_audio_tokens", "input_image_tokens",
        "output_text_tokens", "output_audio_tokens", "reasoning_tokens",
    )  # fmt: skip

    @classmethod
    def from_obj(cls, obj: Any) -> Usage | None:
        """None when `obj` holds no token counts at all (missing, null, `{}`, wrong type)."""
        if type(obj) is not dict or not obj:
            return None
        inp = _dict(obj.get("input_token_details")) or _dict(obj.get("input_tokens_details"))
        out = _dict(obj.get("output_token_details")) or _dict(obj.get("output_tokens_details"))
        cached_details = _dict(inp.get("cached_tokens_details"))
        counts = (
            _count(obj.get("input_tokens")),
            _count(obj.get("output_tokens")),
            _count(obj.get("total_tokens")),
            _count(inp.get("cached_tokens")),
            _count(cached_details.get("text_tokens")),
            _count(cached_details.get("audio_tokens")),
            _count(inp.get("text_tokens")),
            _count(inp.get("audio_tokens")),
            _count(inp.get("image_tokens")),
            _count(out.get("text_tokens")),
            _count(out.get("audio_tokens")),
            _count(out.get("reasoning_tokens")),
        )  # (in the order of the fields)
        if not any(counts) and "input_tokens" not in obj and "output_tokens" not in obj and "total_tokens" not in obj:
            return None
        u = cls(*counts)
        if not u.total_tokens:
            u.total_tokens = u.input_tokens + u.output_tokens
        return u

    def add(self, other: Usage) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.total_tokens += other.total_tokens
        self.cached_tokens += other.cached_tokens
        self.cached_text_tokens += other.cached_text_tokens
        self.cached_audio_tokens += other.cached_audio_tokens
        self.input_text_tokens += other.input_text_tokens
        self.input_audio_tokens += other.input_audio_tokens
        self.input_image_tokens += other.input_image_tokens
        self.output_text_tokens += other.output_text_tokens
        self.output_audio_tokens += other.output_audio_tokens
        self.reasoning_tokens += other.reasoning_tokens

    def as_dict(self) -> dict[str, int]:
        return {f: getattr(self, f) for f in self.FIELDS}


@record(slots=True)
class Response:
    id: str | None
    status: str | None
    status_reason: str | None
    output: list[Item]
    usage: Usage | None
    audio_format: Any  # raw format value stated for this response's output audio, if any
    conversation_id: str | None
    usage_problem: str | None = None  # an implausible usage (then `usage` is None): see `usage_problem()`

    @classmethod
    def from_obj(cls, obj: dict[str, Any]) -> Response:
        details = obj.get("status_details")
        reason = None
        if type(details) is dict:
            reason = _word(details.get("reason")) or _word(details.get("type"))
        audio = _dict(_dict(obj.get("audio")).get("output"))
        fmt = audio.get("format") if audio else obj.get("output_audio_format")
        items = [i for i in (Item.from_obj(o) for o in _list(obj.get("output"))) if i is not None]
        problem = usage_problem(obj.get("usage"))
        return cls(
            _str(obj.get("id")),
            _word(obj.get("status")),
            reason,
            items,
            Usage.from_obj(obj.get("usage")) if problem is None else None,
            fmt,
            _str(obj.get("conversation_id")),
            problem,
        )


@record(slots=True)
class ErrorInfo:
    type: str | None
    code: str | None
    message: str | None
    param: str | None
    event_id: str | None

    @classmethod
    def from_obj(cls, obj: Any) -> ErrorInfo | None:
        if type(obj) is str:
            return cls(None, None, obj, None, None)
        if type(obj) is not dict:
            return None
        code = obj.get("code")
        return cls(
            _word(obj.get("type")),
            _word(code) if type(code) is str else str(code) if type(code) is int else None,
            _str(obj.get("message")),
            _str(obj.get("param")),
            _str(obj.get("event_id")),
        )


# --- defensive field access --------------------------------------------------------------


def _str(v: Any) -> str | None:
    return v if type(v) is str else None


#: short enumeration values seen so far (see `_word`), each kept once
_WORDS: dict[str, str] = {}
_WORDS_MAX = 1024


def _word(v: Any) -> str | None:
    """`_str` for a type, role or status: one shared string per value. A 4-hour log repeats
    `completed` ~3,800 times and the model keeps each one (~0.6 MB of repeated values in its
    5.7 MB); bounded, so a hostile log of made-up statuses costs nothing lasting."""
    if type(v) is not str:
        return None
    w = _WORDS.get(v)
    if w is None:
        if len(v) > 40 or len(_WORDS) >= _WORDS_MAX:
            return v
        w = _WORDS[v] = v
    return w


def _int(v: Any) -> int | None:
    return v if type(v) is int else None


def _count(v: Any) -> int:
    return v if type(v) is int and v > 0 else int(v) if type(v) is float and math.isfinite(v) and v > 0 else 0


def _dict(v: Any) -> dict[str, Any]:
    return v if type(v) is dict else {}


def _list(v: Any) -> list[Any]:
    return v if type(v) is list else []


#: levels of objects and arrays kept of a value a record holds as the log gave it (a
#: session's turn detection, transcription and tool definitions); orjson refuses to write
#: more than 254, and no setting nests past a handful
MAX_KEPT_NESTING = 32
TOO_DEEP = f"(nested deeper than {MAX_KEPT_NESTING} levels: not kept)"


def bounded(v: Any, levels: int = MAX_KEPT_NESTING) -> Any:
    """`v`, or — when objects and arrays nest in it deeper than `levels` — a copy with what
    lies below that replaced by `TOO_DEEP`: a hostile log cannot make a kept value one that
    cannot be compared or written as JSON. (Recursion stops at `levels`.)"""
    t = type(v)
    if t is not dict and t is not list:
        return v
    if levels <= 0:
        return TOO_DEEP
    if t is dict:
        d = {k: bounded(x, levels - 1) for k, x in v.items()}
        return v if all(d[k] is x for k, x in v.items()) else d
    items = [bounded(x, levels - 1) for x in v]
    return v if all(a is b for a, b in zip(items, v)) else items
