"""Rows → table files: staged as JSONL while the export runs, then written in the asked
format, merged with the rows of an earlier export that this run does not replace.

Owns: the staging of rows one at a time (memory: one row; the columns are the declared ones
plus any undeclared summary leaf, typed from its values — `schema.infer_type`), and the
final files: JSONL (one object a line, every column in schema order, null for unknown), CSV
(a header line; empty for null; `true`/`false`; ISO 8601 times) and Parquet, written from
the staged JSONL with the declared types by rtlog's own `parquet.ParquetWriter` (a row group
in memory at a time; no DuckDB or pyarrow on the export path: importing either cost more
than the whole write). Each final file is written beside its target and renamed into place
(`atomic_output`).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from rtlog.errors import OutputError, UsageError
from rtlog.export.schema import TABLES, Column, infer_type
from rtlog.io.outfile import atomic_output

FORMATS = ("parquet", "csv", "jsonl", "otlp-json")
EXTENSION = {"parquet": "parquet", "csv": "csv", "jsonl": "jsonl"}


class StagedTable:
    """One table's new rows, appended to a JSONL file as they come."""

    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path
        self.fp = open(path, "wb")  # noqa: SIM115 - closed by close()
        self.rows = 0
        self.files: set[str] = set()
        self.declared = {c.name: c for c in TABLES.get(name, [])}
        self.extra: dict[str, set[type]] = {}  # undeclared columns → the types of their values

    def add(self, row: dict[str, Any]) -> None:
        if not self.declared.keys() >= row.keys():  # (the usual row: one set comparison)
            for k, v in row.items():
                if k not in self.declared:
                    self.extra.setdefault(k, set()).add(type(v))
        self.fp.write(orjson.dumps(row) + b"\n")
        self.rows += 1

    def close(self) -> None:
        self.fp.close()

    def columns(self, with_text: bool) -> list[Column]:
        cols = [c for c in TABLES.get(self.name, []) if with_text or not c.text]
        cols += [Column(k, infer_type(t), "undeclared summary field (see schema.json)") for k, t in self.extra.items()]
        return cols

    def read(self) -> Iterator[dict[str, Any]]:
        with open(self.path, "rb") as f:
            for line in f:
                yield orjson.loads(line)

    def read_sized(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(its staged size in bytes, the row)"""
        with open(self.path, "rb") as f:
            for line in f:
                yield len(line), orjson.loads(line)


def old_table_path(out_dir: str, table: str, fmt: str) -> str | None:
    p = os.path.join(out_dir, f"{table}.{EXTENSION[fmt]}")
    return p if os.path.exists(p) else None


def write_table(
    out_dir: str, staged: StagedTable, fmt: str, columns: list[Column], replaced: set[str], *, fresh: bool = False
) -> int:
    """Write `DIR/<table>.<ext>`: the earlier export's rows of files not in `replaced`, then
    the staged rows (`fresh`: the staged rows only). Returns the rows written."""
    target = os.path.join(out_dir, f"{staged.name}.{EXTENSION[fmt]}")
    old = None if fresh else old_table_path(out_dir, staged.name, fmt)
    if fmt == "parquet":
        return _write_parquet(target, old, staged, columns, replaced)
    names = [c.name for c in columns]
    with atomic_output(target) as out:
        if fmt == "jsonl":
            n = _write_jsonl(out, names, _old_jsonl(old, replaced), staged.read())
        else:
            n = _write_csv(out, names, old, replaced, staged.read())
    return n


def _old_jsonl(path: str | None, replaced: set[str]) -> Iterator[dict[str, Any]]:
    if path is None:
        return
    with open(path, "rb") as f:
        for line in f:
            row = orjson.loads(line)
            if row.get("file") not in replaced:
                yield row


def _write_jsonl(out: Any, names: list[str], *parts: Iterable[dict[str, Any]]) -> int:
    n = 0
    for part in parts:
        for row in part:
            out.write(orjson.dumps({k: row.get(k) for k in names}) + b"\n")
            n += 1
    return n


def _csv_value(v: Any) -> Any:
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    return v


def _write_csv(out: Any, names: list[str], old: str | None, replaced: set[str], new: Iterable[dict[str, Any]]) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    w = csv.writer(text, lineterminator="\n")
    w.writerow(names)
    n = 0
    if old is not None:
        with open(old, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row.get("file") not in replaced:
                    w.writerow([row.get(k, "") for k in names])
                    n += 1
    for row in new:
        w.writerow([_csv_value(row.get(k)) for k in names])
        n += 1
    text.flush()
    text.detach()
    return n


def duckdb_module() -> Any:
    try:
        import duckdb
    except ImportError:
        raise UsageError("`rtlog query` needs DuckDB: pip install 'rtlog[duckdb]'") from None
    return duckdb


def connect() -> Any:
    """An in-memory DuckDB with a bounded memory (it spills to disk beyond that), one thread."""
    return duckdb_module().connect(":memory:", config={"memory_limit": "256MB", "threads": 1})


def _write_parquet(target: str, old: str | None, staged: StagedTable, columns: list[Column], replaced: set[str]) -> int:
    """The old table's rows of files not in `replaced`, then the staged rows, through one
    `ParquetWriter` (a row group in memory at a time)."""
    from rtlog.export.parquet import ParquetWriter

    with atomic_output(target) as out:
        w = ParquetWriter(out, [(c.name, c.type) for c in columns])
        if old is not None:
            for row in _old_parquet_rows(old, replaced):
                w.add(row)
        for size, row in staged.read_sized():
            w.add(row, size)
        return w.close()


def _old_parquet_rows(path: str, replaced: set[str]) -> Iterator[dict[str, Any]]:
    """The rows of an earlier export's Parquet table, less those of `replaced` files. A table
    an older rtlog wrote (with DuckDB) is read with DuckDB, once: it is rewritten by ours."""
    from rtlog.export.parquet import Unsupported, read_rows, timestamp_micros

    try:
        rows = read_rows(path)
    except Unsupported:
        rows = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if rows is not None:
        for row in rows:
            if row.get("file") not in replaced:
                yield row
        return
    duckdb = duckdb_module()
    try:
        con = connect()
        cur = con.execute("SELECT * FROM read_parquet(?)", [path])
        names = [d[0] for d in cur.description]
        while batch := cur.fetchmany(2048):
            for values in batch:
                row = {k: (timestamp_micros(v) if hasattr(v, "tzinfo") else v) for k, v in zip(names, values)}
                if row.get("file") not in replaced:
                    yield row
        con.close()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise OutputError(f"{path}: cannot read the earlier table: {first}") from None
