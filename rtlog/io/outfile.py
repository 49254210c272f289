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
import stat
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from rtlog.errors import OutputError
from rtlog.io.reader import LOG_SUFFIXES


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
    found: dict[tuple[int, int], str] = {}
    for p in inputs:
        try:
            if p == "-":
                st = os.fstat(0)
                if stat.S_ISREG(st.st_mode):
                    found[_identity(st)] = "<stdin>"
                continue
            st = os.stat(p)
            if stat.S_ISDIR(st.st_mode):
                for n in os.listdir(p):
                    if n.endswith(LOG_SUFFIXES):
                        with contextlib.suppress(OSError):
                            found[_identity(os.stat(os.path.join(p, n)))] = os.path.join(p, n)
            else:
                found[_identity(st)] = p
        except OSError:
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
