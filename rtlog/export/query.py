"""SQL over an export: DuckDB embedded, each table registered by name.

Owns finding the tables (DIR itself, or — for shards exported into sub-folders — every
sub-folder with a `schema.json`, their rows unioned by column name) and reading them with
the types `schema.json` declares (Parquet carries its own; CSV and JSONL are read with the
declared types, so a TIMESTAMP is a timestamp in every format). A query's result is
streamed in batches (`run_query`); a bad query or a missing table is a `UsageError`, one
line.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import os
from collections.abc import Iterator
from typing import Any

import orjson

from rtlog.errors import UsageError
from rtlog.export.writers import EXTENSION, connect, duckdb_module
from rtlog.records import record


@record(slots=True)
class Result:
    columns: list[str]
    types: list[str]
    batches: Iterator[list[tuple[Any, ...]]]


def export_dirs(root: str) -> list[tuple[str, dict[str, Any]]]:
    """(folder, its schema.json) for `root` or, if it has none, its sub-folders that do."""
    found = []
    candidates = [root]
    if not os.path.exists(os.path.join(root, "schema.json")):
        try:
            candidates = sorted(os.path.join(root, d) for d in os.listdir(root))
        except OSError as exc:
            raise UsageError(f"{root}: cannot read: {exc.strerror or exc}") from None
    for d in candidates:
        path = os.path.join(d, "schema.json")
        try:
            with open(path, "rb") as f:
                found.append((d, orjson.loads(f.read())))
        except FileNotFoundError:
            continue
        except (OSError, orjson.JSONDecodeError) as exc:
            raise UsageError(f"{path}: cannot read: {exc}") from None
    if not found:
        raise UsageError(f"{root}: no export here (no schema.json): run rtlog export LOGS -o {root} first")
    return found


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def open_export(root: str) -> Any:
    """A DuckDB connection with a view per table of the export(s) under `root`."""
    duckdb = duckdb_module()
    dirs = export_dirs(root)
    tables: dict[str, tuple[str, list[str], dict[str, str]]] = {}  # name → (format, files, column types)
    for d, schema in dirs:
        fmt = schema.get("format")
        if fmt not in EXTENSION:
            continue  # otlp-json: traces, not tables
        for name, spec in (schema.get("tables") or {}).items():
            path = os.path.join(d, f"{name}.{EXTENSION[fmt]}")
            if not os.path.exists(path):
                continue
            prev = tables.get(name)
            if prev is not None and prev[0] != fmt:
                raise UsageError(f"{root}: table {name} is exported as both {prev[0]} and {fmt}: query one kind at a time")
            fmt_, files, types = prev or (fmt, [], {})
            files.append(path)
            for c in spec.get("columns", []):
                types.setdefault(c["name"], c["type"])
            tables[name] = (fmt_, files, types)
    if not tables:
        raise UsageError(f"{root}: no tables here (an otlp-json export holds traces, which OTLP backends read)")
    con = connect()
    try:
        for name, (fmt, files, types) in tables.items():
            paths = "[" + ", ".join(_sql_str(p) for p in files) + "]"
            spec = "{" + ", ".join(f"{_sql_str(k)}: {_sql_str(v)}" for k, v in types.items()) + "}"
            if fmt == "parquet":
                src = f"read_parquet({paths}, union_by_name = true)"
            elif fmt == "csv":
                src = f"read_csv({paths}, header = true, union_by_name = true, columns = {spec})"
            else:
                src = f"read_json({paths}, format = 'newline_delimited', columns = {spec})"
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM {src}')
    except duckdb.Error as exc:
        con.close()
        raise UsageError(f"{root}: cannot read the tables: {_first_line(exc)}") from None
    return con


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def run_query(con: Any, sql: str, batch: int = 2048) -> Result:
    """Run `sql`; its columns and the rows in batches (the connection stays open until the
    batches are consumed)."""
    duckdb = duckdb_module()
    try:
        cur = con.execute(sql)
    except duckdb.Error as exc:
        raise UsageError(f"query: {_first_line(exc)}") from None
    desc = cur.description or []

    def batches() -> Iterator[list[tuple[Any, ...]]]:
        while True:
            try:
                rows = cur.fetchmany(batch)
            except duckdb.Error as exc:
                raise UsageError(f"query: {_first_line(exc)}") from None
            if not rows:
                return
            yield rows

    return Result([d[0] for d in desc], [str(d[1]) for d in desc], batches())


def plain(v: Any) -> Any:
    """A value as JSON and CSV write it: times in ISO 8601, decimals as numbers."""
    if isinstance(v, _dt.datetime):
        if v.tzinfo is None:
            return v.isoformat(timespec="milliseconds") + "Z" if v.microsecond else v.isoformat() + "Z"
        return v.isoformat()
    if isinstance(v, _dt.date | _dt.time):
        return v.isoformat()
    if isinstance(v, _dt.timedelta):
        return v.total_seconds()
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, bytes):
        return v.hex()
    return v
