"""The reader's line limit holds when a big file is read by several processes (issue 21,
`rtlog.io.parts`): a line over `RTLOG_MAX_LINE_BYTES` is skipped with the single pass's
one warning, in bounded memory, whichever process meets it (the main process's first part,
a part nobody claimed, a worker's part, the file's last line), and `-j 2` gives what `-j 1`
gives. The long lines are holes in sparse files: NUL bytes that take no disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import generated_log
from hypothesis import given, settings
from hypothesis import strategies as st

from rtlog.io import entries, parts

HOLE = 48 << 20  # a 48 MiB line


def _sparse_log(path: Path, holes: list[float], *, last: bool = False, minutes: float = 2.0) -> tuple[Path, list[int]]:
    """A generated log (~9 MB for 2 minutes) with a line of `HOLE` NUL bytes at each
    fraction of its lines in `holes`, and with `last` one more as its last line, without
    a newline. Returns the path and the numbers of the long lines."""
    lines = generated_log("ga", "none", seed=7, minutes=minutes)[0].splitlines(keepends=True)
    at = sorted(int(len(lines) * f) for f in holes)
    numbers = []
    with open(path, "wb") as f:
        done = 0
        for k, a in enumerate(at):
            f.writelines(lines[done:a])
            done = a
            f.seek(HOLE, 1)
            f.write(b"\n")
            numbers.append(a + k + 1)
        f.writelines(lines[done:])
        if last:
            f.seek(HOLE - 1, 1)
            f.write(b"\x00")
            numbers.append(len(lines) + len(at) + 1)
    return path, numbers


def _run(args: list[object], cwd: Path, limit: int) -> tuple[subprocess.CompletedProcess[bytes], int]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["RTLOG_MAX_LINE_BYTES"] = str(limit)
    p = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "rtlog", *map(str, args)], capture_output=True,
                       cwd=cwd, env=env, timeout=300)  # fmt: skip
    lines = p.stderr.splitlines(keepends=True)
    return subprocess.CompletedProcess(p.args, p.returncode, p.stdout, b"".join(lines[:-1])), int(lines[-1])


def _warning(name: str, line_no: int, size: int, limit: int) -> bytes:
    return (f"rtlog: warning: {name}:{line_no}: a line of {size:,} bytes, over the limit of {limit:,} "
            "(RTLOG_MAX_LINE_BYTES): skipped\n").encode()  # fmt: skip


@pytest.mark.skipif(not os.path.exists("/usr/bin/time"), reason="needs GNU /usr/bin/time for the peak memory")
@pytest.mark.parametrize("args", [["summary", "--json"], ["transcript", "--format", "json"], ["filter", "-t", "response.*"]],
                         ids=" ".join)  # fmt: skip
def test_a_line_over_the_limit_with_parts_is_the_single_pass_s(tmp_path: Path, args: list[str]) -> None:
    """Three 48 MiB lines under a 1 MiB limit: in the main process's first part, in a later
    part, and last without a newline; -j 2 and -j 3 (the file is over 64 MiB: parts) say
    and give what -j 1 says and gives, each process in well under the line's size (filter
    -t: its prefilter's workers leave such a part to the main process)."""
    log, numbers = _sparse_log(tmp_path / "log.jsonl", [0.1, 0.7], last=True)
    assert log.stat().st_size > parts.SPLIT_MIN_BYTES
    limit = 1 << 20
    want = b"".join(_warning("log.jsonl", n, HOLE + (1 if n != numbers[-1] else 0), limit) for n in numbers)
    one, peak_one = _run([*args, "-j", "1", log.name], tmp_path, limit)
    assert (one.returncode, one.stderr) == (0, want)
    for jobs in (2, 3):
        p, peak = _run([*args, "-j", jobs, log.name], tmp_path, limit)
        assert (p.returncode, p.stderr, p.stdout) == (0, want, one.stdout)
        assert peak < 80_000, (jobs, peak, peak_one)  # (it took ~640 MB for one 200 MB line before)


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/usr/bin/time"), reason="needs GNU /usr/bin/time for the peak memory")
def test_a_4_gib_line_with_parts_at_the_default_limit(tmp_path: Path) -> None:
    """The issue's shape: one 4 GiB line, read with -j 2 under the default 64 MiB limit."""
    log = tmp_path / "log.jsonl"
    lines = generated_log("ga", "none", seed=7, minutes=2.0)[0].splitlines(keepends=True)
    with open(log, "wb") as f:
        f.writelines(lines[: len(lines) // 2])
        f.seek(4 << 30, 1)
        f.write(b"\n")
        f.writelines(lines[len(lines) // 2 :])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "RTLOG_MAX_LINE_BYTES")}
    p = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "rtlog", "summary", "--json", "-j", "2", log.name],
                       capture_output=True, cwd=tmp_path, env=env, timeout=600)  # fmt: skip
    *warnings, peak = p.stderr.splitlines()
    assert p.returncode == 0
    n = len(lines) // 2 + 1
    assert warnings == [f"rtlog: warning: log.jsonl:{n}: a line of {(4 << 30) + 1:,} bytes, over the limit of 67,108,864 "
                        "(RTLOG_MAX_LINE_BYTES): skipped".encode()]  # fmt: skip
    assert int(peak) < 400_000, peak


# --- a worker's part, in-process ---------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 300), min_size=1, max_size=30), st.integers(8, 200), st.sampled_from([7, 64, 1 << 20]),
       st.booleans())  # fmt: skip
def test_a_part_read_a_block_at_a_time_is_the_part_read_whole(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], limit: int, block: int, newline_at_end: bool
) -> None:
    """`_digest_long_part` (a part with a line far over the limit) gives the entries the
    whole-part reading gives: every line where it is, a line over the limit by its length
    alone (no digest, not shipped), the others as they were."""
    path = tmp_path_factory.mktemp("part") / "log.jsonl"
    lines = [b'{"type":"x","d":"' + b"a" * n + b'"}\n' for n in sizes]
    data = b"".join(lines)
    path.write_bytes(data if newline_at_end else data[:-1])
    real = entries.MAX_LINE_BYTES, parts._BLOCK
    entries.MAX_LINE_BYTES, parts._BLOCK = limit, block
    try:
        with open(path, "rb") as f:
            fd = f.fileno()
            whole = parts.digest_part(fd, 0, parts._TO_THE_END)  # (a small part: read whole)
            long = parts._digest_long_part(fd, 0, parts._TO_THE_END, limit)
    finally:
        entries.MAX_LINE_BYTES, parts._BLOCK = real
    assert long == whole
    read = [len(x) for x in lines]
    if not newline_at_end:
        read[-1] -= 1
    assert [e[1] for e in whole.entries] == [sum(read[:k]) for k in range(len(read))]
    assert [e[2] if type(e[2]) is int else None for e in whole.entries] == [n if n > limit else None for n in read]


@given(st.lists(st.integers(0, 40), max_size=12), st.integers(1, 30), st.booleans())
def test_a_long_line_is_found_in_a_part(sizes: list[int], limit: int, newline_at_end: bool) -> None:
    from rtlog.selection import _has_long_line

    lines = [b"a" * n + b"\n" for n in sizes]
    if lines and not newline_at_end:
        lines[-1] = lines[-1][:-1]
    assert _has_long_line(b"".join(lines), limit) == any(len(x) > limit for x in lines)
