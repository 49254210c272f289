"""What a command drops is freed at once: no rtlog object is left in a reference cycle.

`rtlog.__main__` raises the cyclic collector's threshold to 50,000 (a run allocates
millions of short-lived objects that are not cycles). Anything kept alive only by a cycle
then waits for a collection that may never come: a fold whose routes held bound methods of
itself, or an extraction whose mixer and handler table did, kept the whole conversation of
a finished pass — a 20-hour log's summary peaked ~10 MB higher, and the report ran its
conversation pass beside a dead copy of its audio pass's fold. Each command runs here as a
subprocess with the collector off (and one process: `-j 1` where files could go to
workers); at its end a collection must find no object of rtlog's (of a class, function or
method defined in rtlog) among the unreachable ones.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.conftest import REPO, generated_log

EXAMPLES = REPO / "examples"

#: run the CLI with the collector off, every command module imported (and the import-time
#: garbage collected) first; print the unreachable objects that are rtlog's, as JSON
PROBE = r"""
import gc, sys, importlib, pkgutil, orjson
gc.disable()
import rtlog, rtlog.cli
for m in pkgutil.walk_packages(rtlog.__path__, "rtlog."):
    if m.name.endswith("__main__"):
        continue
    try:
        importlib.import_module(m.name)
    except ImportError:  # an optional extra that is not installed
        pass
gc.collect()
sys.argv = ["rtlog", *sys.argv[1:]]
code = 0
try:
    rtlog.cli.main()
except SystemExit as exc:
    code = exc.code or 0
gc.set_debug(gc.DEBUG_SAVEALL)
gc.collect()

def owner(o):
    if type(o).__name__ in ("function", "method"):
        f = getattr(o, "__func__", o)
        return f"{f.__module__}.{f.__qualname__}"
    return f"{type(o).__module__}.{type(o).__qualname__}"

ours = sorted({owner(o) for o in gc.garbage if owner(o).startswith("rtlog.")})
sys.stderr.write("PROBE " + orjson.dumps({"code": code, "ours": ours}).decode() + "\n")
"""


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cycles")
    data, _ = generated_log("beta", minutes=1.0, seed=7)
    (d / "gen.jsonl").write_bytes(data)
    audio = (b'"type":"response.audio.delta"', b'"type":"input_audio_buffer.append"')
    (d / "noaudio.jsonl").write_bytes(b"".join(ln for ln in data.splitlines(keepends=True) if not any(a in ln for a in audio)))
    return {"gen": d / "gen.jsonl", "noaudio": d / "noaudio.jsonl", "ga": EXAMPLES / "ga_session.jsonl",
            "beta": EXAMPLES / "beta_session.jsonl", "dir": d}


CASES = {
    "summary": ["summary", "{gen}", "-j", "1"],
    "summary-json": ["summary", "{gen}", "--json", "-j", "1"],
    "summary-quality": ["summary", "{beta}", "--audio-quality"],
    "summary-several": ["summary", "{gen}", "{ga}", "-j", "1"],
    "transcript": ["transcript", "{gen}", "-j", "1"],
    "transcript-srt": ["transcript", "{gen}", "{ga}", "--format", "srt", "-j", "1"],
    "extract-audio": ["extract-audio", "{gen}", "-o", "{dir}/a.wav"],
    "extract-audio-both": ["extract-audio", "{gen}", "--side", "both", "-o", "{dir}/b.wav"],
    "extract-audio-split": ["extract-audio", "{gen}", "--split", "turn", "-o", "{dir}/split"],
    "report": ["report", "{gen}", "-o", "{dir}/r.html"],
    "report-no-audio": ["report", "{noaudio}", "{gen}", "-o", "{dir}/pages"],
    # (-j 1: the files are folded in this process, the only one the probe looks at)
    "export": ["export", "{gen}", "{ga}", "-o", "{dir}/exp", "-j", "1"],
    "diff": ["diff", "{gen}", "{ga}", "-j", "1"],
    "filter": ["filter", "{gen}", "-t", "response.done"],
    "redact": ["redact", "{gen}", "-o", "{dir}/red.jsonl"],
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_command_leaves_none_of_its_objects_in_a_cycle(case: str, logs: dict[str, Path]) -> None:
    args = [a.format(**logs) for a in CASES[case]]
    p = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, cwd=logs["dir"], timeout=120)
    probe = [ln for ln in p.stderr.decode().splitlines() if ln.startswith("PROBE ")]
    assert probe, p.stderr.decode()[-2000:]
    result = orjson.loads(probe[-1][6:])
    assert result["code"] in (0, 1), p.stderr.decode()[-2000:]  # (diff: 1 when the sessions differ)
    assert result["ours"] == []
