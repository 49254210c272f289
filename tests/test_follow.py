"""`filter --follow` like `tail -F` (issue 21): a log renamed away and replaced is read to
its end, then the new one from its start, each line once (it re-printed the old file
forever: 126k lines in 3 s from a 2-line log); a log truncated in place is read again
from its start; a compressed log is refused with one line (it looped)."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import run_cli


def line(n: int) -> bytes:
    return b'{"type":"response.done","n":%d}\n' % n


class Follower:
    def __init__(self, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
        self.p = subprocess.Popen([sys.executable, "-m", "rtlog", "filter", "--follow", str(log)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env)  # fmt: skip
        self.got: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.p.stdout is not None
        for ln in self.p.stdout:
            self.got.append(ln)

    def wait_for(self, n: int, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while len(self.got) < n and time.monotonic() < end:
            time.sleep(0.05)
        assert len(self.got) >= n, self.got

    def stop(self) -> tuple[int, bytes]:
        self.p.send_signal(signal.SIGINT)
        self.p.wait(timeout=30)
        assert self.p.stderr is not None
        return self.p.returncode, self.p.stderr.read()


def test_follow_survives_a_rename_rotation_and_a_truncation(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(line(1) + line(2))
    f = Follower(log)
    try:
        f.wait_for(2)
        os.rename(log, tmp_path / "log.jsonl.1")  # rotation: the writer moves on to a new file
        with open(tmp_path / "log.jsonl.1", "ab") as old:
            old.write(line(3))  # written to the old file before the writer switched
        time.sleep(0.5)
        log.write_bytes(line(4))
        f.wait_for(4)
        time.sleep(1)  # (it printed the old file again and again here)
        with open(log, "r+b") as new:  # truncation in place (copytruncate)
            new.truncate(0)
        time.sleep(0.6)
        with open(log, "ab") as new:
            new.write(line(5))
        f.wait_for(5)
        time.sleep(0.6)
    finally:
        code, err = f.stop()
    assert f.got == [line(1), line(2), line(3), line(4), line(5)]
    assert (code, err) == (130, b"")


def test_follow_refuses_compressed_input(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl.gz"
    log.write_bytes(gzip.compress(line(1)))
    run_cli("filter", "--follow", log, exit_code=2,
            stderr=f"rtlog: error: {log}: --follow reads a plain log as it grows; this one is compressed\n")  # fmt: skip
