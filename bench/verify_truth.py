#!/usr/bin/env python3
"""Independent re-derivation of a generated log's truth (a check of gen_session.py itself).

    python bench/verify_truth.py LOG.jsonl[.gz] [TRUTH.json]

Parses every line with orjson (bare events, time/source and direction/data envelopes),
recomputes the truth's counts, usage sums, transcripts, audio sizes and sha256s
(assistant audio cut at conversation.item.truncated for ``output_heard``) and
prints the keys that differ. Exit status 0 when everything matches.
"""

from __future__ import annotations

import binascii
import gzip
import hashlib
import json
import os
import sys

import orjson

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_session import BYTES_PER_MS, truth_path_for  # noqa: E402

AUDIO_DELTA = ("response.audio.delta", "response.output_audio.delta")
TRANSCRIPT_DELTA = ("response.audio_transcript.delta", "response.output_audio_transcript.delta")


def derive(path: str) -> dict:
    opener = gzip.open if path.endswith(".gz") else open
    counts: dict[str, int] = {}
    dirs = {"client": 0, "server": 0}
    n = 0
    sha_in = hashlib.sha256()
    sha_out = hashlib.sha256()
    in_bytes = out_bytes = 0
    item_audio: dict[str, list[bytes]] = {}
    item_order: list[str] = []
    item_text: dict[str, str] = {}
    cut: dict[str, int] = {}
    user_tr: list[str] = []
    usage = dict.fromkeys(("input_tokens", "output_tokens", "total_tokens", "cached_tokens", "input_text_tokens",
                           "input_audio_tokens", "output_text_tokens", "output_audio_tokens"), 0)
    statuses: dict[str, int] = {}
    fcalls = 0
    errors = 0
    nbytes = 0
    with opener(path, "rb") as f:
        for line in f:
            nbytes += len(line)
            n += 1
            rec = orjson.loads(line)
            if "event" in rec:
                ev, client = rec["event"], rec["source"] == "client"
            elif "data" in rec:
                ev, client = rec["data"], rec["direction"] == "sent"
            else:
                ev = rec
                client = not ev.get("event_id", "").startswith("event_")
            t = ev["type"]
            counts[t] = counts.get(t, 0) + 1
            dirs["client" if client else "server"] += 1
            if t == "input_audio_buffer.append":
                raw = binascii.a2b_base64(ev["audio"])
                sha_in.update(raw)
                in_bytes += len(raw)
            elif t in AUDIO_DELTA:
                raw = binascii.a2b_base64(ev["delta"])
                sha_out.update(raw)
                out_bytes += len(raw)
                iid = ev["item_id"]
                if iid not in item_audio:
                    item_audio[iid] = []
                    item_order.append(iid)
                item_audio[iid].append(raw)
            elif t in TRANSCRIPT_DELTA:
                item_text[ev["item_id"]] = item_text.get(ev["item_id"], "") + ev["delta"]
            elif t == "conversation.item.truncated":
                cut[ev["item_id"]] = ev["audio_end_ms"]
            elif t == "conversation.item.input_audio_transcription.completed":
                user_tr.append(ev["transcript"])
            elif t == "error":
                errors += 1
            elif t == "response.function_call_arguments.done":
                fcalls += 1
            elif t == "response.done":
                r = ev["response"]
                statuses[r["status"]] = statuses.get(r["status"], 0) + 1
                u = r["usage"]
                usage["input_tokens"] += u["input_tokens"]
                usage["output_tokens"] += u["output_tokens"]
                usage["total_tokens"] += u["total_tokens"]
                usage["cached_tokens"] += u["input_token_details"]["cached_tokens"]
                usage["input_text_tokens"] += u["input_token_details"]["text_tokens"]
                usage["input_audio_tokens"] += u["input_token_details"]["audio_tokens"]
                usage["output_text_tokens"] += u["output_token_details"]["text_tokens"]
                usage["output_audio_tokens"] += u["output_token_details"]["audio_tokens"]
    sha_heard = hashlib.sha256()
    heard = 0
    for iid in item_order:
        pcm = b"".join(item_audio[iid])
        if iid in cut:
            pcm = pcm[: cut[iid] * BYTES_PER_MS]
        sha_heard.update(pcm)
        heard += len(pcm)
    return {
        "bytes": nbytes, "events": n, "event_counts": dict(sorted(counts.items())), "directions": dirs,
        "user_turns": counts.get("input_audio_buffer.committed", 0),
        "responses": dict(sorted(statuses.items())), "response_done_lines": counts.get("response.done", 0),
        "function_calls": fcalls, "errors": errors, "usage": usage,
        "audio_bytes": {"input": in_bytes, "output": out_bytes, "output_heard": heard},
        "sha256": {"input": sha_in.hexdigest(), "output": sha_out.hexdigest(), "output_heard": sha_heard.hexdigest()},
        "user_transcripts": user_tr,
        "assistant_transcripts": [item_text.get(i, "") for i in item_order],
    }


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 2
    path = argv[0]
    truth_file = argv[1] if len(argv) > 1 else truth_path_for(path)
    with open(truth_file, "rb") as f:
        truth = json.load(f)
    got = derive(path)
    bad = [k for k, v in got.items() if truth.get(k) != v]
    if truth.get("truncations") is not None and len(truth["truncations"]) != got["event_counts"].get(
            "conversation.item.truncated", 0):
        bad.append("truncations")
    for k in bad:
        print(f"MISMATCH {k}: truth={json.dumps(truth.get(k))[:200]} derived={json.dumps(got.get(k))[:200]}")
    print("OK: truth matches the log" if not bad else f"{len(bad)} mismatching keys")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
