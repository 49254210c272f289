#!/usr/bin/env python3
"""Baseline: parse every line with orjson, base64-decode each assistant audio delta, write the PCM.

    python bench/baseline_audio.py FILE OUT.pcm [--both]

The lower bound for ``rtlog extract-audio`` (no WAV header, no truncation, no per-item
bookkeeping). Accepts bare events and {"event": ...} / {"data": ...} envelopes.
With ``--both``, the user's ``input_audio_buffer.append`` payloads are decoded too and
written to OUT.pcm.user: the lower bound for ``extract-audio --side both``, which must
decode both sides (and then mixes them, with silence where a side is quiet, which this
does not).
"""
import sys
from binascii import a2b_base64

import orjson

AUDIO = {"response.audio.delta", "response.output_audio.delta"}
both = "--both" in sys.argv[3:]
with open(sys.argv[2], "wb") as out, open(sys.argv[2] + ".user" if both else "/dev/null", "wb") as user:
    write, write_user = out.write, user.write
    for line in open(sys.argv[1], "rb"):
        ev = orjson.loads(line)
        if "type" not in ev:
            ev = ev.get("event") or ev.get("data") or {}
        t = ev.get("type")
        if t in AUDIO:
            write(a2b_base64(ev["delta"]))
        elif both and t == "input_audio_buffer.append":
            write_user(a2b_base64(ev["audio"]))
