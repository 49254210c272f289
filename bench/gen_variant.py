#!/usr/bin/env python3
"""Variants of a generated session with known differences, for `rtlog diff` tests and bench.

Wraps ``bench/gen_session.py`` (which it leaves as it is): the base session is generated
with the same arguments, then edited line by line, so everything not named here stays
byte for byte the same::

    import io
    from gen_variant import generate_variant
    buf = io.BytesIO()
    truth = generate_variant(buf, seed=1, model="gpt-realtime-mini", latency_ms=200)

Variations (any combination):

* ``model``: the session's model (``session.created`` / ``session.updated``);
* ``instructions``: the instructions the client sets (``session.update`` and the server's
  ``session.updated``);
* ``latency_ms``: every user turn answered that much later: every line after each
  ``speech_stopped`` moves by ``latency_ms`` more (bare events with timestamps only);
* ``error_code``: one ``error`` event added after the first ``response.done``, at its time;
* ``extra_tool_call``: one function-call response added after the first audio response's
  ``response.done`` (``response.created``, the item, ``response.done`` with
  ``EXTRA_CALL_USAGE``, and the client's ``function_call_output``), at its time.

The truth is the base truth plus ``variant`` (what was changed, and how much).

CLI (a folder of N sessions, seeds S..S+N-1, for folder-mode benchmarks)::

    python bench/gen_variant.py OUTDIR --count 1000 --minutes 0.2 [--seed 1] [--latency-ms 200] ...
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
from typing import Any, BinaryIO

import orjson

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_session import generate  # noqa: E402

EXTRA_CALL = {"name": "get_weather", "arguments": '{"city":"Lisbon"}', "output": '{"temperature_c":21}'}
EXTRA_CALL_USAGE = {"total_tokens": 130, "input_tokens": 120, "output_tokens": 10,
                    "input_token_details": {"text_tokens": 120, "audio_tokens": 0, "cached_tokens": 0},
                    "output_token_details": {"text_tokens": 10, "audio_tokens": 0}}
_TS = re.compile(rb',"timestamp":([0-9.]+)}\n$')


def _event(line: bytes) -> dict[str, Any]:
    return orjson.loads(line)  # type: ignore[no-any-return]


def _with_time(ev: dict[str, Any], ts: float) -> bytes:
    ev = {k: v for k, v in ev.items() if k != "timestamp"}
    return orjson.dumps({**ev, "timestamp": ts}) + b"\n"


def generate_variant(fp: BinaryIO, *, minutes: float = 0.5, dialect: str = "ga", envelope: str = "none", seed: int = 1,
                     model: str | None = None, instructions: str | None = None, latency_ms: int = 0,
                     error_code: str | None = None, extra_tool_call: bool = False) -> dict[str, Any]:
    """Write the variant to `fp`; return the base truth with `variant` added."""
    if (latency_ms or error_code or extra_tool_call) and envelope != "none":
        raise ValueError("latency_ms, error_code and extra_tool_call need envelope='none' (bare events)")
    base = io.BytesIO()
    truth = generate(base, minutes=minutes, dialect=dialect, envelope=envelope, seed=seed)
    ga = dialect == "ga"
    shift = 0.0
    stops = 0
    error_done = tool_done = False
    for line in base.getvalue().splitlines(keepends=True):
        head = line[:160]
        if shift:
            m = _TS.search(line)
            assert m is not None
            line = line[: m.start(1)] + repr(round(float(m.group(1)) + shift, 3)).encode() + line[m.end(1):]
        if (model or instructions) and (b'"session.created"' in head or b'"session.updated"' in head or b'"session.update"' in head):
            ev = _event(line)
            sess = ev.get("session", {})
            if model and ev["type"] != "session.update":
                sess["model"] = model
            if instructions and ev["type"] != "session.created":
                sess["instructions"] = instructions
            line = orjson.dumps(ev) + b"\n"
        fp.write(line)
        if latency_ms and b'"input_audio_buffer.speech_stopped"' in head:
            shift += latency_ms / 1000
            stops += 1
        if (error_code or extra_tool_call) and b'"response.done"' in head:
            ev = _event(line)
            ts = ev["timestamp"]
            if error_code and not error_done:
                error_done = True
                fp.write(_with_time({"type": "error", "event_id": "event_variant_error", "error": {
                    "type": "invalid_request_error", "code": error_code, "message": "added by gen_variant",
                    "param": None, "event_id": None}}, ts))
            if extra_tool_call and not tool_done and ev["response"].get("status") == "completed" and any(
                    o.get("type") == "message" for o in ev["response"].get("output", [])):
                tool_done = True
                _tool_call(fp, ts, ga)
    truth["variant"] = {"model": model, "instructions": instructions, "latency_ms": latency_ms,
                        "latency_shifts": stops, "duration_added_s": round(stops * latency_ms / 1000, 3),
                        "error_code": error_code, "extra_tool_call": EXTRA_CALL if extra_tool_call else None}
    return truth


def _tool_call(fp: BinaryIO, ts: float, ga: bool) -> None:
    rid, item, out_item, call = "resp_variant_call", "item_variant_call", "item_variant_output", "call_variant"
    base = {"id": item, "object": "realtime.item", "type": "function_call", "name": EXTRA_CALL["name"], "call_id": call}
    done = dict(base, status="completed", arguments=EXTRA_CALL["arguments"])
    resp = {"object": "realtime.response", "id": rid, "status": "in_progress", "status_details": None, "output": [], "usage": None}
    for ev in (
        {"type": "response.created", "event_id": "event_variant_1", "response": resp},
        {"type": "response.output_item.added", "event_id": "event_variant_2", "response_id": rid, "output_index": 0,
         "item": dict(base, status="in_progress", arguments="")},
        {"type": "response.function_call_arguments.done", "event_id": "event_variant_3", "response_id": rid, "item_id": item,
         "output_index": 0, "call_id": call, "name": EXTRA_CALL["name"], "arguments": EXTRA_CALL["arguments"]},
        {"type": "response.output_item.done", "event_id": "event_variant_4", "response_id": rid, "output_index": 0, "item": done},
        {"type": "response.done", "event_id": "event_variant_5",
         "response": dict(resp, status="completed", output=[done], usage=EXTRA_CALL_USAGE)},
        {"type": "conversation.item.create", "event_id": "evt_variant_6",
         "item": {"type": "function_call_output", "call_id": call, "output": EXTRA_CALL["output"]}},
        {"type": "conversation.item.added" if ga else "conversation.item.created", "event_id": "event_variant_7",
         "previous_item_id": item,
         "item": {"id": out_item, "object": "realtime.item", "type": "function_call_output", "call_id": call,
                  "output": EXTRA_CALL["output"]}},
    ):
        fp.write(_with_time(ev, ts))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="A folder of generated sessions with known differences.")
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--minutes", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=1, help="the first seed (then +1 per session)")
    ap.add_argument("--dialect", default="ga")
    ap.add_argument("--model")
    ap.add_argument("--instructions")
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--error-code")
    ap.add_argument("--extra-tool-call", action="store_true")
    a = ap.parse_args(argv)
    os.makedirs(a.outdir, exist_ok=True)
    for k in range(a.count):
        path = os.path.join(a.outdir, f"session-{k:04d}.jsonl")
        with open(path + ".tmp", "wb") as f:
            generate_variant(f, minutes=a.minutes, dialect=a.dialect, seed=a.seed + k, model=a.model,
                             instructions=a.instructions, latency_ms=a.latency_ms, error_code=a.error_code,
                             extra_tool_call=a.extra_tool_call)
        os.replace(path + ".tmp", path)
    print(f"wrote {a.count} sessions to {a.outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
