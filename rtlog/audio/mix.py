"""The stereo mix: two channels (left user, right assistant) written as interleaved frames.

Owns `Lane` (one channel's audio queued from the mixer's position: bytes, silence runs,
and spans spilled to a temporary file when one channel runs far ahead) and `StereoMixer`
(writes both lanes up to the point both have committed, so no later audio can land
before it). Where each chunk goes is decided by the caller, from the timeline; a chunk
that would overlap audio already placed on its channel plays right after it (counted).
Memory: what one channel is ahead of the other, spilled to disk past `Lane.spill` bytes.
"""

from __future__ import annotations

import tempfile
from array import array
from collections import deque
from collections.abc import Callable
from typing import IO, Any


class Lane:
    """One channel's audio waiting to be written: a queue of pieces starting at the
    mixer's position — bytes, silence runs (ints, in frames), and, once more than
    `spill` bytes are queued, (offset, length) spans of a temporary file (a channel can
    run far ahead of the other when the log has no timestamps). `end` is the frame after
    the last placed audio."""

    __slots__ = ("pieces", "end", "width", "snap", "overlaps", "queued", "spill", "_file", "_spilled", "_file_end")

    def __init__(self, width: int, snap: int, spill: int = 16 << 20) -> None:
        self.pieces: deque[Any] = deque()
        self.end = 0
        self.width = width
        self.snap = snap
        self.overlaps = 0
        self.queued = 0  # bytes of audio in the queue
        self.spill = spill
        self._file: IO[bytes] | None = None
        self._spilled = 0  # spans in the queue
        self._file_end = 0

    def place(self, frame: int, data: bytes, floor: int) -> None:
        """Queue `data` at `frame`; `floor` is the mixer's position (where the queue
        starts when it is empty: everything before it is written)."""
        end = self.end if self.end > floor else floor
        if frame < end - self.snap:
            self.overlaps += 1  # would overlap audio already placed (or written): play it after
            frame = end
        elif frame <= end + self.snap:
            frame = end
        if frame > end:
            self.pieces.append(frame - end)
        self.end = frame + len(data) // self.width
        self.queued += len(data)
        if self.queued > self.spill:
            span = self._to_file(data)
            last = self.pieces[-1] if self.pieces else None
            if type(last) is tuple and last[0] + last[1] == span[0]:
                self.pieces[-1] = (last[0], last[1] + span[1])  # (one span for a run of audio: the queue stays short)
                self._spilled -= 1
            else:
                self.pieces.append(span)
        else:
            self.pieces.append(data)

    def _to_file(self, data: bytes) -> tuple[int, int]:
        f = self._file
        if f is None:
            f = self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        if not self._spilled:
            self._file_end = 0  # nothing in the file is still queued: start over
        f.seek(self._file_end)
        f.write(data)
        span = (self._file_end, len(data))
        self._file_end += len(data)
        self._spilled += 1
        return span

    def _from_file(self, offset: int, nbytes: int) -> bytes:
        assert self._file is not None
        self._file.seek(offset)
        return self._file.read(nbytes)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def fill(self, out: array | bytearray, channel: int, n: int) -> None:
        """Take `n` frames into channel `channel` of the interleaved block `out` (an
        `array('h')` for PCM16, a bytearray for 8-bit G.711)."""
        pieces = self.pieces
        width = self.width
        off = 0
        while off < n and pieces:
            p = pieces[0]
            tp = type(p)
            if tp is int:
                k = p if p <= n - off else n - off
                if k == p:
                    pieces.popleft()
                else:
                    pieces[0] = p - k
                off += k
                continue
            if tp is tuple:
                offset, nbytes = p
                frames = nbytes // width
                k = frames if frames <= n - off else n - off
                part = self._from_file(offset, k * width)
                if k == frames:
                    pieces.popleft()
                    self._spilled -= 1
                else:
                    pieces[0] = (offset + k * width, nbytes - k * width)
            else:
                frames = len(p) // width
                k = frames if frames <= n - off else n - off
                if k == frames:
                    pieces.popleft()
                    part = p
                else:
                    part = p[: k * width]
                    pieces[0] = p[k * width :]
            self.queued -= k * width
            start = 2 * off + channel
            if width == 2:
                out[start : start + 2 * k : 2] = array("h", part)  # type: ignore[arg-type]
            else:
                out[start : start + 2 * k : 2] = part  # type: ignore[assignment]
            off += k


class StereoMixer:
    """Writes two lanes as interleaved stereo frames, sequentially: only up to the point
    both channels have committed (no later audio can land before it). Mixing waits until
    a block's worth is committed, so `write` gets large pieces."""

    BLOCK = 1 << 15  # frames mixed at a time (1.4 s at 24 kHz)

    def __init__(self, write: Callable[[Any], None], width: int, silence: int, snap: int) -> None:
        self.write = write
        self.width = width
        self.left = Lane(width, snap)
        self.right = Lane(width, snap)
        self.pos = 0
        self._silence = bytes([silence]) * (2 * width * self.BLOCK)

    def place(self, channel: int, frame: int, data: bytes) -> None:
        (self.left if channel == 0 else self.right).place(frame, data, self.pos)

    def emit_to(self, frame: int, force: bool = False) -> None:
        if frame - self.pos < self.BLOCK and not force:
            return
        width, left, right = self.width, self.left, self.right
        while self.pos < frame:
            n = min(frame - self.pos, self.BLOCK)
            silence = self._silence[: 2 * width * n]
            if not left.pieces and not right.pieces:
                self.write(silence)
            else:
                block = array("h", silence) if width == 2 else bytearray(silence)
                if left.pieces:
                    left.fill(block, 0, n)
                if right.pieces:
                    right.fill(block, 1, n)
                self.write(memoryview(block).cast("B") if width == 2 else block)
            self.pos += n

    def flush(self) -> None:
        self.emit_to(max(self.left.end, self.right.end, self.pos), force=True)

    def close(self) -> None:
        self.left.close()
        self.right.close()
