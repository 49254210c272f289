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
#: RIFF sizes are 32-bit: the data chunk must leave room for the rest of the header
MAX_DATA_BYTES = 0xFFFFFFFF - 64
_BLOCK = 1 << 20


def header(encoding: str, rate: int, channels: int, data_bytes: int) -> bytes:
    """The RIFF header that precedes `data_bytes` of audio (without the pad byte)."""
    width = 2 if encoding == PCM16 else 1
    block_align = channels * width
    tag = FORMAT_TAGS[encoding]
    padded = data_bytes + (data_bytes & 1)
    if encoding == PCM16:
        fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block_align, block_align, 8 * width)
        extra = b""
    else:
        fmt = struct.pack("<HHIIHHH", tag, channels, rate, rate * block_align, block_align, 8 * width, 0)
        extra = b"fact" + struct.pack("<II", 4, data_bytes // block_align)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra + b"data" + struct.pack("<I", data_bytes)
    return b"RIFF" + struct.pack("<I", len(body) + padded) + body


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

    def __init__(self, fp: IO[bytes], *, raw: bool = False) -> None:
        self.fp = fp
        self.raw = raw
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
            self.fp.write(header(encoding, rate, channels, 0))
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
        if n > MAX_DATA_BYTES and not self.raw:
            raise OutputError("the audio is larger than a WAV file can hold (4 GiB); use --raw or --split")
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
            fp.write(header(self.encoding, self.rate, self.channels, self.nbytes))
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
        if self.nbytes & 1:
            fp.write(b"\x00")
        end = fp.tell()
        fp.seek(self._header_at)
        fp.write(header(self.encoding, self.rate, self.channels, self.nbytes))
        fp.seek(end)

    def close(self) -> None:
        """Drop the spool (if any); does not close `fp`."""
        if self._spool is not None:
            with contextlib.suppress(OSError):  # (dropped anyway; a failed write's data is still in its buffer)
                self._spool.close()
            self._spool = None
