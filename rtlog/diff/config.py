"""What changed in the sessions' configuration between two logs.

Owns the comparison of `SessionConfig`s (the effective settings the fold merged from
`session.created`, `session.updated` and `session.update`): model, voice, modalities,
instructions (a unified line diff, or with `text=False` only a hash and a size each),
tools (added, removed, definition changed — by name), turn detection and transcription
(their settings, key by key) and the audio formats. Session k of A is compared with
session k of B (a reconnect starts a session); a session only one side has is a change.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from rtlog.conversation.session import SessionConfig

#: the fields compared, in the order they are shown (`--fail-on` accepts them as names)
FIELDS = ("session", "model", "voice", "modalities", "instructions", "tools", "turn_detection", "transcription", "formats")


@dataclass(slots=True)
class ConfigChange:
    """One setting that differs (values are JSON-able; None: not set)."""

    field: str
    session: int  # 1-based
    a: Any
    b: Any
    added: list[str] = field(default_factory=list)  # tools: names only B has; settings: keys
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # tools whose definition differs; settings whose value does
    text_diff: list[str] | None = None  # instructions: unified diff lines (without the ---/+++ header)
    tool_keys: dict[str, list[str]] = field(default_factory=dict)  # tools: a changed tool → the keys of its definition that differ

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "session": self.session, "a": self.a, "b": self.b}
        if self.field in ("tools", "turn_detection", "transcription"):
            out.update(added=self.added, removed=self.removed, changed=self.changed)
        if self.field == "tools":
            out["changed_keys"] = self.tool_keys
        if self.field == "instructions":
            out["diff"] = self.text_diff
        return out


def _text_facts(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    data = text.encode("utf-8", "surrogatepass")
    return {"sha256": hashlib.sha256(data).hexdigest()[:16], "chars": len(text), "lines": len(text.splitlines())}


def _canon(obj: Any) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def _keys(a: dict[str, Any] | None, b: dict[str, Any] | None) -> tuple[list[str], list[str], list[str]]:
    a, b = a or {}, b or {}
    added = sorted(k for k in b if k not in a)
    removed = sorted(k for k in a if k not in b)
    changed = sorted(k for k in a if k in b and _canon(a[k]) != _canon(b[k]))
    return added, removed, changed


def _session_changes(k: int, a: SessionConfig, b: SessionConfig, text: bool) -> list[ConfigChange]:
    out: list[ConfigChange] = []
    for name, va, vb in (("model", a.model, b.model), ("voice", a.voice, b.voice), ("modalities", a.modalities, b.modalities)):
        if va != vb:
            out.append(ConfigChange(name, k, va, vb))
    if a.instructions != b.instructions:
        ch = ConfigChange("instructions", k, _text_facts(a.instructions), _text_facts(b.instructions))
        if text:
            ch.a, ch.b = a.instructions, b.instructions
            ch.text_diff = list(difflib.unified_diff((a.instructions or "").splitlines(), (b.instructions or "").splitlines(), lineterm="", n=1))[2:]
        out.append(ch)
    added, removed, changed = _keys(a.tool_specs, b.tool_specs)
    if added or removed or changed or a.tools != b.tools:
        keys = {name: sorted(set().union(*_keys(a.tool_specs[name], b.tool_specs[name]))) for name in changed}
        out.append(ConfigChange("tools", k, a.tools, b.tools, added, removed, changed, tool_keys=keys))
    for name, ca, cb in (("turn_detection", a.turn_detection_config, b.turn_detection_config),
                         ("transcription", a.transcription_config, b.transcription_config)):  # fmt: skip
        if _canon(ca) != _canon(cb):
            added, removed, changed = _keys(ca, cb)
            out.append(ConfigChange(name, k, ca, cb, added, removed, changed))
    fa = {"input": a.input_format.label(), "output": a.output_format.label()}
    fb = {"input": b.input_format.label(), "output": b.output_format.label()}
    if fa != fb:
        out.append(ConfigChange("formats", k, fa, fb))
    return out


def config_diff(a: list[SessionConfig], b: list[SessionConfig], *, text: bool = True) -> list[ConfigChange]:
    """Every setting that differs between the sessions of two logs, session by session."""
    out: list[ConfigChange] = []
    for k in range(max(len(a), len(b))):
        if k >= len(a) or k >= len(b):
            have = a[k] if k < len(a) else b[k]
            desc = {"id": have.id, "model": have.model}
            out.append(ConfigChange("session", k + 1, desc if k < len(a) else None, desc if k < len(b) else None))
            continue
        out.extend(_session_changes(k + 1, a[k], b[k], text))
    return out
