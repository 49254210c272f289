"""`rtlog report`: the page's numbers are summary's, every log string is inert, the audio
beside or inside the page is extract-audio's, the peaks are the audio's, and files are
written as every command writes them (atomically, never over an input)."""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import wave
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES, corpus_file, generated_log, needs_corpus, run_cli, write_log
from report_pages import HOSTILE, hostile_log, json_path, page_data, parse_page

from rtlog.metrics.summary import latency_stats
from rtlog.report.peaks import wav_peaks

EXAMPLE_LOGS = ["ga_session.jsonl", "beta_session.jsonl", "ulaw_session.jsonl"]


def _summary(log: Path) -> dict:
    return orjson.loads(run_cli("summary", "--json", log).stdout)


def _report(log: Path, out: Path, *args: str, stderr: str | None = None) -> Path:
    r = run_cli("report", log, "-o", out, *args, stderr=None)
    if stderr is not None:
        assert r.stderr == stderr
    return out


def _check_numbers(page: Path, summary: dict) -> int:
    p = parse_page(page)
    assert p.numbers, "the page shows no summary numbers"
    for key, (value, shown) in p.numbers.items():
        assert value == json_path(summary, key), key
        if isinstance(value, int) and not isinstance(value, bool):
            assert shown == f"{value:,}", (key, shown)
    return len(p.numbers)


@pytest.mark.parametrize("name", EXAMPLE_LOGS)
def test_every_number_in_the_header_is_summary_json(tmp_path: Path, name: str) -> None:
    log = EXAMPLES / name
    page = _report(log, tmp_path / "r.html", "--audio", "none")
    n = _check_numbers(page, _summary(log))
    assert n >= 19  # span, events, lines, turns, responses, tokens, cost, latency, audio…


def test_the_ga_example_shows_the_numbers_a_person_reads(tmp_path: Path) -> None:
    page = _report(EXAMPLES / "ga_session.jsonl", tmp_path / "r.html", "--audio", "none")
    p = parse_page(page)
    shown = {k: t for k, (_, t) in p.numbers.items()}
    assert shown["cost_usd"] == "$0.0219"
    assert shown["latency_ms.p50"] == "538 ms"
    assert shown["latency_ms.p90"] == "871 ms"
    assert shown["responses.cancelled"] == "1"
    assert shown["span.seconds"] == "19.0 s"
    text = "".join(p.text)
    # the interrupted reply: heard part, the cut, the part not heard (the transcript's split)
    assert "It opened in eighteen eighty nine.‖It is about three" in text
    assert "interrupted · turn_detected at 1.42 s" in text
    assert "round trip 147 ms" in text  # get_weather: arguments done → the client's output
    turns = [a for t, a in p.tags if t == "li" and ("class", "turn") in a]
    assert [dict(a)["data-n"] for a in turns] == ["0", "1", "2", "3", "4"]
    # the per-turn numbers add up to the header's: latency bars → p50/p90/max, tokens → usage
    html = page.read_text(encoding="utf-8")
    bars = [float(x.replace(",", "")) for x in re.findall(r'<span class="ms">([\d,]+) ms</span>', html)]
    assert bars == [612, 871, 538, 397]
    assert latency_stats(bars) == {"count": 4, "p50": 538.0, "p90": 871.0, "max": 871.0}
    tokens = [(int(a.replace(",", "")), int(b.replace(",", ""))) for a, b in re.findall(r"([\d,]+) in · ([\d,]+) out tokens", html)]
    summary = _summary(EXAMPLES / "ga_session.jsonl")
    assert [sum(t[0] for t in tokens), sum(t[1] for t in tokens)] == [summary["usage"]["input_tokens"], summary["usage"]["output_tokens"]]
    costs = [float(x) for x in re.findall(r"out tokens · \$([\d.]+)", html)]
    assert sum(costs) == pytest.approx(summary["cost_usd"], abs=0.0001 * len(costs))  # (each shown to 4 decimals)


@needs_corpus
@pytest.mark.parametrize("name", [
    "test_input_audio_retention_segments_three_server_vad_turns@e9c858600",
    "azure_ws__test_audio_in_server_vad_transcription_requires_deployment",
    "xai_ws__test_session_resumption_after_drop",
    "openai_ws_sideband__test_webrtc_sideband_audio_turn",
    "openai__test_openai_tool_call@8cedd8c16",
])  # fmt: skip
def test_real_recordings_numbers_equal_summary(tmp_path: Path, name: str) -> None:
    log = corpus_file(name)
    page = _report(log, tmp_path / "r.html")
    _check_numbers(page, _summary(log))


@needs_corpus
def test_a_log_without_audio_gets_a_full_page_that_says_so(tmp_path: Path) -> None:
    log = corpus_file("openai_ws_sideband__test_webrtc_sideband_audio_turn")
    r = run_cli("report", log, "-o", tmp_path / "r.html", stderr=None)
    assert r.stderr == (f"rtlog: wrote {tmp_path / 'r.html'} ({(tmp_path / 'r.html').stat().st_size / 1000:.1f} kB); no audio in this "
                        "log (a WebRTC/SIP sideband or a recorder that drops audio): nothing to play\n")  # fmt: skip
    assert not (tmp_path / "r.wav").exists()
    p = parse_page(tmp_path / "r.html")
    assert not [t for t, _ in p.tags if t == "audio"]
    assert "No audio in this log" in "".join(p.text)
    assert page_data(p)["peaks"] is None
    assert [a for t, a in p.tags if t == "li" and ("class", "turn") in a]


def test_generated_log_turns_and_numbers(tmp_path: Path) -> None:
    data, truth = generated_log(minutes=0.5, seed=3)
    log = tmp_path / "gen.jsonl"
    log.write_bytes(data)
    page = _report(log, tmp_path / "r.html", "--audio", "none")
    summary = _summary(log)
    _check_numbers(page, summary)
    p = parse_page(page)
    turns = [dict(a) for t, a in p.tags if t == "li" and ("class", "turn") in a]
    assert len([t for t in turns if t["data-n"] != "0"]) == summary["user_turns"] == truth["user_turns"]


# -- hostile strings ---------------------------------------------------------------------------


def test_hostile_strings_are_text_never_markup(tmp_path: Path) -> None:
    log = hostile_log(tmp_path)
    page = _report(log, tmp_path / "r.html", "--audio", "embed")
    p = parse_page(page)
    scripts = [(a.get("type"), a.get("id")) for a, _ in p.scripts]
    assert scripts == [("application/octet-stream", "rtlog-audio"), ("application/json", "rtlog-data"), (None, None)]
    allowed = {"html", "head", "meta", "title", "style", "body", "a", "header", "h1", "h2", "h3", "p", "main", "section", "div",
               "span", "small", "table", "tr", "th", "td", "details", "summary", "pre", "code", "audio", "button", "canvas",
               "ol", "ul", "li", "b", "script"}  # fmt: skip
    for tag, attrs in p.tags:
        assert tag in allowed, tag
        for k, v in attrs:
            assert not k.startswith("on"), (tag, k, v)
            assert not (v or "").strip().lower().startswith("javascript:"), (tag, k, v)
    data = page_data(p)
    text = "".join(p.text)
    # the strings are all there, as text: in the page and in the data block
    assert text.count("alert(1)") >= 20
    assert HOSTILE.replace("\u2028", "").replace("\u2029", "")[:60] in text.replace("\u2028", "").replace("\u2029", "")
    assert [m[3][:80] for m in data["lanes"]["tools"]] == [("get_weather" + HOSTILE)[:80]]  # a tooltip's text, cut at 100
    # the data block: no character that could end it or start markup
    (block,) = [t for a, t in p.scripts if a.get("id") == "rtlog-data"]
    assert not re.search(r"[<>&\u2028\u2029]", block)
    assert block.isascii()


def test_no_external_url_anywhere(tmp_path: Path) -> None:
    for log in (EXAMPLES / "ga_session.jsonl", hostile_log(tmp_path)):
        page = _report(log, tmp_path / "r.html")
        html = page.read_text(encoding="utf-8")
        p = parse_page(page)
        for _tag, attrs in p.tags:
            for k, v in attrs:
                if k in ("src", "href", "action", "poster", "srcset", "data"):
                    assert not re.match(r"\s*(https?:|//|ftp:|ws:)", v or "", re.I), (k, v)
        css = "".join(t for t, a in p.tags if t == "style")
        assert "@import" not in html and "url(" not in css
        csp = [dict(a)["content"] for t, a in p.tags if t == "meta" and dict(a).get("http-equiv") == "Content-Security-Policy"]
        assert csp and "default-src 'none'" in csp[0] and "unsafe-inline" not in csp[0].split("script-src")[1].split(";")[0]


# -- audio -----------------------------------------------------------------------------------


def test_linked_audio_is_extract_audio_side_both(tmp_path: Path) -> None:
    log = EXAMPLES / "ga_session.jsonl"
    page = _report(log, tmp_path / "call.html")
    run_cli("extract-audio", log, "--side", "both", "-o", tmp_path / "both.wav", stderr=None)
    assert (tmp_path / "call.wav").read_bytes() == (tmp_path / "both.wav").read_bytes()
    p = parse_page(page)
    (audio,) = [dict(a) for t, a in p.tags if t == "audio"]
    assert audio["src"] == "call.wav"
    with open(tmp_path / "call.wav", "rb") as f:
        peaks = wav_peaks(f)
    assert peaks is not None
    assert base64.b64decode(page_data(p)["peaks"]["data"]) == peaks.data


def test_embedded_audio_is_the_same_wav_and_g711_is_decoded(tmp_path: Path) -> None:
    log = EXAMPLES / "ulaw_session.jsonl"
    page = _report(log, tmp_path / "u.html", "--audio", "embed")
    run_cli("extract-audio", log, "--side", "both", "-o", tmp_path / "both.wav", stderr=None)
    p = parse_page(page)
    (b64,) = [t for a, t in p.scripts if a.get("id") == "rtlog-audio"]
    wav = base64.b64decode(b64)
    assert wav == (tmp_path / "both.wav").read_bytes()
    with wave.open(io.BytesIO(wav)) as w:
        assert (w.getsampwidth(), w.getnchannels()) == (2, 2)  # PCM16 stereo: every browser plays it
    assert not (tmp_path / "u.wav").exists()


def _wav(frames: list[tuple[int, int]], rate: int = 1000) -> io.BytesIO:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<hh", a, b) for a, b in frames))
    buf.seek(0)
    return buf


def test_peaks_are_min_and_max_per_column() -> None:
    # 2 s at 1 kHz: left loud in the first second, right quiet in the second
    frames = [((16384 if i % 2 else -16384), 0) for i in range(1000)] + [(0, (300 if i % 2 else -1)) for i in range(1000)]
    p = wav_peaks(_wav(frames), per_second=4)
    assert (p.columns, p.seconds, p.rate) == (8, 2.0, 1000)
    cols = [struct.unpack("4b", p.data[i * 4 : i * 4 + 4]) for i in range(p.columns)]
    assert cols[:4] == [(-64, 64, 0, 0)] * 4
    assert cols[4:] == [(0, 0, -1, 2)] * 4  # rounded outward: a quiet sound still shows


def test_peaks_cap_the_columns_and_cover_the_whole_audio() -> None:
    frames = [(0, 0)] * 9999 + [(32767, -32768)]
    p = wav_peaks(_wav(frames), max_columns=7, per_second=100)
    assert p.columns == 7
    assert struct.unpack("4b", p.data[-4:]) == (0, 127, -128, 0)


# -- files and errors ------------------------------------------------------------------------


def test_several_logs_give_pages_and_a_sorted_index(tmp_path: Path) -> None:
    bad = tmp_path / "in" / "binary.jsonl"
    bad.parent.mkdir()
    bad.write_bytes(b"\x00\x01\x02" * 100)
    for name in EXAMPLE_LOGS:
        (tmp_path / "in" / name).write_bytes((EXAMPLES / name).read_bytes())
    r = run_cli("report", tmp_path / "in", "-o", tmp_path / "out", "--audio", "none", exit_code=2, stderr=None)
    lines = r.stderr.splitlines()
    assert lines[0].startswith(f"rtlog: error: {tmp_path / 'in' / 'binary.jsonl'}: ")
    assert lines[-1] == f"rtlog: wrote 3 pages and {tmp_path / 'out' / 'index.html'}; 1 log could not be read"
    assert sorted(x.name for x in (tmp_path / "out").iterdir()) == ["beta_session.html", "ga_session.html", "index.html", "ulaw_session.html"]
    p = parse_page(tmp_path / "out" / "index.html")
    hrefs = [dict(a)["href"] for t, a in p.tags if t == "a"]
    assert sorted(hrefs) == ["beta_session.html", "ga_session.html", "ulaw_session.html"]
    assert "binary.jsonl" in "".join(p.text)
    # the totals row is summary's totals over the same logs
    total = orjson.loads(run_cli("summary", "--json", *(EXAMPLES / n for n in EXAMPLE_LOGS)).stdout)["total"]
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    foot = html[html.index("<tfoot>") :]
    values = [json.loads(v) for v in re.findall(r'data-v="([^"]*)"', foot.replace("&quot;", '"'))]
    assert values == [total["span"]["seconds"], total["user_turns"], total["interruptions"], len(total["errors"]),
                      len(total["warnings"]), total["cost_usd"], total["latency_ms"]["p50"], total["latency_ms"]["p90"]]  # fmt: skip


def test_output_is_atomic_and_never_an_input(tmp_path: Path) -> None:
    log = write_log(tmp_path / "a.jsonl", [orjson.loads(x) for x in (EXAMPLES / "beta_session.jsonl").read_bytes().splitlines()[:30]])
    before = log.read_bytes()
    r = run_cli("report", log, "-o", log, exit_code=2, stderr=None)
    assert r.stderr == f"rtlog: error: {log}: refusing to overwrite an input file\n"
    assert log.read_bytes() == before
    r = run_cli("report", log, "-o", tmp_path / "missing" / "r.html", exit_code=2, stderr=None)
    assert r.stderr == f"rtlog: error: {tmp_path / 'missing' / 'r.html'}: cannot write: directory does not exist\n"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.jsonl"]


def test_stdin_needs_o_and_is_read_twice_for_audio(tmp_path: Path) -> None:
    data = (EXAMPLES / "ga_session.jsonl").read_bytes()
    r = run_cli("report", "-", input=data, exit_code=2, stderr=None)
    assert r.stderr == "rtlog: error: report: give -o FILE.html when the log comes from stdin\n"
    run_cli("report", "-", "-o", tmp_path / "s.html", input=data, stderr=None)
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "--side", "both", "-o", tmp_path / "both.wav", stderr=None)
    assert (tmp_path / "s.wav").read_bytes() == (tmp_path / "both.wav").read_bytes()


def test_bad_options_and_bad_lines(tmp_path: Path) -> None:
    log = EXAMPLES / "ga_session.jsonl"
    r = run_cli("report", log, "-o", tmp_path / "r.html", "--audio", "inline", exit_code=2, stderr=None)
    assert r.stderr == "rtlog: error: --audio must be one of none, link, embed (got 'inline')\n"
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(log.read_bytes().replace(b"\n", b"\n{oops\n", 1))
    r = run_cli("report", bad, "-o", tmp_path / "r.html", "--audio", "none", stderr=None)
    assert r.stderr.splitlines()[0].startswith(f"rtlog: warning: {bad}:2: invalid JSON: ")
    assert parse_page(tmp_path / "r.html").numbers["malformed"][0] == 1
    r = run_cli("report", bad, "-o", tmp_path / "s.html", "--strict", exit_code=2, stderr=None)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["bad.jsonl", "r.html"]  # (no page, no WAV, no temporary file)


def test_a_wav_that_cannot_be_written_is_said_after_the_bad_lines(tmp_path: Path) -> None:
    """The audio pass comes first, but what it meets is said where it was when it came
    second: after the conversation pass's warnings."""
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes((EXAMPLES / "ga_session.jsonl").read_bytes().replace(b"\n", b"\n{oops\n", 1))
    (tmp_path / "r.wav").mkdir()
    r = run_cli("report", bad, "-o", tmp_path / "r.html", exit_code=2, stderr=None)
    lines = r.stderr.splitlines()
    assert lines[0].startswith(f"rtlog: warning: {bad}:2: invalid JSON: ") and lines[-1] == f"rtlog: error: {tmp_path / 'r.wav'}: is a directory"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["bad.jsonl", "r.wav"]


def test_raw_events_elide_audio_and_link_lines(tmp_path: Path) -> None:
    page = _report(EXAMPLES / "ga_session.jsonl", tmp_path / "r.html", "--audio", "none")
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"[A-Za-z0-9+/]{200,}", html)  # no audio payload (the peaks are not drawn with --audio none)
    p = parse_page(page)
    ids = {dict(a).get("id") for _, a in p.tags}
    assert "L136" in ids  # the error event, which the checks link to
    assert ("href", "#L136") in [kv for t, a in p.tags if t == "a" for kv in a]
    text = "".join(p.text)
    assert "lines 13–38: audio, not shown" in text
    assert "line 54: audio, not shown" in text


@pytest.mark.slow
def test_a_one_hour_log_gives_a_page_under_1_mb(tmp_path: Path) -> None:
    import sys

    from conftest import REPO, run_rtlog

    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_session import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    log = tmp_path / "hour.jsonl"
    with open(log, "wb") as f:
        generate(f, minutes=60, dialect="beta", seed=1)
    r = run_rtlog("report", log, "--audio", "none", "-o", tmp_path / "hour.html", timeout=600)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "hour.html").stat().st_size < 1_000_000
    summary = orjson.loads(run_rtlog("summary", "--json", log, timeout=600).stdout)
    _check_numbers(tmp_path / "hour.html", summary)
    text = "".join(parse_page(tmp_path / "hour.html").text)
    assert f"--turn {summary['user_turns']}" in text  # the turns past the raw events' budget say how to see theirs


def test_control_and_bidi_characters_of_a_log_are_not_in_the_page(tmp_path: Path) -> None:
    """A bidi override in a log's text would reorder what the page shows (issue 21's
    review: '\\u202egpj.exe' reads as 'exe.jpg'); escape sequences have no business in HTML.
    Outside the data block (ASCII, escaped as JSON) neither appears raw."""
    trick = "invoice\u202egpj.exe \x1b]0;owned\x07 done"
    lines = []
    for raw in (EXAMPLES / "ga_session.jsonl").read_bytes().splitlines():
        lines.append(raw.replace(b"You are a friendly travel assistant", orjson.dumps(trick)[1:-1]))
    log = tmp_path / "bidi.jsonl"
    log.write_bytes(b"\n".join(lines) + b"\n")
    html = _report(log, tmp_path / "b.html", "--audio", "none").read_text(encoding="utf-8")
    outside = re.sub(r'<script type="application/json" id="rtlog-data">.*?</script>', "", html, flags=re.S)
    assert "invoice\ufffdgpj.exe \ufffd]0;owned\ufffd done" in outside
    assert not re.search("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f\x7f-\x9f]", outside)


@pytest.mark.parametrize("audio", ["link", "embed", "none"])
def test_progress_covers_each_pass_and_ends_at_their_total(tmp_path: Path, audio: str) -> None:
    """The audio pass comes first (its fold is gone before the page's conversation is made);
    the progress goes on through both passes, never back, to the log's size times the passes."""
    from rtlog.io.reader import Diagnostics, expand_sources
    from rtlog.metrics.pricing import builtin_table
    from rtlog.report.build import report_one

    (src,) = expand_sources([str(EXAMPLES / "ga_session.jsonl")])
    seen: list[int] = []
    w = report_one(src, Diagnostics(), builtin_table(), out=str(tmp_path / "p.html"), audio=audio, on_progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == src.size * (1 if audio == "none" else 2)
    assert src.size in seen  # (the first pass, the audio's with audio, reports its own end)
    assert (w.wav is not None) == (audio == "link") and (w.audio_bytes > 0) == (audio != "none")
