"""One big plain log on several CPUs: the file is cut at line starts into parts that
forked workers digest while the main process reads; the main process takes the parts in
order, so the result is a single pass's.

A digest of a part keeps, for every line, where it is (offset and length) and, for an
audio line, its `events.audio_digest` (the expensive part of an audio line: the base64
check and the JSON around the payload). The main process hands each digest to the
consumer's fast path and reads back by offset (`os.pread`) only the other lines (~5% of
the bytes) and the audio lines the consumer declines, which it parses as usual. So the
events, their order, their line numbers and the bad-line reports are exactly a single
pass's.

Who does which part is decided as the run goes, so no split has to be tuned to the log
or the machine: every process claims parts in order (a lock on byte k of a shared file
claims part k) and does them; the main process reads its first part itself, then for
each part in turn takes the worker's digest, or, if nobody has claimed the part yet,
reads it itself; while it waits for a worker it digests later parts nobody has claimed.
A worker that fails leaves its parts to the main process; a file that shrinks meanwhile
is an error.

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
SPLIT_PART_BYTES = 4 * 1024 * 1024  # small parts: a wait for one is short, the claims even out
_MAIN = 255  # the claim byte of a part the main process took
_AHEAD = 8  # parts the main process digests ahead at most (memory: a digest is ~2.5 % of its part)
_WAIT_OWNER = 2.0  # seconds to wait for a claimant to say who it is before doing the part here
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
    """The parts after the main process's first and the workers that digest them (see the
    module doc). `collect(k)` gives part k's digest, or None: read the part yourself."""

    def __init__(self, path: str, size: int, starts: list[int], workers: int, digest: Digest) -> None:
        import mmap
        import tempfile

        self.path = path
        self.size = size
        self.starts = starts
        self.ends = [*starts[1:], 1 << 62]  # the last part: to the end of the file
        self.digest = digest
        self.claims = mmap.mmap(-1, len(starts))  # shared with the workers: 0, a worker's number, or _MAIN
        self._locks = tempfile.TemporaryFile()  # byte k locked = part k claimed (unlinked: nothing left behind)
        self._made: dict[int, PartDigest] = {}  # parts this process digested ahead
        self._broken: set[int] = set()
        self.children: list[tuple[int, int]] = []
        for w in range(min(workers, len(starts), _MAIN - 1)):
            r, wfd = os.pipe()
            _widen(wfd)
            pid = os.fork()
            if pid == 0:  # the worker: never returns
                os.close(r)
                self._work(w + 1, wfd)
            os.close(wfd)
            self.children.append((pid, r))

    def _claim(self, k: int) -> bool:
        import fcntl

        try:
            fcntl.lockf(self._locks.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB, 1, k)
        except OSError:
            return False
        return True

    def _work(self, me: int, out: int) -> None:
        """A worker's life: claim the parts nobody has claimed, in order, and send each
        digest as soon as it is done (its size, its part number, its pickle)."""
        import pickle

        code = 1
        try:
            for k in range(len(self.starts)):
                if self.claims[k] or not self._claim(k):
                    continue
                self.claims[k] = me
                data = pickle.dumps(self.digest(self.path, self.starts[k], self.ends[k]), protocol=pickle.HIGHEST_PROTOCOL)
                view = memoryview(len(data).to_bytes(8, "little") + k.to_bytes(4, "little") + data)
                while view:
                    view = view[os.write(out, view) :]
            code = 0
        finally:
            os._exit(code)

    def collect(self, k: int) -> PartDigest | None:
        """Part k's digest, or None when the caller is to read the part itself (nobody had
        claimed it, or its worker failed)."""
        made = self._made.pop(k, None)
        if made is not None:
            return made
        owner = self.claims[k]
        if owner == 0:
            if self._claim(k):
                self.claims[k] = _MAIN
                return None
            owner = self._owner(k)
        if owner == _MAIN or owner - 1 in self._broken:
            return None
        r = self.children[owner - 1][1]
        self._digest_ahead(k, r)
        return self._receive(owner - 1, k)

    def _owner(self, k: int) -> int:
        """Who claimed part k (a worker is between its claim and saying so)."""
        import time

        deadline = time.monotonic() + _WAIT_OWNER
        while not self.claims[k]:
            if time.monotonic() > deadline:
                self.claims[k] = _MAIN  # (its digest, should it come, is passed over)
                return _MAIN
            time.sleep(0)
        return self.claims[k]

    def _digest_ahead(self, k: int, r: int) -> None:
        """While part k's worker is not done: digest later parts nobody has claimed (up to
        `_AHEAD` of them held at once)."""
        import select

        while len(self._made) < _AHEAD and not select.select([r], [], [], 0)[0]:
            m = self.claims.find(b"\x00", k + 1)
            if m < 0 or not self._claim(m):
                return
            self.claims[m] = _MAIN
            try:
                self._made[m] = self.digest(self.path, self.starts[m], self.ends[m])
            except Exception:  # noqa: BLE001 - left to be read in its turn, which reports what is wrong
                return

    def _receive(self, w: int, k: int) -> PartDigest | None:
        import pickle

        r = self.children[w][1]
        while True:
            head = _read_exactly(r, 12)
            data = _read_exactly(r, int.from_bytes(head[:8], "little")) if len(head) == 12 else b""
            if not data:
                self._broken.add(w)
                return None
            if int.from_bytes(head[8:], "little") == k:
                break  # (an earlier frame: a part this process did itself, see `_owner`)
        try:
            part = pickle.loads(data)
        except Exception:  # noqa: BLE001 - a worker's garbage: the caller reads the part itself
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
        self._made.clear()
        with contextlib.suppress(OSError, ValueError):
            self._locks.close()
            self.claims.close()


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


def start_parts(path: str, jobs: int, digest: Digest | None = None) -> PartScans | None:
    """Workers for a big plain file when there are CPUs to spare (`jobs`: processes,
    0 = one per CPU, 1 = none), else None. `digest(path, start, end)` is what is done with
    a part ahead of its turn (`digest_part` unless given)."""
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
            at = SPLIT_PART_BYTES  # the main process's first part
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
