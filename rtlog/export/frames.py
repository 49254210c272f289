"""An export's tables as pandas DataFrames, for Spark's `mapInPandas` (or any pandas user).

Owns `map_in_pandas` — the function a Spark job hands to `mapInPandas`: an iterator of
DataFrames with a column of log paths or URLs in, an iterator of one table's DataFrames out,
each log read by `export_one` (the function rtlog's processes and Dask run) — `spark_schema`
(that table's declared columns as a Spark DDL string) and `frame` (rows → a DataFrame typed
as the schema says: nullable Int64, Float64, boolean, string and UTC timestamps, so null stays
null, never 0 or NaN-as-a-number). Undeclared columns (`schema.json`'s `"declared": false`,
e.g. the per-turn metrics) are left out: a Spark schema is fixed before any log is read.
A log that cannot be read is a row of the `export_errors` table (run that table too), never a
silent gap. Needs pandas (not a dependency of rtlog: Spark brings it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rtlog.export.schema import TABLES, Column
from rtlog.metrics.pricing import PriceTable

#: `export_errors` is written by the run, not by `rows`: its columns
ERRORS = [Column("file", "VARCHAR", "the log"), Column("error", "VARCHAR", "why it could not be read")]
_SPARK = {"VARCHAR": "string", "BIGINT": "bigint", "DOUBLE": "double", "BOOLEAN": "boolean", "TIMESTAMP": "timestamp"}
_PANDAS = {"VARCHAR": "string", "BIGINT": "Int64", "DOUBLE": "Float64", "BOOLEAN": "boolean"}


def columns(table: str, with_text: bool = False) -> list[Column]:
    if table == "export_errors":
        return ERRORS
    try:
        cols = TABLES[table]
    except KeyError:
        raise ValueError(f"no table {table!r}: one of {', '.join([*TABLES, 'export_errors'])}") from None
    return [c for c in cols if with_text or not c.text]


def spark_schema(table: str, with_text: bool = False) -> str:
    """`table`'s columns as Spark DDL: "file string, turn bigint, …"."""
    return ", ".join(f"{c.name} {_SPARK[c.type]}" for c in columns(table, with_text))


def frame(rows: list[dict[str, Any]], table: str, with_text: bool = False) -> Any:
    """Rows of `table` → a pandas DataFrame with its declared columns, typed (null kept)."""
    import pandas as pd

    data = {}
    for c in columns(table, with_text):
        values = [r.get(c.name) for r in rows]
        if c.type == "TIMESTAMP":
            data[c.name] = pd.to_datetime(pd.Series(values, dtype="object"), utc=True, format="ISO8601")
        else:
            data[c.name] = pd.array(values, dtype=_PANDAS[c.type])
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))


def _input(path: str) -> Any:
    """A path or URL as `export_one` takes it: a local file's size and time as the export records them."""
    import os

    from rtlog.export.one import Input, is_url

    if not is_url(path):
        try:
            st = os.stat(path)
            return Input(path, path, st.st_size, st.st_mtime_ns)
        except OSError:
            pass  # export_one says why
    return Input(path, path)


def map_in_pandas(
    batches: Iterable[Any],
    table: str,
    *,
    column: str = "path",
    prices: PriceTable | None = None,
    with_text: bool = False,
) -> Iterator[Any]:
    """For `DataFrame.mapInPandas`: each incoming DataFrame's `column` of log paths or URLs →
    one DataFrame of `table`'s rows of those logs (`spark_schema(table)` is its schema)."""
    from rtlog.export.one import export_one
    from rtlog.metrics.pricing import builtin_table

    columns(table, with_text)  # an unknown table: say so before reading anything
    prices = prices or builtin_table()
    for batch in batches:
        rows: list[dict[str, Any]] = []
        for path in map(str, batch[column]):
            result = export_one(_input(path), prices, with_text)
            if result["error"] is not None:
                if table == "export_errors":
                    rows.append({"file": result["file"], "error": result["error"].removeprefix(f"{result['file']}: ")})
                continue
            rows += result["tables"].get(table, [])
        yield frame(rows, table, with_text)
