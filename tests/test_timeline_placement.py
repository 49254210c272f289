"""Placement rules of `rtlog.conversation.timeline` where the log does not start with the
session or does not count VAD offsets the usual way: logs cut mid-session, VAD offsets that
restart at each turn, several files, and subtitles for lines without a time."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import EXAMPLES, run_cli

BETA = EXAMPLES / "beta_session.jsonl"
GA = EXAMPLES / "ga_session.jsonl"
NO_AUDIO = ["-x", "input_audio_buffer.append", "-x", "response.output_audio.delta"]


def entries(*args: object, stderr: str | None = "") -> list[dict]:
    return json.loads(run_cli("transcript", "--format", "json", *map(str, args), stderr=stderr).stdout)


def filtered(tmp_path: Path, name: str, *args: object) -> Path:
    """A log cut by `rtlog filter`, as a user would."""
    out = tmp_path / name
    out.write_bytes(run_cli("filter", *map(str, args)).stdout_bytes)
    return out


# --- several files ------------------------------------------------------------------------------


def test_a_file_without_audio_or_timestamps_moves_the_next_file_on(tmp_path: Path) -> None:
    # placed by VAD offsets alone: the first file's speech ends at 16.0 s (its last audio_end_ms);
    # the second file (the same log again) continues from there instead of restarting at 0
    log = filtered(tmp_path, "beta-no-audio.jsonl", BETA, *NO_AUDIO)
    one = [(e["start"], e["end"]) for e in entries(log) if e["role"] == "user"]
    assert one == [(0.12, 2.08), (5.18, 7.488), (10.76, 12.672), (14.28, 16.0)]
    both = [(e["file"], e["start"], e["end"]) for e in entries(log, log) if e["role"] == "user"]
    assert both == [(str(log), s, e) for s, e in one] + [(str(log), round(s + 16.0, 3), round(e + 16.0, 3)) for s, e in one]


def test_a_reconnect_without_audio_or_timestamps_continues_after_the_first_session(tmp_path: Path) -> None:
    # the same within one file: a second session.created (offsets restart) starts where the first one's speech ended
    log = filtered(tmp_path, "beta-no-audio.jsonl", BETA, *NO_AUDIO)
    twice = tmp_path / "twice.jsonl"
    twice.write_bytes(log.read_bytes() + log.read_bytes().replace(b'"item_AB', b'"item_BB'))  # (new item ids)
    got = [(e["session"], e["start"]) for e in entries(twice) if e["role"] == "user"]
    assert got == [(1, 0.12), (1, 5.18), (1, 10.76), (1, 14.28), (2, 16.12), (2, 21.18), (2, 26.76), (2, 30.28)]
