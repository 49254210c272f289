"""Safe output files: write to a temporary file beside the target, rename when complete.

Owns: the rule that nothing half-written is ever left under the target name (failure,
Ctrl-C, SIGTERM, disk full), that an input is never overwritten, and that an existing
non-regular target (a device such as /dev/null, a FIFO) is written to directly.

An input is never an output, however either was named: a file given as such, a log of a
folder given as input, stdin (`-o f.jsonl < f.jsonl`), a symbolic or hard link to an
input; the files are compared by device and inode. The same holds for stdout redirected
into an input (`rtlog filter f.jsonl >> f.jsonl` would read its own output forever).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from rtlog.errors import InputError, OutputError


def same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _identity(st: os.stat_result) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


def input_files(inputs: Iterable[str]) -> dict[tuple[int, int], str]:
    """(device, inode) → name of every file the inputs read: files (through links),
    the logs of a folder, and stdin when it is a regular file (`< f.jsonl`)."""
    from rtlog.io.reader import folder_logs  # (here: the reader and its parsers are not needed to write)

    found: dict[tuple[int, int], str] = {}
    for p in inputs:
        try:
            if p == "-":
                st = os.fstat(0)
                if stat.S_ISREG(st.st_mode):
                    found[_identity(st)] = "<stdin>"
                continue
            st = os.stat(p)
            if stat.S_ISDIR(st.st_mode):  # the logs the folder gives, at any depth (as the reader expands it)
                for src in folder_logs(p):
                    with contextlib.suppress(OSError):
                        found[_identity(os.stat(src.name))] = src.name
            else:
                found[_identity(st)] = p
        except (OSError, InputError):
            continue  # (reading it will say what is wrong)
    return found


def refuse_inputs(target: str, inputs: Iterable[str]) -> None:
    """Raise OutputError if `target` is (or links to) a file the inputs read."""
    try:
        st = os.stat(target)
    except OSError:
        return  # does not exist (yet): not an input
    name = input_files(inputs).get(_identity(st))
    if name is not None:
        what = "" if name == target else f": it is {name}"
        raise OutputError(f"{target}: refusing to overwrite an input file{what}")


def refuse_stdout_input(inputs: Iterable[str]) -> None:
    """Raise OutputError if stdout is a regular file the inputs read (`>> f.jsonl`), as
    cat does: the run would read what it writes."""
    try:
        st = os.fstat(1)
    except OSError:
        return
    if stat.S_ISREG(st.st_mode):
        name = input_files(list(inputs) or ["-"]).get(_identity(st))
        if name is not None:
            raise OutputError(f"<stdout>: refusing to write into an input file: it is {name}")


def describe_os_error(path: str, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"{path}: no space left on device"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{path}: cannot write: {'read-only file system' if exc.errno == errno.EROFS else 'permission denied'}"
    if exc.errno == errno.ENOENT:
        return f"{path}: cannot write: directory does not exist"
    return f"{path}: cannot write: {exc.strerror or exc}"


@contextlib.contextmanager
def atomic_output(target: str, inputs: Iterable[str] = ()) -> Iterator[IO[bytes]]:
    """A binary file to write `target` through. Renamed into place only if the block
    ends without an exception; otherwise the temporary file is removed."""
    refuse_inputs(target, inputs)
    try:
        st = os.stat(target)
    except OSError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{target}: is a directory")
        try:
            with open(target, "wb") as direct:
                yield direct
        except OSError as exc:
            raise OutputError(describe_os_error(target, exc)) from None
        return
    directory = os.path.dirname(os.path.abspath(target))
    try:
        import tempfile  # (imported when an output is written: ~5 ms of every start-up otherwise)

        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part", dir=directory)
    except OSError as exc:
        raise OutputError(describe_os_error(target, exc)) from None
    ok = False
    fp = os.fdopen(fd, "w+b")
    try:
        try:
            yield fp
            fp.flush()
            os.fsync(fp.fileno())
            fp.close()
        except OSError as exc:
            raise OutputError(describe_os_error(target, exc)) from None
        if st is not None:
            with contextlib.suppress(OSError):
                os.chmod(tmp, stat.S_IMODE(st.st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            with contextlib.suppress(OSError):
                os.chmod(tmp, 0o666 & ~umask)
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise OutputError(describe_os_error(target, exc)) from None
        ok = True
    finally:
        # after a failed write the buffer still holds what could not be written: closing
        # would try again and raise a second error over the first one
        with contextlib.suppress(OSError):
            fp.close()
        if not ok:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


# --- a set of files that appear together (extract-audio --split) --------------------------


class _Pool:
    """The staged files that hold a descriptor, least recently used first: past `limit`
    the oldest gives its descriptor back (a split with thousands of items whose audio never
    ends would otherwise run out of them, at ~1,000 under the usual `ulimit -n`)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open: dict[ReopeningFile, None] = {}

    def used(self, f: ReopeningFile) -> None:
        self.open.pop(f, None)
        self.open[f] = None
        while len(self.open) > self.limit:
            oldest = next(iter(self.open))
            del self.open[oldest]
            oldest.release()

    def forget(self, f: ReopeningFile) -> None:
        self.open.pop(f, None)


class ReopeningFile:
    """A binary file (read, write, seek, tell, truncate) whose descriptor is opened on
    demand and given back when the pool says so; reopened where it was."""

    def __init__(self, path: str, pool: _Pool) -> None:
        self.path = path
        self._pool = pool
        self._fp: IO[bytes] | None = None
        self._pos = 0
        self._created = False

    def _file(self) -> IO[bytes]:
        fp = self._fp
        if fp is None:
            fp = open(self.path, "r+b" if self._created else "w+b")  # noqa: SIM115 - closed in release()
            self._created = True
            fp.seek(self._pos)
            self._fp = fp
        self._pool.used(self)
        return fp

    def release(self) -> None:
        fp, self._fp = self._fp, None
        if fp is not None:
            self._pos = fp.tell()
            fp.close()

    def write(self, data: bytes) -> int:
        return self._file().write(data)

    def read(self, n: int = -1) -> bytes:
        return self._file().read(n)

    def seek(self, pos: int, whence: int = 0) -> int:
        return self._file().seek(pos, whence)

    def tell(self) -> int:
        return self._fp.tell() if self._fp is not None else self._pos

    def truncate(self, size: int | None = None) -> int:
        return self._file().truncate(size)

    def fileno(self) -> int:
        return self._file().fileno()

    def seekable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:
        if self._fp is not None:
            self._fp.flush()

    def close(self) -> None:
        """Flush to disk and give the descriptor back (the file stays)."""
        fp = self._file()
        fp.flush()
        os.fsync(fp.fileno())
        self._pool.forget(self)
        self.release()

    def discard(self) -> None:
        self._pool.forget(self)
        with contextlib.suppress(OSError):
            self.release()
        with contextlib.suppress(OSError):
            os.unlink(self.path)


#: descriptors a set of staged files holds at most (fewer under a low `ulimit -n`)
OPEN_FILES = 64


def _open_files_limit() -> int:
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return 16
    return OPEN_FILES if soft == resource.RLIM_INFINITY else max(4, min(OPEN_FILES, soft // 4))


@contextlib.contextmanager
def atomic_directory(directory: str, inputs: Iterable[str] = ()) -> Iterator[Callable[[str], contextlib.AbstractContextManager[IO[bytes]]]]:
    """`open_file(name)` for the files of one output directory: they are written to a
    staging directory and appear in `directory` together when the block ends without an
    exception, or not at all (a failure, Ctrl-C, SIGTERM: the staging directory is
    removed). A new directory appears by one rename; into an existing one the files are
    renamed one by one with SIGINT and SIGTERM held off. A file that would replace an
    input is refused."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise OutputError(f"{directory}: exists and is not a directory (--split writes a directory of files)")
    existed = os.path.isdir(directory)
    parent = directory if existed else os.path.dirname(os.path.abspath(directory.rstrip("/") or "."))
    try:
        os.makedirs(parent, exist_ok=True)  # (missing parents are made, as `mkdir -p`)
        import tempfile

        stage = tempfile.mkdtemp(prefix=f".{os.path.basename(os.path.abspath(directory))}.", suffix=".part", dir=parent)
    except OSError as exc:
        raise OutputError(describe_os_error(directory, exc)) from None
    pool = _Pool(_open_files_limit())
    names: list[str] = []

    @contextlib.contextmanager
    def open_file(name: str) -> Iterator[IO[bytes]]:
        target = os.path.join(directory, name)
        refuse_inputs(target, inputs)
        f = ReopeningFile(os.path.join(stage, name), pool)
        try:
            yield f  # type: ignore[misc]
            f.close()
        except OSError as exc:
            f.discard()
            raise OutputError(describe_os_error(target, exc)) from None
        except BaseException:
            f.discard()
            raise
        names.append(name)

    try:
        yield open_file
        for name in names:
            refuse_inputs(os.path.join(directory, name), inputs)
        _commit(stage, directory, names, existed)
    finally:
        for f in list(pool.open):
            f.discard()
        import shutil

        shutil.rmtree(stage, ignore_errors=True)


def _commit(stage: str, directory: str, names: list[str], existed: bool) -> None:
    """Move the staged files into place, with SIGINT and SIGTERM held until it is done."""
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        if not existed:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(stage, 0o777 & ~umask)
            os.rename(stage, directory)  # one step: the directory appears whole
            return
        for name in names:
            os.replace(os.path.join(stage, name), os.path.join(directory, name))
    except OSError as exc:
        raise OutputError(describe_os_error(directory, exc)) from None
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
