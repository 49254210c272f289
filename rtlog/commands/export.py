"""The `export` subcommand: options, one call to `rtlog.export.run.export`, and the report
of what was written (stderr, or `--json` on stdout)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from rtlog import output
from rtlog.commands.common import Strict, non_negative
from rtlog.errors import ExitCode


def export_command(
    logs: Annotated[
        list[str] | None,
        typer.Argument(metavar="LOGS...", show_default=False,
                       help="Log files, folders of logs, or fsspec URLs (s3://bucket/calls/, gs://…/*.jsonl.gz)."),
    ] = None,  # fmt: skip
    *,
    out_dir: Annotated[str, typer.Option("--output", "-o", metavar="DIR", help="The folder of tables (made if needed).")],
    fmt: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="parquet, csv, jsonl, or otlp-json (traces).")
    ] = "parquet",
    with_text: Annotated[
        bool, typer.Option("--with-text", help="Also export what was said, instructions and tool arguments/outputs.")
    ] = False,
    files_from: Annotated[
        str | None, typer.Option("--files-from", metavar="LIST", help="Also read the logs named in LIST, one a line ('-': stdin).")
    ] = None,
    shard: Annotated[
        str | None, typer.Option("--shard", metavar="I/N", help="Export only this shard's files (a stable hash of each name), 1 <= I <= N.")
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Export afresh: read every log again; the tables hold these logs only.")] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", metavar="N", callback=non_negative, show_default=False, help="Processes, one file each (0 = one per CPU).")
    ] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", metavar="ADDRESS",
                     help="Run the files as tasks on a Dask cluster (tcp://host:8786; needs rtlog[fleet])."),
    ] = None,  # fmt: skip
    pricing: Annotated[
        str | None, typer.Option("--pricing", metavar="FILE", help="JSON price table that overrides or extends the built-in one.")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print what was written as one JSON object on stdout.")] = False,
    strict: Strict = False,
) -> None:
    """Tables of many calls for SQL and dashboards, or OpenTelemetry traces.

    One table per kind of row: files, sessions, turns, responses, tool_calls, errors,
    warnings, event_counts, export_errors (columns in DIR/schema.json and the README).
    Re-running over the same DIR reads only new or changed logs.

    \b
    Examples:
      rtlog export calls/ -o fleet/
      rtlog query fleet/ \\
        "SELECT model, count(*) FROM files GROUP BY 1"
    """
    from rtlog.commands.summary import load_prices
    from rtlog.export.run import export, list_inputs, parse_shard

    prices = load_prices(pricing)
    sh = parse_shard(shard)
    inputs = list_inputs(logs or [], files_from)
    sizes = {i.name: i.size or 0 for i in inputs}
    done = [0]
    with output.Progress(sum(sizes.values()), f"export → {out_dir}") as bar:

        def on_file(result: dict[str, Any]) -> None:
            for msg in result["warnings"]:
                output.warning(msg)
            if result["error"] is not None:
                output.error(result["error"])
            done[0] += sizes.get(result["file"], 0)
            bar.update(done[0])

        res = export(inputs, out_dir, prices, fmt=fmt, with_text=with_text, strict=strict, jobs=jobs, shard=sh,
                     scheduler=scheduler, full=full, on_file=on_file)  # fmt: skip
    if json_:
        import orjson

        obj = {"output": res.out_dir, "format": res.fmt, "inputs": res.inputs, "exported": res.exported,
               "unchanged": res.skipped_unchanged, "other_shards": res.other_shards, "failed": res.failed,
               "rows": res.rows or None, "new_rows": res.new_rows or None}  # fmt: skip (null: no table written)
        with output.stdout_sink() as out:
            out.write(orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        output.note(_report(res))
    if res.failed:
        raise typer.Exit(ExitCode.ERROR)  # each was reported above, and is a row of export_errors


def _report(res: Any) -> str:
    from rtlog.units import fmt_int

    parts = [f"exported {fmt_int(res.exported)} file{'' if res.exported == 1 else 's'} to {res.out_dir}"]
    extra = []
    if res.skipped_unchanged:
        extra.append(f"{fmt_int(res.skipped_unchanged)} unchanged")
    if res.other_shards:
        extra.append(f"{fmt_int(res.other_shards)} in other shards")
    if res.failed:
        extra.append(f"{fmt_int(res.failed)} failed, in export_errors")
    if extra:
        parts.append(f" ({', '.join(extra)})")
    if not res.rows:
        return "".join(parts) + "; nothing new: the tables are as they were"
    tables = ", ".join(f"{t} {fmt_int(n)}" for t, n in res.rows.items() if t != "export_errors" or n)
    return "".join(parts) + f"; rows: {tables}"
