"""`extract-audio --split` as untrusted input shapes it (issue 21): all the files and
index.json appear together or not at all; items that never end do not run the process out
of file descriptors; ids in any script make names that fit a file system; many
transcription deltas per item stay linear. Subprocesses where a limit is measured."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES, run_cli, write_log

SESSION = {"type": "session.created", "session": {"id": "s", "model": "gpt-realtime"}}


def delta(item: str, resp: str = "r") -> dict:
    return {"type": "response.output_audio.delta", "response_id": resp, "item_id": item, "delta": "AAAAAAAA"}


def item_done(item: str, resp: str = "r") -> dict:
    return {
        "type": "response.output_item.done",
        "response_id": resp,
        "item": {"id": item, "type": "message", "role": "assistant"},
    }


def test_a_failed_split_leaves_no_file(tmp_path: Path) -> None:
    """Three items are complete when a bad line stops the run (--strict): before, their
    WAVs stayed in the directory without index.json."""
    log = write_log(tmp_path / "log.jsonl", [SESSION, delta("a"), item_done("a"), delta("b"), item_done("b"), delta("c"), item_done("c"),
                                             b"not json", delta("d"), item_done("d")])  # fmt: skip
    run_cli("extract-audio", "--strict", "--split", "item", "-o", tmp_path / "new", log, exit_code=2, stderr=None)
    assert not (tmp_path / "new").exists()
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "keep.txt").write_text("x")
    run_cli("extract-audio", "--strict", "--split", "item", "-o", tmp_path / "old", log, exit_code=2, stderr=None)
    assert os.listdir(tmp_path / "old") == ["keep.txt"]  # no file, no staging directory left
    assert sorted(os.listdir(tmp_path)) == ["log.jsonl", "old"]


def test_a_split_appears_whole(tmp_path: Path) -> None:
    out = tmp_path / "split"
    r = run_cli("extract-audio", "--split", "item", "-o", out, EXAMPLES / "ga_session.jsonl", stderr=None)
    index = orjson.loads((out / "index.json").read_bytes())
    assert sorted(os.listdir(out)) == sorted([f["file"] for f in index["files"]] + ["index.json"])
    assert r.stderr.startswith("rtlog: wrote 4 files to")
    assert oct(out.stat().st_mode & 0o777) == oct(0o777 & ~_umask())


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def test_items_that_never_end_do_not_exhaust_file_descriptors(tmp_path: Path) -> None:
    """300 items without a done event under `ulimit -n 64`: before, every file stayed
    open (it failed after ~1,018 items under the usual 1024)."""
    write_log(tmp_path / "log.jsonl", [SESSION, *(delta(f"i{n}", f"r{n}") for n in range(300))])

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    p = subprocess.run([sys.executable, "-m", "rtlog", "extract-audio", "--split", "item", "-o", "out", "log.jsonl"],
                       capture_output=True, cwd=tmp_path, env=env, preexec_fn=limit, timeout=120)  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert len(os.listdir(tmp_path / "out")) == 301
    assert (
        orjson.loads((tmp_path / "out" / "index.json").read_bytes())["files"][299]["file"]
        == "300_assistant_item_i299.wav"
    )


def test_names_are_cut_in_bytes(tmp_path: Path) -> None:
    """An id of 120 CJK characters (360 bytes): the file name fits in 255 bytes."""
    cjk = "会話項目" * 30
    log = write_log(tmp_path / "log.jsonl", [SESSION, delta(cjk), item_done(cjk)])
    run_cli("extract-audio", "--split", "item", "-o", tmp_path / "out", log, stderr=None)
    names = [n for n in os.listdir(tmp_path / "out") if n != "index.json"]
    assert names == ["001_assistant_item_" + "会話項目" * 6 + "会話.wav"]
    assert len(names[0].encode()) <= 255


@pytest.mark.slow
def test_many_transcription_deltas_in_one_item_split_in_linear_time(tmp_path: Path) -> None:
    """100,000 input-transcription deltas for one user item (29 s in the issue's report,
    0.7 s for transcript): the split's index transcripts stay linear."""
    records: list[object] = [SESSION, {"type": "input_audio_buffer.append", "audio": "AAAAAAAA"},
                             {"type": "input_audio_buffer.speech_started", "audio_start_ms": 0, "item_id": "u1"},
                             {"type": "input_audio_buffer.committed", "item_id": "u1"}]  # fmt: skip
    records += [
        {
            "type": "conversation.item.input_audio_transcription.delta",
            "item_id": "u1",
            "content_index": 0,
            "delta": "w ",
        }
    ] * 100_000
    write_log(tmp_path / "log.jsonl", records)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    t = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "rtlog", "extract-audio", "--split", "turn", "--side", "user", "-o", "out", "log.jsonl"],
                       capture_output=True, cwd=tmp_path, env=env, timeout=120)  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert time.monotonic() - t < 15  # ~2 s measured on a loaded 2-core machine
