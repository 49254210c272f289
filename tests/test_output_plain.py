"""Diagnostics and notes on a stderr that is no terminal are written without rich (importing it
cost a run that prints nothing else ~25 ms), byte for byte what rich wrote there: hostile text
made inert, long lines unwrapped, wide characters as they are, no padding."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO
from hostile_strings import HOSTILE

from rtlog import output

MESSAGES = [
    "plain",
    f"x.jsonl:3: {HOSTILE}",
    "a long line " * 30,
    "wide 語音 カタカナ 🎙 and\ttab",
    "[bold]not markup[/bold] :smile: \\[x]",
]


@pytest.mark.parametrize("msg", MESSAGES)
def test_plain_stderr_is_what_rich_wrote(msg: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setattr(output, "_consoles", {})
    for say in (output.warning, output.error, output.note):
        say(msg)
    plain = capsys.readouterr().err
    assert "rich.console" not in output._consoles
    output.err_console()  # a rich console made: the old path
    for say in (output.warning, output.error, output.note):
        say(msg)
    assert capsys.readouterr().err == plain
    assert plain.count("\n") == 3 and plain.startswith("rtlog: warning: ")


def test_a_run_that_prints_one_note_does_not_import_rich(tmp_path) -> None:
    code = (
        "import sys; from rtlog.cli import main\n"
        f"sys.argv = ['rtlog', 'export', {str(REPO / 'examples' / 'ga_session.jsonl')!r}, '-o', {str(tmp_path)!r}, '--format', 'jsonl']\n"
        "try: main()\n"
        "except SystemExit as e: assert e.code in (0, None), e.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich'))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "[]\n"
    assert r.stderr.startswith(f"rtlog: exported 1 file to {tmp_path}; rows: files 1,")
