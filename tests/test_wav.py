"""The streaming WAV writer: header first and patched, spooled for pipes, G.711 tags."""

from __future__ import annotations

import io
import os
import struct
import threading
import wave
from pathlib import Path

import pytest

from rtlog.audio import wav
from rtlog.audio.wav import WavWriter, header
from rtlog.protocol.formats import ALAW, PCM16, ULAW


def read_wav(data: bytes) -> tuple[wave._wave_params, bytes]:
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getparams(), w.readframes(w.getnframes())


def parse_chunks(data: bytes) -> dict[str, bytes]:
    """RIFF chunks by id (the stdlib cannot read G.711 WAVs)."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    chunks, pos = {}, 12
    while pos < len(data):
        cid, size = data[pos : pos + 4].decode(), struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        chunks[cid] = data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
    assert pos == len(data)
    return chunks


class Pipe(io.RawIOBase):
    """A write-only, non-seekable sink (like stdout on a pipe)."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[no-untyped-def,override]
        self.data += bytes(b)
        return len(b)


def write_all(fp, chunks: list[bytes], encoding: str = PCM16, rate: int = 24000, channels: int = 1, raw: bool = False) -> WavWriter:  # type: ignore[no-untyped-def]
    w = WavWriter(fp, raw=raw)
    w.begin(encoding, rate, channels)
    for c in chunks:
        w.write(c)
    w.finish()
    return w


def test_header_is_written_first_then_patched() -> None:
    buf = io.BytesIO()
    w = WavWriter(buf)
    w.begin(PCM16, 24000, 1)
    assert buf.getvalue() == header(PCM16, 24000, 1, 0)  # before any audio: a 44-byte header
    assert len(buf.getvalue()) == 44
    w.write(b"\x01\x00\x02\x00")
    w.write(b"\x03\x00")
    w.finish()
    params, frames = read_wav(buf.getvalue())
    assert (params.nchannels, params.sampwidth, params.framerate, params.nframes) == (1, 2, 24000, 3)
    assert frames == b"\x01\x00\x02\x00\x03\x00"


def test_nothing_is_written_before_begin() -> None:
    buf = io.BytesIO()
    w = WavWriter(buf)
    w.finish()
    assert buf.getvalue() == b""


def test_non_seekable_output_is_spooled_and_gets_a_correct_header() -> None:
    pipe = Pipe()
    chunks = [os.urandom(960) for _ in range(50)]
    write_all(pipe, chunks, rate=16000, channels=2)
    params, frames = read_wav(bytes(pipe.data))
    assert (params.nchannels, params.framerate, params.nframes) == (2, 16000, 50 * 960 // 4)
    assert frames == b"".join(chunks)


def test_real_os_pipe() -> None:
    r, wfd = os.pipe()
    got = bytearray()
    reader = threading.Thread(target=lambda: got.extend(iter_read(r)))
    reader.start()
    with os.fdopen(wfd, "wb") as fp:
        assert not wav._patchable(fp)
        write_all(fp, [b"\x10\x00" * 1000, b"\x20\x00" * 500])
    reader.join()
    params, frames = read_wav(bytes(got))
    assert params.nframes == 1500 and frames == b"\x10\x00" * 1000 + b"\x20\x00" * 500


def iter_read(fd: int):  # type: ignore[no-untyped-def]
    with os.fdopen(fd, "rb") as f:
        while True:
            b = f.read(65536)
            if not b:
                return
            yield from b


def test_file_opened_for_appending_is_not_patched_in_place(tmp_path: Path) -> None:
    p = tmp_path / "a.bin"
    p.write_bytes(b"XYZ")
    with open(p, "ab") as fp:
        assert not wav._patchable(fp)
        write_all(fp, [b"\x01\x00" * 10])
    data = p.read_bytes()
    assert data[:3] == b"XYZ"
    params, frames = read_wav(data[3:])
    assert params.nframes == 10 and frames == b"\x01\x00" * 10


@pytest.mark.parametrize(("encoding", "tag"), [(ULAW, 7), (ALAW, 6)])
def test_g711_kept_as_it_is(encoding: str, tag: int) -> None:
    buf = io.BytesIO()
    data = bytes(range(255))  # odd length: a pad byte follows the data chunk
    write_all(buf, [data[:100], data[100:]], encoding=encoding, rate=8000)
    out = buf.getvalue()
    assert len(out) == 58 + 255 + 1
    chunks = parse_chunks(out)
    fmt_tag, channels, rate, byte_rate, align, bits, cb = struct.unpack("<HHIIHHH", chunks["fmt "])
    assert (fmt_tag, channels, rate, byte_rate, align, bits, cb) == (tag, 1, 8000, 8000, 1, 8, 0)
    assert struct.unpack("<I", chunks["fact"])[0] == 255  # samples per channel
    assert chunks["data"] == data
    assert list(chunks) == ["fmt ", "fact", "data"]


def test_stdlib_rejects_g711_so_the_header_is_not_pcm() -> None:
    buf = io.BytesIO()
    write_all(buf, [b"\xff" * 8], encoding=ULAW, rate=8000)
    with pytest.raises(wave.Error, match="unknown format: 7"):
        read_wav(buf.getvalue())


def test_raw_writes_no_header() -> None:
    buf = io.BytesIO()
    write_all(buf, [b"\x01\x02", b"\x03\x04"], raw=True)
    assert buf.getvalue() == b"\x01\x02\x03\x04"


@pytest.mark.parametrize("spooled", [False, True])
def test_move_tail_hands_back_the_last_bytes_in_order(spooled: bool) -> None:
    fp = Pipe() if spooled else io.BytesIO()
    w = WavWriter(fp)
    w.begin(PCM16, 8000, 1)
    w.write(bytes(range(200)))
    moved = bytearray()
    w.move_tail(50, moved.extend)
    assert moved == bytes(range(150, 200))
    w.write(b"\xaa\xbb")
    w.finish()
    _, frames = read_wav(bytes(fp.data) if spooled else fp.getvalue())  # type: ignore[attr-defined]
    assert frames == bytes(range(150)) + b"\xaa\xbb"


# (a WAV over 4 GiB is written as RF64: tests/test_rf64.py)
