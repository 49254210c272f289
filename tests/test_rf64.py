"""A WAV that would pass 4 GiB is written as RF64 (EBU TECH 3306: `RF64`, a `ds64` chunk
first, 0xFFFFFFFF in the 32-bit sizes), issue 21. The limit is lowered so the tests write
megabytes, not gigabytes; below it the file is a plain WAV python's `wave` reads."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli

from rtlog.audio import wav
from rtlog.audio.wav import JUNK_BYTES, WavWriter
from rtlog.protocol.formats import PCM16, ULAW


class Pipe(io.RawIOBase):
    """A write-only, non-seekable sink (like stdout on a pipe)."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[no-untyped-def, override]
        self.data += b
        return len(b)


def chunks(data: bytes) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """(form, chunks by id, the data chunk's bytes) of a RIFF or RF64 file, by the spec:
    in RF64 the RIFF and data sizes are 0xFFFFFFFF and the real ones are in ds64."""
    form = data[:4]
    assert form in (b"RIFF", b"RF64") and data[8:12] == b"WAVE"
    riff_size = struct.unpack("<I", data[4:8])[0]
    found: dict[bytes, bytes] = {}
    pos = 12
    ds64 = None
    while pos < len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if cid == b"ds64":
            ds64 = struct.unpack("<QQQI", data[pos + 8 : pos + 36])
        if cid == b"data" and form == b"RF64":
            assert size == 0xFFFFFFFF and ds64 is not None
            size = ds64[1]
        found[cid] = data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
    if form == b"RF64":
        assert list(found)[0] == b"ds64", "ds64 must be the first chunk"
        assert riff_size == 0xFFFFFFFF and ds64 is not None and ds64[0] == len(data) - 8
    else:
        assert riff_size == len(data) - 8
    return form, found, found[b"data"]


def write(fp, nbytes: int, *, limit: int, expect: int | None, encoding: str = PCM16, channels: int = 1) -> WavWriter:  # type: ignore[no-untyped-def]
    w = WavWriter(fp, expect=expect, limit=limit)
    w.begin(encoding, 8000 if encoding == ULAW else 24000, channels)
    block = bytes(range(251)) * 41  # 10,291 bytes: odd, so blocks end anywhere
    left = nbytes
    while left > 0:
        w.write(block[: min(left, len(block))])
        left -= len(block)
    w.finish()
    return w


def expected(nbytes: int) -> bytes:
    block = bytes(range(251)) * 41
    return (block * (nbytes // len(block) + 1))[:nbytes]


LIMIT = 1 << 20  # a fake 4 GiB: 1 MiB


@pytest.mark.parametrize("how", ["reserved", "unexpected", "pipe"])
@pytest.mark.parametrize(("encoding", "channels"), [(PCM16, 1), (PCM16, 2), (ULAW, 1)], ids=["pcm16", "stereo", "ulaw"])
@pytest.mark.parametrize("nbytes", [LIMIT - 5000, LIMIT + 12_345, 3 * LIMIT + 1])
def test_past_the_limit_is_rf64_below_it_a_plain_wav(how: str, encoding: str, channels: int, nbytes: int) -> None:
    nbytes -= nbytes % (channels * (2 if encoding == PCM16 else 1))
    fp = Pipe() if how == "pipe" else io.BytesIO()
    w = write(fp, nbytes, limit=LIMIT, expect=None if how == "reserved" else 0, encoding=encoding, channels=channels)
    data = bytes(fp.data) if how == "pipe" else fp.getvalue()  # type: ignore[attr-defined]
    form, found, audio = chunks(data)
    assert audio == expected(nbytes)  # every byte in place (after a move when the header grew)
    over = nbytes + 100 > LIMIT
    assert (form == b"RF64") == over == w.rf64
    tag, ch, rate = struct.unpack("<HHI", found[b"fmt "][:8])
    assert (tag, ch) == ((1 if encoding == PCM16 else 7), channels)
    if over:
        riff, data_size, samples, table = struct.unpack("<QQQI", found[b"ds64"])
        assert (data_size, samples, table) == (nbytes, nbytes // (channels * (2 if encoding == PCM16 else 1)), 0)
        if encoding != PCM16:
            assert found[b"fact"] == struct.pack("<I", 0xFFFFFFFF)  # the sample count is ds64's
    else:
        assert (b"JUNK" in found) == (how == "reserved")  # room for ds64, from the start
        if how == "reserved":
            assert found[b"JUNK"] == bytes(JUNK_BYTES - 8)
        if encoding == PCM16:
            with wave.open(io.BytesIO(data)) as r:  # python's wave reads it (and skips JUNK)
                assert (r.getnchannels(), r.getframerate(), r.readframes(r.getnframes())) == (channels, 24000, audio)


@pytest.mark.skipif(shutil.which("soxi") is None, reason="soxi (sox) is not installed")
def test_soxi_reads_the_rf64(tmp_path: Path) -> None:
    path = tmp_path / "big.wav"
    nbytes = 2 * LIMIT
    with open(path, "w+b") as fp:
        write(fp, nbytes, limit=LIMIT, expect=0, channels=2)  # (the unexpected case: the audio moved)
    assert path.read_bytes()[:4] == b"RF64"
    out = subprocess.run(["soxi", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    info = dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)
    assert info["Channels       "].strip() == "2" and info["Sample Rate    "].strip() == "24000"
    assert f"= {nbytes // 4} samples" in info["Duration       "]
    raw = subprocess.run(["sox", str(path), "-t", "raw", "-"], capture_output=True)
    assert raw.returncode == 0 and raw.stdout == expected(nbytes)


@pytest.mark.parametrize("target", ["file", "pipe"])
def test_extract_audio_writes_rf64_past_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    log = EXAMPLES / "ga_session.jsonl"
    plain = tmp_path / "plain.wav"
    run_cli("extract-audio", log, "--side", "both", "-o", plain, stderr=None)
    with wave.open(str(plain)) as r:
        want = r.readframes(r.getnframes())
    monkeypatch.setattr(wav, "RIFF_LIMIT", 1_000_000)  # the stereo mix is 1.8 MB
    big = tmp_path / "big.wav"
    if target == "file":
        r = run_cli("extract-audio", log, "--side", "both", "-o", big, stderr=None)
        data = big.read_bytes()
        assert r.stderr.endswith("; placed by timestamps; RF64 (a WAV over 4 GiB, EBU TECH 3306: sox and ffmpeg read it)\n")
    else:
        r = run_cli("extract-audio", log, "--side", "both", "-o", "-", stderr=None)
        data = r.stdout_bytes
    form, found, audio = chunks(data)
    assert form == b"RF64" and audio == want


def test_what_can_be_known_up_front_reserves_the_room(tmp_path: Path) -> None:
    """A log whose audio may pass the limit gets the JUNK chunk from the start (no move at
    the end); the bound is from the logs' sizes (base64 ¾, G.711 ×2, two channels)."""
    from rtlog.audio.extract import audio_bound
    from rtlog.audio.options import AudioOptions
    from rtlog.io.reader import expand_sources

    log = EXAMPLES / "ga_session.jsonl"
    size = log.stat().st_size
    (src,) = expand_sources([str(log)])
    assert audio_bound([src], AudioOptions()) == int(size * 1.5)
    assert audio_bound([src], AudioOptions(side="both")) == int(size * 3)
    assert audio_bound([src], AudioOptions(out_rate=48000)) == int(size * 9)
    (stdin,) = expand_sources(["-"])
    assert audio_bound([stdin], AudioOptions()) is None  # unknown: reserve


def test_report_peaks_skip_an_rf64_and_read_a_reserved_header() -> None:
    """report draws its waveform with python's wave: an RF64 call (over 4 GiB) gets no
    waveform rather than an internal error; the JUNK chunk reserved for ds64 is skipped."""
    from rtlog.report.peaks import wav_peaks

    for limit, drawn in ((1000, False), (None, True)):
        buf = io.BytesIO()
        w = WavWriter(buf, expect=None, limit=limit)
        w.begin(PCM16, 24000, 2)
        w.write(bytes(4000))
        w.finish()
        buf.seek(0)
        peaks = wav_peaks(buf)
        assert (peaks is not None) == drawn
        if peaks is not None:
            assert (peaks.columns, peaks.rate) == (3, 24000)
