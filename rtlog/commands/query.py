"""The `query` subcommand: SQL over an export (`rtlog.export.query`), printed as a table on a
terminal and as CSV (or JSON, JSONL) when piped or asked."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from rtlog import output
from rtlog.commands.common import Color, ColorMode
from rtlog.errors import UsageError

#: rows a terminal table shows (the rest: pipe it, or --format csv)
TERMINAL_ROWS = 200


def query_command(
    directory: Annotated[str, typer.Argument(metavar="DIR", help="A folder `rtlog export` wrote (or a folder of shard folders).")],
    sql: Annotated[str, typer.Argument(metavar="SQL", help="The query; the tables are views named files, sessions, turns, …")],
    *,
    fmt: Annotated[
        str | None,
        typer.Option("--format", metavar="FORMAT", help="table, csv, json or jsonl (default: table on a terminal, csv piped)."),
    ] = None,
    color: Color = ColorMode.auto,
) -> None:
    """SQL over the tables `rtlog export` wrote, with DuckDB (needs rtlog[duckdb]).

    \b
    Examples:
      rtlog query fleet/ \\
        "SELECT model, count(*), sum(cost_usd)
         FROM files GROUP BY model"
    """
    from rtlog.export.query import open_export, run_query

    fmt = fmt or ("table" if output.stdout_is_terminal() else "csv")
    if fmt not in ("table", "csv", "json", "jsonl"):
        raise UsageError(f"--format {fmt}: expected table, csv, json or jsonl")
    con = open_export(directory)
    try:
        result = run_query(con, sql)
        if fmt == "table":
            _table(result)
        else:
            _machine(result, fmt)
    finally:
        con.close()


def _machine(result: Any, fmt: str) -> None:
    import csv
    import io

    import orjson

    from rtlog.export.query import plain

    with output.stdout_sink() as out:
        if fmt == "csv":
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(result.columns)
            for rows in result.batches:
                for row in rows:
                    w.writerow(["" if v is None else "true" if v is True else "false" if v is False else plain(v) for v in row])
                out.write(buf.getvalue().encode())
                buf.seek(0)
                buf.truncate()
            out.write(buf.getvalue().encode())
            return
        first = True
        if fmt == "json":
            out.write(b"[")
        for rows in result.batches:
            for row in rows:
                obj = orjson.dumps(dict(zip(result.columns, map(plain, row))))
                if fmt == "json":
                    out.write((b"\n  " if first else b",\n  ") + obj)
                else:
                    out.write(obj + b"\n")
                first = False
        if fmt == "json":
            out.write(b"\n]\n" if not first else b"]\n")


def _table(result: Any) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from rtlog.export.query import plain

    t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    numeric = [ty.upper() in ("BIGINT", "INTEGER", "DOUBLE", "FLOAT", "HUGEINT", "SMALLINT", "TINYINT", "UBIGINT") or
               ty.upper().startswith("DECIMAL") for ty in result.types]  # fmt: skip
    for name, num in zip(result.columns, numeric):
        # numbers and their headers whole; text folds when the terminal is too narrow
        if num:
            t.add_column(name, justify="right", no_wrap=True, min_width=len(name))
        else:
            t.add_column(name, overflow="fold", min_width=min(len(name), 10))
    shown = more = 0
    for rows in result.batches:
        for row in rows:
            if shown >= TERMINAL_ROWS:
                more += 1
                continue
            t.add_row(*[Text("null", style="dim") if v is None else Text(_cell(plain(v))) for v in row])
            shown += 1
    renderables: list[Any] = [t]
    if more:
        renderables.append(Text(f"… {more:,} more rows (pipe the output or use --format csv for all of them)", style="dim"))
    elif not shown:
        renderables.append(Text("(no rows)", style="dim"))
    output.print_human(*renderables)


def _cell(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:,.6g}" if abs(v) < 1e15 else repr(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)
