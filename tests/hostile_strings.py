"""A log whose every text field is hostile, and the checks that output shows it inert.

`HOSTILE` carries terminal escapes (CSI, OSC title/clipboard/hyperlink, a screen reset,
8-bit C1 controls, bidi overrides, CR and BS), rich markup, Markdown, HTML and subtitle
syntax. `hostile_log()` is a real GA session (examples/ga_session.jsonl) with `HOSTILE`
appended to every id, name, model, voice, text, transcript, argument, output, reason,
error code and message (the same string everywhere, so ids still link up), plus events
of unknown hostile types and bad lines that quote hostile bytes.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

HOSTILE = (
    "\x1b]0;PWNED-TITLE\x07"  # window title (OSC 0, BEL)
    "\x1b]52;c;cHduZWQ=\x07"  # clipboard write (OSC 52)
    "\x1b]8;;https://evil.example/\x1b\\fake-link\x1b]8;;\x1b\\"  # hyperlink (OSC 8, ST)
    "\x1bc\x1b[2J\x1b[31m"  # reset, clear screen, colour
    "\x9b1m\x9d0;c1-title\x9c\x85"  # 8-bit CSI, OSC, ST, NEL
    "\u202egpj.exe\u2066x\u2069\u200f"  # bidi overrides and isolates
    "\r\x08\x00\x7f"
    " [link=https://evil.example/]click[/link] [/x] [bold red]markup :smile:"
    "\n# heading\n<img src=x onerror=alert(1)><script>alert(1)</script>"
    " *em* _u_ `code` [a](javascript:alert(1)) | pipe |"
    "\n\n99\n00:00:00,000 --> 00:09:00,000\nfake cue -->"
)

#: keys whose string values are text or names from the log (not enum-like fields such as
#: `type`, `role`, `status`, and not audio)
TEXT_KEYS = {
    "id", "event_id", "item_id", "response_id", "call_id", "previous_item_id", "name", "model", "voice",
    "instructions", "text", "transcript", "arguments", "output", "reason", "code", "message", "param",
}  # fmt: skip
TEXT_DELTAS = ("transcript", "text", "arguments")  # `delta` is hostile in events of these types


def _poison(value: object, key: str | None = None, etype: str = "") -> object:
    if isinstance(value, dict):
        t = value.get("type") if isinstance(value.get("type"), str) else etype
        return {k: _poison(v, k, t if key is None else etype) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, key, etype) for v in value]
    if isinstance(value, str) and (key in TEXT_KEYS or (key == "delta" and any(d in etype for d in TEXT_DELTAS))):
        return value + HOSTILE
    return value


def hostile_lines() -> list[bytes]:
    out = []
    for raw in (EXAMPLES / "ga_session.jsonl").read_bytes().splitlines():
        rec = orjson.loads(raw)
        ev = rec["event"]
        rec["event"] = _poison(ev, None, ev.get("type", ""))
        out.append(orjson.dumps(rec))
    # an event of an unknown hostile type, a hostile status reason, an error, and bad lines
    out.append(orjson.dumps({"type": "x.unknown" + HOSTILE, "item_id": "i" + HOSTILE}))
    out.append(
        orjson.dumps({"type": "error", "error": {"type": "t" + HOSTILE, "code": "c" + HOSTILE, "message": HOSTILE}})
    )
    out.append(orjson.dumps({"type": "response.done", "response": {"id": "r_h" + HOSTILE, "status": "incomplete",
               "status_details": {"type": "incomplete", "reason": HOSTILE}, "output": []}}))  # fmt: skip
    out.append(b'{"type": "' + HOSTILE.encode()[:40].replace(b"\x1b", b"\\u001b") + b'", "cut')
    out.append(HOSTILE.replace("\n", " ").encode())
    return out


def hostile_log(path: Path) -> Path:
    path.write_bytes(b"\n".join(hostile_lines()) + b"\n")
    return path


#: what a terminal may receive: SGR colour sequences only
_SGR = re.compile(r"\x1b\[[0-9;]*m")
#: C0 but tab and newline, DEL, C1, and the bidi controls that reorder what follows them
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def raw_controls(text: str) -> list[str]:
    """Control sequences in terminal output other than SGR colours (the rich styles)."""
    return [repr(m.group()) for m in _FORBIDDEN.finditer(_SGR.sub("", text))]


def plain(text: str) -> str:
    """Terminal output without its SGR colour sequences."""
    return _SGR.sub("", text)
