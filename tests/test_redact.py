"""`rtlog redact` and `rtlog redact --check`: what goes, what stays byte for byte, and that
the redacted log is still the same session to every other command."""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES, corpus_files, generated_log, needs_corpus, run_cli, run_rtlog, write_log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz_commands import dumps, garbage_line, lines_file, mutated_sessions, wrong_typed_events

from rtlog.audio.g711 import to_pcm16
from rtlog.protocol.events import parse_line
from rtlog.protocol.formats import ALAW, PCM16, ULAW
from rtlog.redact.audio import is_silent, scrub_invalid, silence_b64
from rtlog.redact.detect import find_pii, is_redacted, luhn_ok, marker, scrub

CARD = "4111 1111 1111 1111"  # a valid Luhn checksum
NOT_A_CARD = "4111 1111 1111 1112"  # the same digits, checksum wrong
EK = "ek_68af0b2c8e4481908c5d0e4a7b3f"
SK = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx"


def _summary(path: Path) -> dict:
    d = json.loads(run_cli("summary", "--json", path).stdout)
    d.pop("source", None)
    for s in d["sessions"]:
        s.pop("instructions")  # text-derived
    for t in (d.get("turn_taking") or {}).get("turns") or ():
        t.pop("words")  # text-derived: counted in the transcript
    for live in d.get("live") or ():
        for call in live.get("tool_calls") or ():
            call.pop("arguments", None), call.pop("output", None)  # text (tool payloads)
    return d


_TURN_KEYS = ("session", "role", "type", "item_id", "response_id", "status", "interrupted", "start", "end",
              "name", "call_id", "audio_seconds", "line")  # fmt: skip


def _turns(path: Path) -> list[list]:
    from conftest import runner

    from rtlog.cli import app

    r = runner.invoke(app, ["transcript", "--format", "json", str(path)])
    assert r.exit_code in (0, 1), r.stderr  # 1: nothing to show (both sides must agree)
    return [[e[k] for k in _TURN_KEYS] for e in json.loads(r.stdout or "[]")]


def _redact(src: Path, out: Path, *opts: str) -> Path:
    r = run_cli("redact", src, "-o", out, *opts, stderr=None)
    assert r.stderr.startswith(f"rtlog: wrote {out}: "), r.stderr
    return out


# --- the planted log: what --check must find, and redact must remove ---------------------------

PCM = base64.b64encode(bytes(range(1, 201)) * 24).decode()  # 4,800 bytes that are not silence


def planted(tmp_path: Path) -> Path:
    """A session with a secret in every place the issue names, a card number spoken over three
    transcript deltas, DTMF digits and SIP headers; line numbers are those of `PLANTED`."""
    return write_log(tmp_path / "planted.jsonl", [
        {"type": "session.update", "session": {  # 1
            "instructions": "You are the bank's assistant.", "client_secret": {"value": EK, "expires_at": 1},
            "tools": [{"type": "mcp", "server_label": "crm", "server_url": "https://crm.example/mcp",
                       "authorization": "tok-very-secret", "headers": {"X-Tenant": "acme-secret-tenant"}}]}},
        {"type": "session.created", "event_id": "event_1", "session": {"id": "sess_1", "input_audio_format": "pcm16"}},  # 2
        {"type": "input_audio_buffer.append", "audio": PCM},  # 3
        {"type": "conversation.item.input_audio_transcription.delta", "event_id": "event_2", "item_id": "item_u1",
         "content_index": 0, "delta": "my card is 4111 11"},  # 4
        {"type": "conversation.item.input_audio_transcription.delta", "event_id": "event_3", "item_id": "item_u1",
         "content_index": 0, "delta": "11 1111 11"},  # 5
        {"type": "conversation.item.input_audio_transcription.delta", "event_id": "event_4", "item_id": "item_u1",
         "content_index": 0, "delta": "11, not " + NOT_A_CARD},  # 6
        {"type": "conversation.item.input_audio_transcription.completed", "event_id": "event_5", "item_id": "item_u1",
         "content_index": 0, "transcript": f"my card is {CARD}, not {NOT_A_CARD}"},  # 7
        {"type": "input_audio_buffer.dtmf_event_received", "event": "7", "received_at": 1767225600},  # 8
        {"type": "transport.dtmf.received", "event_id": "event_6", "event": "#"},  # 9
        {"time": "2026-01-01T00:00:01Z", "source": "client", "headers": {"Authorization": f"Bearer {SK}"},
         "url": "wss://x.openai.azure.com/openai/realtime?api-version=2025-04-01&api-key=abc123def456",
         "event": {"type": "response.create"}},  # 10
        {"type": "realtime.call.incoming", "event_id": "event_7",
         "data": {"call_id": "rtc_1", "sip_headers": [{"name": "From", "value": "\"Ann\" <sip:+14155550100@x>"}]}},  # 11
        {"type": "conversation.item.create", "item": {"type": "message", "role": "user",
         "content": [{"type": "input_text", "text": f"my key is {SK}"}]}},  # 12
    ])  # fmt: skip


#: (line, path, kind) that --check must list for the planted log
PLANTED = [
    (1, "session.instructions", "instructions"),
    (1, "session.client_secret.value", "secret"),
    (1, "session.tools[0].authorization", "secret"),
    (1, "session.tools[0].headers.X-Tenant", "secret"),
    (3, "audio", "audio"),
    (4, "delta", "card"),
    (5, "delta", "card"),
    (6, "delta", "card"),
    (7, "transcript", "card"),
    (8, "event", "dtmf"),
    (9, "event", "dtmf"),
    (10, "headers.Authorization", "secret"),
    (10, "url", "secret"),
    (11, "data.sip_headers[0].value", "sip"),
    (12, "item.content[0].text", "secret"),
]


def _findings(stdout: str, log: Path) -> list[tuple[int, str, str]]:
    out = []
    for line in stdout.splitlines():
        rest = line[len(f"{log}:") :]
        num, path, kind = rest.split(": ", 2)
        out.append((int(num), path, kind.split(" (")[0]))
    return out


def test_check_finds_everything_planted(tmp_path: Path) -> None:
    log = planted(tmp_path)
    r = run_cli("redact", "--check", log, exit_code=1, stderr=None)
    assert _findings(r.stdout, log) == PLANTED
    # the card spoken over three deltas is named as such on each of them
    assert f"{log}:5: delta: card (split over lines 4-6)\n" in r.stdout
    assert r.stderr == f"rtlog: {log}: 15 findings (6 secret, 4 card, 2 dtmf, 1 instructions, 1 audio, 1 sip)\n"


def test_redacted_planted_log_passes_check_and_keeps_nothing_planted(tmp_path: Path) -> None:
    log = planted(tmp_path)
    out = _redact(log, tmp_path / "out.jsonl")
    r = run_cli("redact", "--check", out, stderr=None)
    assert r.stdout == ""
    assert r.stderr == f"rtlog: {out}: nothing sensitive found (12 events)\n"
    text = out.read_text()
    for secret in (EK, SK, "abc123def456", "tok-very-secret", "acme-secret-tenant", "4111", "+14155550100",
                   '"event":"7"', '"event":"#"', "bank's assistant", PCM[:40]):  # fmt: skip
        assert secret not in text
    lines = out.read_bytes().splitlines(keepends=True)
    assert (
        lines[7]
        == b'{"type":"input_audio_buffer.dtmf_event_received","event":"[REDACTED:dtmf:1]","received_at":1767225600}\n'
    )
    assert json.loads(lines[9])["url"] == (
        "wss://x.openai.azure.com/openai/realtime?api-version=2025-04-01&api-key=[REDACTED:secret:12]"
    )
    assert json.loads(lines[9])["headers"] == {"Authorization": "[REDACTED:secret:39]"}  # the whole header
    assert json.loads(lines[0])["session"]["tools"][0]["server_url"] == "https://crm.example/mcp"
    assert json.loads(lines[10])["data"]["sip_headers"] == [{"name": "From", "value": "[REDACTED:sip:26]"}]


def test_kept_text_loses_the_card_split_over_deltas_and_nothing_else(tmp_path: Path) -> None:
    log = planted(tmp_path)
    out = _redact(log, tmp_path / "out.jsonl", "--keep", "text")
    rows = [json.loads(x) for x in out.read_bytes().splitlines()]
    deltas = [rows[i]["delta"] for i in (3, 4, 5)]
    done = rows[6]["transcript"]
    assert done == f"my card is [REDACTED:card:19], not {NOT_A_CARD}"
    assert "".join(deltas) == done  # the deltas still add up to the done text
    assert deltas == ["my card is [REDACTED:card:19]", "", ", not " + NOT_A_CARD]
    assert rows[11]["item"]["content"][0]["text"] == "my key is [REDACTED:secret:32]"
    assert rows[0]["session"]["instructions"] == "[REDACTED:instructions:29]"  # not kept
    assert run_cli("redact", "--check", "--keep", "text", out, stderr=None).stdout == ""
    # the text kept is reported by a check that does not keep it
    r = run_cli("redact", "--check", out, exit_code=1, stderr=None)
    assert (4, "delta", "text") in _findings(r.stdout, out)


# --- bytes: only the values redacted change ---------------------------------------------------


def test_only_the_redacted_values_change_byte_for_byte(tmp_path: Path) -> None:
    log = write_log(tmp_path / "s.jsonl", [
        b'{"type": "response.output_audio_transcript.done", "item_id": "item_1",  "transcript": "Caf\\u00e9 at  noon"}',
        b'{"type":"input_audio_buffer.speech_started","audio_start_ms":10,"item_id":"item_1"}',
        b'{ "type" : "response.output_text.delta" , "delta" : "hi" , "note" : "hi" }',
        b"",
        b'{"type":"response.function_call_arguments.done","call_id":"c1","arguments":"{\\"city\\": \\"Paris\\", \\"n\\": 3, \\"ok\\": true}"}',
    ])  # fmt: skip
    out = _redact(log, tmp_path / "out.jsonl")
    assert out.read_bytes().splitlines() == [
        b'{"type": "response.output_audio_transcript.done", "item_id": "item_1",  "transcript": "[REDACTED:text:13]"}',
        b'{"type":"input_audio_buffer.speech_started","audio_start_ms":10,"item_id":"item_1"}',
        # the same string elsewhere is not text: the line is written anew, its values the same
        b'{"type":"response.output_text.delta","delta":"[REDACTED:text:2]","note":"hi"}',
        b"",
        b'{"type":"response.function_call_arguments.done","call_id":"c1","arguments":'
        b'"{\\"city\\":\\"[REDACTED:tools:5]\\",\\"n\\":\\"[REDACTED:tools:1]\\",\\"ok\\":true}"}',
    ]


def test_audio_lines_keep_every_byte_but_the_payload(tmp_path: Path) -> None:
    data, _ = generated_log("ga", "time-source", seed=3, minutes=0.2)
    log = tmp_path / "g.jsonl"
    log.write_bytes(data)
    out = _redact(log, tmp_path / "out.jsonl")
    a, b = data.splitlines(keepends=True), out.read_bytes().splitlines(keepends=True)
    assert len(a) == len(b)
    same = changed_audio = 0
    for x, y in zip(a, b):
        if x == y:
            same += 1
            continue
        if b'"input_audio_buffer.append"' in x or b'audio.delta"' in x:
            ox, oy = orjson.loads(x), orjson.loads(y)
            key = "audio" if "audio" in ox["event"] else "delta"
            px, py = ox["event"][key], oy["event"][key]
            assert len(px) == len(py) and x.replace(px.encode(), py.encode()) == y
            assert set(base64.b64decode(py)) == {0}
            changed_audio += 1
    assert same > 5 and changed_audio > 100


# --- audio ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("enc", [PCM16, ULAW, ALAW])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 33, 4800])
def test_silence_has_the_length_of_the_audio_and_decodes_to_silence(enc: str, n: int) -> None:
    b64 = silence_b64(n, enc)
    assert len(b64) == len(base64.b64encode(b"x" * n))
    raw = base64.b64decode(b64)
    assert len(raw) == n and is_silent(raw, enc)
    pcm = raw if enc == PCM16 else to_pcm16(raw, enc)
    samples = [int.from_bytes(pcm[i : i + 2], "little", signed=True) for i in range(0, len(pcm) - 1, 2)]
    # μ-law has an exact 0; A-law's quietest code is ±8 (of 32,767)
    assert all(abs(s) <= (8 if enc == ALAW else 0) for s in samples)


def test_a_payload_that_is_not_strict_base64_stays_as_invalid_and_holds_only_silence() -> None:
    payload = "AQID-_ab cd"  # URL-safe alphabet and a space: rtlog calls it invalid
    for enc in (PCM16, ULAW, ALAW):
        s = scrub_invalid(payload, enc)
        assert len(s) == len(payload) and s[4:6] != "-_" and s[8] == " "
        assert s.count("-") == 0 or enc != PCM16


@pytest.mark.parametrize("example", ["ulaw_session.jsonl", "ga_session.jsonl", "beta_session.jsonl"])
def test_examples_keep_their_summary_and_turns_and_pass_check(tmp_path: Path, example: str) -> None:
    src = EXAMPLES / example
    out = _redact(src, tmp_path / example)
    assert _summary(out) == _summary(src)
    assert _turns(out) == _turns(src)
    run_cli("redact", "--check", out, stderr=None)
    # G.711 audio became G.711 silence
    n = 0
    for i, line in enumerate(out.read_bytes().splitlines(), 1):
        ev = parse_line(line, "x", i)
        payload = ev.audio_b64()
        if payload is not None:
            raw = base64.b64decode(payload if isinstance(payload, str) else bytes(payload))
            assert is_silent(raw, ULAW if example.startswith("ulaw") else PCM16)
            n += 1
    assert n > 50


def test_audio_drop_leaves_placeholders_summary_reads_as_the_same_seconds(tmp_path: Path) -> None:
    src = EXAMPLES / "ga_session.jsonl"
    out = _redact(src, tmp_path / "d.jsonl", "--audio", "drop")
    before = parse_line(src.read_bytes().splitlines()[8], "x", 9)
    after = parse_line(out.read_bytes().splitlines()[8], "x", 9)
    assert after.data["audio"] == f"[trimmed: {before.audio_info().nbytes} bytes]"
    a, b = _summary(src), _summary(out)
    assert b["audio_seconds"] == a["audio_seconds"] and b["audio_bytes"] == a["audio_bytes"]
    assert out.stat().st_size < src.stat().st_size // 10


# --- twice is once; generated logs ------------------------------------------------------------


@pytest.mark.parametrize("opts", [(), ("--keep", "text,tools"), ("--pseudonymize", "pepper"), ("--audio", "drop")])
def test_redacting_twice_changes_nothing_more(tmp_path: Path, opts: tuple[str, ...]) -> None:
    log = planted(tmp_path)
    once = _redact(log, tmp_path / "once.jsonl", *opts)
    twice = _redact(once, tmp_path / "twice.jsonl", *opts)
    assert twice.read_bytes() == once.read_bytes()


@pytest.mark.parametrize(("dialect", "envelope"), [("ga", "none"), ("beta", "direction-data"), ("ga", "time-source")])
def test_generated_logs_are_the_same_session_after_redaction(tmp_path: Path, dialect: str, envelope: str) -> None:
    data, truth = generated_log(dialect, envelope, seed=5, minutes=0.5)
    log = tmp_path / "g.jsonl"
    log.write_bytes(data)
    out = _redact(log, tmp_path / "out.jsonl")
    assert _summary(out) == _summary(log)
    assert _turns(out) == _turns(log)
    assert len(_turns(out)) >= truth["user_turns"]
    run_cli("redact", "--check", out, stderr=None)
    r = run_cli("redact", "--check", "--json", log, exit_code=1)
    kinds = {f["kind"] for f in json.loads(r.stdout)["files"][0]["findings"]}
    assert kinds == {"audio", "text", "tools", "instructions"}


@needs_corpus
@pytest.mark.parametrize(
    "path",
    corpus_files("derived") + corpus_files("wrapped"),
    ids=lambda p: p.parent.name[0] + ":" + p.name[len("pydantic__pydantic-ai__") :][:60],
)
def test_real_corpus_is_the_same_session_after_redaction(tmp_path: Path, path: Path) -> None:
    out = _redact(path, tmp_path / "out.jsonl")
    assert _summary(out) == _summary(path)
    assert _turns(out) == _turns(path)
    run_cli("redact", "--check", out, stderr=None)
    assert _redact(out, tmp_path / "twice.jsonl").read_bytes() == out.read_bytes()


# --- pseudonyms ----------------------------------------------------------------------------------


def test_pseudonyms_are_consistent_keep_prefixes_and_joins(tmp_path: Path) -> None:
    src = EXAMPLES / "ga_session.jsonl"
    out = _redact(src, tmp_path / "p.jsonl", "--pseudonymize", "pepper")
    a, b = _turns(src), _turns(out)
    assert len(a) == len(b)
    ids = {}
    for x, y in zip(a, b):
        for i in (3, 4, 10):  # item_id, response_id, call_id
            if x[i] is not None:
                assert y[i] != x[i] and y[i].split("_")[0] == x[i].split("_")[0]
                assert ids.setdefault(x[i], y[i]) == y[i]
    assert len(set(ids.values())) == len(ids)
    sa, sb = _summary(src), _summary(out)
    assert sb["sessions"][0]["id"] != sa["sessions"][0]["id"]
    sa["sessions"][0].pop("id"), sb["sessions"][0].pop("id")
    ta, tb = sa["turn_taking"].pop("turns"), sb["turn_taking"].pop("turns")  # they name items and responses
    assert [ids[t["item_id"]] for t in ta] == [t["item_id"] for t in tb]
    assert [[ids[r] for r in t["response_ids"]] for t in ta] == [t["response_ids"] for t in tb]
    da, db = sa["turn_taking"].pop("delivery"), sb["turn_taking"].pop("delivery")
    assert [ids[x["response_id"]] for x in da] == [x["response_id"] for x in db]
    assert sb == sa
    other = _redact(src, tmp_path / "q.jsonl", "--pseudonymize", "salt2")
    assert _turns(other)[0][3] != b[0][3]


# --- personal data: detection and split deltas ------------------------------------------------


def test_detectors() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert [k for _, _, k in find_pii(f"card {CARD} or {NOT_A_CARD}")] == ["card"]
    text = "mail ann@example.com, call +33 6 12 34 56 78, IBAN GB82 WEST 1234 5698 7654 32, ip 10.0.0.12, key " + SK
    assert [k for _, _, k in find_pii(text)] == ["email", "phone", "iban", "ip", "secret"]
    assert find_pii("on 2026-01-01 at 12:30, 3 items for 19.99, order 4567") == []
    assert scrub(text) == ("mail [REDACTED:email:15], call [REDACTED:phone:17], IBAN [REDACTED:iban:27], "
                           "ip [REDACTED:ip:9], key [REDACTED:secret:32]")  # fmt: skip
    assert is_redacted(scrub(CARD)) and is_redacted("") and not is_redacted("[REDACTED:text:3] x")
    assert marker("text", "héllo") == "[REDACTED:text:5]"


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=6, unique=True))
def test_a_card_split_anywhere_over_deltas_is_redacted_in_kept_text(
    tmp_path_factory: pytest.TempPathFactory, cuts: list[int]
) -> None:
    text = f"ok my card: {CARD} thanks"
    bounds = [0, *sorted(c for c in cuts if c < len(text)), len(text)]
    pieces = [text[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]
    tmp = tmp_path_factory.mktemp("split")
    events = [{"type": "response.output_audio_transcript.delta", "item_id": "item_a", "content_index": 0, "delta": p}
              for p in pieces]  # fmt: skip
    events.append(
        {"type": "response.output_audio_transcript.done", "item_id": "item_a", "content_index": 0, "transcript": text}
    )
    log = write_log(tmp / "s.jsonl", events)
    r = run_cli("redact", "--check", "--keep", "text", log, exit_code=1, stderr=None)
    assert {k for _, _, k in _findings(r.stdout, log)} == {"card"}
    out = _redact(log, tmp / "o.jsonl", "--keep", "text")
    rows = [json.loads(x) for x in out.read_bytes().splitlines()]
    assert "".join(r["delta"] for r in rows[:-1]) == rows[-1]["transcript"] == "ok my card: [REDACTED:card:19] thanks"


# --- the command: inputs, outputs, errors ------------------------------------------------------


def test_refuses_to_overwrite_the_input_also_through_links(tmp_path: Path) -> None:
    log = planted(tmp_path)
    before = log.read_bytes()
    os.symlink(log, tmp_path / "link.jsonl")
    os.link(log, tmp_path / "hard.jsonl")
    for target in (log, tmp_path / "link.jsonl", tmp_path / "hard.jsonl"):
        r = run_cli("redact", log, "-o", target, exit_code=2, stderr=None)
        same = "" if target == log else f": it is {log}"  # (a link says which input it is)
        assert r.stderr == f"rtlog: error: {target}: refusing to overwrite an input file{same}\n"
    assert log.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.jsonl", "link.jsonl", "planted.jsonl"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give the output with -o OUT (the input is never overwritten)"),
        (["--keep", "voice", "-o", "x"], "--keep: unknown category 'voice' (text, tools, instructions, audio)"),
        (["--audio", "mute", "-o", "x"], "--audio must be silence or drop (got 'mute')"),
        (["--check", "-o", "x"], "--check scans logs: it takes no -o or --pseudonymize"),
        (
            ["--pseudonymize", "", "-o", "x"],
            "--pseudonymize needs a SALT (a secret of yours: anyone with it can test guesses of ids)",
        ),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    log = planted(tmp_path)
    r = run_cli("redact", log, *args, exit_code=2, stderr=None)
    assert r.stderr == f"rtlog: error: {message}\n"


def test_a_bad_line_becomes_a_blank_line_so_line_numbers_still_match(tmp_path: Path) -> None:
    log = write_log(tmp_path / "b.jsonl", [
        {"type": "response.output_text.delta", "delta": "secret plans"},
        b'{"type": "response.output_text.delta", "delta": "cut sh',
        {"type": "response.output_text.done", "text": "secret plans"},
    ])  # fmt: skip
    out = tmp_path / "o.jsonl"
    r = run_cli("redact", log, "-o", out, stderr=None)
    assert r.stderr == (
        f"rtlog: warning: {log}:2: invalid JSON: unexpected control character in string (column 56)\n"
        "rtlog: warning: 1 bad line written as blank lines (a line rtlog cannot read cannot be redacted)\n"
        f"rtlog: wrote {out}: 3 lines, 2 redacted (all text redacted; audio silenced)\n"
    )
    assert out.read_bytes().splitlines()[1] == b""
    run_cli("redact", log, "-o", tmp_path / "s.jsonl", "--strict", exit_code=2, stderr=None)
    assert not (tmp_path / "s.jsonl").exists()


def test_stdin_with_kept_text_is_read_twice_from_a_copy_and_gz_output_is_read_back(tmp_path: Path) -> None:
    log = planted(tmp_path)
    out = tmp_path / "o.jsonl.gz"
    r = run_rtlog("redact", "-", "-o", out, "--keep", "text", input=log.read_bytes())
    assert r.returncode == 0, r.stderr
    assert (
        r.stderr.decode()
        == f"rtlog: wrote {out}: 12 lines, 11 redacted (text kept but for personal data; audio silenced)\n"
    )
    r = run_rtlog("redact", "--check", "--keep", "text", out)
    assert (r.returncode, r.stdout) == (0, b"")
    plain = run_rtlog("redact", "-", "-o", "-", input=log.read_bytes())
    assert plain.returncode == 0 and plain.stdout.count(b"\n") == 12 and b"4111" not in plain.stdout


# --- hostile input ---------------------------------------------------------------------------


def _hostile_outcome(data: bytes) -> None:
    """redact on any input: no traceback; refused as every command refuses it, or every line
    written (an event as an event of the same type, direction and time; a bad line blank);
    the result passes --check and redacting it again changes nothing."""
    import tempfile

    from hostile import run, verdict

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "log.jsonl")
        Path(path).write_bytes(data)
        v = verdict(data, path)
        r = run(["redact", path, "-o", "{out}"], workdir=d)
        assert Path(path).read_bytes() == data
        if v.compressed:
            return
        if v.refused is not None:
            assert r.exit_code == 2 and r.errors == [f"rtlog: error: {v.refused}"], r.stderr
            assert not os.path.exists(r.out)
            return
        assert r.exit_code == 0, r.stderr
        out = r.files["out.wav"]
        lines = io.BytesIO(out).readlines()
        if lines and lines[0].startswith(b"\xef\xbb\xbf"):
            lines[0] = lines[0][3:]
        assert len(lines) == len(v.lines)
        for n, line in enumerate(lines, 1):
            if n in v.events:
                ev, new = v.events[n], parse_line(line, path, n)
                assert (new.type, new.direction, new.timestamp) == (ev.type, ev.direction, ev.timestamp)
            else:
                assert not line.strip()
        redacted = os.path.join(d, "redacted.jsonl")
        Path(redacted).write_bytes(out)
        c = run(["redact", "--check", redacted], workdir=d)
        assert c.exit_code == 0, (c.stdout, c.stderr)
        again = run(["redact", redacted, "-o", "{out}"], workdir=d)
        assert again.files["out.wav"] == out


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(wrong_typed_events.map(dumps) | garbage_line, min_size=1, max_size=14), st.booleans())
def test_hostile_events(lines: list[bytes], newline_at_end: bool) -> None:
    _hostile_outcome(lines_file(lines, newline_at_end))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(mutated_sessions())
def test_mutated_real_sessions(data: bytes) -> None:
    _hostile_outcome(data)


# --- formats and dialects --------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_gpt_live_audio_in_the_startup_format_transcripts_appends_and_digits(tmp_path: Path) -> None:
    log = write_log(tmp_path / "live.jsonl", [
        {"type": "session.start", "session": {"model": "gpt-live-1", "instructions": "Be brief.",
                                              "audio": {"format": {"type": "audio/pcmu", "rate": 8000}}}},
        {"type": "session.input_audio.append", "audio": _b64(bytes(range(256)) * 4)},
        {"type": "session.output_audio.delta", "delta": _b64(bytes(range(255, -1, -1)) * 4)},
        {"type": "session.input_transcript.delta", "delta": "call me on +44 20 7946", "start_ms": 0, "end_ms": 900},
        {"type": "session.input_transcript.delta", "delta": " 0958 please", "start_ms": 900, "end_ms": 1500},
        {"type": "session.commentary.append", "content": "The order 5521 shipped.", "delegation_id": None},
        {"type": "transport.dtmf.received", "event_id": "ev_1", "event": "5"},
    ])  # fmt: skip
    r = run_cli("redact", "--check", log, exit_code=1, stderr=None)
    assert _findings(r.stdout, log) == [
        (1, "session.instructions", "instructions"), (2, "audio", "audio"), (3, "delta", "audio"),
        (4, "delta", "phone"), (5, "delta", "phone"), (6, "content", "instructions"), (7, "event", "dtmf"),
    ]  # fmt: skip
    out = _redact(log, tmp_path / "out.jsonl")
    rows = [json.loads(x) for x in out.read_bytes().splitlines()]
    assert base64.b64decode(rows[1]["audio"]) == b"\xff" * 1024  # μ-law silence, as the session said
    assert base64.b64decode(rows[2]["delta"]) == b"\xff" * 1024
    assert [rows[3]["delta"], rows[4]["delta"]] == ["[REDACTED:text:22]", "[REDACTED:text:12]"]
    kept = _redact(log, tmp_path / "kept.jsonl", "--keep", "text")
    rows = [json.loads(x) for x in kept.read_bytes().splitlines()]
    assert rows[3]["delta"] + rows[4]["delta"] == "call me on [REDACTED:phone:16] please"
    run_cli("redact", "--check", out, stderr=None)


def test_a_response_in_alaw_gets_alaw_silence_and_retrieved_items_their_side(tmp_path: Path) -> None:
    loud = _b64(bytes(range(256)) * 2)
    log = write_log(tmp_path / "a.jsonl", [
        {"type": "session.created", "session": {"id": "s1", "input_audio_format": "g711_ulaw", "output_audio_format": "pcm16"}},
        {"type": "response.create", "response": {"output_audio_format": "g711_alaw"}},
        {"type": "response.created", "response": {"id": "resp_1", "status": "in_progress"}},
        {"type": "response.audio.delta", "response_id": "resp_1", "item_id": "item_1", "delta": loud},
        {"type": "response.created", "response": {"id": "resp_2", "status": "in_progress"}},
        {"type": "response.audio.delta", "response_id": "resp_2", "item_id": "item_2", "delta": loud},
        {"type": "conversation.item.retrieved", "item": {"id": "item_3", "type": "message", "role": "user",
         "content": [{"type": "input_audio", "audio": loud, "transcript": "hello"}]}},
    ])  # fmt: skip
    out = _redact(log, tmp_path / "out.jsonl")
    rows = [json.loads(x) for x in out.read_bytes().splitlines()]
    assert set(base64.b64decode(rows[3]["delta"])) == {0xD5}  # the response's own A-law
    assert set(base64.b64decode(rows[5]["delta"])) == {0}  # the session's PCM16
    part = rows[6]["item"]["content"][0]
    assert set(base64.b64decode(part["audio"])) == {0xFF} and part["transcript"] == "[REDACTED:text:5]"
    assert [len(r.get("delta", "")) for r in rows] == [
        len(json.loads(x).get("delta", "")) for x in log.read_bytes().splitlines()
    ]


def test_events_held_as_json_strings_and_secrets_in_free_text(tmp_path: Path) -> None:
    log = write_log(tmp_path / "e.jsonl", [
        {"timestamp": 1, "direction": "in",
         "event": '{"type":"response.output_text.delta","delta":"hi there","item_id":"item_1"}'},
        {"kind": "close", "direction": "received", "code": 1011, "reason": "token=abc123456789 expired"},
    ])  # fmt: skip
    r = run_cli("redact", "--check", log, exit_code=1, stderr=None)
    assert _findings(r.stdout, log) == [(1, "event.delta", "text"), (2, "reason", "secret")]
    out = _redact(log, tmp_path / "o.jsonl")
    rows = [json.loads(x) for x in out.read_bytes().splitlines()]
    assert json.loads(rows[0]["event"]) == {
        "type": "response.output_text.delta",
        "delta": "[REDACTED:text:8]",
        "item_id": "item_1",
    }
    assert rows[1]["reason"] == "token=[REDACTED:secret:12] expired"
    assert _turns(out) == _turns(log)


@pytest.mark.parametrize("dialect", ["beta", "ga"])
def test_the_fast_way_for_bare_audio_lines_writes_what_the_event_way_writes(dialect: str) -> None:
    from rtlog.redact import Policy, Redactor

    data, _ = generated_log(dialect, "none", seed=9, minutes=0.2)
    fast, slow = Redactor(Policy()), Redactor(Policy())
    taken = 0
    for n, line in enumerate(io.BytesIO(data), 1):
        ev = parse_line(line, "g", n)
        expected = slow.line(ev)
        got = fast.bare_audio_line(line)
        if got is None:
            assert fast.line(ev) == expected
        else:
            assert got == expected
            taken += 1
    assert taken > 100


def _live(kind: str, **kw: object) -> bytes:
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_live import generate_live, generate_translation
    finally:
        sys.path.remove(str(REPO / "bench"))
    buf = io.BytesIO()
    (generate_translation(buf) if kind == "translation" else generate_live(buf, **kw))  # type: ignore[arg-type]
    return buf.getvalue()


@pytest.mark.parametrize(
    ("kind", "kw"),
    [
        ("live", {"transport": "primary", "closed": True, "envelope": "none"}),
        ("live", {"transport": "sideband", "closed": False, "envelope": "none"}),
        ("live", {"transport": "sideband", "closed": True, "envelope": "time-source", "rate": 16000}),
        ("translation", {}),
    ],
)
def test_generated_gpt_live_and_translation_logs_are_the_same_session(tmp_path: Path, kind: str, kw: dict) -> None:
    log = tmp_path / "live.jsonl"
    log.write_bytes(_live(kind, **kw))
    out = _redact(log, tmp_path / "out.jsonl")
    assert _summary(out) == _summary(log)
    assert _turns(out) == _turns(log)
    run_cli("redact", "--check", out, stderr=None)
    r = run_cli("redact", "--check", "--json", log, exit_code=1)
    assert {"audio", "text"} <= {f["kind"] for f in json.loads(r.stdout)["files"][0]["findings"]}
    assert _redact(out, tmp_path / "twice.jsonl").read_bytes() == out.read_bytes()
