"""Streaming WAV (RIFF) writing: header first, patched with the sizes at the end.

Owns the RIFF/WAVE layout rtlog writes (PCM16 = format tag 1 in a 44-byte header;
G.711 kept as it is = tag 7 μ-law / tag 6 A-law, 8-bit, with `cbSize` and the `fact`
chunk the spec wants for non-PCM formats: 58 bytes), and the two ways of getting the
sizes right without holding the audio in memory:
- a seekable output (a regular file): the header is written first with zero sizes
  and patched in place when the audio ends;
- a non-seekable one (a pipe, or a file opened for appending): the audio is spooled
  to an anonymous temporary file and copied out behind a correct header at the end
  (the stdlib `wave` module fails on pipes: it seeks back to patch).
With `raw`, no header at all: the bytes pass straight through.

Over 4 GiB: RF64 (EBU TECH 3306): `RF64` instead of `RIFF`, the RIFF and data sizes set to
0xFFFFFFFF and the real ones (64-bit) in a `ds64` chunk, the first after `WAVE`. As sox and
ffmpeg do, a file that may pass the limit gets a 36-byte `JUNK` chunk there from the start
(what `ds64` replaces when the sizes are patched); one that passes it unexpectedly (a
stereo mix's silence, placeholders) has its audio moved 36 bytes on, in blocks, when it is
finished. Below the limit the file is a plain WAV (with the `JUNK` chunk if one was
reserved, which every reader skips). `limit` (the RIFF size that still fits, 2³² − 1) can
be lowered to test this with megabytes.
"""

from __future__ import annotations

import contextlib
import os
import struct
import tempfile
from collections.abc import Callable
from typing import IO

from rtlog.errors import OutputError
from rtlog.io.outfile import describe_os_error
from rtlog.protocol.formats import ALAW, PCM16, ULAW

FORMAT_TAGS = {PCM16: 1, ALAW: 6, ULAW: 7}
#: RIFF sizes are 32-bit: the data chunk must leave room for the rest of the header (the
#: stereo mix's sanity bound on silence; a WAV itself goes on as RF64)
MAX_DATA_BYTES = 0xFFFFFFFF - 64
#: the largest RIFF size a plain WAV holds; past it, RF64
RIFF_LIMIT = 0xFFFFFFFF
#: the JUNK chunk reserved for ds64 (8 + 28 bytes: RIFF size, data size, sample count, table length)
JUNK_BYTES = 36
_BLOCK = 1 << 20


def header(encoding: str, rate: int, channels: int, data_bytes: int, *, junk: bool = False, limit: int = RIFF_LIMIT) -> bytes:
    """The header that precedes `data_bytes` of audio (without the pad byte): RIFF, with a
    36-byte JUNK chunk after `WAVE` if `junk`; RF64 with its ds64 chunk there instead when
    the RIFF size would pass `limit` (the same length as with the JUNK chunk)."""
    width = 2 if encoding == PCM16 else 1
    block_align = channels * width
    tag = FORMAT_TAGS[encoding]
    padded = data_bytes + (data_bytes & 1)
    samples = data_bytes // block_align
    if encoding == PCM16:
        fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block_align, block_align, 8 * width)
        extra = b""
    else:
        fmt = struct.pack("<HHIIHHH", tag, channels, rate, rate * block_align, block_align, 8 * width, 0)
        extra = b"fact" + struct.pack("<II", 4, min(samples, 0xFFFFFFFF))
    tail = b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra + b"data"
    riff_size = 4 + JUNK_BYTES * junk + len(tail) + 4 + padded
    if riff_size > limit:  # RF64: the real sizes in ds64, where the JUNK chunk was
        riff_size = 4 + JUNK_BYTES + len(tail) + 4 + padded
        ds64 = b"ds64" + struct.pack("<IQQQI", 28, riff_size, data_bytes, samples, 0)
        if extra:
            tail = tail.replace(extra, b"fact" + struct.pack("<II", 4, 0xFFFFFFFF))
        return b"RF64" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + ds64 + tail + struct.pack("<I", 0xFFFFFFFF)
    reserve = b"JUNK" + struct.pack("<I", JUNK_BYTES - 8) + bytes(JUNK_BYTES - 8) if junk else b""
    return b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + reserve + tail + struct.pack("<I", data_bytes)


def header_size(encoding: str) -> int:
    return 44 if encoding == PCM16 else 58


def _patchable(fp: IO[bytes]) -> bool:
    """Can the header be rewritten in place? (seekable, and not in append mode)"""
    try:
        if not fp.seekable():
            return False
        fp.tell()
    except (OSError, ValueError, AttributeError):
        return False
    try:
        fd = fp.fileno()
    except (OSError, ValueError, AttributeError):
        return True  # an in-memory buffer
    try:
        import fcntl

        return not fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND
    except (ImportError, OSError):
        return True


def _spool_error(exc: OSError) -> OutputError:
    return OutputError(describe_os_error(
        f"cannot spool the WAV to a temporary file in {tempfile.gettempdir()} (a pipe cannot go back to write its header)", exc
    ))  # fmt: skip


class WavWriter:
    """Writes one WAV (or raw) stream to `fp`. Call `begin` with the format before the
    first `write`; `finish` completes the file. Nothing is written to `fp` before
    `begin`, so an extraction that finds no audio leaves `fp` untouched."""

    def __init__(self, fp: IO[bytes], *, raw: bool = False, expect: int | None = 0, limit: int | None = None) -> None:
        """`expect`: how many bytes of audio may come at most, if known (None: unknown);
        when it may pass `limit`, a JUNK chunk is reserved for RF64's ds64 from the start."""
        self.fp = fp
        self.raw = raw
        self.limit = RIFF_LIMIT if limit is None else limit
        self._junk = expect is None or expect + 128 > self.limit  # (the header's own bytes)
        self.rf64 = False  # finished as RF64
        self.encoding: str | None = None
        self.rate = 0
        self.channels = 0
        self.nbytes = 0  # audio bytes written
        self._data: IO[bytes] = fp  # where the audio goes (fp, or the spool)
        self._data_start = 0  # offset of the first audio byte in `_data`
        self._header_at = 0  # offset of the header in fp (patch mode)
        self._spool: IO[bytes] | None = None
        self._seekable_data = False

    @property
    def started(self) -> bool:
        return self.encoding is not None

    @property
    def frame_bytes(self) -> int:
        return self.channels * (2 if self.encoding == PCM16 else 1)

    def begin(self, encoding: str, rate: int, channels: int) -> None:
        self.encoding, self.rate, self.channels = encoding, rate, channels
        if self.raw:
            self._seekable_data = _patchable(self.fp)
            if self._seekable_data:
                self._data_start = self.fp.tell()
            return
        if _patchable(self.fp):
            self._header_at = self.fp.tell()
            self.fp.write(header(encoding, rate, channels, 0, junk=self._junk, limit=self.limit))
            self._data_start = self.fp.tell()
        else:
            try:
                self._spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finish/close
            except OSError as exc:
                raise _spool_error(exc) from None
            self._data = self._spool
        self._seekable_data = True

    def write(self, data: bytes) -> None:
        n = self.nbytes + len(data)
        try:
            self._data.write(data)
        except OSError as exc:
            if self._spool is None:
                raise  # the output's own error: the caller knows its name
            raise _spool_error(exc) from None
        self.nbytes = n

    def move_tail(self, nbytes: int, write: Callable[[bytes], None]) -> None:
        """Remove the last `nbytes` of audio written and pass them, in order, to `write`
        (used when a split point turns out to lie in audio already written)."""
        nbytes = min(nbytes, self.nbytes)
        if nbytes <= 0:
            return
        if not self._seekable_data:
            raise OutputError("cannot move audio back in a non-seekable output")
        d = self._data
        end = self._data_start + self.nbytes
        pos = cut = end - nbytes
        while pos < end:
            d.seek(pos)
            block = d.read(min(_BLOCK, end - pos))
            if not block:
                break
            write(block)
            pos += len(block)
        d.seek(cut)
        d.truncate()
        self.nbytes -= nbytes

    def finish(self) -> None:
        """Complete the file: patch the header, or write header + spooled audio."""
        if self.raw or self.encoding is None:
            return
        fp = self.fp
        if self._spool is not None:
            try:
                self._spool.flush()
            except OSError as exc:
                raise _spool_error(exc) from None
            head = header(self.encoding, self.rate, self.channels, self.nbytes, limit=self.limit)
            self.rf64 = head.startswith(b"RF64")
            fp.write(head)
            self._spool.seek(0)
            while True:
                block = self._spool.read(_BLOCK)
                if not block:
                    break
                fp.write(block)
            self.close()
            if self.nbytes & 1:
                fp.write(b"\x00")
            return
        head = header(self.encoding, self.rate, self.channels, self.nbytes, junk=self._junk, limit=self.limit)
        self.rf64 = head.startswith(b"RF64")
        if self.rf64 and not self._junk:  # past the limit unexpectedly: make room for ds64
            self._shift(JUNK_BYTES)
        if self.nbytes & 1:
            fp.write(b"\x00")
        end = fp.tell()
        fp.seek(self._header_at)
        fp.write(head)
        fp.seek(end)

    def _shift(self, by: int) -> None:
        """Move the audio `by` bytes on (from the end back, in blocks), for a header that
        grew; leaves the file position at the audio's new end."""
        fp = self.fp
        start, end = self._data_start, self._data_start + self.nbytes
        pos = end
        while pos > start:
            n = min(_BLOCK, pos - start)
            pos -= n
            fp.seek(pos)
            block = fp.read(n)
            fp.seek(pos + by)
            fp.write(block)
        self._data_start += by
        fp.seek(end + by)

    def close(self) -> None:
        """Drop the spool (if any); does not close `fp`."""
        if self._spool is not None:
            with contextlib.suppress(OSError):  # (dropped anyway; a failed write's data is still in its buffer)
                self._spool.close()
            self._spool = None
