"""One big plain log on several CPUs: the file is cut at line starts into parts that
forked workers digest while the main process reads; the main process takes the parts in
order, so the result is a single pass's.

A digest of a part keeps, for every line, where it is (offset and length) and, for an
audio line, its `events.audio_digest` (the expensive part of an audio line: the base64
check and the JSON around the payload); any other line (~5% of the bytes) travels whole,
unless it is long. The main process hands the digests to the consumer's fast path and
parses the other lines as usual, reading back by offset (`os.pread`) only long lines and
the audio lines the consumer declines. So the events, their order, their line numbers
and the bad-line reports are exactly a single pass's. A line over the reader's limit
(`RTLOG_MAX_LINE_BYTES`) is given by its length alone and reported by the main process
with the single pass's warning; a part made long by such a line is read a block at a
time, so no process holds it (filter's workers leave such a part to the main process).

Who does which part is decided as the run goes, so no split has to be tuned to the log
or the machine: every process claims parts in order (a lock on byte k of a shared file
claims part k) and does them; the main process reads its first part itself, then for
each part in turn takes the worker's digest, or, if nobody has claimed the part yet,
reads it itself; while it waits for a worker it digests later parts nobody has claimed.
Every process reads the one open file (`os.pread` on the descriptor the main process
opened), so a log renamed or replaced meanwhile is not mixed in. A worker that fails,
or is much slower than the main process, leaves its parts to the main process; a file
that shrinks meanwhile is an error; workers that cannot be started leave the whole file
to a single pass.

Used by `reader.read_events(jobs=…)` when a consumer has an audio fast path, and by
filter's prefilter (`selection`), whose workers look for the needles instead.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import stat
import time
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from rtlog.io import entries as _entries
from rtlog.io.entries import (
    DigestedLine,  # (filter's entries carry whether the line is a candidate instead of a digest)
)
from rtlog.protocol.digest import audio_digest
from rtlog.records import record

SPLIT_MIN_BYTES = 64 * 1024 * 1024  # smaller files: one process (a fork costs more than it saves)
SPLIT_PART_BYTES = 4 * 1024 * 1024  # small parts: a wait for one is short, the claims even out
SHIPPED_LINE_BYTES = 64 * 1024  # a longer line (without a digest) is read back by offset, not sent
_TO_THE_END = 1 << 62  # the end of the last part
_MAIN = 255  # the claim byte of a part the main process took
_AHEAD = 8  # parts the main process digests ahead at most (memory: a digest is ~3 % of its part)
_WAIT_OWNER = 2.0  # seconds to wait for a claimant to say who it is before doing the part here
#: how long the main process waits for a worker's part, in multiples of the time it takes
#: itself to digest one, before it does the part here (a worker starved of CPU or stopped)
_SLOW_WORKER = 4.0
_FIRST_DIGEST_TIME = 0.25  # seconds a part is taken to need here until one is measured (a 4 MB part: ~0.03)
_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


@record(slots=True)
class PartDigest:
    lines: int  # lines in the part
    end: int  # the offset after its last line
    entries: list[DigestedLine]
    good: int = 0  # lines a worker found well-formed and of no interest (filter's prefilter)


#: what is done with a part ahead of its turn: (file descriptor, start, end) → its digest,
#: or None: the part is left to the main process to read in its turn
Digest = Callable[[int, int, int], "PartDigest | None"]


def read_part(fd: int, start: int, end: int) -> bytes:
    """The bytes of [start, end) of the file (to its end if `end` is past it), read with
    `os.pread` (the descriptor's offset is the main process's, shared with the workers)."""
    size = end - start if end < _TO_THE_END else max(os.fstat(fd).st_size - start, 0)
    data = os.pread(fd, size, start)
    if 0 < len(data) < size:  # (a short read: read on)
        chunks = [data]
        got = len(data)
        while got < size:
            more = os.pread(fd, size - got, start + got)
            if not more:
                break
            chunks.append(more)
            got += len(more)
        data = b"".join(chunks)
    return data


def digest_part(fd: int, start: int, end: int) -> PartDigest:
    """The lines that start in [start, end) of a file, digested (see the module doc).
    The part is read through a 1 MB buffer and cut into lines by `io.BufferedReader` (C), each
    digested as the single-process reader digests it (`events.audio_digest`). A line over
    the reader's limit (`entries.MAX_LINE_BYTES`) is given by its length alone, never
    digested; a part that holds one far longer than a part is read a block at a time
    (`_digest_long_part`), so a worker's memory is bounded as the single pass's is."""
    limit = _entries.MAX_LINE_BYTES
    span = _span(fd, start, end)
    if span > SPLIT_PART_BYTES + limit:
        return _digest_long_part(fd, start, end, limit)
    entries: list[DigestedLine] = []
    add = entries.append
    pos = start
    i = -1
    # read through a 1 MB buffer, not as one bytes object: the main process digests parts
    # too (while it waits for a worker's), and a whole 4 MB part raised its peak by 4 MB
    lines = io.BufferedReader(_PartRaw(fd, start, start + span), _PART_BUFFER)
    for i, line in enumerate(lines):
        n = len(line)
        info = audio_digest(line) if n <= limit else None
        if info is None:  # the line itself travels with the digest (one pread less for the main process)
            add((i, pos, line if n <= SHIPPED_LINE_BYTES and n <= limit else n))
        else:
            add((i, pos, n, info))
        pos += n
    return PartDigest(i + 1, pos, entries)


_PART_BUFFER = 1 << 20


class _PartRaw(io.RawIOBase):
    """[start, stop) of a file as a raw stream, read with `os.preadv` (the descriptor's
    offset is the main process's, shared with the workers)."""

    def __init__(self, fd: int, start: int, stop: int) -> None:
        self._fd, self._pos, self._stop = fd, start, stop

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = min(len(b), self._stop - self._pos)
        if n <= 0:
            return 0
        got = os.preadv(self._fd, [memoryview(b)[:n]], self._pos)
        self._pos += got
        return got


def _span(fd: int, start: int, end: int) -> int:
    """The size of the part [start, end) (to the file's end if `end` is past it)."""
    return end - start if end < _TO_THE_END else max(os.fstat(fd).st_size - start, 0)


_BLOCK = 1 << 20  # bytes read at a time from a part with an over-long line


def _digest_long_part(fd: int, start: int, end: int, limit: int) -> PartDigest:
    """`digest_part` for a part with a line over `limit` in it (one 4 GiB line makes one
    4 GiB part): read a block at a time, a line over the limit counted and passed over,
    never held."""
    stop = start + _span(fd, start, end)
    entries: list[DigestedLine] = []
    add = entries.append
    pos = at = start
    i = 0
    held: list[bytes] = []  # the current line so far (while it is within the limit)
    size = 0  # its length so far

    def line_done(tail: bytes) -> None:
        nonlocal pos, i, held, size
        n = size + len(tail)
        if n > limit:
            add((i, pos, n))  # (the main process reports it, as the single pass does)
        else:
            line = b"".join([*held, tail]) if held else tail
            info = audio_digest(line)
            if info is None:
                add((i, pos, line if n <= SHIPPED_LINE_BYTES else n))
            else:
                add((i, pos, n, info))
        pos += n
        i += 1
        held, size = [], 0

    while at < stop:
        block = os.pread(fd, min(_BLOCK, stop - at), at)
        if not block:
            break
        at += len(block)
        k = 0
        while True:
            nl = block.find(b"\n", k)
            if nl < 0:
                rest = block[k:]
                if rest:
                    size += len(rest)
                    if size <= limit:
                        held.append(rest)
                    else:
                        held = []
                break
            line_done(block[k : nl + 1])
            k = nl + 1
    if size:  # the file's last line, without its newline
        line_done(b"")
    return PartDigest(i, pos, entries)


class PartScans:
    """The parts after the main process's first and the workers that digest them (see the
    module doc). `collect(k)` gives part k's digest, or None: read the part yourself."""

    def __init__(self, fd: int, size: int, starts: list[int], workers: int, digest: Digest) -> None:
        import mmap
        import pickle  # noqa: F401 - loaded before the fork: the workers pickle their digests
        import tempfile

        self.fd = fd
        self.size = size
        self.starts = starts
        self.ends = [*starts[1:], _TO_THE_END]  # the last part: to the end of the file
        self.digest = digest
        self.children: list[tuple[int, int]] = []
        self._made: dict[int, PartDigest | None] = {}  # parts this process digested ahead (None: to read in turn)
        self._broken: set[int] = set()
        self._digest_time = 0.0  # this process's latest time to digest a part (0: none yet)
        self.claims = mmap.mmap(-1, len(starts))  # shared with the workers: 0, a worker's number, or _MAIN
        self._locks = tempfile.TemporaryFile()  # byte k locked = part k claimed (unlinked: nothing left behind)
        try:
            for w in range(min(workers, len(starts), _MAIN - 1)):
                self._fork(w + 1)
        except BaseException:
            self.close()
            raise

    def _fork(self, me: int) -> None:
        r, wfd = os.pipe()
        _widen(wfd)
        stop = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # no signal between fork and the worker's own handlers
        try:
            pid = os.fork()
            if pid == 0:  # the worker: never returns
                try:
                    for sig in stop:
                        signal.signal(sig, signal.SIG_DFL)  # Ctrl-C ends a worker quietly
                    os.close(r)
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, stop)
                    self._work(me, wfd)
                finally:
                    os._exit(1)
        except BaseException:
            os.close(r)
            os.close(wfd)
            raise
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stop)
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
                data = pickle.dumps(self.digest(self.fd, self.starts[k], self.ends[k]), protocol=pickle.HIGHEST_PROTOCOL)
                view = memoryview(len(data).to_bytes(8, "little") + k.to_bytes(4, "little") + data)
                while view:
                    view = view[os.write(out, view) :]
            code = 0
        finally:
            os._exit(code)

    def collect(self, k: int) -> PartDigest | None:
        """Part k's digest, or None when the caller is to read the part itself (nobody had
        claimed it, its worker failed, or it is far slower than this process)."""
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
        w = owner - 1
        if not self._wait(k, self.children[w][1]):
            return None  # (its frame, when it comes, is passed over)
        return self._receive(w, k)

    def _owner(self, k: int) -> int:
        """Who claimed part k (a worker is between its claim and saying so)."""
        deadline = time.monotonic() + _WAIT_OWNER
        while not self.claims[k]:
            if time.monotonic() > deadline:
                self.claims[k] = _MAIN  # (its digest, should it come, is passed over)
                return _MAIN
            time.sleep(0)
        return self.claims[k]

    def _wait(self, k: int, r: int) -> bool:
        """Wait for part k's worker to send it, digesting later parts nobody has claimed
        meanwhile (up to `_AHEAD` of them held at once). False: it takes too long (more
        than `_SLOW_WORKER` times what a part takes here): do part k here."""
        import select

        waited = 0.0
        while True:
            if select.select([r], [], [], 0)[0]:
                return True
            m = self.claims.find(b"\x00", k + 1) if len(self._made) < _AHEAD else -1
            if m >= 0 and self._claim(m):
                self.claims[m] = _MAIN
                t0 = time.perf_counter()
                try:
                    self._made[m] = self.digest(self.fd, self.starts[m], self.ends[m])
                except Exception:  # noqa: BLE001 - left to be read in its turn, which reports what is wrong
                    pass
                self._digest_time = time.perf_counter() - t0
                continue
            step = (self._digest_time or _FIRST_DIGEST_TIME) * _SLOW_WORKER - waited
            if step <= 0:
                return False
            t0 = time.perf_counter()
            if select.select([r], [], [], step)[0]:
                return True
            waited += time.perf_counter() - t0

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
                break  # (an earlier frame: a part this process did itself)
        try:
            part = pickle.loads(data)
        except Exception:  # noqa: BLE001 - a worker's garbage: the caller reads the part itself
            part = False
        if part is None:
            return None  # the worker left this part to the caller (see `Digest`)
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
        with contextlib.suppress(OSError, ValueError):
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


def free_cpus() -> int:
    """CPUs this process may run on that nothing else is using (at least 1): the usable
    CPUs less the 1-minute load average of everything else (the load counts this process
    as one). `-j 0`, the default, means this many: on a busy shared host, workers that would
    only wait for a CPU cost their start-up and the hand-over of their digests for nothing
    (measured: 13-49 % more CPU and slower than one process on a loaded 2-core machine)."""
    cpus = usable_cpus()
    try:
        others = os.getloadavg()[0] - 1.0
    except (AttributeError, OSError):
        return cpus
    return max(1, min(cpus, cpus - int(others + 0.5)))


def start_parts(fp: BinaryIO, jobs: int, digest: Digest | None = None) -> PartScans | None:
    """Workers for a big plain file when there are CPUs to spare (`jobs`: processes,
    0 = one per free CPU (`free_cpus`), 1 = none), else None. `fp` is the file as `reader.open_source` opened
    it (a compressed file, stdin or a pipe gets None: no random access). `digest(fd, start,
    end)` is what is done with a part ahead of its turn (`digest_part` unless given)."""
    if not hasattr(os, "fork") or jobs == 1:
        return None
    if not isinstance(fp, io.BufferedReader) or not isinstance(fp.raw, io.FileIO):
        return None  # decompressed, or not a file
    try:
        fd = fp.fileno()
        st = os.fstat(fd)
        size = st.st_size
        if size < SPLIT_MIN_BYTES or not stat.S_ISREG(st.st_mode):
            return None
        workers = (jobs or free_cpus()) - 1
        if workers < 1 or os.pread(fd, 6, 0).startswith(_COMPRESSED):
            return None
        starts: list[int] = []
        at = SPLIT_PART_BYTES  # the main process's first part
        while at < size:
            at = _next_line(fd, at, size)
            if at >= size:
                break
            starts.append(at)
            at += SPLIT_PART_BYTES
        if not starts:
            return None
        return PartScans(fd, size, starts, workers, digest or digest_part)
    except OSError:
        return None  # (no pipes, processes or temporary file to spare): one process reads it all


def _next_line(fd: int, at: int, size: int) -> int:
    """Where the line after the one holding byte `at` starts (`size` if none does)."""
    while at < size:
        chunk = os.pread(fd, 1 << 16, at)
        if not chunk:
            return size
        i = chunk.find(b"\n")
        if i >= 0:
            return at + i + 1
        at += len(chunk)
    return size


@contextlib.contextmanager
def process_pool(workers: int) -> Iterator[Any]:
    """A `ProcessPoolExecutor` for one file per task that, when the run stops early (Ctrl-C,
    SIGTERM, an error, a reader that went away), kills its workers at once instead of
    waiting for the files they are on (a run over big files took 7 s to stop). The workers
    only read (a killed export worker's staged rows are the next run's to clean up)."""
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers)
    done = False
    try:
        yield pool
        done = True
    finally:
        if done:
            pool.shutdown(wait=True)
        else:
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                with contextlib.suppress(Exception):
                    proc.kill()  # (SIGTERM is a KeyboardInterrupt in rtlog, which the pool's workers catch)
            # and reaped: a killed worker still holds what it inherited (export's folder lock)
            pool.shutdown(wait=True, cancel_futures=True)
