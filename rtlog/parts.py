"""One big plain log on several CPUs: the file is cut at line starts into parts, and a
forked worker digests each part but the first while the main process reads the first.

A worker reads its part line by line and keeps, for every line, where it is (offset and
length) and, for a bare audio line, its `events.audio_digest` (the expensive part of an
audio line: the base64 check and the JSON around the payload). The main process then
takes the parts in order: it hands each digest to the consumer's fast path and reads
back by offset (`os.pread`) only the other lines (~5% of the bytes) and the audio lines
the consumer declines, which it parses as usual. So the events, their order, their line
numbers and the bad-line reports are exactly a single pass's. A worker that fails leaves
its part to the main process; a file that shrinks meanwhile is an error.

Used by `reader.read_events(jobs=…)` when a consumer has an audio fast path, and by
filter's prefilter (`selection`), whose workers look for the needles instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rtlog.events import audio_digest

SPLIT_MIN_BYTES = 64 * 1024 * 1024  # smaller files: one process (a fork costs more than it saves)
SPLIT_PART_BYTES = 8 * 1024 * 1024  # parts after the main process's: small, so its wait for the first is short
#: the main process's share of the bytes against one worker's (1): it also parses every
#: other line and takes the workers' digests (tuned on 2 CPUs with the 1-hour bench log)
MAIN_SHARE = 0.45
_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")

#: a line of a part: (index in the part, offset, length) or, for a bare audio line,
#: (index, offset, length, digest)
Entry = tuple[Any, ...]


@dataclass(slots=True)
class PartDigest:
    lines: int  # lines in the part
    end: int  # the offset after its last line
    entries: list[Entry]
    good: int = 0  # lines a worker found well-formed and of no interest (filter's prefilter)


#: what a worker does with a part: (path, start, end) → its digest
Digest = Callable[[str, int, int], "PartDigest"]


def digest_part(path: str, start: int, end: int) -> PartDigest:
    """The lines that start in [start, end) of a file, digested (see the module doc)."""
    entries: list[Entry] = []
    add = entries.append
    same: dict[Any, Any] = {}  # ids seen: one object each, so the pickle holds each once
    pos = start
    i = 0
    with open(path, "rb", buffering=1 << 20) as f:
        f.seek(start)
        for line in f:
            if pos >= end:
                break
            n = len(line)
            info = audio_digest(line)
            if info is None:
                add((i, pos, n))
            else:
                t, nbytes, rid, item, ts = info
                rid = same.setdefault(rid, rid) if type(rid) is str else rid
                item = same.setdefault(item, item) if type(item) is str else item
                add((i, pos, n, (t, nbytes, rid, item, ts)))
            pos += n
            i += 1
    return PartDigest(i, pos, entries)


class PartScans:
    """Forked workers digesting the parts after the first: worker w takes parts w, w + W,
    w + 2W, … in turn and sends each digest as soon as it is done, so the main process can
    take part k (`collect(k)`) while the workers go on with the next ones."""

    def __init__(self, path: str, size: int, starts: list[int], workers: int, digest: Digest) -> None:
        self.size = size
        self.starts = starts
        self.ends = [*starts[1:], 1 << 62]  # the last part: to the end of the file
        self.children: list[tuple[int, int]] = []
        self._broken: set[int] = set()
        for w in range(min(workers, len(starts))):
            r, wfd = os.pipe()
            _widen(wfd)
            pid = os.fork()
            if pid == 0:  # the worker: never returns
                os.close(r)
                _work(digest, path, wfd, [(starts[k], self.ends[k]) for k in range(w, len(starts), workers)])
            os.close(wfd)
            self.children.append((pid, r))

    def collect(self, index: int) -> PartDigest | None:
        """What a worker found in part `index` + 1, or None if it failed (then it is left
        to the main process, as are that worker's later parts)."""
        import pickle

        w = index % len(self.children)
        if w in self._broken:
            return None
        r = self.children[w][1]
        head = _read_exactly(r, 8)
        data = _read_exactly(r, int.from_bytes(head, "little")) if len(head) == 8 else b""
        part = None
        if data:
            try:
                part = pickle.loads(data)
            except Exception:  # noqa: BLE001 - a worker's garbage: the main process reads the part itself
                part = None
        if type(part) is not PartDigest:
            self._broken.add(w)
            return None
        return part

    def close(self) -> None:
        """Stop and reap the workers (after the last part, an error, Ctrl-C or an early stop)."""
        for pid, r in self.children:
            if pid:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(OSError):
                    os.waitpid(pid, 0)
                with contextlib.suppress(OSError):
                    os.close(r)
        self.children = [(0, -1)] * len(self.children)


def _work(digest: Digest, path: str, out: int, parts: list[tuple[int, int]]) -> None:
    """A worker's life: digest its parts in order, each sent as a length and a pickle."""
    import pickle

    code = 1
    try:
        for start, end in parts:
            data = pickle.dumps(digest(path, start, end), protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(len(data).to_bytes(8, "little") + data)
            while view:
                view = view[os.write(out, view) :]
        code = 0
    finally:
        os._exit(code)


def _widen(fd: int) -> None:
    """A bigger pipe (Linux), so a worker does not wait for the main process to read a
    digest before it starts on its next part."""
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)


def _read_exactly(fd: int, n: int) -> bytes:
    chunks = []
    while n > 0:
        b = os.read(fd, min(n, 1 << 20))
        if not b:
            break
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


def usable_cpus() -> int:
    """CPUs this process may run on (a container or `taskset` may allow fewer than exist)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def start_parts(path: str, jobs: int, digest: Digest | None = None, main_share: float = MAIN_SHARE) -> PartScans | None:
    """Workers for a big plain file when there are CPUs to spare (`jobs`: processes,
    0 = one per CPU, 1 = none), else None. `digest(path, start, end)` is what a worker
    does with a part (`digest_part` unless given); `main_share`: the main process's share
    of the bytes against one worker's."""
    if not hasattr(os, "fork") or jobs == 1:
        return None
    try:
        st = os.stat(path)
        size = st.st_size
        if size < SPLIT_MIN_BYTES or not stat.S_ISREG(st.st_mode):
            return None
        workers = (jobs or usable_cpus()) - 1
        if workers < 1:
            return None
        with open(path, "rb") as f:
            if f.read(6).startswith(_COMPRESSED):
                return None  # compressed: no random access
            # the main process takes a smaller share of the bytes (it also parses the rest)
            at = int(size * main_share / (main_share + workers))
            starts: list[int] = []
            while at < size:
                f.seek(at)
                f.readline()
                at = f.tell()
                if at >= size or (starts and at <= starts[-1]):
                    break
                starts.append(at)
                at += SPLIT_PART_BYTES
    except OSError:
        return None
    if not starts:
        return None
    return PartScans(path, size, starts, workers, digest or digest_part)
