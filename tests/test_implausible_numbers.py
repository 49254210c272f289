"""Numbers a log cannot mean (issue 21): token counts of 2^64, 1.7e308, 1e300 or below
zero, sample rates of gigahertz, a 100-byte placeholder claiming 2 GB. Each is warned
about with its line and left out, never a crash, never priced or allocated as if real;
the resource cases run as subprocesses within a stated bound of time and memory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from conftest import run_cli, write_log

SESSION = {"type": "session.created", "session": {"id": "s", "model": "gpt-realtime"}}


def done(usage: bytes) -> bytes:
    return b'{"type":"response.done","response":{"id":"r2","status":"completed","output":[],"usage":' + usage + b"}}"


GOOD = {"type": "response.done", "response": {"id": "r1", "status": "completed", "output": [],
        "usage": {"total_tokens": 30, "input_tokens": 10, "output_tokens": 20}}}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "shown"),
    [(b"18446744073709551616", "1.84e+19"), (b"1.7e308", "1.7e+308"), (b"1e300", "1e+300"), (b"-5", "-5"),
     (b"2000000000", "2000000000")],
)  # fmt: skip
def test_an_implausible_token_count_is_warned_and_not_counted(tmp_path: Path, value: bytes, shown: str) -> None:
    usage = b'{"total_tokens":%s,"input_tokens":%s,"output_tokens":2,"input_token_details":{"text_tokens":%s}}' % (
        value,
        value,
        value,
    )
    log = write_log(tmp_path / "log.jsonl", [SESSION, GOOD, done(usage)])
    data = orjson.loads(run_cli("summary", "--json", log).stdout_bytes)
    assert (data["usage"]["total_tokens"], data["usage"]["input_tokens"]) == (30, 10)  # the good response only
    assert data["cost_is_lower_bound"] is True and data["cost_responses_without_usage"] == 1
    assert 0 < data["cost_usd"] < 0.01
    assert f"line 3: implausible token count (total_tokens = {shown}): this usage is not counted" in data["warnings"]
    report = run_cli("summary", log).stdout
    assert "Cost ≥ $0.0" in report and "implausible token count" in report
    assert re.search(r"[\d,]{16}", report) is None  # no 300-digit number


def test_an_implausible_transcription_usage_is_warned(tmp_path: Path) -> None:
    log = write_log(tmp_path / "log.jsonl", [SESSION, {"type": "conversation.item.input_audio_transcription.completed",
                    "item_id": "u1", "transcript": "hi", "usage": {"type": "tokens", "total_tokens": 1e300}}])  # fmt: skip
    data = orjson.loads(run_cli("summary", "--json", log).stdout_bytes)
    assert data["transcription_usage"] == {}
    assert "line 2: implausible token count (total_tokens = 1e+300): this usage is not counted" in data["warnings"]


def rate_log(rate: object) -> list[object]:
    return [
        {"type": "session.created", "session": {"id": "s", "model": "gpt-realtime", "audio": {
            "input": {"format": {"type": "audio/pcm", "rate": rate}}, "output": {"format": {"type": "audio/pcm", "rate": rate}}}}},
        {"type": "input_audio_buffer.append", "audio": "AAAAAAAAAAAA", "timestamp": 1000.0},
        {"type": "response.output_audio.delta", "response_id": "r", "item_id": "i", "delta": "AAAAAAAA", "timestamp": 1000.5},
        {"type": "response.done", "response": {"id": "r", "status": "completed", "output": []}, "timestamp": 1001.0},
    ]  # fmt: skip


@pytest.mark.parametrize("rate", [5_000_000_000, 2_000_000_000, 0, -16000, 1.5e308, 100])
def test_an_implausible_sample_rate_is_not_believed(tmp_path: Path, rate: object) -> None:
    log = write_log(tmp_path / "log.jsonl", rate_log(rate))
    data = orjson.loads(run_cli("summary", "--json", log).stdout_bytes)
    assert (data["sessions"][0]["input_sample_rate"], data["sessions"][0]["audio_formats_stated"]) == (
        24000,
        {"input": False, "output": False},
    )
    assert f"line 1: implausible input sample rate {rate!r} Hz (rtlog reads 8–192 kHz): not used" in data["warnings"]
    out = tmp_path / "call.raw"
    r = run_cli("extract-audio", "--side", "both", "--raw", "-o", out, log, stderr=None)
    assert "24 kHz PCM16 stereo" in r.stderr
    assert out.stat().st_size < 100_000


def test_a_plausible_rate_stated_before_is_kept(tmp_path: Path) -> None:
    records = rate_log(16000)
    records.insert(
        1, {"type": "session.updated", "session": {"audio": {"input": {"format": {"type": "audio/pcm", "rate": 9e9}}}}}
    )
    data = orjson.loads(run_cli("summary", "--json", write_log(tmp_path / "log.jsonl", records)).stdout_bytes)
    assert (data["sessions"][0]["input_sample_rate"], data["sessions"][0]["audio_formats_stated"]["input"]) == (
        16000,
        True,
    )
    assert "line 2: implausible input sample rate 9000000000.0 Hz (rtlog reads 8–192 kHz): not used" in data["warnings"]


def measured(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[bytes], float, int]:
    """rtlog as a subprocess: the result, its wall time (s) and peak memory (KB)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    t = time.monotonic()
    p = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "rtlog", *args],
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
    peak = int(p.stderr.split()[-1])
    return p, time.monotonic() - t, peak


@pytest.mark.skipif(not os.path.exists("/usr/bin/time"), reason="needs /usr/bin/time for the peak memory")
@pytest.mark.parametrize("args", [["extract-audio", "-o", "out.wav"], ["extract-audio", "--side", "both", "--raw", "-o", "out.raw"],
                                  ["extract-audio", "--split", "item", "-o", "split"]])  # fmt: skip
def test_a_placeholder_claiming_2_gb_takes_neither_memory_nor_disk(tmp_path: Path, args: list[str]) -> None:
    write_log(tmp_path / "log.jsonl", [
        SESSION, {"type": "response.output_audio.delta", "response_id": "r", "item_id": "i", "delta": "[trimmed: 2000000000 bytes]"},
        {"type": "response.output_audio.delta", "response_id": "r", "item_id": "i", "delta": "AAAAAAAA"},
        {"type": "input_audio_buffer.append", "audio": "AAAAAAAA"},
    ])  # fmt: skip
    p, seconds, peak_kb = measured([*args, "log.jsonl"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert (
        b"rtlog: warning: log.jsonl:2: a placeholder that claims 2,000,000,000 bytes (41,667 s of audio; one chunk is at most 60 s)"
        in p.stderr
    )
    assert seconds < 20 and peak_kb < 150_000  # bounds on a loaded 2-core machine (~1 s, ~40 MB measured)
    written = sum(f.stat().st_size for f in tmp_path.rglob("*") if f.is_file() and f.name != "log.jsonl")
    assert written < 10_000
