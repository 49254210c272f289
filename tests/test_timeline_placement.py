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


# --- a synthetic call with exact truth ------------------------------------------------------------
#
# 8 s of user audio in 0.1 s appends, append i sent at i*0.1 s holding [i*0.1, i*0.1 + 0.1) s of
# the session's input (every sample of it the value i + 1); the server's VAD events come as soon as
# they can: speech_started once the prefix padding (300 ms) after audio_start_ms has arrived,
# speech_stopped once audio_end_ms has. Two turns: speech 1.0–2.5 s, answered at 2.6 s with
# 0.3 s of audio; speech 4.0–5.2 s, answered at 5.4 s.

TURNS = [("u1", 1000, 2500, "r1", "a1", 26), ("u2", 4000, 5200, "r2", "a2", 54)]


def _ts(s: float) -> str:
    return f"2026-01-01T00:00:{s:06.3f}Z"


def _pcm(i: int, seconds: float = 0.1) -> bytes:
    return (i + 1).to_bytes(2, "little") * round(24000 * seconds)


def _b64(b: bytes) -> str:
    import base64

    return base64.b64encode(b).decode()


def call_log(*, timestamps: bool = True, appends: bool = True, restart_offsets: bool = False) -> list[dict]:
    """The call above as bare events; `restart_offsets`: the VAD offsets count from the
    start of the current input buffer (the audio appended when the last commit came), as
    some relays send them."""
    recs: list[dict] = []

    def put(t: float, rec: dict) -> None:
        if timestamps:
            rec["timestamp"] = _ts(t)
        recs.append(rec)

    put(0.0, {"type": "session.created", "session": {"id": "s1", "model": "gpt-realtime",
                                                     "turn_detection": {"type": "server_vad"}}})
    buffer_ms = 0
    for i in range(80):
        t = i / 10
        if appends:
            put(t, {"type": "input_audio_buffer.append", "audio": _b64(_pcm(i))})
        end_ms = (i + 1) * 100
        for iid, s_ms, e_ms, rid, aid, at in TURNS:
            if end_ms == s_ms + 300:
                put(t, {"type": "input_audio_buffer.speech_started", "item_id": iid, "audio_start_ms": s_ms - buffer_ms})
            if end_ms == e_ms:
                put(t, {"type": "input_audio_buffer.speech_stopped", "item_id": iid, "audio_end_ms": e_ms - buffer_ms})
                put(t, {"type": "input_audio_buffer.committed", "item_id": iid})
                if restart_offsets:
                    buffer_ms = end_ms
                put(t, {"type": "conversation.item.input_audio_transcription.completed", "item_id": iid,
                        "content_index": 0, "transcript": f"question {iid}"})
            if i == at:
                put(t, {"type": "response.created", "response": {"id": rid, "status": "in_progress"}})
                for k in range(3):
                    put(t, {"type": "response.output_audio.delta", "response_id": rid, "item_id": aid,
                            "delta": _b64(_pcm(100 + k))})
                put(t, {"type": "response.output_audio_transcript.done", "response_id": rid, "item_id": aid,
                        "transcript": f"answer {aid}"})
                put(t, {"type": "response.done", "response": {"id": rid, "status": "completed"}})
    return recs


def _write(path: Path, recs: list[dict]) -> Path:
    from conftest import write_log

    return write_log(path, recs)


def _times(es: list[dict]) -> list[tuple[str, float, float]]:
    return [(e["text"], e["start"], e["end"]) for e in es if e["type"] == "message"]


FULL_TIMES = [("question u1", 1.0, 2.5), ("answer a1", 2.6, 2.9), ("question u2", 4.0, 5.2), ("answer a2", 5.4, 5.7)]
# without timestamps: user audio is one stream from 0, each answer right after the speech before it
FULL_TIMES_NO_TS = [("question u1", 1.0, 2.5), ("answer a1", 2.5, 2.8), ("question u2", 4.0, 5.2), ("answer a2", 5.2, 5.5)]


def test_the_synthetic_call_is_placed_as_built(tmp_path: Path) -> None:
    assert _times(entries(_write(tmp_path / "full.jsonl", call_log()))) == FULL_TIMES
    assert _times(entries(_write(tmp_path / "nots.jsonl", call_log(timestamps=False)))) == FULL_TIMES_NO_TS


# --- 1. a log that starts mid-session -------------------------------------------------------------


def _shifted(times: list[tuple[str, float, float]], by: float) -> list[tuple[str, float, float]]:
    return [(t, round(s - by, 3), round(e - by, 3)) for t, s, e in times if s >= by]


def test_a_log_cut_mid_session_keeps_its_times(tmp_path: Path) -> None:
    full = _write(tmp_path / "full.jsonl", call_log())
    cut = filtered(tmp_path, "cut.jsonl", full, "--since", "3s")  # starts with the append of 3.0 s
    warn = (f"rtlog: warning: {cut}:14: the log starts mid-session: its VAD offsets count about 3.0 s of input "
            "audio before its first append; user speech is placed on the audio it has\n")  # fmt: skip
    assert _times(entries(cut, stderr=warn)) == _shifted(FULL_TIMES, 3.0) == [
        ("question u2", 1.0, 2.2), ("answer a2", 2.4, 2.7)]  # fmt: skip
    srt = run_cli("transcript", cut, "--format", "srt", stderr=warn).stdout
    assert srt.startswith("1\n00:00:01,000 --> 00:00:02,200\nUser: question u2\n\n2\n00:00:02,400 --> 00:00:02,700\n")


def test_a_log_cut_mid_session_without_timestamps_keeps_its_times(tmp_path: Path) -> None:
    full = _write(tmp_path / "full.jsonl", call_log(timestamps=False))
    first = 1 + 30 + 4 + 6 + 1  # session, appends 0-29, turn 1 (4 events), answer 1 (6 events): the append of 3.0 s
    cut = filtered(tmp_path, "cut.jsonl", full, "--since", f"line:{first}")
    warn = (f"rtlog: warning: {cut}:14: the log starts mid-session: its VAD offsets count about 3.0 s of input "
            "audio before its first append; user speech is placed on the audio it has\n")  # fmt: skip
    assert _times(entries(cut, stderr=warn)) == _shifted(FULL_TIMES_NO_TS, 3.0)


def _split(log: Path, out: Path, *mode: str, stderr: str | None = "") -> dict[str, bytes]:
    r = run_cli("extract-audio", log, *mode, "--split", "turn", "-o", out, stderr=None)
    if stderr is not None:
        assert r.stderr.startswith(stderr), r.stderr
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix == ".wav"}


def test_split_by_turn_of_a_log_cut_mid_session(tmp_path: Path) -> None:
    full = _write(tmp_path / "full.jsonl", call_log())
    cut = filtered(tmp_path, "cut.jsonl", full, "--since", "3s")
    whole = _split(full, tmp_path / "whole", "--side", "user")
    part = _split(cut, tmp_path / "part", "--side", "user", stderr=None)
    # the cut log's one turn is the whole log's second turn, byte for byte: speech 4.0-5.2 s
    assert list(part) == ["001_turn1_u2.wav"]
    assert part["001_turn1_u2.wav"] == whole["002_turn2_u2.wav"]
    assert part["001_turn1_u2.wav"][44:] == b"".join(_pcm(i) for i in range(40, 52))
    index = json.loads((tmp_path / "part" / "index.json").read_text())
    assert [(f["file"], f["start"], f["seconds"]) for f in index["files"]] == [("001_turn1_u2.wav", 1.0, 1.2)]


def test_the_stereo_mix_of_a_log_cut_mid_session_is_the_rest_of_the_call(tmp_path: Path) -> None:
    import wave

    full = _write(tmp_path / "full.jsonl", call_log())
    cut = filtered(tmp_path, "cut.jsonl", full, "--since", "3s")
    frames = {}
    for name, log in (("full", full), ("cut", cut)):
        out = tmp_path / f"{name}.wav"
        run_cli("extract-audio", log, "--side", "both", "-o", out, stderr=None)
        with wave.open(str(out)) as w:
            frames[name] = w.readframes(w.getnframes())
    assert frames["cut"] == frames["full"][3 * 24000 * 4 :]
    # where the transcript puts the cut log's user turn (1.0 s) is where its speech is in the mix
    assert frames["cut"][24000 * 4 : 24000 * 4 + 2] == (40 + 1).to_bytes(2, "little")


def test_the_ga_example_cut_at_11s_as_a_user_would(tmp_path: Path) -> None:
    from rtlog.protocol.timestamps import parse_timestamp

    cut = filtered(tmp_path, "cut.jsonl", GA, "--since", "11s")
    first = [parse_timestamp(json.loads(p.read_bytes().splitlines()[0])["time"]) for p in (GA, cut)]
    shift = first[1] - first[0]  # the cut log's t=0 on the whole log's timeline
    warn = (f"rtlog: warning: {cut}:9: the log starts mid-session: its VAD offsets count about 10.6 s of input "
            "audio before its first append; user speech is placed on the audio it has\n")  # fmt: skip
    whole = {e["item_id"]: e for e in entries(GA)}
    part = entries(cut, stderr=warn)
    assert [e["role"] for e in part if e["type"] == "message"] == ["user", "assistant", "user", "assistant"]
    for e in part:
        w = whole[e["item_id"]]
        if e["role"] == "assistant":  # placed by their deltas' timestamps: exactly as in the whole log
            assert (e["start"], e["end"]) == (round(w["start"] - shift, 3), round(w["end"] - shift, 3))
        elif e["type"] == "message":
            # the server's VAD latency is not in the log: the cut log assumes none, so its user
            # speech is placed at most that much (87 ms here) later than in the whole log
            for k in ("start", "end"):
                assert 0 <= e[k] - (w[k] - shift) <= 0.09, (e["text"], k)
    starts = [float(ln[:12].replace(",", ".").split(":")[-1]) + 60 * int(ln[3:5])
              for ln in run_cli("transcript", cut, "--format", "srt", stderr=warn).stdout.splitlines() if " --> " in ln]
    assert starts == sorted(starts) and len(starts) == 4
    files = _split(cut, tmp_path / "turns", "--side", "user", stderr=warn)
    assert list(files) == ["001_turn1_item_DCuK34pWY23DJPOkMSmqn.wav", "002_turn2_item_DCuK7S1PTfoqbxodmRY1z.wav"]
    # each turn is its speech: audio_start_ms to audio_end_ms (1.912 s and 1.720 s), give or take
    # the 4 ms by which the VAD events disagree on where the log's first append is in the session
    assert [round((len(b) - 44) / 48000, 3) for b in files.values()] == [1.908, 1.72]



def test_a_log_without_appends_cut_mid_session_is_placed_by_timestamps_and_said_so(tmp_path: Path) -> None:
    full = _write(tmp_path / "full.jsonl", call_log(appends=False))
    cut = filtered(tmp_path, "cut.jsonl", full, "--since", "3s")  # starts with turn 2's speech_started (4.2 s)
    warn = (f"rtlog: warning: {cut}:1: the log starts mid-session: its VAD offsets count from 4.0 s before its "
            "first event; user speech is placed by timestamps\n")  # fmt: skip
    # the whole log places turn 2 at 3.9-5.1 s (by its events' times): 4.2 s earlier in the cut
    # log, where the speech that began before its first event starts with it, at 0
    assert _times(entries(full))[2:] == [("question u2", 3.9, 5.1), ("answer a2", 5.4, 5.7)]
    assert _times(entries(cut, stderr=warn)) == [("question u2", 0.0, 0.9), ("answer a2", 1.2, 1.5)]


# --- 2. VAD offsets that restart at each turn -------------------------------------------------------


def _restart_warning(log: Path, line: int, how: str) -> str:
    return (f"rtlog: warning: {log}:{line}: VAD offsets restart at each turn (1500 ms after 2500 ms): placed {how}, "
            "not from the session's start\n")


def test_offsets_that_restart_at_each_turn_are_counted_from_the_buffer(tmp_path: Path) -> None:
    # the second turn says 1500-2700 ms: from the buffer that started when turn 1 was committed (2.5 s)
    cases = [
        ({}, FULL_TIMES, 55, "from the start of each input buffer (the last commit)"),
        ({"timestamps": False}, FULL_TIMES_NO_TS, 55, "from the start of each input buffer (the last commit)"),
        ({"appends": False}, None, 12, "by timestamps, from each buffer's events"),
        ({"appends": False, "timestamps": False}, FULL_TIMES_NO_TS, 12,
         "from the end of the speech before (where its buffer was committed)"),
    ]  # fmt: skip
    for i, (kw, expected, line, how) in enumerate(cases):
        absolute = _write(tmp_path / f"abs{i}.jsonl", call_log(**kw))
        relative = _write(tmp_path / f"rel{i}.jsonl", call_log(restart_offsets=True, **kw))
        got = _times(entries(relative, stderr=_restart_warning(relative, line, how)))
        assert got == _times(entries(absolute)), kw
        if expected is not None:
            assert got == expected, kw
    # without appends, the offsets are placed by the events' times (each comes 0.1 s after its
    # audio here: the append holding it was sent at its start), in either reading
    assert _times(entries(tmp_path / "abs2.jsonl")) == [
        ("question u1", 0.9, 2.4), ("answer a1", 2.6, 2.9), ("question u2", 3.9, 5.1), ("answer a2", 5.4, 5.7)]  # fmt: skip


def test_split_by_turn_with_offsets_that_restart(tmp_path: Path) -> None:
    absolute = _write(tmp_path / "abs.jsonl", call_log())
    relative = _write(tmp_path / "rel.jsonl", call_log(restart_offsets=True))
    warn = _restart_warning(relative, 55, "from the start of each input buffer (the last commit)")
    for mode in (["--side", "user"], ["--side", "both"]):
        want = _split(absolute, tmp_path / ("a" + mode[1]), *mode)
        got = _split(relative, tmp_path / ("r" + mode[1]), *mode, stderr=warn)
        assert got == want, mode
    user = _split(relative, tmp_path / "r2", "--side", "user", stderr=warn)
    assert [(n, round((len(b) - 44) / 48000, 3)) for n, b in user.items()] == [("001_turn1_u1.wav", 1.5), ("002_turn2_u2.wav", 1.2)]


def test_the_ga_example_with_offsets_that_restart(tmp_path: Path) -> None:
    import base64

    # as a relay would send them: each VAD offset less the input appended when the last commit came
    lines, appended, buffer_ms = [], 0, 0
    for line in GA.read_bytes().splitlines():
        rec = json.loads(line)
        ev = rec["event"]
        if ev["type"] == "input_audio_buffer.append":
            appended += len(base64.b64decode(ev["audio"]))
        for k in ("audio_start_ms", "audio_end_ms"):
            if k in ev and ev["type"].startswith("input_audio_buffer.speech_"):
                ev[k] -= buffer_ms
        if ev["type"] == "input_audio_buffer.committed":
            buffer_ms = round(appended / 48)
        lines.append(rec)
    log = _write(tmp_path / "relay.jsonl", lines)
    # turn 2 (5180 ms, said as 3005 after the 2080 before it) cannot be told from a session offset;
    # turn 3 (10760, said as 3166 after 5313) goes back: from there on offsets count from the buffer
    warn = (f"rtlog: warning: {log}:348: VAD offsets restart at each turn (3166 ms after 5313 ms): placed from the "
            "start of each input buffer (the last commit), not from the session's start\n")  # fmt: skip
    got = [(e["start"], e["end"]) for e in entries(log, stderr=warn) if e["role"] == "user"]
    want = [(e["start"], e["end"]) for e in entries(GA) if e["role"] == "user"]
    assert got[0] == want[0]
    assert [(abs(a - c) < 0.002, abs(b - d) < 0.002) for (a, b), (c, d) in zip(got[2:], want[2:], strict=True)] == [(True, True)] * 2
    assert [s for s, _ in got] == sorted(s for s, _ in got)  # the unrecognised turn is misplaced, never backwards


# --- 4. subtitles keep every line ---------------------------------------------------------------------


def _cue_times(srt: str) -> list[tuple[str, str]]:
    blocks = [b.splitlines() for b in srt.strip().split("\n\n")]
    return [(b[1], b[2]) for b in blocks]


def test_replies_without_audio_timing_keep_their_subtitles(tmp_path: Path) -> None:
    # no audio and no timestamps: the VAD offsets place the user's speech; each reply starts
    # right after the speech that triggered it (the rule --side both uses) and, the log not
    # saying how long it lasts, runs as long as its text takes to say (15 characters a second),
    # up to the next cue
    log = filtered(tmp_path, "beta-no-audio.jsonl", BETA, *NO_AUDIO)
    warn = ("rtlog: warning: 4 subtitle cues have no end time in the log: each lasts as long as its text takes to say "
            "(15 characters a second, at least 1 s), up to the next cue\n")  # fmt: skip
    srt = run_cli("transcript", log, "--format", "srt", stderr=warn).stdout
    assert _cue_times(srt) == [
        ("00:00:00,120 --> 00:00:02,080", "User: Hi there, can you hear me?"),
        ("00:00:02,080 --> 00:00:04,480", "Assistant: Yes, loud and clear. How can I help?"),  # 36 characters: 2.4 s
        ("00:00:05,180 --> 00:00:07,488", "User: What's the weather like in Paris today?"),
        ("00:00:07,488 --> 00:00:10,421", "Assistant: It is sunny and twenty two degrees in Paris."),
        ("00:00:10,760 --> 00:00:12,672", "User: Tell me about the Eiffel Tower."),
        ("00:00:12,672 --> 00:00:14,280", "Assistant: It opened in eighteen eighty nine. It is about three "
                                          "[interrupted at 1.4 s; audio length unknown]"),  # cut at the next cue
        ("00:00:14,280 --> 00:00:16,000", "User: Wait, how tall is it?"),
        ("00:00:16,000 --> 00:00:18,533", "Assistant: About three hundred and thirty meters."),
    ]  # fmt: skip
    vtt = run_cli("transcript", log, "--format", "vtt", stderr=warn).stdout
    assert vtt.count(" --> ") == 8 and "00:00:16.000 --> 00:00:18.533\n<v Assistant>About three" in vtt
    # the reply's start is the rule's, in every format; its end stays unknown
    got = [(e["role"], e["start"], e["end"]) for e in entries(log) if e["type"] == "message"][:2]
    assert got == [("user", 0.12, 2.08), ("assistant", 2.08, None)]


def test_lines_without_any_time_follow_the_cue_before(tmp_path: Path) -> None:
    log = _write(tmp_path / "x.jsonl", [
        {"type": "input_audio_buffer.speech_started", "item_id": "u1", "audio_start_ms": 100},
        {"type": "input_audio_buffer.speech_stopped", "item_id": "u1", "audio_end_ms": 1100},
        {"type": "input_audio_buffer.committed", "item_id": "u1"},
        {"type": "conversation.item.input_audio_transcription.completed", "item_id": "u1", "transcript": "Hi"},
        {"type": "response.created", "response": {"id": "r1"}},
        {"type": "response.output_text.done", "response_id": "r1", "item_id": "a1", "text": "Hello there"},
        {"type": "response.done", "response": {"id": "r1", "status": "completed"}},
        {"type": "conversation.item.added", "item": {"id": "m2", "type": "message", "role": "user",
                                                     "content": [{"type": "input_text", "text": "And now, typed?"}]}},
        {"type": "response.created", "response": {"id": "r2"}},
        {"type": "response.output_text.done", "response_id": "r2", "item_id": "a2", "text": "Sure."},
        {"type": "response.done", "response": {"id": "r2", "status": "completed"}},
    ])  # fmt: skip
    warn = ("rtlog: warning: 3 subtitle cues have no time or no end time in the log (2 no time at all): those without "
            "a time placed right after the cue before; each lasts as long as its text takes to say (15 characters a "
            "second, at least 1 s), up to the next cue\n")  # fmt: skip
    srt = run_cli("transcript", log, "--format", "srt", stderr=warn).stdout
    assert _cue_times(srt) == [
        ("00:00:00,100 --> 00:00:01,100", "User: Hi"),
        ("00:00:01,100 --> 00:00:02,100", "Assistant: Hello there"),  # the rule's start, the shortest cue
        ("00:00:02,100 --> 00:00:03,100", "User: And now, typed?"),  # no time at all: after the cue before
        ("00:00:03,100 --> 00:00:04,100", "Assistant: Sure."),
    ]


def test_speech_that_began_before_a_log_cut_mid_session_starts_with_it(tmp_path: Path) -> None:
    full = _write(tmp_path / "full.jsonl", call_log())
    cut = filtered(tmp_path, "cut.jsonl", full, "--since", "4.5s")  # in turn 2's speech (4.0-5.2 s)
    warn = (f"rtlog: warning: {cut}:8: the log starts mid-session: its VAD offsets count about 4.5 s of input "
            "audio before its first append; user speech is placed on the audio it has\n")  # fmt: skip
    assert _times(entries(cut, stderr=warn)) == [("question u2", 0.0, 0.7), ("answer a2", 0.9, 1.2)]
    # one turn (its stop and its commit), the speech the log has: 4.5-5.2 s of the session
    files = _split(cut, tmp_path / "turns", "--side", "user", stderr=warn)
    assert files == {"001_turn1_u2.wav": files["001_turn1_u2.wav"]}
    assert files["001_turn1_u2.wav"][44:] == b"".join(_pcm(i) for i in range(45, 52))
    assert list(_split(cut, tmp_path / "both", "--side", "both", stderr=warn)) == ["001_turn1_u2.wav"]


def test_trimmed_appends_are_no_measure_of_where_a_log_starts(tmp_path: Path) -> None:
    # a recorder that kept 10 bytes of each append: the VAD offsets run far past that "audio",
    # but over the seconds the appends span it cannot be all the input: no mid-session claim
    cut = filtered(tmp_path, "cut.jsonl", GA, "--since", "11s")
    lines = [json.loads(line) for line in cut.read_bytes().splitlines()]
    for rec in lines:
        if rec["event"]["type"] == "input_audio_buffer.append":
            rec["event"]["audio"] = _b64(bytes(10))
    trimmed = _write(tmp_path / "trimmed.jsonl", lines)
    assert [e["role"] for e in entries(trimmed) if e["type"] == "message"] == ["user", "assistant", "user", "assistant"]
