"""summary --audio-quality agrees with `sox stat` on the same audio (issue 15: levels within
±0.1 dB): peak and RMS level in dBFS and the DC offset of each side, on the WAV that
extract-audio writes of that side. Needs sox (`.ci/run` installs it; skipped, saying so,
where it is not installed)."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES, run_cli

pytestmark = pytest.mark.skipif(shutil.which("sox") is None, reason="sox is not installed (apt-get install sox)")


def sox_stat(wav: Path) -> dict[str, float]:
    p = subprocess.run(["sox", str(wav), "-n", "stat"], capture_output=True, text=True, check=True)
    out = {}
    for line in p.stderr.splitlines():
        m = re.match(r"^(.+?):\s+(-?[\d.]+)$", line)
        if m:
            out[" ".join(m.group(1).split())] = float(m.group(2))
    return out


def db(x: float) -> float:
    return 20 * math.log10(x)


@pytest.mark.parametrize("log", ["ga_session.jsonl", "beta_session.jsonl", "ulaw_session.jsonl"])
@pytest.mark.parametrize("side", ["user", "assistant"])
def test_levels_agree_with_sox_stat(tmp_path: Path, log: str, side: str) -> None:
    path = EXAMPLES / log
    quality = orjson.loads(run_cli("summary", path, "--audio-quality", "--json").stdout)["audio_quality"][side]
    wav = tmp_path / f"{side}.wav"
    run_cli("extract-audio", path, "--side", side, "-o", wav, stderr=None)
    s = sox_stat(wav)
    assert abs(quality["seconds"] - s["Length (seconds)"]) < 0.001
    peak = max(s["Maximum amplitude"], -s["Minimum amplitude"])
    assert abs(quality["peak_dbfs"] - db(peak)) <= 0.1, (quality["peak_dbfs"], db(peak))
    assert abs(quality["rms_dbfs"] - db(s["RMS amplitude"])) <= 0.1, (quality["rms_dbfs"], db(s["RMS amplitude"]))
    assert abs(quality["dc_offset"] - s["Mean amplitude"]) <= 1e-5
