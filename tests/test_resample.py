"""Band-limited rate conversion (`rtlog.audio.resample`) and `extract-audio --out-rate`:
a sine below the lower Nyquist keeps its frequency and level, its images and aliases are
far down, any chunking gives the same samples, sox agrees, and the stereo mix of sides at
different rates is clean."""

from __future__ import annotations

import base64
import math
import shutil
import subprocess
import wave
from array import array
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli, write_log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtlog.audio import g711
from rtlog.audio.resample import SincResampler


def tone(freq: float, rate: int, seconds: float, amp: float = 10000.0) -> array:
    return array("h", [round(amp * math.sin(2 * math.pi * freq * i / rate)) for i in range(int(rate * seconds))])


def level(x: list[int] | array, freq: float, rate: int) -> float:
    """The amplitude of the sine at `freq` in x (a Hann-windowed single-bin DFT: Goertzel's)."""
    n = len(x)
    w = [0.5 - 0.5 * math.cos(2 * math.pi * i / (n - 1)) for i in range(n)]
    c = [math.cos(2 * math.pi * freq * i / rate) for i in range(n)]
    s = [math.sin(2 * math.pi * freq * i / rate) for i in range(n)]
    re = sum(a * b * d for a, b, d in zip(x, w, c))
    im = sum(a * b * d for a, b, d in zip(x, w, s))
    return 2 * math.hypot(re, im) / sum(w)


def db(a: float, ref: float) -> float:
    return 20 * math.log10(max(a, 1e-9) / ref)


def resample(x: array, src: int, dst: int, chunk: int = 480, fast: bool = True) -> array:
    r = SincResampler(src, dst, fast=fast)
    out = b"".join(r.process(x[i : i + chunk].tobytes()) for i in range(0, len(x), chunk)) + r.flush()
    return array("h", out)


def middle(x: array) -> array:
    return x[len(x) // 4 : 3 * len(x) // 4]  # (away from the stream's silent edges)


# 8 kHz G.711 into a 24 kHz mix, the API's 24 kHz to 16 / 8 kHz telephony, 44.1 kHz and back
CASES = [(8000, 24000, 1000), (8000, 24000, 3000), (16000, 24000, 6000), (24000, 16000, 3000),
         (24000, 8000, 1000), (24000, 44100, 9000), (44100, 24000, 4000), (24000, 48000, 10000)]  # fmt: skip


@pytest.mark.parametrize("fast", [True, False], ids=["numpy", "pure"])
@pytest.mark.parametrize(("src", "dst", "freq"), CASES, ids=[f"{a}-{b}-{f}" for a, b, f in CASES])
def test_a_sine_keeps_its_frequency_and_level_and_its_images_are_gone(src: int, dst: int, freq: int, fast: bool) -> None:
    x = tone(freq, src, 0.25)
    y = resample(x, src, dst, fast=fast)
    assert len(y) == -(-len(x) * dst // src)
    mid = middle(y)
    a = level(mid, freq, dst)
    assert abs(db(a, 10000)) < 0.05  # the level kept (±0.05 dB)
    # images of an upsampling at k·src ± f (below the output's Nyquist): at least 60 dB down
    images = [g for k in (1, 2, 3, 4, 5) for g in (k * src - freq, k * src + freq) if 0 < g < dst / 2 and g != freq]
    for g in images:
        assert db(level(mid, g, dst), a) < -60, (g, db(level(mid, g, dst), a))
    # and nothing else: the residual after the sine is removed is small
    fitted = [a * math.sin(2 * math.pi * freq * (i + len(y) // 4) / dst) for i in range(len(mid))]
    phase_fit = sum(u * v for u, v in zip(mid, fitted)) / sum(v * v for v in fitted)
    residual = math.sqrt(sum((u - phase_fit * v) ** 2 for u, v in zip(mid, fitted)) / len(mid))
    assert db(residual, 10000 / math.sqrt(2)) < -50


def test_linear_interpolation_would_have_left_images() -> None:
    """The reason for the filter: 8 kHz → 24 kHz by linear interpolation keeps the 7 and
    9 kHz images of a 1 kHz tone ~30 dB down (audible); the filter puts them past 90 dB."""
    x = tone(1000, 8000, 0.25)
    lin = array("h", [round(x[i // 3] + (x[min(i // 3 + 1, len(x) - 1)] - x[i // 3]) * (i % 3) / 3) for i in range(3 * len(x))])
    sinc = resample(x, 8000, 24000)
    for g in (7000, 9000):
        assert db(level(middle(lin), g, 24000), 10000) > -45
        assert db(level(middle(sinc), g, 24000), 10000) < -90


def test_a_tone_above_the_output_nyquist_does_not_alias() -> None:
    x = tone(10000, 24000, 0.25)  # above 8 kHz: would fold to 6 kHz at 16 kHz
    y = middle(resample(x, 24000, 16000))
    assert db(level(y, 6000, 16000), 10000) < -60
    assert max(abs(v) for v in y) < 100


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    samples=st.lists(st.integers(-32768, 32767), min_size=0, max_size=200),
    rates=st.sampled_from([(8000, 24000), (16000, 24000), (24000, 16000), (22050, 24000), (24000, 8000), (44100, 16000)]),
    cuts=st.lists(st.integers(0, 200), max_size=8),
    fast=st.booleans(),
)
def test_any_chunking_gives_the_same_samples(samples: list[int], rates: tuple[int, int], cuts: list[int], fast: bool) -> None:
    src, dst = rates
    data = array("h", samples).tobytes()
    whole = SincResampler(src, dst, fast=fast)
    want = whole.process(data) + whole.flush()
    assert len(want) == 2 * -(-len(samples) * dst // src)
    points = sorted({min(c, len(samples)) * 2 for c in cuts} | {0, len(data)})
    r = SincResampler(src, dst, fast=fast)
    got = b""
    for a, b in zip(points, points[1:]):
        got += r.process(data[a:b])
        # what is owed is exactly what the input so far makes, less what came out
        assert len(got) // 2 + r.pending == -(-(b // 2) * dst // src)
    assert got + r.flush() == want
    assert r.pending == 0 and r.flush() == b""  # (a new stream)


@pytest.mark.parametrize(("src", "dst"), [(8000, 24000), (24000, 16000), (22050, 24000), (24000, 8000)])
def test_numpy_and_pure_python_give_the_same_samples(src: int, dst: int) -> None:
    """numpy (the `audio` extra) only makes it faster: the same samples, but for a rare ±1
    where a sum lands on a half and the two summation orders round it differently."""
    pytest.importorskip("numpy")
    import random

    rnd = random.Random(7)
    x = array("h", [rnd.randint(-20000, 20000) for _ in range(src // 5)])
    fast, pure = resample(x, src, dst, chunk=997, fast=True), resample(x, src, dst, chunk=997, fast=False)
    assert len(fast) == len(pure)
    diff = [abs(a - b) for a, b in zip(fast, pure)]
    assert max(diff) <= 1 and sum(diff) <= len(diff) // 1000


def test_dc_and_full_scale_pass_without_overflow() -> None:
    for src, dst in ((8000, 24000), (24000, 16000), (22050, 24000)):
        y = resample(array("h", [12345] * 2000), src, dst)
        assert set(middle(y)) == {12345}  # each phase sums to 1
        y = resample(array("h", [32767, -32768] * 1000), src, dst)  # clipped, never wrapped
        assert min(y) >= -32768 and max(y) <= 32767


@pytest.mark.skipif(shutil.which("sox") is None, reason="sox is not installed (apt-get install sox)")
@pytest.mark.parametrize(("src", "dst"), [(8000, 24000), (24000, 16000)])
def test_sox_agrees(tmp_path: Path, src: int, dst: int) -> None:
    """sox's very-high-quality `rate -v` on the same speech-band signal: the two outputs
    differ by less than -40 dB (both are band-limited; they differ in the transition band)."""
    x = array("h", [round(4000 * math.sin(2 * math.pi * 440 * i / src) + 3000 * math.sin(2 * math.pi * 1370 * i / src))
                    for i in range(src // 2)])  # fmt: skip
    raw = tmp_path / "in.raw"
    raw.write_bytes(x.tobytes())
    out = tmp_path / "out.raw"
    subprocess.run(["sox", "-t", "raw", "-r", str(src), "-e", "signed", "-b", "16", "-c", "1", str(raw),
                    "-t", "raw", str(out), "rate", "-v", str(dst)], check=True)  # fmt: skip
    theirs = array("h", out.read_bytes())
    ours = resample(x, src, dst)
    n = min(len(theirs), len(ours))
    a, b = middle(ours[:n]), middle(theirs[:n])
    err = math.sqrt(sum((u - v) ** 2 for u, v in zip(a, b)) / len(a))
    rms = math.sqrt(sum(u * u for u in b) / len(b))
    assert db(err, rms) < -40


# --- extract-audio --out-rate ------------------------------------------------------------------------


def frames(path: Path) -> tuple[int, int, bytes]:
    with wave.open(str(path)) as w:
        return w.getframerate(), w.getnchannels(), w.readframes(w.getnframes())


def test_out_rate_mono(tmp_path: Path) -> None:
    out = tmp_path / "a.wav"
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "--out-rate", "16000", "-o", out,
            stderr=f"rtlog: wrote {out}: 8.40 s, 16 kHz PCM16 mono, 134 chunks (268,832 bytes)\n")  # fmt: skip
    rate, ch, data = frames(out)
    assert (rate, ch, len(data)) == (16000, 1, 2 * -(-201_624 * 2 // 3))
    # the same as resampling the 24 kHz extraction as one stream
    ref = tmp_path / "ref.wav"
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "-o", ref, stderr=None)
    r = SincResampler(24000, 16000)
    assert data == r.process(frames(ref)[2]) + r.flush()
    # the rate of the log: the samples as they are
    run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "--out-rate", "24000", "-o", out, stderr=None)
    assert frames(out) == frames(ref)


def ulaw(x: array) -> bytes:
    """μ-law codes for PCM16 samples: the code whose decoded value is nearest (by rtlog's decoder)."""
    import bisect

    table = sorted((v, c) for c, v in enumerate(array("h", g711.to_pcm16(bytes(range(256)), "g711_ulaw"))))
    values = [v for v, _ in table]

    def code(s: int) -> int:
        i = bisect.bisect_left(values, s)
        near = min((j for j in (i - 1, i) if 0 <= j < len(values)), key=lambda j: abs(values[j] - s))
        return table[near][1]

    return bytes(code(s) for s in x)


def _mixed_rate_log(path: Path) -> Path:
    """User audio in 8 kHz G.711 μ-law (a 1 kHz tone), assistant PCM16 at 24 kHz, with times."""
    user = ulaw(tone(1000, 8000, 1.0, 8000))
    t0 = 1_767_225_600.0
    recs: list = [{"type": "session.created", "timestamp": t0, "session": {"id": "s", "model": "gpt-realtime",
                   "audio": {"input": {"format": {"type": "audio/pcmu"}}, "output": {"format": {"type": "audio/pcm", "rate": 24000}}}}}]  # fmt: skip
    for k in range(10):
        recs.append({"type": "input_audio_buffer.append", "timestamp": t0 + 0.1 * k, "audio": base64.b64encode(user[800 * k : 800 * (k + 1)]).decode()})
    recs.append({"type": "response.created", "timestamp": t0 + 1.2, "response": {"id": "r", "status": "in_progress"}})
    asst = tone(3000, 24000, 0.5, 8000).tobytes()
    for k in range(5):
        recs.append({"type": "response.output_audio.delta", "timestamp": t0 + 1.2 + 0.01 * k, "response_id": "r", "item_id": "i",
                     "delta": base64.b64encode(asst[4800 * k : 4800 * (k + 1)]).decode()})  # fmt: skip
    recs.append({"type": "response.done", "timestamp": t0 + 1.3, "response": {"id": "r", "status": "completed"}})
    return write_log(path, recs)


def test_stereo_mix_of_8k_user_and_24k_assistant_has_no_images(tmp_path: Path) -> None:
    log = _mixed_rate_log(tmp_path / "m.jsonl")
    out = tmp_path / "m.wav"
    run_cli("extract-audio", log, "--side", "both", "-o", out, stderr=None)
    rate, ch, data = frames(out)
    assert (rate, ch) == (24000, 2)
    x = array("h", data)
    left, right = x[0::2], x[1::2]
    user = left[2400:21600]  # 0.1 … 0.9 s: the tone, away from its edges
    a = level(user, 1000, 24000)
    assert abs(db(a, 8000)) < 0.3  # (μ-law's quantisation)
    for g in (7000, 9000, 15000, 17000):
        assert db(level(user, g, 24000), a) < -40
    # the assistant starts at 1.2 s, on time, the samples as sent
    start = 28800
    assert right[: start - 48].count(0) == start - 48
    assert right[start : start + 12000] == tone(3000, 24000, 0.5, 8000)[:12000]
    # --out-rate 48000: the same call, the assistant still at 1.2 s (±1 frame), its tone intact
    out48 = tmp_path / "m48.wav"
    run_cli("extract-audio", log, "--side", "both", "--out-rate", "48000", "-o", out48, stderr=None)
    rate, ch, data = frames(out48)
    right48 = array("h", data)[1::2]
    first = next(i for i, v in enumerate(right48) if abs(v) > 1000)
    assert abs(first - 2 * start) <= 2
    assert abs(db(level(right48[2 * start + 2000 : 2 * start + 22000], 3000, 48000), 8000)) < 0.05


def test_out_rate_refusals(tmp_path: Path) -> None:
    run_cli("extract-audio", EXAMPLES / "ulaw_session.jsonl", "--keep-encoding", "--out-rate", "16000", "-o", tmp_path / "a.wav",
            exit_code=2, stderr="rtlog: error: --out-rate converts PCM16: it cannot go with --keep-encoding (G.711 kept as recorded)\n")  # fmt: skip
    for bad in ("4000", "200000"):
        run_cli("extract-audio", EXAMPLES / "ga_session.jsonl", "--out-rate", bad, "-o", tmp_path / "a.wav", exit_code=2,
                stderr=f"rtlog: error: --out-rate must be 8000-192000 Hz (got {bad})\n")  # fmt: skip
    assert not (tmp_path / "a.wav").exists()


def test_out_rate_split_files_each_hold_their_own_audio(tmp_path: Path) -> None:
    """Each response file is its own stream: what the filter still holds at a response's end
    goes into that file (not the next one's start, nor lost at the end)."""
    log = EXAMPLES / "ga_session.jsonl"
    run_cli("extract-audio", log, "--split", "response", "-o", tmp_path / "a", stderr=None)
    run_cli("extract-audio", log, "--split", "response", "--out-rate", "16000", "-o", tmp_path / "b", stderr=None)
    names = sorted(p.name for p in (tmp_path / "a").glob("*.wav"))
    assert len(names) == 4 and names == sorted(p.name for p in (tmp_path / "b").glob("*.wav"))
    for name in names:
        rate, _, at24 = frames(tmp_path / "a" / name)
        r = SincResampler(24000, 16000)
        assert frames(tmp_path / "b" / name) == (16000, 1, r.process(at24) + r.flush())


@pytest.mark.parametrize("side", ["assistant", "both"])
def test_out_rate_on_a_gpt_live_log(tmp_path: Path, side: str) -> None:
    """GPT-Live logs are extracted by their own pass, written as one stream: resampled on the
    way (each channel of the stereo mix on its own), the same as resampling its WAV."""
    import io
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_live import generate_live
    finally:
        sys.path.remove(str(REPO / "bench"))
    buf = io.BytesIO()
    generate_live(buf)
    log = tmp_path / "live.jsonl"
    log.write_bytes(buf.getvalue())
    ref, out = tmp_path / "ref.wav", tmp_path / "out.wav"
    run_cli("extract-audio", log, "--side", side, "-o", ref, stderr=None)
    r = run_cli("extract-audio", log, "--side", side, "--out-rate", "16000", "-o", out, stderr=None)
    rate, ch, data = frames(ref)
    assert rate == 24000 and ch == (2 if side == "both" else 1)
    x = array("h", data)
    want = []
    for c in range(ch):
        rs = SincResampler(24000, 16000)
        want.append(array("h", rs.process(x[c::ch].tobytes()) + rs.flush()))
    got = array("h", frames(out)[2])
    assert frames(out)[:2] == (16000, ch)
    for c in range(ch):
        assert got[c::ch] == want[c]
    assert " 16 kHz PCM16 " in r.stderr
