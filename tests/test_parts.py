"""Big plain files on several processes (rtlog.parts): whoever does a part, every part is
taken once, in order, and the commands give the single pass's result."""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO
from rtlog import parts
from rtlog.reader import Diagnostics, expand_sources
from rtlog.summary import summarize_source
from rtlog.transcript import transcribe_sources

DIGEST = parts.digest_part  # the real one (the fixture slows it down in workers)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_session import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    buf = io.BytesIO()
    generate(buf, minutes=0.5, dialect="ga", envelope="none", seed=31)
    path = tmp_path / "log.jsonl"
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture
def slow_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of 50 kB, and workers that take 0.2 s over each: the main process finds
    parts nobody has claimed (and reads them itself) and digests parts ahead while it
    waits for a worker."""
    main = os.getpid()
    digest = parts.digest_part

    def slow(path: str, start: int, end: int) -> parts.PartDigest:
        if os.getpid() != main:
            time.sleep(0.2)
        return digest(path, start, end)

    monkeypatch.setattr(parts, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(parts, "SPLIT_PART_BYTES", 50_000)
    monkeypatch.setattr(parts, "digest_part", slow)


def _collect_all(log: Path) -> tuple[list[parts.PartDigest | None], set[str]]:
    scans = parts.start_parts(str(log), 3)
    assert scans is not None and len(scans.children) == 2 and len(scans.starts) >= 8
    try:
        time.sleep(0.3)
        got = [scans.collect(k) for k in range(len(scans.starts))]
        who = [scans.claims[k] for k in range(len(scans.starts))]
    finally:
        scans.close()
    size = log.stat().st_size
    for k, part in enumerate(got):
        if part is not None:  # a worker's digest, or one made ahead here: the part's true digest
            assert part == DIGEST(str(log), scans.starts[k], scans.ends[k])
            assert part.lines > 0 and part.end == min(scans.ends[k], size)
    assert all(w != 0 for w in who)  # every part claimed by someone
    return got, {("worker" if w != parts._MAIN else "ahead" if p is not None else "here") for w, p in zip(who, got)}


@pytest.mark.usefixtures("slow_workers")
def test_the_main_process_digests_ahead_while_it_waits(log: Path) -> None:
    """The workers claim the first parts and take 0.2 s over each: meanwhile the main
    process digests the later parts nobody has claimed."""
    _, kinds = _collect_all(log)
    assert {"worker", "ahead"} <= kinds


@pytest.mark.usefixtures("slow_workers")
def test_the_main_process_reads_unclaimed_parts_itself(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers slow to claim: every part is still unclaimed at its turn and read here."""
    main = os.getpid()
    claim = parts.PartScans._claim

    def late(self: parts.PartScans, k: int) -> bool:
        if os.getpid() != main:
            time.sleep(2)
        return claim(self, k)

    monkeypatch.setattr(parts.PartScans, "_claim", late)
    got, kinds = _collect_all(log)
    assert kinds == {"here"} and got == [None] * len(got)


@pytest.mark.usefixtures("slow_workers")
def test_slow_workers_give_the_single_pass(log: Path) -> None:
    src = expand_sources([str(log)])[0]
    one = summarize_source(src, Diagnostics(), jobs=1).as_json()
    assert summarize_source(src, Diagnostics(), jobs=3).as_json() == one
    (t1,) = transcribe_sources([src], Diagnostics(), jobs=1)
    (t3,) = transcribe_sources([src], Diagnostics(), jobs=3)
    assert [e.as_dict() for e in t3.entries] == [e.as_dict() for e in t1.entries]


def test_no_parts_for_small_compressed_or_single_cpu_inputs(log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert parts.start_parts(str(log), 0) is None  # below SPLIT_MIN_BYTES
    monkeypatch.setattr(parts, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(parts, "SPLIT_PART_BYTES", 50_000)
    assert parts.start_parts(str(log), 1) is None  # -j 1
    monkeypatch.setattr(parts, "usable_cpus", lambda: 1)
    assert parts.start_parts(str(log), 0) is None  # one CPU
    import gzip

    gz = tmp_path / "log.jsonl.gz"
    gz.write_bytes(gzip.compress(log.read_bytes()))
    assert parts.start_parts(str(gz), 4) is None  # no random access
