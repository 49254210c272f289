"""Inputs that must be read twice: stdin, a FIFO or `<(…)` copied to a temporary file.

Owns `readable_twice`, for the commands whose work takes two passes over a log (extract-audio's
cut at truncations and stereo mix, report's audio pass, redact's reassembly of deltas). A
regular file is used as it is; anything else is copied as it is (still compressed) into a
temporary folder removed afterwards. Messages keep the names the user gave.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
from collections.abc import Iterator, Sequence

from rtlog.errors import InputError
from rtlog.io.reader import Source


def rereadable(src: Source) -> bool:
    """A regular file can be read twice; stdin, a FIFO, `<(…)` or a device cannot."""
    if src.path is None:
        return False
    try:
        return stat.S_ISREG(os.stat(src.path).st_mode)
    except OSError:
        return True  # (opening it reports the problem)


@contextlib.contextmanager
def readable_twice(sources: Sequence[Source]) -> Iterator[list[Source]]:
    """The sources, with those that cannot be read twice copied to temporary files."""
    if all(rereadable(s) for s in sources):
        yield list(sources)
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rtlog-") as tmp:
        spooled: list[Source] = []
        for i, src in enumerate(sources):
            if rereadable(src):
                spooled.append(src)
                continue
            copy = os.path.join(tmp, f"input-{i}")
            try:
                with open(copy, "wb") as out:
                    if src.path is None:
                        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
                    else:
                        with open(src.path, "rb") as fp:
                            shutil.copyfileobj(fp, out, 1 << 20)
            except OSError as exc:
                raise InputError(
                    f"{src.name}: cannot copy it to a temporary file (it must be read twice): {exc.strerror or exc}"
                ) from None
            spooled.append(Source(src.name, copy))
        yield spooled
