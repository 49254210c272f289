"""rtlog's own Parquet writer (`rtlog.export.parquet`): what it writes, DuckDB reads back with the
declared types and the same values (nulls, text of any kind, extreme numbers, times, several
row groups, an empty table); its own reader reads the same; an incremental Parquet export merges
with earlier tables, its own or an older rtlog's (DuckDB-written); and the export never imports
DuckDB (the time and memory it cost a run)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES, REPO, generated_log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtlog.export import parquet
from rtlog.export import schema as export_schema
from rtlog.export.parquet import ParquetWriter, Unsupported, read_rows
from rtlog.export.run import export, list_inputs
from rtlog.metrics.pricing import builtin_table

duckdb = pytest.importorskip("duckdb", reason="DuckDB (rtlog[duckdb], in the test extra) reads the files back")

COLUMNS = [("s", "VARCHAR"), ("b", "BIGINT"), ("d", "DOUBLE"), ("t", "TIMESTAMP"), ("o", "BOOLEAN")]


def write(path: Path, rows: list[dict], columns: list[tuple[str, str]] = COLUMNS) -> int:
    with open(path, "wb") as f:
        w = ParquetWriter(f, columns)
        for r in rows:
            w.add(r)
        return w.close()


def duck(path: Path) -> tuple[list[tuple[str, str]], list[tuple]]:
    con = duckdb.connect()
    types = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()]
    rows = con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall()
    return types, rows


def test_duckdb_reads_every_type_back_with_its_value(tmp_path: Path) -> None:
    rows = [
        {"s": "hé \u2028 '\"\n\x00 🎙", "b": -(1 << 63), "d": 1.5, "t": "2026-01-02T03:04:05.678Z", "o": True},
        {},  # every column null: unknown, never 0
        {"s": "", "b": (1 << 63) - 1, "d": -0.0, "t": "1970-01-01T00:00:00.001Z", "o": False},
        {"s": "x", "b": 0, "d": 1e308, "t": None, "o": None},
    ]
    assert write(tmp_path / "t.parquet", rows) == 4
    types, got = duck(tmp_path / "t.parquet")
    assert types == [("s", "VARCHAR"), ("b", "BIGINT"), ("d", "DOUBLE"), ("t", "TIMESTAMP"), ("o", "BOOLEAN")]
    assert got == [
        ("hé \u2028 '\"\n\x00 🎙", -(1 << 63), 1.5, datetime(2026, 1, 2, 3, 4, 5, 678000), True),
        (None, None, None, None, None),
        ("", (1 << 63) - 1, -0.0, datetime(1970, 1, 1, 0, 0, 0, 1000), False),
        ("x", 0, 1e308, None, None),
    ]
    assert list(read_rows(str(tmp_path / "t.parquet")))[1] == dict.fromkeys("sbdto")


def test_a_value_of_the_wrong_type_is_unknown_not_a_wrong_number(tmp_path: Path) -> None:
    rows = [
        {"s": 12, "b": 1.5, "d": "3", "t": "not a time", "o": 1},
        {"s": True, "b": True, "d": True, "t": 5, "o": "yes"},
    ]
    write(tmp_path / "t.parquet", rows)
    assert duck(tmp_path / "t.parquet")[1] == [
        ("12", None, None, None, None),
        ("true", None, None, datetime(1970, 1, 1, 0, 0, 0, 5), None),
    ]


def test_an_empty_table_keeps_its_columns_and_types(tmp_path: Path) -> None:
    assert write(tmp_path / "e.parquet", []) == 0
    types, got = duck(tmp_path / "e.parquet")
    assert (
        types == [("s", "VARCHAR"), ("b", "BIGINT"), ("d", "DOUBLE"), ("t", "TIMESTAMP"), ("o", "BOOLEAN")]
        and got == []
    )
    assert list(read_rows(str(tmp_path / "e.parquet"))) == []


def test_many_row_groups_hold_every_row_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 7)
    rows = [{"s": f"r{i}", "b": i, "d": i / 3, "o": i % 3 == 0} if i % 5 else {"b": i} for i in range(100)]
    write(tmp_path / "m.parquet", rows)
    meta = (
        duckdb.connect()
        .execute(f"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{tmp_path / 'm.parquet'}')")
        .fetchone()
    )
    assert meta == (15,)
    assert [r[1] for r in duck(tmp_path / "m.parquet")[1]] == list(range(100))
    assert [r["b"] for r in read_rows(str(tmp_path / "m.parquet"))] == list(range(100))


values = st.fixed_dictionaries({}, optional={
    "s": st.none() | st.text(st.characters(codec="utf-8"), max_size=40),
    "b": st.none() | st.integers(-(1 << 63), (1 << 63) - 1),
    "d": st.none() | st.floats(allow_nan=False),
    "t": st.none() | st.integers(-(10**15), 10**17),
    "o": st.none() | st.booleans(),
})  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(values, max_size=40), group=st.integers(1, 9))
def test_any_rows_read_back_the_same_with_duckdb_and_our_reader(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict], group: int
) -> None:
    old = parquet.ROW_GROUP_ROWS
    parquet.ROW_GROUP_ROWS = group
    try:
        path = tmp_path_factory.mktemp("pq") / "h.parquet"
        write(path, rows)
    finally:
        parquet.ROW_GROUP_ROWS = old
    want = [tuple(r.get(k) for k, _ in COLUMNS) for r in rows]
    ours = [tuple(r[k] for k, _ in COLUMNS) for r in read_rows(str(path))]
    assert ours == want
    con = duckdb.connect()
    got = con.execute(f"SELECT s, b, d, epoch_us(t), o FROM read_parquet('{path}')").fetchall()
    assert got == want


def test_our_reader_refuses_a_file_it_did_not_write(tmp_path: Path) -> None:
    duckdb.connect().execute(f"COPY (SELECT 1 AS a) TO '{tmp_path / 'd.parquet'}' (FORMAT parquet)")
    with pytest.raises(Unsupported, match="written by DuckDB"):
        read_rows(str(tmp_path / "d.parquet"))
    (tmp_path / "x.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(Unsupported):
        read_rows(str(tmp_path / "x.parquet"))


def test_the_footer_survives_many_columns_and_row_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lists of 15 or more (the Thrift compact protocol's long form): columns and row groups."""
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 1)
    cols = [(f"c{i}", "BIGINT") for i in range(40)]
    buf = io.BytesIO()
    w = ParquetWriter(buf, cols)
    for k in range(20):
        w.add({f"c{i}": i * k for i in range(40)})
    w.close()
    (tmp_path / "w.parquet").write_bytes(buf.getvalue())
    types, got = duck(tmp_path / "w.parquet")
    assert len(types) == 40 and got == [tuple(i * k for i in range(40)) for k in range(20)]


# --- the export's Parquet ---------------------------------------------------------------------


def _tables(out: Path) -> dict[str, list[str]]:
    """Each table's rows as sorted (column, value) lists, sorted: a column first seen in a later
    run comes after the earlier ones."""
    from rtlog.export.query import open_export

    con = open_export(str(out))
    try:
        got = {}
        for t in export_schema.TABLES:
            cur = con.execute(f"SELECT * FROM {t}")
            names = [d[0] for d in cur.description]
            got[t] = sorted(repr(sorted(zip(names, row))) for row in cur.fetchall())
        return got
    finally:
        con.close()


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("logs")
    for name in ("beta_session.jsonl", "ga_session.jsonl"):
        shutil.copy(EXAMPLES / name, d / name)
    return d


def test_a_parquet_export_in_two_runs_equals_one_run(tmp_path: Path, logs: Path) -> None:
    prices = builtin_table()
    data, _ = generated_log("ga", "none", seed=5, minutes=0.2)
    new = tmp_path / "later" / "new.jsonl"
    new.parent.mkdir()
    new.write_bytes(data)
    export(list_inputs([str(logs), str(new)]), str(tmp_path / "once"), prices, fmt="parquet", jobs=1)
    export(list_inputs([str(logs)]), str(tmp_path / "inc"), prices, fmt="parquet", jobs=1)
    res = export(list_inputs([str(logs), str(new)]), str(tmp_path / "inc"), prices, fmt="parquet", jobs=1)
    assert (res.exported, res.skipped_unchanged) == (1, 2)
    assert _tables(tmp_path / "inc") == _tables(tmp_path / "once")
    assert len(_tables(tmp_path / "inc")["files"]) == 3


def test_an_older_rtlogs_duckdb_parquet_is_merged_and_rewritten(tmp_path: Path, logs: Path) -> None:
    """Tables an older rtlog wrote with DuckDB (dictionary pages, zstd) are read with DuckDB
    once, and the next run's tables are rtlog's own, holding the same rows."""
    prices = builtin_table()
    out = tmp_path / "inc"
    export(list_inputs([str(logs / "beta_session.jsonl")]), str(out), prices, fmt="parquet", jobs=1)
    con = duckdb.connect()
    for t in export_schema.TABLES:  # as the older rtlog wrote them
        p = out / f"{t}.parquet"
        con.execute(f"COPY (SELECT * FROM read_parquet('{p}')) TO '{p}.d' (FORMAT parquet, COMPRESSION zstd)")
        (out / f"{t}.parquet.d").replace(p)
    with pytest.raises(Unsupported):
        read_rows(str(out / "files.parquet"))
    export(list_inputs([str(logs)]), str(out), prices, fmt="parquet", jobs=1)
    export(list_inputs([str(logs)]), str(tmp_path / "once"), prices, fmt="parquet", jobs=1)
    assert _tables(out) == _tables(tmp_path / "once")
    assert [r["file"] for r in read_rows(str(out / "files.parquet"))] == [
        str(logs / "beta_session.jsonl"),
        str(logs / "ga_session.jsonl"),
    ]


def test_a_parquet_export_never_imports_duckdb_or_pyarrow(tmp_path: Path, logs: Path) -> None:
    """What cost a run 0.1–0.15 s and ~50 MB of the main process (bench/results-export.md)."""
    code = (
        "import sys; from rtlog.cli import main\n"
        "try: main()\n"
        "except SystemExit as e: assert e.code in (0, None), e.code\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('duckdb', 'pyarrow', 'pandas', 'numpy'))\n"
        "sys.stderr.write(repr(bad))\n"
    )
    argv = ["rtlog", "export", str(logs), "-o", str(tmp_path / "out"), "-j", "1"]
    r = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.argv = {argv!r}\n{code}"], capture_output=True, text=True, cwd=REPO
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr.endswith("[]"), r.stderr
    assert orjson.loads((tmp_path / "out" / "schema.json").read_bytes())["format"] == "parquet"


def test_memory_is_one_row_group_whatever_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table many times a row group's size is written holding one row group (tracemalloc's
    peak), and every row is in the file."""
    import tracemalloc

    monkeypatch.setattr(parquet, "ROW_GROUP_BYTES", 256 * 1024)  # (in one row group: a 12.5 MB peak)
    cols = [(f"c{i}", "BIGINT" if i % 3 else "VARCHAR") for i in range(30)]
    row_json = orjson.dumps({f"c{i}": (i * 1000 if i % 3 else f"value {i} of a row") for i in range(30)})
    n = 8_000  # ~3.6 MB of JSON: several row groups
    tracemalloc.start()
    try:
        with open(tmp_path / "big.parquet", "wb") as f:
            w = ParquetWriter(f, cols)
            for k in range(n):
                row = orjson.loads(row_json)
                row["c1"] = k
                w.add(row, len(row_json))
            assert w.close() == n
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, peak
    con = duckdb.connect()
    assert con.execute(
        f"SELECT count(*), sum(c1), count(DISTINCT c2) FROM read_parquet('{tmp_path / 'big.parquet'}')"
    ).fetchone() == (n, n * (n - 1) // 2, 1)
