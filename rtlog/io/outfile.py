"""Safe output files: write to a temporary file beside the target, rename when complete.

Owns: the rule that nothing half-written is ever left under the target name (failure,
Ctrl-C, SIGTERM, disk full), that an input is never overwritten, and that an existing
non-regular target (a device such as /dev/null, a FIFO) is written to directly.
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


def same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def refuse_inputs(target: str, inputs: Iterable[str]) -> None:
    """Raise OutputError if `target` is one of the input files."""
    for p in inputs:
        if p != "-" and same_file(target, p):
            raise OutputError(f"{target}: refusing to overwrite an input file")


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
