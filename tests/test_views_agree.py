"""summary, transcript and extract-audio are views of one conversation: on generated logs
(any seed, dialect and recorder envelope) their numbers, entries and audio placement agree."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from conftest import generated_log, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _views(log: Path, out: Path) -> tuple[dict, list[dict], dict, dict]:
    summary = json.loads(run_cli("summary", str(log), "--json", "-j", "1").stdout)
    transcript = json.loads(run_cli("transcript", str(log), "--format", "json", "-j", "1").stdout)
    run_cli("extract-audio", str(log), "--split", "item", "-o", str(out / "items"), stderr=None)
    items = json.loads((out / "items" / "index.json").read_text())
    heard = json.loads(run_cli("extract-audio", str(log), "--heard", "--json", "-o", str(out / "heard.wav"), stderr=None).stdout)
    return summary, transcript, items, heard


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(1, 10_000),
    dialect=st.sampled_from(["beta", "ga"]),
    envelope=st.sampled_from(["none", "time-source", "direction-data"]),
)
def test_summary_transcript_and_audio_agree(seed: int, dialect: str, envelope: str) -> None:
    data, truth = generated_log(dialect, envelope, seed=seed, minutes=0.4)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        log = tmp / "s.jsonl"
        log.write_bytes(data)
        summary, transcript, items, heard = _views(log, tmp)
    assistant = {e["item_id"]: e for e in transcript if e["role"] == "assistant" and e["type"] == "message"}
    # every assistant item extract-audio writes starts where the transcript puts it, with its text
    assert len(items["files"]) == len(truth["assistant_items"]) > 0
    for f in items["files"]:
        (iid,) = f["item_ids"]
        e = assistant[iid]
        assert (round(f["start"], 3), f["transcript"]) == (e["start"], e["text"]), iid
        assert round(f["seconds"], 3) == e["audio_seconds"], iid
    # the seconds summary counts are the seconds extract-audio writes, generated and heard
    assert summary["audio_seconds"]["output"] == round(sum(f["seconds"] for f in items["files"]), 3)
    assert summary["audio_seconds"]["output_heard"] == round(heard["seconds"], 3)
    # interruptions: summary's count, the transcript's cut entries, the truth
    cut = [e["item_id"] for e in transcript if e["audio_end_ms"] is not None]
    assert summary["interruptions"] == len(cut) == len(truth["truncations"])
    # turns and responses
    assert summary["user_turns"] == len([e for e in transcript if e["role"] == "user"])
    responses = {e["response_id"] for e in transcript if e["response_id"]}
    assert summary["responses"]["total"] == len(responses)
