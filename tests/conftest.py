"""Shared test helpers: the real corpus, temporary logs, and running the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
CORPUS = (REPO.parent / "shared" / "corpus" / "real").resolve()
if not CORPUS.is_dir():  # CI clones next to shared/; a worktree may live elsewhere
    CORPUS = Path("/work/shared/corpus/real")

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/real is not here")


def corpus_file(name: str, flavour: str = "derived") -> Path:
    """A file of the real corpus by the distinctive part of its name."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus/real is not here")
    matches = sorted(p for p in (CORPUS / flavour).glob("*.jsonl") if name in p.name)
    assert len(matches) == 1, f"{name!r} matches {matches}"
    return matches[0]


def corpus_files(flavour: str) -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted((CORPUS / flavour).glob("*.jsonl"))


def generated_log(dialect: str = "ga", envelope: str = "none", seed: int = 1, minutes: float = 0.5) -> tuple[bytes, dict]:
    """A session log made by bench/gen_session.py (its bytes, and the truth it wrote)."""
    import io

    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_session import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    buf = io.BytesIO()
    truth = generate(buf, minutes=minutes, dialect=dialect, envelope=envelope, seed=seed)
    return buf.getvalue(), truth


def write_log(path: Path, records: list[object] | list[bytes]) -> Path:
    """Write records (dicts → compact JSON; bytes as they are) one per line."""
    with open(path, "wb") as f:
        for r in records:
            f.write((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n")
    return path


runner = CliRunner()


def run_cli(*args: str, input: bytes | None = None, exit_code: int = 0, stderr: str | None = ""):
    """Run rtlog in-process; check the exit code and (by default) that stderr is empty."""
    from rtlog.cli import app

    result = runner.invoke(app, [str(a) for a in args], input=input)
    assert result.exit_code == exit_code, (result.exit_code, result.stdout, result.stderr, result.exception)
    if stderr is not None:
        assert result.stderr == stderr
    return result


def run_rtlog(*args: str, input: bytes | None = None, cwd: Path | None = None, env: dict | None = None, timeout: float = 60):
    """Run rtlog as a real subprocess (PYTHONUNBUFFERED removed, as in a user's shell)."""
    e = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    e.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "rtlog", *map(str, args)],
        input=input, capture_output=True, cwd=cwd, env=e, timeout=timeout,
    )  # fmt: skip


# --- long tests: `pytest --runslow` runs the ones marked slow -------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False, help="also run the tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
