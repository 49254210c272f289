"""A small file must not take a machine down (issue 21): a line longer than the reader's
limit (`RTLOG_MAX_LINE_BYTES`, 64 MiB by default) is skipped with a warning in bounded
memory, by every command; measured as subprocesses."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

HEAD = b'{"type":"session.created","session":{"id":"s","model":"gpt-realtime"}}\n'
TAIL = b'{"type":"response.output_audio_transcript.delta","response_id":"r","item_id":"i","delta":"after"}\n'


def bomb(path: Path, line_bytes: int) -> Path:
    """A gzip log whose second line is `line_bytes` long (valid JSON: a plain reader takes it)."""
    with gzip.open(path, "wb", compresslevel=1) as g:
        g.write(HEAD + b'{"type":"x","d":"')
        block = b"A" * (1 << 20)
        left = line_bytes - 20  # (the 17 bytes before, the 3 after)
        while left > 0:
            g.write(block[: min(left, len(block))])
            left -= len(block)
        g.write(b'"}\n' + TAIL)
    return path


def measured(
    args: list[object], cwd: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[bytes], int]:
    e = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    e.update(env or {})
    p = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "rtlog", *map(str, args)], capture_output=True, cwd=cwd,
                       env=e, timeout=180)  # fmt: skip
    lines = p.stderr.splitlines()
    return subprocess.CompletedProcess(p.args, p.returncode, p.stdout, b"".join(ln + b"\n" for ln in lines[:-1])), int(
        lines[-1]
    )


COMMANDS = [["summary", "--json"], ["filter", "-c"], ["filter", "-t", "response.*"], ["transcript", "--format", "json"]]


@pytest.mark.skipif(not os.path.exists("/usr/bin/time"), reason="needs /usr/bin/time for the peak memory")
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_line_over_the_limit_is_skipped_in_bounded_memory(tmp_path: Path, args: list[str]) -> None:
    """A 200 MB line in a 200 kB .gz under a 1 MiB limit: one warning, the other lines read,
    peak memory far below the line (it took the line's size, and 4.3 GB for a 4 GiB line)."""
    log = bomb(tmp_path / "log.jsonl.gz", 200 << 20)
    assert log.stat().st_size < 2 << 20
    p, peak_kb = measured([*args, log.name], tmp_path, {"RTLOG_MAX_LINE_BYTES": str(1 << 20)})
    assert (
        p.stderr
        == b"rtlog: warning: log.jsonl.gz:2: a line of 209,715,200 bytes, over the limit of 1,048,576 (RTLOG_MAX_LINE_BYTES): skipped\n"
    )
    assert p.returncode == 0
    assert peak_kb < 80_000, peak_kb
    if args[0] == "summary":
        data = orjson.loads(p.stdout)
        assert (data["events"], data["malformed"], data["lines"]) == (2, 1, 3)
    elif args == ["filter", "-c"]:
        assert p.stdout == b"2\n"
    elif args[0] == "filter":
        assert p.stdout == TAIL
    else:
        assert [e["text"] for e in orjson.loads(p.stdout)] == ["after"]


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/usr/bin/time"), reason="needs /usr/bin/time for the peak memory")
def test_the_default_limit_bounds_a_gigabyte_line(tmp_path: Path) -> None:
    """The default 64 MiB: a 1 GiB line in a 4.7 MB .gz is skipped with ~150 MB of memory."""
    log = bomb(tmp_path / "log.jsonl.gz", 1 << 30)
    p, peak_kb = measured(["summary", "--json", log.name], tmp_path)
    assert (
        p.stderr
        == b"rtlog: warning: log.jsonl.gz:2: a line of 1,073,741,824 bytes, over the limit of 67,108,864 (RTLOG_MAX_LINE_BYTES): skipped\n"
    )
    assert peak_kb < 400_000, peak_kb


def test_a_line_at_the_limit_is_read(tmp_path: Path) -> None:
    line = b'{"type":"x","d":"' + b"A" * 100 + b'"}\n'
    (tmp_path / "log.jsonl").write_bytes(HEAD + line + TAIL)
    p, _ = measured(["filter", "-c", "log.jsonl"], tmp_path, {"RTLOG_MAX_LINE_BYTES": str(len(line))})
    assert (p.returncode, p.stdout, p.stderr) == (0, b"3\n", b"")
    p, _ = measured(["filter", "-c", "log.jsonl"], tmp_path, {"RTLOG_MAX_LINE_BYTES": str(len(line) - 1)})
    assert (p.returncode, p.stdout) == (0, b"2\n")
    assert (
        p.stderr
        == f"rtlog: warning: log.jsonl:2: a line of {len(line):,} bytes, over the limit of {len(line) - 1:,} (RTLOG_MAX_LINE_BYTES): skipped\n".encode()
    )
