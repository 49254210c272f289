"""The README's Spark recipe without Spark: its `mapInPandas` function, called on an iterator
of pandas DataFrames of log paths as Spark calls it, yields the rows `rtlog export` writes for
the same logs, typed as the Spark schema it declares (null stays null); a log that cannot be
read is a row of `export_errors`."""

from __future__ import annotations

import re
import shutil
from datetime import timezone
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES, REPO, generated_log, run_cli

from rtlog.export import frames

pd = pytest.importorskip("pandas", reason="pandas (in the test extra) is what mapInPandas hands the function")


def recipe() -> dict:
    """The README's Spark code block, run up to the lines that need a Spark session."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### Beyond one machine") : readme.index("### OpenTelemetry")]
    [block] = re.findall(r"```python\n(.*?)```", section[section.index("On Spark") :], re.S)
    code = "\n".join(
        line for line in block.splitlines() if "spark" not in line.split("import")[0] and not line.startswith("paths")
    )
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert 'paths.mapInPandas(turns, spark_schema("turns"))' in block
    return scope


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("spark")
    for name in ("beta_session.jsonl", "ga_session.jsonl", "ulaw_session.jsonl"):
        shutil.copy(EXAMPLES / name, d / name)
    data, _ = generated_log("ga", "time-source", seed=6, minutes=0.2)
    (d / "gen.jsonl").write_bytes(data)
    return d


def exported(logs: Path, out: Path, table: str) -> list[dict]:
    run_cli("export", logs, "-o", out, "--format", "jsonl", "-j", "1", stderr=None)
    return [orjson.loads(x) for x in (out / f"{table}.jsonl").read_bytes().splitlines()]


def as_rows(df) -> list[dict]:
    """A DataFrame back to JSON-like rows: <NA>/NaT → None, timestamps → the export's ISO text."""
    out = []
    for rec in df.astype(object).to_dict("records"):
        row = {}
        for k, v in rec.items():
            if v is pd.NA or v is pd.NaT or v is None:
                v = None
            elif isinstance(v, pd.Timestamp):
                v = v.to_pydatetime().astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            row[k] = v
        out.append(row)
    return out


def test_the_readme_recipe_yields_the_exported_turns(tmp_path: Path, logs: Path) -> None:
    turns = recipe()["turns"]
    paths = sorted(str(p) for p in logs.iterdir())
    batches = iter([pd.DataFrame({"path": paths[:3]}), pd.DataFrame({"path": paths[3:]}), pd.DataFrame({"path": []})])
    out = list(turns(batches))  # as Spark calls it: an iterator in, an iterator out
    assert len(out) == 3 and len(out[2]) == 0
    got = as_rows(pd.concat(out[:2], ignore_index=True))
    declared = [c.name for c in frames.columns("turns")]
    want = [{k: r.get(k) for k in declared} for r in exported(logs, tmp_path / "x", "turns")]
    assert got == want and len(got) > 8
    schema = frames.spark_schema("turns")
    assert [part.split()[0] for part in schema.split(", ")] == list(out[0].columns)
    types = dict(part.split() for part in schema.split(", "))
    assert (types["turn"], types["latency_ms"], types["started_at"], types["how"]) == (
        "bigint",
        "double",
        "timestamp",
        "string",
    )
    assert "text" not in types and "text" in frames.spark_schema("turns", with_text=True)  # privacy by default
    df = out[0]
    assert (
        str(df["turn"].dtype) == "Int64"
        and str(df["started_at"].dtype).startswith("datetime64")
        and str(df["started_at"].dt.tz) == "UTC"
    )
    assert df["latency_ms"].isna().any() and not (df["latency_ms"] == 0).all()  # unknown stays null


@pytest.mark.parametrize("table", ["files", "responses", "sessions", "event_counts"])
def test_every_table_comes_out_as_exported(tmp_path: Path, logs: Path, table: str) -> None:
    paths = sorted(str(p) for p in logs.iterdir())
    [df] = frames.map_in_pandas(iter([pd.DataFrame({"path": paths})]), table)
    declared = [c.name for c in frames.columns(table)]
    want = [{k: r.get(k) for k in declared} for r in exported(logs, tmp_path / "x", table)]
    got = as_rows(df)
    assert got == want


def test_an_unreadable_log_is_a_row_of_export_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"not a log\n")
    paths = pd.DataFrame({"path": [str(EXAMPLES / "ga_session.jsonl"), str(bad), str(tmp_path / "gone.jsonl")]})
    [errors] = frames.map_in_pandas(iter([paths]), "export_errors")
    assert list(errors["file"]) == [str(bad), str(tmp_path / "gone.jsonl")]
    assert errors["error"].str.len().min() > 0
    [files] = frames.map_in_pandas(iter([paths]), "files")
    assert list(files["file"]) == [str(EXAMPLES / "ga_session.jsonl")]
    with pytest.raises(ValueError, match="no table 'turn'"):
        next(frames.map_in_pandas(iter([paths]), "turn"))
    assert frames.spark_schema("export_errors") == "file string, error string"
