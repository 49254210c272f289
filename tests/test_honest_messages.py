"""Say what actually happened (issue 21): a symlink loop, a dangling link, a file used as
a folder or a closed folder is not "no such file"; corrupt bzip2 data is not "not a JSONL
event log?"."""

from __future__ import annotations

import bz2
import os
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli


def test_a_symlink_loop(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    run_cli(
        "summary",
        tmp_path / "a",
        exit_code=2,
        stderr=f"rtlog: error: {tmp_path / 'a'}: too many levels of symbolic links (a symlink loop)\n",
    )


def test_a_dangling_link(tmp_path: Path) -> None:
    os.symlink("gone.jsonl", tmp_path / "a.jsonl")
    run_cli("filter", tmp_path / "a.jsonl", exit_code=2,
            stderr=f"rtlog: error: {tmp_path / 'a.jsonl'}: a symbolic link to nothing (it points to 'gone.jsonl')\n")  # fmt: skip


def test_a_file_used_as_a_folder(tmp_path: Path) -> None:
    path = EXAMPLES / "ga_session.jsonl" / "x.jsonl"
    run_cli(
        "transcript",
        path,
        exit_code=2,
        stderr=f"rtlog: error: {path}: not a directory (a file is used as a folder in its path)\n",
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a closed folder")
def test_a_closed_folder(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "s.jsonl").write_bytes(b"{}\n")
    os.chmod(tmp_path / "d", 0)
    try:
        run_cli("summary", tmp_path / "d" / "s.jsonl", exit_code=2,
                stderr=f"rtlog: error: {tmp_path / 'd' / 's.jsonl'}: permission denied (on a folder of its path)\n")  # fmt: skip
    finally:
        os.chmod(tmp_path / "d", 0o755)


@pytest.mark.parametrize("where", [0.1, 0.5])
def test_corrupt_bzip2_says_so(tmp_path: Path, where: float) -> None:
    data = bytearray(bz2.compress((EXAMPLES / "ga_session.jsonl").read_bytes()[:50_000]))
    data[int(len(data) * where)] ^= 0xFF
    (tmp_path / "s.jsonl.bz2").write_bytes(data)
    r = run_cli("summary", tmp_path / "s.jsonl.bz2", exit_code=2, stderr=None)
    assert (
        r.stderr.splitlines()[-1]
        == f"rtlog: error: {tmp_path / 's.jsonl.bz2'}: cannot read: corrupt compressed data (bzip2: invalid data stream)"
    )
