#!/usr/bin/env python3
"""Baseline: parse every line with orjson, base64-decode each assistant audio delta, write the PCM.

    python bench/baseline_audio.py FILE OUT.pcm

The lower bound for ``rtlog extract-audio`` (no WAV header, no truncation, no per-item
bookkeeping). Accepts bare events and {"event": ...} / {"data": ...} envelopes.
"""
import sys
from binascii import a2b_base64

import orjson

AUDIO = {"response.audio.delta", "response.output_audio.delta"}
with open(sys.argv[2], "wb") as out:
    write = out.write
    for line in open(sys.argv[1], "rb"):
        ev = orjson.loads(line)
        if "type" not in ev:
            ev = ev.get("event") or ev.get("data") or {}
        if ev.get("type") in AUDIO:
            write(a2b_base64(ev["delta"]))
