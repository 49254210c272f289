"""The export: inputs → per-file rows (in processes, or tasks on a Dask cluster) → tables.

Owns:
- `export_one`: one file (a path, or an fsspec URL) → its rows, warnings and error, never
  raising. The same function runs in rtlog's processes, on Dask workers, or in a Spark
  `mapInPandas` (README); it is all a scheduler needs.
- Which files a run reads: the inputs (files, folders, URLs, `--files-from`), this shard's
  share (`--shard I/N`: the files whose name hashes to I, stable whatever the order or the
  machine), less the files the earlier export in DIR already holds unchanged (same size and
  modification time, in `manifest.json`).
- The commit: rows are staged in a hidden folder in DIR while files are read; then each table
  is written beside its target and renamed (the earlier export's rows of files not read
  again are kept), `schema.json` and `manifest.json` last. A failed or interrupted run
  leaves the earlier tables as they were; a run stopped between two renames leaves each
  table whole and the manifest old, so the next run reads those files again and the
  tables agree once more. One export writes to a DIR at a time (a lock).
- A file that cannot be read is a row in `export_errors` and a warning, never a lost batch;
  it is not in the manifest, so the next run tries it again.

Memory: the parent holds one file's rows at a time (results are consumed in input order,
at most a few files ahead); a worker holds one conversation.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import field
from typing import Any

import orjson

from rtlog.errors import InputError, OutputError, UsageError
from rtlog.export.one import Input, export_one, is_url, ordered_window
from rtlog.export.schema import SCHEMA_VERSION, TABLES, Column, schema_json
from rtlog.export.writers import FORMATS, StagedTable, write_table
from rtlog.metrics.pricing import PriceTable
from rtlog.records import record

MANIFEST = "manifest.json"
SCHEMA = "schema.json"
TRACES = "traces.jsonl"  # --format otlp-json: one OTLP/JSON ExportTraceServiceRequest a line (a file's sessions)


@record(slots=True)
class ExportResult:
    """What a run did (for the command's report)."""

    out_dir: str
    fmt: str
    inputs: int = 0
    skipped_unchanged: int = 0
    other_shards: int = 0
    exported: int = 0
    failed: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # table → rows in the whole table after the run
    new_rows: dict[str, int] = field(default_factory=dict)  # table → rows this run added


# --- which files ------------------------------------------------------------------------------


def list_inputs(paths: list[str], files_from: str | None = None) -> list[Input]:
    """The logs named by `paths` (files, folders, URLs and URL globs) and by the lines of
    `files_from` (`-`: stdin), with their size and modification time, in order, once each."""
    from rtlog.io.reader import expand_sources

    names = list(paths)
    if files_from is not None:
        names += _read_list(files_from)
    if not names:
        raise UsageError("no input: give log files or folders, or --files-from LIST")
    out: list[Input] = []
    seen: set[str] = set()
    for p in names:
        if is_url(p):
            found = _url_inputs(p)
        else:
            if p == "-":
                raise UsageError("export reads files, not stdin ('-'): an incremental export needs names to remember")
            found = []
            for src in expand_sources([p]):
                assert src.path is not None
                path = os.path.normpath(src.path)
                try:
                    st = os.stat(path)
                except OSError as exc:
                    raise InputError(f"{path}: cannot read: {exc.strerror}") from None
                found.append(Input(path, path, st.st_size, st.st_mtime_ns))
        for inp in found:
            if inp.name not in seen:
                seen.add(inp.name)
                out.append(inp)
    return out


def _read_list(files_from: str) -> list[str]:
    import sys

    try:
        if files_from == "-":
            text = sys.stdin.read()
        else:
            with open(files_from, encoding="utf-8") as f:
                text = f.read()
    except OSError as exc:
        raise UsageError(f"--files-from {files_from}: cannot read: {exc.strerror or exc}") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _url_inputs(url: str) -> list[Input]:
    try:
        import fsspec
    except ImportError:
        raise UsageError(f"{url}: reading URLs needs fsspec: pip install 'rtlog[fleet]'") from None
    from rtlog.io.reader import LOG_SUFFIXES

    try:
        fs, path = fsspec.core.url_to_fs(url)
        protocol = url.split("://", 1)[0]
        if fs.isdir(path):
            paths = sorted(p for p in fs.ls(path, detail=False) if p.endswith(LOG_SUFFIXES))
        elif any(c in path for c in "*?["):
            paths = sorted(fs.glob(path))
        else:
            paths = [path]
        out = []
        for p in paths:
            info = fs.info(p)
            mtime = info.get("mtime") or info.get("LastModified") or info.get("updated")
            mtime_ns = _mtime_ns(mtime)
            name = p if "://" in p else f"{protocol}://{p}"
            out.append(Input(name, name, info.get("size"), mtime_ns))
        return out
    except (OSError, ValueError) as exc:
        raise InputError(f"{url}: cannot list: {exc}") from None


def _mtime_ns(m: Any) -> int | None:
    if m is None:
        return None
    if hasattr(m, "timestamp"):
        return int(m.timestamp() * 1e9)
    try:
        return int(float(m) * 1e9)
    except (TypeError, ValueError):
        return None


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """`I/N` (1 ≤ I ≤ N) → (I, N)."""
    if text is None:
        return None
    i, sep, n = text.partition("/")
    if not sep or not i.strip().isdigit() or not n.strip().isdigit() or not 1 <= int(i) <= int(n):
        raise UsageError(f"--shard {text}: expected I/N with 1 <= I <= N, e.g. 2/8")
    return int(i), int(n)


def in_shard(name: str, shard: tuple[int, int] | None) -> bool:
    """Is `name` this shard's? By a hash of the name: stable whatever the order or machine."""
    if shard is None:
        return True
    i, n = shard
    return zlib.crc32(name.encode("utf-8", "surrogateescape")) % n == i - 1


# --- the run ----------------------------------------------------------------------------------


def read_manifest(out_dir: str) -> dict[str, Any] | None:
    try:
        with open(os.path.join(out_dir, MANIFEST), "rb") as f:
            return orjson.loads(f.read())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as exc:
        raise OutputError(f"{out_dir}/{MANIFEST}: cannot read: {exc}") from None


def export(
    inputs: list[Input],
    out_dir: str,
    prices: PriceTable,
    *,
    fmt: str = "parquet",
    with_text: bool = False,
    strict: bool = False,
    jobs: int = 0,
    shard: tuple[int, int] | None = None,
    scheduler: str | Any | None = None,
    full: bool = False,
    on_file: Callable[[dict[str, Any]], None] | None = None,
) -> ExportResult:
    """Export `inputs` into `out_dir` (see the module docstring). `on_file(result)` sees each
    file's result (warnings, error) as it is written; `scheduler`: a Dask scheduler address
    or `distributed.Client`; `full`: export afresh (every input read, the earlier rows dropped)."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create: {exc.strerror or exc}") from None
    for inp in inputs:  # the tables are JSONL too: next time they would be read as logs
        if not is_url(inp.path) and os.path.samefile(os.path.dirname(os.path.abspath(inp.path)), out_dir):
            raise UsageError(f"{out_dir}: also holds the logs ({inp.name}): write the tables to a folder of their own")
    res = ExportResult(out_dir, fmt, inputs=len(inputs))
    with _lock(out_dir):
        manifest = None if full else read_manifest(out_dir)
        done: dict[str, Any] = {}
        if manifest is not None:
            _check_compatible(manifest, out_dir, fmt, with_text, prices)
            done = manifest.get("files", {})
        todo = []
        for inp in inputs:
            if not in_shard(inp.name, shard):
                res.other_shards += 1
                continue
            was = done.get(inp.name)
            if was is not None and inp.size is not None and was.get("size") == inp.size and was.get("mtime_ns") == inp.mtime_ns:
                res.skipped_unchanged += 1
                continue
            todo.append(inp)
        if not todo and manifest is not None:
            return res  # nothing new: the tables stay as they are (not even rewritten)
        stage = tempfile.mkdtemp(prefix=".rtlog-export-", dir=out_dir)
        try:
            names = ["traces"] if fmt == "otlp-json" else [*TABLES]
            staged = {t: StagedTable(t, os.path.join(stage, f"{t}.jsonl")) for t in names}
            new_done: dict[str, Any] = {}
            attempted: set[str] = set()
            results = _results(todo, prices, with_text, strict, fmt == "otlp-json", jobs, scheduler)
            for inp, result in zip(todo, results):
                attempted.add(inp.name)
                if result["error"] is not None:
                    res.failed += 1
                    if "export_errors" not in staged:  # (made once: a second StagedTable would truncate the first's file)
                        staged["export_errors"] = StagedTable("export_errors", os.path.join(stage, "export_errors.jsonl"))
                    reason = result["error"].removeprefix(f"{inp.name}: ")  # the file is named beside it
                    staged["export_errors"].add({"file": inp.name, "error": reason})
                else:
                    res.exported += 1
                    new_done[inp.name] = {"size": inp.size, "mtime_ns": inp.mtime_ns}
                    for table, rows in result["tables"].items():
                        for row in rows:
                            staged[table].add(row)
                    if result["trace"] is not None:
                        staged["traces"].add({"file": inp.name, "request": result["trace"]})
                if on_file is not None:
                    on_file(result)
            for t in staged.values():
                t.close()
            _commit(out_dir, staged, fmt, with_text, prices, attempted, done, new_done, res, fresh=full)
        except OSError as exc:  # staging or writing (disk full…): say where, not "<stdout>"
            from rtlog.io.outfile import describe_os_error

            raise OutputError(describe_os_error(out_dir, exc)) from None
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    return res


def _check_compatible(manifest: dict[str, Any], out_dir: str, fmt: str, with_text: bool, prices: PriceTable) -> None:
    """An incremental run adds to tables made the same way, or says how they differ."""
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise UsageError(f"{out_dir}: exported with schema version {manifest.get('schema_version')}, this rtlog writes "
                         f"{SCHEMA_VERSION}: export again into a new folder (or --full)")  # fmt: skip
    for what, mine, theirs in (("--format", fmt, manifest.get("format")),
                               ("--with-text", with_text, manifest.get("with_text")),
                               ("price table date", prices.date, manifest.get("prices_date"))):  # fmt: skip
        if mine != theirs:
            raise UsageError(f"{out_dir}: exported with {what} {_word(theirs)}, this run has {_word(mine)}: "
                             "use the same options, another folder, or --full to export every file again")  # fmt: skip


def _word(v: Any) -> str:
    return {True: "on", False: "off", None: "unknown"}.get(v, str(v)) if not isinstance(v, str) else v


@contextlib.contextmanager
def _lock(out_dir: str) -> Iterator[None]:
    import fcntl

    try:
        fd = os.open(out_dir, os.O_RDONLY)  # the folder itself is the lock: no lock file is left behind
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutputError(f"{out_dir}: another rtlog export is writing here") from None
        yield
    finally:
        os.close(fd)


def _commit(out_dir: str, staged: dict[str, StagedTable], fmt: str, with_text: bool, prices: PriceTable,
            attempted: set[str], done: dict[str, Any], new_done: dict[str, Any], res: ExportResult,
            fresh: bool = False) -> None:  # fmt: skip
    """Write each table (earlier rows of files not read again, then this run's), then the
    schema and, last, the manifest. `fresh` (--full): this run's rows only."""
    columns: dict[str, list[Column]] = {}
    if fmt == "otlp-json":
        res.rows["traces"] = _write_traces(out_dir, staged["traces"], attempted, fresh)
        res.new_rows["traces"] = staged["traces"].rows
    else:
        old_schema = {} if fresh else _old_columns(out_dir)
        for name in TABLES:
            table = staged.get(name) or StagedTable(name, os.path.join(os.path.dirname(staged["files"].path), f"{name}.jsonl"))
            table.close()
            cols = table.columns(with_text)
            known = {c.name for c in cols}
            cols += [c for c in old_schema.get(name, []) if c.name not in known]  # undeclared columns of earlier runs
            columns[name] = cols
            res.rows[name] = write_table(out_dir, table, fmt, cols, attempted, fresh=fresh)
            res.new_rows[name] = table.rows
    from rtlog.io.outfile import atomic_output

    schema = schema_json(columns, fmt, with_text)
    with atomic_output(os.path.join(out_dir, SCHEMA)) as f:
        f.write(orjson.dumps(schema, option=orjson.OPT_INDENT_2) + b"\n")
    files = {k: v for k, v in done.items() if k not in attempted}
    files.update(new_done)
    manifest = {"schema_version": SCHEMA_VERSION, "format": fmt, "with_text": with_text, "prices_date": prices.date,
                "files": dict(sorted(files.items()))}  # fmt: skip
    with atomic_output(os.path.join(out_dir, MANIFEST)) as f:
        f.write(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")


def _old_columns(out_dir: str) -> dict[str, list[Column]]:
    try:
        with open(os.path.join(out_dir, SCHEMA), "rb") as f:
            obj = orjson.loads(f.read())
    except (OSError, orjson.JSONDecodeError):
        return {}
    out: dict[str, list[Column]] = {}
    for t, spec in (obj.get("tables") or {}).items():
        out[t] = [Column(c["name"], c["type"], c.get("doc", "")) for c in spec.get("columns", [])]
    return out


def _write_traces(out_dir: str, staged: StagedTable, attempted: set[str], fresh: bool) -> int:
    from rtlog.io.outfile import atomic_output

    target = os.path.join(out_dir, TRACES)
    n = 0
    with atomic_output(target) as out:
        if os.path.exists(target) and not fresh:
            with open(target, "rb") as f:
                for line in f:
                    if _trace_file(orjson.loads(line)) not in attempted:
                        out.write(line)
                        n += 1
        for row in staged.read():
            out.write(orjson.dumps(row["request"]) + b"\n")
            n += 1
    return n


def _trace_file(request: dict[str, Any]) -> str | None:
    for rs in request.get("resourceSpans", []):
        for a in rs.get("resource", {}).get("attributes", []):
            if a.get("key") == "rtlog.file":
                return a.get("value", {}).get("stringValue")
    return None


# --- running the files ------------------------------------------------------------------------


def _results(todo: list[Input], prices: PriceTable, with_text: bool, strict: bool, otlp: bool, jobs: int,
             scheduler: Any) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Each file's result, in input order, a few files ahead at most."""
    if scheduler is not None:
        from rtlog.export.fleet import dask_results

        yield from dask_results(todo, prices, with_text, strict, otlp, scheduler)
        return
    from rtlog.io.parts import free_cpus

    # -j 0: one process per *free* CPU, as summary (workers that only wait for a busy CPU cost
    # their start-up and the hand-over of their rows for nothing)
    workers = min(jobs or free_cpus(), len(todo))
    if workers < 2:  # one file (or one CPU): a big file is read in parts by the CPUs instead
        for inp in todo:
            yield export_one(inp, prices, with_text, strict, otlp, jobs)
        return
    from rtlog.io.parts import process_pool

    # several small files a task, as summary's pool.map: a hand-over per file cost the main
    # process more than staging the file's rows (memory: `workers * 4` tasks of <= 16 files)
    chunk = max(1, min(16, len(todo) // (workers * 8)))
    batches = [_Batch(todo[i : i + chunk]) for i in range(0, len(todo), chunk)]
    with process_pool(workers) as pool:  # (Ctrl-C stops the workers at once)
        submit = lambda b: pool.submit(_export_batch, b.files, prices, with_text, strict, otlp)  # noqa: E731
        for batch, got in zip(batches, ordered_window(submit, batches, workers * 4)):
            if isinstance(got, list):
                yield from got
                continue
            what = got["error"].removeprefix(f"{batch.name}: ")  # the task died: so did each of its files
            for inp in batch.files:
                yield {"file": inp.name, "tables": {}, "trace": None, "warnings": [], "error": f"{inp.name}: {what}"}


@record(slots=True)
class _Batch:
    files: list[Input]

    @property
    def name(self) -> str:
        return self.files[0].name


def _export_batch(files: list[Input], prices: PriceTable, with_text: bool, strict: bool, otlp: bool) -> list[dict[str, Any]]:
    return [export_one(inp, prices, with_text, strict, otlp) for inp in files]
