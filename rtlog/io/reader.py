"""Streaming reader: paths, directories and stdin → a stream of `Event`s.

Owns: expanding inputs (files, directories of logs, `-` for stdin), opening them in
binary with gzip/bz2/xz detected by magic bytes (stdin too), iterating lines in constant
memory (bounded by the longest line), the bad-line policy (`Diagnostics`: warn and count,
or fatal with strict), and following a file that is still being written.

It never aggregates: what to remember is the consumers' business.
"""

from __future__ import annotations

import bz2
import contextlib
import errno
import gzip
import io
import lzma
import os
import sys
import time
import zlib
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO

from rtlog.errors import InputError
from rtlog.io.entries import MAX_LINE_BYTES, DigestedLine, FastPath
from rtlog.protocol.digest import AudioDigest, audio_digest
from rtlog.protocol.events import BadLine, Event, parse_line
from rtlog.records import record

if TYPE_CHECKING:
    from rtlog.io.parts import PartScans

LOG_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.bz2", ".jsonl.xz", ".ndjson", ".ndjson.gz")
STDIN_NAME = "<stdin>"
BOM = b"\xef\xbb\xbf"
_BUFFER = 1 << 20


class Diagnostics:
    """The bad-line policy, shared by every command.

    A bad line is skipped and counted; the first `limit` are reported through `warn`
    as `FILE:LINE: reason`. With `strict`, the first bad line raises InputError (exit 2).
    """

    def __init__(
        self, *, strict: bool = False, warn: Callable[[str], None] | None = None, limit: int = 20,
        error: Callable[[str], None] | None = None,
    ) -> None:  # fmt: skip
        self.strict = strict
        self.warn = warn or (lambda msg: None)
        self.error = error or self.warn  # an input that cannot be read, among several
        self.failed: list[str] = []  # those inputs' messages
        self.limit = limit
        self.bad_lines = 0
        self.shown = 0
        self.by_source: dict[str, int] = {}
        self.lines: dict[str, int] = {}  # source → lines read (blank and bad ones too)

    def source_failed(self, msg: str) -> None:
        """One of several inputs cannot be read (`msg`: `FILE: why`): said at once through
        `error`, the others still read; the run then ends with exit 2 (`failed`). With
        strict, the first one stops the run."""
        if self.strict:
            raise InputError(msg)
        self.failed.append(msg)
        self.error(msg)

    def bad_line(self, source: str, line_no: int, reason: str) -> None:
        self.bad_lines += 1
        self.by_source[source] = self.by_source.get(source, 0) + 1
        msg = f"{source}:{line_no}: {reason}"
        if self.strict:
            raise InputError(msg)
        if self.shown < self.limit:
            self.shown += 1
            self.warn(msg)

    def note(self, msg: str) -> None:
        """A warning that is not about one line (not counted as a bad line)."""
        if self.strict:
            raise InputError(msg)
        self.warn(msg)

    def finish(self) -> None:
        """Report how many warnings were not shown."""
        hidden = self.bad_lines - self.shown
        if hidden > 0:
            self.warn(f"{hidden} more bad line{'s' if hidden != 1 else ''} not shown ({self.bad_lines} in all)")
            self.shown = self.bad_lines


#: what a failing read raises (I/O errors, a truncated or corrupt compressed stream)
READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)
#: the longest line read: `entries.MAX_LINE_BYTES` (there, so that `parts` reads it too)
_SKIP_BLOCK = 1 << 20


def past_long_line(readline: Callable[[int], bytes], head: bytes, line_no: int,
                   too_long: Callable[[int, int], None]) -> tuple[bytes, int]:
    """A line `readline(limit)` cut at the limit (`head`, without its newline): the rest
    read past a block at a time and reported as `too_long(line_no, size)`; returns the
    line to read instead — a blank one (numbering holds), or `head` itself when the rest
    was nothing (a last line of exactly the limit, without a newline) — and the bytes the
    whole line took."""
    size = len(head)
    while True:  # the rest of the line, a block at a time
        rest = readline(_SKIP_BLOCK)
        size += len(rest)
        if not rest or rest[-1] == 10:
            break
    if size > len(head):
        too_long(line_no, size)
        return b"\n", size
    return head, size


INCOMPLETE_LAST_LINE = "incomplete last line, no newline at the end (log still being written?): "


class LineParser:
    """The per-source rules every way of reading a source shares (the plain line loop
    here, filter's block prefilter): a bad line is reported with its reason (blank lines
    are fine; a last line without its newline says so), events are counted, a read that
    fails is reported where it stopped, and a source of nothing but bad lines is an error
    (a cut-off last line alone is a log that has just begun)."""

    def __init__(self, name: str, diag: Diagnostics, *, follow: bool = False) -> None:
        self.name = name
        self.diag = diag
        self.follow = follow
        self.good = 0
        self.cut_last_line = False
        self.failed = ""  # why the read failed, if it did
        self._bad_before = diag.by_source.get(name, 0)

    def parse(self, line: bytes, line_no: int) -> Event | None:
        """The line's event, or None for a blank or bad line (reported)."""
        try:
            ev = parse_line(line, self.name, line_no)
        except BadLine as exc:
            self.bad(line, line_no, exc)
            return None
        self.good += 1
        return ev

    def bad(self, line: bytes, line_no: int, exc: BadLine) -> None:
        if not line.strip():
            return  # blank lines are fine
        reason = str(exc)
        if not line.endswith(b"\n") and not self.follow:
            self.cut_last_line = True
            reason = INCOMPLETE_LAST_LINE + reason
        self.diag.bad_line(self.name, line_no, reason)

    def too_long(self, line_no: int, size: int) -> None:
        self.diag.bad_line(self.name, line_no, f"a line of {size:,} bytes, over the limit of {MAX_LINE_BYTES:,} "
                           "(RTLOG_MAX_LINE_BYTES): skipped")  # fmt: skip

    def read_failed(self, line_no: int, exc: BaseException) -> None:
        self.failed = _read_error(exc)
        self.diag.bad_line(self.name, line_no, f"cannot read further: {self.failed}")

    def finish(self, lines: int | None = None) -> None:
        """The end of the source (`lines`: how many were read)."""
        if lines is not None:
            self.diag.lines[self.name] = lines
        bad = self.diag.by_source.get(self.name, 0) - self._bad_before
        if self.good == 0 and bad > (1 if self.cut_last_line else 0):
            if self.failed:  # what could be read was garbage, then the read failed: say that
                raise InputError(f"{self.name}: cannot read: {self.failed}")
            raise InputError(f"{self.name}: no events found: not a JSONL event log?")


@record(frozen=True, slots=True)
class Source:
    """One input: `name` is what messages call it; `path` is None for stdin."""

    name: str
    path: str | None
    problem: str | None = None  # why it cannot be read, known before opening it (one of several inputs)

    @property
    def size(self) -> int | None:
        if self.path is None:
            return None
        try:
            return os.stat(self.path).st_size
        except OSError:
            return None


def expand_sources(paths: Sequence[str]) -> list[Source]:
    """Files as given, directories as the logs in them and in their subfolders (sorted by
    path; see `folder_logs`), `-` as stdin."""
    if not paths:
        if _stdin_is_terminal():
            raise InputError("no input: give a log FILE, or pipe a log in ('-' reads stdin)")
        paths = ["-"]
    sources: list[Source] = []
    for p in paths:
        if p == "-":
            sources.append(Source(STDIN_NAME, None))
        elif os.path.isdir(p):
            found = folder_logs(p)
            if not found:
                raise InputError(f"{p}: {_no_logs_here(p)}")
            sources.extend(found)
        elif os.path.exists(p):
            sources.append(Source(p, p))
        elif len(paths) > 1:  # one missing input never loses the others: it fails when its turn comes
            sources.append(Source(p, p, _missing(p)))
        else:
            raise InputError(f"{p}: {_missing(p)}")
    return sources


#: what a file in a folder is read as a log by: its name, or (`.json`) its first bytes
JSON_SUFFIX = ".json"
ACCEPTED = ", ".join(f"*{x}" for x in LOG_SUFFIXES) + f", *{JSON_SUFFIX} (a JSON array of events)"


def folder_logs(folder: str) -> list[Source]:
    """The logs of `folder` and of its subfolders, at any depth, sorted by path: files named
    as logs (`LOG_SUFFIXES`), and `.json` files that hold a JSON array of events (a saved
    session; a `.json` of anything else, a config or a truth file, is left alone). Hidden
    folders (`.git`, `.cache`) and links to folders are not entered (no loops, no surprises);
    a `.log` is never taken from a folder (a recorder's text log is not JSONL): give it as a file.
    A subfolder that cannot be listed is an input that fails when its turn comes (the others
    are still read); the folder itself not listable is the error."""
    from rtlog.io.arrays import looks_like_array

    found: list[Source] = []

    def unlistable(exc: OSError) -> None:
        where = exc.filename or folder
        if os.path.normpath(where) == os.path.normpath(folder):
            raise InputError(f"{folder}: cannot list directory: {exc.strerror}") from None
        found.append(Source(where, where, f"cannot list directory: {exc.strerror}"))

    for top, dirs, files in os.walk(folder, onerror=unlistable):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for n in files:
            path = os.path.join(top, n)
            if n.endswith(LOG_SUFFIXES) or (n.endswith(JSON_SUFFIX) and looks_like_array(_head(path))):
                found.append(Source(path, path))
    return sorted(found, key=lambda s: os.path.relpath(s.name, folder).split(os.sep))


def _head(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(256)
    except OSError:
        return b""


def _no_logs_here(folder: str) -> str:
    """Why a folder gives no logs: the names rtlog takes, and what is there instead (a
    recorder's .log, a .json that is not an array of events) with how to read it."""
    others: set[str] = set()
    for _top, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        others.update(os.path.splitext(n)[1] for n in files if os.path.splitext(n)[1] and not n.startswith("."))
    hint = []
    if JSON_SUFFIX in others:
        others.discard(JSON_SUFFIX)
        hint.append("its .json files are not JSON arrays of events")
    if others:
        hint.append(f"it has {', '.join(sorted(others)[:6])} files: give one as a file to read it as JSONL")
    return f"no logs in this directory or its subfolders (a log is named {ACCEPTED})" + "".join(f"; {h}" for h in hint)


def _missing(p: str) -> str:
    """Why `p` cannot be read, as it is (a symlink loop or a closed folder is not 'no such file')."""
    try:
        os.stat(p)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "too many levels of symbolic links (a symlink loop)"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "permission denied (on a folder of its path)"
        if exc.errno == errno.ENOTDIR:
            return "not a directory (a file is used as a folder in its path)"
        if exc.errno != errno.ENOENT:
            return f"cannot open: {exc.strerror or exc}"
        if os.path.islink(p):
            return f"a symbolic link to nothing (it points to {os.readlink(p)!r})"
    return "no such file or directory"


def _decompressed(fp: BinaryIO, name: str) -> BinaryIO:
    """Wrap `fp` by its magic bytes: gzip, bzip2, xz, or as it is."""
    if not hasattr(fp, "peek"):
        fp = io.BufferedReader(fp, _BUFFER)  # type: ignore[arg-type]
    head = fp.peek(6)[:6]  # type: ignore[attr-defined]
    # (the decompressors buffer internally; an outer 1 MB buffer would make the first
    # peek read far enough to hit the end of a truncated stream before any line is seen)
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=fp, mode="rb")  # type: ignore[return-value]
    if head[:3] == b"BZh":
        return bz2.BZ2File(fp, "rb")  # type: ignore[return-value]
    if head[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(fp, "rb")  # type: ignore[return-value]
    return fp


@contextlib.contextmanager
def open_source(src: Source, stdin: BinaryIO | None = None) -> Iterator[BinaryIO]:
    """Open a source for binary line reading (decompressing as needed). stdin is never closed."""
    if src.problem is not None:
        raise InputError(f"{src.name}: {src.problem}")
    if src.path is None:
        if stdin is None:
            stdin = _stdin_with_big_buffer()
        yield _checked(_decompressed(stdin, src.name), src.name)
        return
    try:
        # a 1 MB buffer halves the cost of line iteration on audio-sized (4-10 kB) lines
        raw_fp = open(src.path, "rb", buffering=_BUFFER)  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise InputError(f"{src.name}: no such file or directory") from None
    except IsADirectoryError:
        raise InputError(f"{src.name}: is a directory") from None
    except PermissionError:
        raise InputError(f"{src.name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{src.name}: cannot open: {exc.strerror or exc}") from None
    try:
        yield _checked(_decompressed(raw_fp, src.name), src.name)
    finally:
        raw_fp.close()


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _stdin_with_big_buffer() -> BinaryIO:
    """stdin's file descriptor behind a 1 MB buffer (sys.stdin.buffer has 8 kB); the
    plain sys.stdin.buffer where there is no real descriptor (tests)."""
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, ValueError, OSError):
        return sys.stdin.buffer
    return open(fd, "rb", buffering=_BUFFER, closefd=False)


def _checked(fp: BinaryIO, name: str) -> BinaryIO:
    try:
        head = fp.peek(4096)[:4096]  # type: ignore[attr-defined]
    except READ_ERRORS as exc:
        raise InputError(f"{name}: cannot read: {_read_error(exc)}") from None
    if b"\x00" in head and not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        # (a log that starts like JSON keeps going: a stray NUL is one bad line)
        raise InputError(f"{name}: binary data, not a JSONL event log")
    from rtlog.io import arrays  # a session saved as one JSON array: read as JSONL, element by element

    return arrays.array_lines(fp) if arrays.looks_like_array(head) else fp


def _read_error(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "compressed data ends early"
    if isinstance(exc, gzip.BadGzipFile | zlib.error | lzma.LZMAError):
        return f"corrupt compressed data ({exc})"
    if isinstance(exc, OSError) and exc.errno is None and str(exc) == "Invalid data stream":  # bz2's only message
        return "corrupt compressed data (bzip2: invalid data stream)"
    return getattr(exc, "strerror", None) or str(exc)




def read_events(
    src: Source,
    diag: Diagnostics,
    *,
    follow: bool = False,
    stdin: BinaryIO | None = None,
    on_progress: Callable[[int], None] | None = None,
    fast_path: FastPath | None = None,
    digest: Callable[[bytes], AudioDigest | None] | None = None,
    jobs: int = 1,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[Event]:
    """The events of one source, in order; bad lines go to `diag` and are skipped.

    `fast_path` (see `FastPath`), if given, sees the `audio_digest` of every audio line
    first; the lines it takes are counted as events, no Event is built for them. `digest`
    replaces `audio_digest` for a fast path that wants only some audio lines (None for the
    others, which then cost no digest; the file is then read in one process). With a
    fast path, a big plain file is read by `jobs` processes (0: one per free CPU; see
    `rtlog.io.parts`), with the same result. `meanwhile()` is called once those workers have
    started (not at all without them): work the caller needs at the end anyway (imports),
    done while the workers are busy rather than after."""
    with open_source(src, stdin) as fp:
        scans = None
        if fast_path is not None and digest is None and jobs != 1 and not follow and src.path is not None:
            from rtlog.io import parts

            scans = parts.start_parts(fp, jobs)
        if scans is None:
            yield from _events(fp, src, diag, follow=follow, on_progress=on_progress, fast_path=fast_path, digest=digest)
            return
        try:
            if meanwhile is not None:
                meanwhile()
            yield from _events_by_parts(fp, src, diag, scans, on_progress=on_progress, fast_path=fast_path)
        finally:
            scans.close()


#: audio lines handed to the fast path in one call (the plain loop): the call's set-up is
#: paid once a run, and a run holds at most this many lines (~1 MB of a typical log)
FAST_RUN = 256


def _events(
    fp: BinaryIO,
    src: Source,
    diag: Diagnostics,
    *,
    follow: bool,
    on_progress: Callable[[int], None] | None,
    fast_path: FastPath | None = None,
    digest: Callable[[bytes], AudioDigest | None] | None = None,
) -> Iterator[Event]:
    name = src.name
    digest_of = digest or audio_digest
    lp = LineParser(name, diag, follow=follow)
    if follow and isinstance(fp, gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile):
        raise InputError(f"{name}: --follow reads a plain log as it grows; this one is compressed")
    if follow:
        following = _follow_lines(fp, src)

        def readline(_limit: int) -> bytes:
            return next(following, b"")

        cap = -1  # (a followed line is held whole until its newline comes)
    else:
        readline, cap = fp.readline, MAX_LINE_BYTES
    too_long = lp.too_long
    line_no = 0
    # digested audio lines waiting for the fast path, as `DigestedLine`s (the line itself as
    # the third item), and the number of the line before the first; following a growing
    # log they are handed over one at a time (a run would wait for lines not written yet)
    run: list[DigestedLine] = []
    base = 0
    limit = 1 if follow else FAST_RUN
    unreported = 0  # audio lines taken since the last progress report

    def flush() -> Iterator[Event]:
        nonlocal unreported
        j, m = 0, len(run)
        while j < m:
            taken = fast_path(run, j, base)  # type: ignore[misc]
            if taken > j:
                lp.good += taken - j
                j = taken
                continue
            entry = run[j]  # declined: an Event
            j += 1
            ev = lp.parse(entry[2], base + entry[0] + 1)
            if ev is not None:
                yield ev
        run.clear()
        if on_progress is not None:  # every FAST_RUN audio lines (~1 MB), however runs are cut short: `tell` is a system call
            unreported += m
            if unreported >= limit:
                unreported = 0
                on_progress(_position(fp))

    try:
        while True:  # (inline, not a generator of lines: its switch costs per line)
            line = readline(cap)
            if not line:
                break
            line_no += 1
            if len(line) == cap and line[-1] != 10:
                line = past_long_line(readline, line, line_no, too_long)[0]
            if line_no == 1 and line.startswith(BOM):
                line = line[3:]
            if fast_path is not None:
                info = digest_of(line)
                if info is not None:
                    if not run:
                        base = line_no - 1
                    run.append((line_no - 1 - base, 0, line, info))
                    if len(run) >= limit:
                        yield from flush()
                    continue
                if run:
                    yield from flush()
            ev = lp.parse(line, line_no)
            if ev is None:
                continue
            if on_progress is not None and not lp.good & 0x3FF:
                on_progress(_position(fp))
            yield ev
    except READ_ERRORS as exc:
        yield from flush()
        lp.read_failed(line_no + 1, exc)
    if run:
        yield from flush()
    if on_progress is not None:
        on_progress(_position(fp))
    lp.finish(line_no)


def _events_by_parts(
    fp: BinaryIO,
    src: Source,
    diag: Diagnostics,
    scans: PartScans,
    *,
    on_progress: Callable[[int], None] | None,
    fast_path: FastPath,
) -> Iterator[Event]:
    """`_events` for a plain file whose later parts forked workers digest (see `rtlog.io.parts`):
    the first part is read here; each later part is taken from its worker, the lines it
    did not digest (or that the fast path declines) read back by offset and parsed."""
    name = src.name
    lp = LineParser(name, diag)
    line_no = 0
    fd = scans.fd
    try:
        line_no, pos = yield from _lines_between(fp, lp, 0, scans.starts[0], 0, fast_path, on_progress)
        if pos < scans.starts[0]:
            raise InputError(SHRUNK.format(name))
        for k, (start, end) in enumerate(zip(scans.starts, scans.ends)):
            part = scans.collect(k)
            if part is None:  # nobody took it, or its worker failed: read the part here
                fp.seek(start)
                line_no, pos = yield from _lines_between(fp, lp, start, end, line_no, fast_path, on_progress)
                if pos < min(end, scans.size):
                    raise InputError(SHRUNK.format(name))
                continue
            if part.end < min(end, scans.size):
                raise InputError(SHRUNK.format(name))
            line0 = line_no
            entries = part.entries
            j, m = 0, len(entries)
            while j < m:
                entry = entries[j]
                if len(entry) == 4:
                    taken = fast_path(entries, j, line0)
                    if taken > j:
                        lp.good += taken - j
                        j = taken
                        continue
                j += 1
                line_no = line0 + entry[0]  # lines before this one (a failing read is reported at the next)
                line = entry[2]
                if type(line) is int:  # a long line, or audio the consumer declined: read back by offset
                    if line > MAX_LINE_BYTES:  # (never digested: passed over, as `past_long_line` does)
                        lp.too_long(line_no + 1, line)
                        continue
                    line = os.pread(fd, entry[2], entry[1])
                    if len(line) != entry[2]:
                        raise InputError(SHRUNK.format(name))
                ev = lp.parse(line, line_no + 1)
                if ev is None:
                    continue
                yield ev
            line_no = line0 + part.lines
            if on_progress is not None:
                on_progress(part.end)
    except READ_ERRORS as exc:
        lp.read_failed(line_no + 1, exc)
    if on_progress is not None:
        on_progress(scans.size)
    lp.finish(line_no)


SHRUNK = "{}: the file got shorter while it was read (truncated or rewritten?): run again"


def _lines_between(
    fp: BinaryIO,
    lp: LineParser,
    start: int,
    end: int,
    line_no: int,
    fast_path: FastPath,
    on_progress: Callable[[int], None] | None,
) -> Generator[Event, None, tuple[int, int]]:
    """The events of the lines that start in [start, end) of a plain file (`fp` is at
    `start`); returns the number of the last line read and the offset after it. A line
    over `MAX_LINE_BYTES` is read past and reported (`past_long_line`)."""
    pos = start
    readline = fp.readline
    limit = MAX_LINE_BYTES
    while pos < end:
        line = readline(limit)
        if not line:
            break
        n = len(line)
        line_no += 1
        if n == limit and line[-1] != 10:
            line, n = past_long_line(readline, line, line_no, lp.too_long)
            if n > limit:
                pos += n
                continue
        pos += n
        if line_no == 1 and line.startswith(BOM):
            line = line[3:]
        info = audio_digest(line)
        if info is not None and fast_path(((0, 0, 0, info),), 0, line_no - 1):
            lp.good += 1
        else:
            ev = lp.parse(line, line_no)
            if ev is None:
                continue
            yield ev
        if on_progress is not None and not lp.good & 0x3FF:
            on_progress(pos)
    return line_no, pos


def _position(fp: BinaryIO) -> int:
    """Bytes consumed of the underlying file (the compressed size for compressed input)."""
    inner = getattr(fp, "raw", fp)
    inner = getattr(inner, "fileobj", None) or getattr(inner, "_fp", None) or inner
    try:
        return int(inner.tell())
    except (OSError, ValueError, AttributeError):
        return 0


def _follow_lines(fp: BinaryIO, src: Source, poll: float = 0.2) -> Iterator[bytes]:
    """Lines of a file that keeps growing, like `tail -F`; a partial last line is held
    back until its newline arrives. A file renamed away and replaced (log rotation) is
    read to its end, then the new file from its start; a file truncated in place is read
    again from its start; a file that disappears is waited for. Ends only when the caller
    stops (Ctrl-C)."""
    pending = b""
    current = fp
    reopened: BinaryIO | None = None  # the file opened after a rotation (closed here)
    try:
        while True:
            chunk = current.readline()
            if chunk:
                if chunk.endswith(b"\n"):
                    yield pending + chunk
                    pending = b""
                else:
                    pending += chunk
                continue
            if src.path is None:
                if pending:
                    yield pending
                return  # stdin at EOF: nothing more can come
            change = _file_change(current, src.path)
            if change == "truncated":
                current.seek(0)
                pending = b""
                continue
            if change == "rotated":
                try:
                    new = open(src.path, "rb")  # noqa: SIM115 - closed below
                except OSError:
                    time.sleep(poll)  # (renamed away, the new one not there yet)
                    continue
                if pending:  # the old file's last line, never finished
                    yield pending
                    pending = b""
                if reopened is not None:
                    reopened.close()
                current = reopened = new  # type: ignore[assignment]
                continue
            time.sleep(poll)
    finally:
        if reopened is not None:
            reopened.close()


def _file_change(fp: BinaryIO, path: str) -> str | None:
    """'rotated' when `path` is now another file than the one open, 'truncated' when it
    is shorter than what was read, else None (also while `path` is missing)."""
    try:
        now, mine = os.stat(path), os.fstat(fp.fileno())
    except (OSError, ValueError):
        return None
    if (now.st_dev, now.st_ino) != (mine.st_dev, mine.st_ino):
        return "rotated"
    try:
        return "truncated" if now.st_size < fp.tell() else None
    except (OSError, ValueError):
        return None


def iter_events(
    paths: Sequence[str],
    diag: Diagnostics,
    *,
    follow: bool = False,
    stdin: BinaryIO | None = None,
) -> Iterator[Event]:
    """The events of every source in order, as one stream."""
    for src in expand_sources(paths):
        yield from read_events(src, diag, follow=follow, stdin=stdin)
