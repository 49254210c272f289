"""`rtlog diff` on hostile logs: a log against itself is "no differences" (exit 0) whatever
it holds — mutated real-shaped sessions, wrong-typed events, the classic nasty inputs —
or refused with the reader's one error line (exit 2); never a traceback, every stderr line
an `rtlog:` line, bad lines warned by their numbers (the reader's verdict is the oracle)."""

from __future__ import annotations

import os
import tempfile

import orjson
import pytest
from hostile import run, verdict
from hypothesis import given
from test_fuzz_commands import NASTY, examples, mutated_sessions


def check_self_diff(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "log.jsonl")
        with open(path, "wb") as f:
            f.write(data)
        v = verdict(data, path)
        r = run(["diff", "--json", path, path], workdir=d)
        if v.compressed:
            return
        if v.refused is not None:
            assert (r.exit_code, r.errors) == (2, [f"rtlog: error: {v.refused}"]), r.stderr
            return
        assert r.exit_code == 0, (r.exit_code, r.stderr)
        d_json = orjson.loads(r.stdout)
        assert d_json["differs"] is False
        assert not any(m["changed"] for m in d_json["metrics"].values())
        warned = set(r.warned_lines(path))
        assert warned <= set(v.bad) and set(v.bad[:20]) <= warned, (v.bad, r.stderr)


@examples(30)
@given(mutated_sessions())
def test_a_mutated_session_against_itself_has_no_differences(data: bytes) -> None:
    check_self_diff(data)


@pytest.mark.parametrize("name", sorted(NASTY))
def test_nasty_inputs_against_themselves(name: str) -> None:
    check_self_diff(NASTY[name])
