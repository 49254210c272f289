"""Where split audio goes: numbered files, the gaps between them, and the cuts.

Owns `FileSet` (the numbered files of `--split`, `001_resp_<id>.wav`, …, opened through
the caller's `open_file`), `FileStore` (one of them being written; a failed write removes
it and names it), `GapStore` (audio between labelled segments, kept until a cut says where
it belongs) and `Segmenter` (a continuous stream cut into labelled segments, moving audio
already written when a cut lands behind it). It does not decide where cuts are: the
extraction does, from the turns and the timeline.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections import deque
from collections.abc import Callable
from typing import IO, Any

from rtlog.audio.report import OutputFile
from rtlog.audio.wav import WavWriter
from rtlog.protocol.formats import PCM16


class GapStore:
    """Audio between labelled segments: kept (on disk past a few MB) until a cut says
    where it belongs, and dropped when the next segment begins."""

    def __init__(self) -> None:
        self._fp: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - closed in close()
        self.writer = WavWriter(self._fp, raw=True)
        self.writer.begin(PCM16, 1, 1)
        self.entry: OutputFile | None = None

    def write(self, data: bytes) -> None:
        self.writer.write(data)

    def move_tail(self, nbytes: int, write: Callable[[bytes], None]) -> None:
        self.writer.move_tail(nbytes, write)

    def reset(self) -> None:
        self._fp.seek(0)
        self._fp.truncate()
        self.writer.nbytes = 0

    def close(self) -> None:
        self._fp.close()


class FileStore:
    """One split file being written, through a context manager from `open_file`."""

    def __init__(self, cm: contextlib.AbstractContextManager[IO[bytes]], entry: OutputFile, raw: bool) -> None:
        self.cm: contextlib.AbstractContextManager[IO[bytes]] | None = cm
        self.entry = entry
        fp = cm.__enter__()
        self.writer = WavWriter(fp, raw=raw)
        try:
            self.writer.begin(entry.encoding, entry.rate, entry.channels)
        except OSError as exc:
            self._failed(exc)

    def write(self, data: bytes) -> None:
        try:
            self.writer.write(data)
        except OSError as exc:
            self._failed(exc)
        self.entry.nbytes += len(data)

    def move_tail(self, nbytes: int, write: Callable[[bytes], None]) -> None:
        n = min(nbytes, self.writer.nbytes)
        try:
            self.writer.move_tail(n, write)
        except OSError as exc:
            self._failed(exc)
        self.entry.nbytes -= n

    def finish(self) -> None:
        try:
            self.writer.finish()
        except OSError as exc:
            self._failed(exc)
        cm, self.cm = self.cm, None
        if cm is not None:
            cm.__exit__(None, None, None)

    def _failed(self, exc: OSError) -> None:
        """A write to this file failed: its context manager (atomic_output) removes the
        file and raises the error that names it (else the error reached the CLI as a bare
        OSError, blamed on stdout)."""
        self.writer.close()
        cm, self.cm = self.cm, None
        if cm is not None:
            cm.__exit__(type(exc), exc, exc.__traceback__)
        raise exc

    def abort(self, exc: BaseException | None) -> None:
        self.writer.close()
        cm, self.cm = self.cm, None
        if cm is not None:
            with contextlib.suppress(Exception):
                cm.__exit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)


class FileSet:
    """The numbered files of a split (`001_resp_<id>.wav`, …), in the order they start."""

    def __init__(self, open_file: Callable[[str], contextlib.AbstractContextManager[IO[bytes]]], raw: bool) -> None:
        self.open_file = open_file
        self.raw = raw
        self.entries: list[OutputFile] = []
        self.stores: dict[Any, FileStore] = {}
        self.ext = ".pcm" if raw else ".wav"

    def open(self, label: Any, entry: OutputFile) -> FileStore:
        entry.index = len(self.entries) + 1
        entry.name = f"{entry.index:03d}_{entry.name}{self.ext}"
        store = FileStore(self.open_file(entry.name), entry, self.raw)
        self.entries.append(entry)
        self.stores[label] = store
        return store

    def close(self, label: Any) -> None:
        store = self.stores.pop(label, None)
        if store is not None:
            store.finish()

    def close_all(self) -> None:
        for label in list(self.stores):
            self.close(label)

    def abort_all(self, exc: BaseException | None) -> None:
        for store in self.stores.values():
            store.abort(exc)
        self.stores.clear()


class Segmenter:
    """A continuous stream of frames cut into labelled segments. A cut may land in audio
    already written (VAD reports where speech started after the fact): that audio moves
    to the new segment. A cut ahead of the stream waits until the stream gets there.
    Label None is a gap (dropped)."""

    def __init__(
        self, store_for: Callable[[Any], Any], frame_bytes: int, on_switch: Callable[[Any, Any], None], label: Any = None
    ) -> None:
        self.store_for = store_for
        self.on_switch = on_switch
        self.frame_bytes = frame_bytes
        self.pos = 0  # frames written
        self.seg_start = 0
        self.label: Any = label
        self.store: Any = None
        self.pending: deque[tuple[int, Any]] = deque()

    def write(self, data: bytes) -> None:
        fb = self.frame_bytes
        while self.pending and self.pos + len(data) // fb >= self.pending[0][0]:
            frame, label = self.pending.popleft()
            k = (frame - self.pos) * fb
            if k > 0:
                self._write(data[:k])
                data = data[k:]
            self._switch(frame, label)
        if data:
            self._write(data)

    def _write(self, data: bytes) -> None:
        if self.store is None:
            self.store = self.store_for(self.label)
        self.store.write(data)
        self.pos += len(data) // self.frame_bytes

    def cut(self, frame: int, label: Any) -> None:
        if self.pending:
            frame = max(frame, self.pending[-1][0])
        if frame > self.pos or self.pending:
            self.pending.append((frame, label))
            return
        self._switch(max(frame, self.seg_start), label)

    def _switch(self, frame: int, label: Any) -> None:
        if label == self.label:
            return
        old, old_label = self.store, self.label
        self.label, self.seg_start, self.store = label, frame, None
        tail = (self.pos - frame) * self.frame_bytes
        if tail > 0 and old is not None:
            new = self.store = self.store_for(label)
            old.move_tail(tail, new.write)
        self.on_switch(old_label, label)

    def finish(self) -> None:
        for frame, label in self.pending:
            if frame <= self.pos:
                self._switch(frame, label)
        self.pending.clear()
        self.on_switch(self.label, None)
