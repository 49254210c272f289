"""The README's Python API example runs and prints what the example log holds."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_python_api_example_runs() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("```python\nimport rtlog")
    code = text[start + len("```python\n") : text.index("```", start + 10)]
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.stderr == ""
    lines = out.stdout.splitlines()
    assert lines[0] == "gpt-realtime-2025-08-28 4 turns, 5 responses"
    assert lines[1] == "  0.47s  user      Hi there, can you hear me?"
    assert '  8.09s  assistant get_weather({"city":"Paris"}) -> {"city":"Paris","condition":"sunny","temperature_c":22}' in lines
    assert " 13.61s  assistant It opened in eighteen eighty nine. It is about three [heard up to 1418 ms]" in lines
    assert lines[-1] == "resp_DCuK8Gk3pcHRwmirenRx7 completed 365"


def test_every_summary_json_key_is_documented() -> None:
    """Issue 19: `source` was missing from the documented --json keys. Every top-level key
    of `summary --json` (of a Realtime example and of a folder's totals) is in the README."""
    import orjson
    from conftest import EXAMPLES, run_cli

    text = (REPO / "README.md").read_text(encoding="utf-8")
    one = orjson.loads(run_cli("summary", EXAMPLES / "ga_session.jsonl", "--json").stdout)
    many = orjson.loads(run_cli("summary", EXAMPLES, "--json").stdout)
    keys = set(one) | set(many) | set(many["total"])
    assert sorted(k for k in keys if f"`{k}`" not in text and f"`{k}:" not in text and f"\"{k}\"" not in text) == []
