"""The `summary` subcommand: options, running the core over one or many logs (in
parallel when there are several), and the rich report or the `--json` object."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rtlog import escape, output
from rtlog.commands.common import Color, ColorMode, Files, Strict, non_negative
from rtlog.errors import ExitCode, InputError, RtlogError, UsageError

if TYPE_CHECKING:  # the core and rich's extras are imported when the command runs
    from rich.console import RenderableType

    from rtlog.io.reader import Source
    from rtlog.metrics.pricing import PriceTable
    from rtlog.metrics.summary import Summary


def summary_command(
    files: Files = None,
    *,
    json_: Annotated[bool, typer.Option("--json", help="One JSON object (schema in the README) instead of the report.")] = False,
    pricing: Annotated[
        str | None,  # not Path: typer would import pydantic (~0.1 s) to coerce it
        typer.Option(
            "--pricing", metavar="FILE",
            help="JSON price table that overrides or extends the built-in one (USD per 1M tokens).",
        ),
    ] = None,  # fmt: skip
    model: Annotated[
        str | None,
        typer.Option("--model", metavar="NAME",
                     help="The model to price sessions that do not name one (a filtered or cut log)."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when the log has errors, failed transcriptions, bad lines or warnings.")
    ] = False,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", metavar="N", callback=non_negative, show_default=False,
                     help="Processes: one per file for several files, parts of one big file otherwise (0 = one per free CPU)."),
    ] = 0,
    strict: Strict = False,
    color: Color = ColorMode.auto,
    unanswered_after: Annotated[
        float, typer.Option("--unanswered-after", metavar="SECONDS", callback=non_negative,
                            help="A user turn with no assistant output within this many seconds is unanswered.")
    ] = 5.0,  # fmt: skip
    audio_quality: Annotated[
        bool, typer.Option("--audio-quality", help="Also decode the audio: levels, clipping, silences (slower).")
    ] = False,
    no_pager: Annotated[
        bool, typer.Option("--no-pager", help="Print a report longer than the terminal as it is, not through $PAGER (less -FRX).")
    ] = False,
) -> None:
    """What a session was, how it went, what it cost, how fast it was, where it went wrong.

    Sessions, time span, events, turns and responses, audio seconds, tokens and cost,
    latency, errors and checks. Several files or a directory: one report each, then totals.

    \b
    Examples:
      rtlog summary session.jsonl
      rtlog summary session.jsonl --json | jq .cost_usd
      rtlog summary logs/ --json | jq .total.cost_usd
    """
    from rtlog.io.reader import expand_sources

    prices = load_prices(pricing)
    if model is not None:
        if not model.strip():
            raise UsageError("--model needs a model name")
        if prices.family(model) is None and prices.minute_rate(model) is None:
            raise UsageError(f"--model {model}: no price for this model (add it with --pricing FILE)")
        prices.default_model = model.strip()
    sources = expand_sources(files or [])
    with output.paged(enabled=not json_ and not no_pager):  # (a long report on a terminal: through the pager)
        _report(sources, prices, json_=json_, check=check, jobs=jobs, strict=strict, unanswered_after=unanswered_after,
                audio_quality=audio_quality)  # fmt: skip


def _report(sources: list[Any], prices: PriceTable, *, json_: bool, check: bool, jobs: int, strict: bool,
            unanswered_after: float, audio_quality: bool) -> None:  # fmt: skip
    """The reports (or the JSON) of `sources`, then the totals; exits as summary does."""
    from rtlog.metrics.summary import combine

    summaries: list[Summary] = []
    entries: list[Any] = []  # per file, in order: its summary or {"file", "error"}
    failed = 0
    for src, (summary, messages, error) in zip(sources, summarize_all(sources, prices, strict=strict, jobs=jobs, report=not json_, quality=audio_quality)):
        for msg in messages:
            output.warning(msg)
        if summary is None:  # this file could not be read: say so, go on with the others
            if len(sources) == 1:
                raise InputError(error or f"{src.name}: failed")
            failed += 1
            text = error or f"{src.name}: failed"
            output.error(text)
            reason = text.removeprefix(f"{src.name}: ")  # the file is named beside it
            entries.append({"file": src.name, "error": reason})
            if not json_:
                output.print_human(*render_failure(src.name, reason))
            continue
        if summary.feel is not None:
            summary.feel.unanswered_after_s = unanswered_after  # (a reading of the turns, not a new pass)
        summaries.append(summary)
        entries.append(summary)
        if not json_:
            output.print_human(*render(summary))
    total = combine(summaries) if len(sources) > 1 else None
    if total is not None and total.feel is not None:
        total.feel.unanswered_after_s = unanswered_after
    if json_:
        from rtlog.io.jsonout import write_json

        if total is None:
            obj: Any = summaries[0].as_json()
        else:
            obj = {
                "files": [{**e.as_json(), "file": e.source} if not isinstance(e, dict) else e for e in entries],
                "total": total.as_json(),
            }
        with output.stdout_sink() as out:  # (a piece at a time: ~13 MB for a 20-hour log)
            write_json(obj, out)
    elif total is not None:
        more = f" ({failed} more could not be read)" if failed else ""
        output.print_human(*render(total, title=f"Total: {len(summaries)} file{'' if len(summaries) == 1 else 's'}{more}"))
    if failed:
        raise typer.Exit(ExitCode.ERROR)  # the errors were reported above
    if check and any(s.has_findings for s in summaries):
        raise typer.Exit(ExitCode.NOT_FOUND)


def load_prices(path: str | None) -> PriceTable:
    """The built-in price table, merged with `--pricing FILE` when given."""
    from rtlog.metrics.pricing import PriceFileError, builtin_table, parse_price_file

    if path is None:
        return builtin_table()
    import orjson

    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise UsageError(f"--pricing {path}: cannot read: {exc.strerror or exc}") from None
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"--pricing {path}: not JSON: {exc}") from None
    try:
        return parse_price_file(obj)
    except PriceFileError as exc:
        raise UsageError(f"--pricing {path}: {exc}") from None


# --- running the core -----------------------------------------------------------------------


def summarize_all(
    sources: list[Source], prices: PriceTable, *, strict: bool, jobs: int, report: bool = False, quality: bool = False
) -> Iterator[tuple[Summary | None, list[str], str | None]]:
    """(summary or None, its warnings, its error or None) per source, in input order.
    Several files on several CPUs go to a process pool; stdin and single files are read here
    (`report`: the rich report will follow, its imports are made while a big file's workers run)."""
    from rtlog.io.parts import free_cpus

    workers = min(jobs or free_cpus(), len(sources))
    if workers < 2 or any(src.path is None for src in sources):
        # one file at a time; a big one may still be cut into parts for the CPUs
        for src in sources:
            with output.Progress(src.size, f"summary {src.name}") as bar:
                result = _summarize_one(src, prices, strict, jobs, bar.callback, _load_report if report else None, quality)
            yield result
        return
    from rtlog.io.parts import process_pool

    n = len(sources)
    with process_pool(workers) as pool:  # (Ctrl-C stops the workers at once)
        chunk = max(1, n // (workers * 8))
        for result in pool.map(_summarize_one, sources, [prices] * n, [strict] * n, [1] * n, [None] * n, [None] * n,
                               [quality] * n, chunksize=chunk):  # fmt: skip
            yield result


def _summarize_one(
    src: Source,
    prices: PriceTable,
    strict: bool,
    jobs: int,
    on_progress: Callable[[int], None] | None = None,
    meanwhile: Callable[[], None] | None = None,
    quality: bool = False,
) -> tuple[Summary | None, list[str], str | None]:
    """Runs in a worker too: warnings are collected, errors returned, never raised.
    `quality`: one pass that decodes the audio too (`rtlog.audio.quality`)."""
    from rtlog.io.reader import Diagnostics
    from rtlog.metrics.summary import summarize_source

    messages: list[str] = []
    diag = Diagnostics(strict=strict, warn=messages.append)
    try:
        if quality:
            from rtlog.audio.quality import quality_conversation
            from rtlog.metrics.summary import summarize_conversation

            conv, q = quality_conversation(src, diag)
            summary = summarize_conversation(conv, prices)
            summary.audio_quality = q.to_dict()
        else:
            summary = summarize_source(src, diag, prices, jobs=jobs, on_progress=on_progress, meanwhile=meanwhile)
        diag.finish()
    except RtlogError as exc:
        return None, messages, str(exc)
    return summary, messages, None


# --- the human report -----------------------------------------------------------------------


def _load_report() -> None:
    output.load_human_output("rich.box", "rich.console", "rich.panel", "rich.table", "rich.text")


def render(s: Summary, title: str | None = None) -> list[RenderableType]:
    """The report: a panel about the session(s), then compact tables."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from rtlog.commands.summary_feel import render_audio_quality, render_feel

    right: list[RenderableType] = [_audio_table(s)]
    latency = _latency_table(s)
    if latency is not None:
        right += [Text(), latency]
    side_by_side = Table.grid(padding=(0, 6))  # a grid measures its cells once; rich's Columns, several times
    side_by_side.add_row(_conversation_table(s), Group(*right))
    return [
        _header(s, _one(title or fit_name(s.source or "<stdin>", output.console().width - 8))),
        Text(),
        side_by_side,
        Text(),
        _findings(s),  # what went wrong before the details (it used to sit below the events table, off-screen)
        Text(),
        *_live_sections(s),
        *render_feel(s.feel),
        *render_audio_quality(s.audio_quality),
        *([_tokens_table(s)] if not _only_live(s) else []),
        *_cost_lines(s),
        Text(),
        _events_table(s),
        Text(),
    ]


def render_failure(name: str, error: str) -> list[RenderableType]:
    """The report of a file that could not be read (the others are reported as usual)."""
    from rich.text import Text

    return [Text(_one(fit_name(name, output.console().width)), style="bold"), Text.assemble(("not summarized: ", "bold red"), _one(error)), Text()]


def _table(title: str, *columns: tuple[str, str], min_width: int | None = None) -> Any:
    from rich import box
    from rich.table import Table

    t = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False,
              pad_edge=False, show_header=any(h for h, _ in columns), header_style="dim", min_width=min_width)  # fmt: skip
    for header, justify in columns:
        t.add_column(header, justify=justify)  # type: ignore[arg-type]
    return t


def _header(s: Summary, title: str) -> Any:
    from rich import box
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from rtlog.units import fmt_int, fmt_seconds

    g = Table.grid(padding=(0, 2))
    g.add_column(style="bold", no_wrap=True)
    g.add_column()
    if s.files > 1:
        return Panel(_total_grid(s, g), title=Text(title, style="bold"), title_align="left", box=box.ROUNDED, expand=False)
    if not s.sessions:
        g.add_row("Session", Text("none: no session.created or session.updated in the log", style="dim"))
    for sess in s.sessions[:8]:
        name = "Session" if len(s.sessions) == 1 else f"Session {sess.index}"
        g.add_row(name, _session_text(sess, s.dialect == "mixed"))
    if len(s.sessions) > 8:
        g.add_row("", Text(f"… and {len(s.sessions) - 8} more sessions (--json lists them all)", style="dim"))
    if s.span.start is None:
        g.add_row("Span", Text("no timestamps in the log", style="dim"))
    else:
        whole = s.span.resolution is not None and s.span.resolution >= 1.0  # no milliseconds the clock does not have
        span = Text(f"{_clock(s.span.start, whole=whole)} → {_clock(s.span.end, s.span.start, whole=whole)}")
        if not s.span.covers_log:  # a few timestamped events (e.g. pings): not the session's duration
            span.append(f"\npartial: only {fmt_int(s.span.timed_events)} of {fmt_int(s.events)} events have a time, so no duration", style="yellow")
        else:
            span.append(f" · {fmt_seconds(s.span.seconds)}" + (" (whole-second timestamps)" if whole else ""))
            if s.span.timed_events < s.events:
                span.append(f" (only {fmt_int(s.span.timed_events)} of the events have a time)", style="yellow")
        g.add_row("Span", span)
    dirs = " · ".join(f"{k} {fmt_int(v)}" for k, v in s.directions.items() if v)
    ev = Text(f"{fmt_int(s.events)} in {fmt_int(s.lines)} lines" + (f" · {dirs}" if dirs else ""))
    if s.malformed:
        ev.append(f" · {fmt_int(s.malformed)} bad line{'' if s.malformed == 1 else 's'} skipped", style="yellow")
    g.add_row("Events", ev)
    return Panel(g, title=Text(title, style="bold"), title_align="left", box=box.ROUNDED, expand=False)


def _total_grid(s: Summary, g: Any) -> Any:
    from rich.text import Text

    from rtlog.units import fmt_int, fmt_seconds

    models: dict[str, int] = {}
    for sess in s.sessions:
        models[sess.model or "?"] = models.get(sess.model or "?", 0) + 1
    names = ", ".join(f"{m} ×{n}" for m, n in sorted(models.items(), key=lambda kv: (-kv[1], kv[0]))[:4])
    more = f", {len(models) - 4} more models" if len(models) > 4 else ""
    g.add_row("Files", Text(fmt_int(s.files)))
    g.add_row("Sessions", Text(f"{fmt_int(len(s.sessions))}" + (f": {_one(names)}{more}" if names else "")))
    if s.span.files:
        g.add_row("Time", Text(f"{fmt_seconds(s.span.seconds)} in {s.span.files} timestamped file{'s' if s.span.files != 1 else ''}"))
    else:
        g.add_row("Time", Text("no timestamps in any file", style="dim"))
    dirs = " · ".join(f"{k} {fmt_int(v)}" for k, v in s.directions.items() if v)
    ev = Text(f"{fmt_int(s.events)} in {fmt_int(s.lines)} lines" + (f" · {dirs}" if dirs else ""))
    if s.malformed:
        ev.append(f" · {fmt_int(s.malformed)} bad line{'' if s.malformed == 1 else 's'} skipped", style="yellow")
    g.add_row("Events", ev)
    return g


def _session_text(sess: Any, mixed: bool = False) -> Any:
    from rich.text import Text

    t = Text()
    stated = not (sess.id is None and sess.model is None and not sess.line_no)
    if not stated:
        t.append("(no session.created or session.updated in the log)", style="dim")
    else:
        t.append(_one(sess.id or "(no id)"))
    # the dialect where it is news: GPT-Live / Translation, or a log that mixes dialects
    show = sess.dialect is not None and (sess.dialect in ("live", "translation") or mixed)
    t.append(f" · {DIALECT_NAMES.get(sess.dialect, sess.dialect)}\n" if show else "\n", style="dim")
    if sess.dialect in ("live", "translation"):
        return _live_session_text(sess, t)
    second = [sess.model or "(model not stated)"]
    if sess.voice:
        second.append(f"voice {sess.voice}")
    if sess.modalities:
        second.append(" + ".join(map(str, sess.modalities)))
    t.append(_one(" · ".join(second)))
    t.append(f"\naudio in {sess.input_format.label()}, out {sess.output_format.label()}")
    if stated:
        t.append("\n" + _one(f"transcription {sess.transcription_model or 'off'} · turn detection {sess.turn_detection or 'none'}"))
    else:  # nothing says what they were: not "off"
        t.append("\ntranscription unknown · turn detection unknown", style="dim")
    if sess.tools:
        t.append("\ntools " + _one(", ".join(map(str, sess.tools))))
    if sess.instructions and sess.instructions.strip():
        t.append("\n“" + _one(_cut(sess.instructions.strip().splitlines()[0], 60)) + "”", style="italic dim")
    return t


DIALECT_NAMES = {"realtime-beta": "Realtime (beta)", "realtime-ga": "Realtime (GA)", "live": "GPT-Live",
                 "translation": "Realtime Translation"}  # fmt: skip


def _live_session_text(sess: Any, t: Any) -> Any:
    second = [sess.model or "(model not stated)"]
    if sess.voice:
        second.append(f"voice {sess.voice}")
    t.append(_one(" · ".join(second)))
    t.append(f"\naudio in {sess.input_format.label()}, out {sess.output_format.label()}")
    if sess.transcription_model:
        t.append("\ntranscription " + _one(sess.transcription_model))
    if sess.tools:
        t.append("\nbackend tools " + _one(", ".join(map(str, sess.tools))))
    if sess.instructions and sess.instructions.strip():
        t.append("\n“" + _one(_cut(sess.instructions.strip().splitlines()[0], 60)) + "”", style="italic dim")
    return t


def _only_live(s: Summary) -> bool:
    """Only GPT-Live / Translation sessions: no Realtime tokens to show."""
    return bool(s.live) and not s.usage.total_tokens and not s.responses.get("total")


def _live_sections(s: Summary) -> list[Any]:
    """One grid per GPT-Live / Translation session: duration, cost, backend, events."""
    from rich.table import Table
    from rich.text import Text

    from rtlog.units import fmt_int, fmt_ms, fmt_seconds, fmt_usd

    out: list[Any] = []
    for r in s.live[:8]:
        g = Table.grid(padding=(0, 2))
        g.add_column(style="bold", no_wrap=True)
        g.add_column()
        name = DIALECT_NAMES.get(r["dialect"], r["dialect"])
        where = f" {r['file']}" if "file" in r else ""
        title = Text(f"{name} session {r['session']}{where}", style="bold")
        what = [r["transport"]]
        if r["delegation"]:
            what.append(f"delegation {r['delegation']}" + (f" → {r['backend_model']}" if r["backend_model"] else ""))
        if r["language"]:
            what.append(f"into {r['language']}")
        g.add_row("Kind", Text(" · ".join(what)))
        sec = r["usage_seconds"]
        if sec is None:
            dur = Text("unknown: no usage.seconds in the log", style="yellow")
        else:
            dur = Text(fmt_seconds(sec))
            if r["usage_final"]:
                dur.append(" (final, from session.closed)", style="dim")
            elif r["usage_estimated"]:
                dur.append(" (estimated from the input audio bytes)", style="yellow")
            else:
                dur.append(f" (largest of {r['usage_updates']} snapshots: not final)", style="yellow")
        if r["timeline_ms"]:
            a, b = r["timeline_ms"]
            dur.append(f" · speech {fmt_seconds(a / 1000)} → {fmt_seconds(b / 1000)}", style="dim")
        g.add_row("Duration", dur)
        if r["dialect"] == "live":
            g.add_row("Closed", Text(r["close_reason"] or "closed (no reason)") if r["closed"]
                      else Text("the log ends without session.closed: usage not final", style="yellow"))  # fmt: skip
        c = r["cost"]
        if c["usd"] is not None:
            cost = Text(("≥ " if not r["usage_final"] and not r["usage_estimated"] and r["dialect"] == "live" else "") + fmt_usd(c["usd"]))
            cost.append(f" at ${c['usd_per_minute']:g}/min ({c['priced_as']} price of {c['prices_date']})", style="dim")
            if c["model_from_option"]:
                cost.append(" · model from --model", style="dim")
        else:
            cost = Text("unknown" + ("" if c["priced_as"] else ": no duration price for this model"), style="yellow")
        g.add_row("Cost", cost)
        b = r["backend"]
        if b["responses"]:
            u = b["usage"] or {}
            bt = Text(f"{fmt_int(b['responses'])} response{'s' if b['responses'] != 1 else ''} · tokens in {fmt_int(u.get('input_tokens', 0))} "
                      f"(cached {fmt_int(u.get('cached_tokens', 0))}) · out {fmt_int(u.get('output_tokens', 0))} "
                      f"(reasoning {fmt_int(u.get('reasoning_tokens', 0))})")  # fmt: skip
            bt.append(f" · {fmt_usd(b['cost_usd'])}" if b["cost_usd"] is not None else " · billed on top, not priced here", style="dim")
            g.add_row("Backend", bt)
        if r["delegations"] or r["tool_calls"]:
            calls = {}
            for call in r["tool_calls"]:
                calls[call["name"] or "(unnamed)"] = calls.get(call["name"] or "(unnamed)", 0) + 1
            names = ", ".join(f"{k} ×{v}" if v > 1 else k for k, v in calls.items())
            g.add_row("Delegations", Text(f"{fmt_int(r['delegations'])}" + (f" ({', '.join(r['delegation_targets'])})" if r["delegation_targets"] else "")
                                          + f" · tool calls {len(r['tool_calls'])}" + (f": {names}" if names else "")))  # fmt: skip
        ev = [f"errors {r['errors']}"]
        if r["info"]:
            codes = sorted({i["code"] or "?" for i in r["info"]})
            ev.append(f"info {len(r['info'])} ({', '.join(codes)})")
        if r["dtmf_events"]:
            ev.append(f"DTMF {r['dtmf_events']}")
        for k, n in r["telephony"].items():
            ev.append(f"{k.removeprefix('transport.')} {n}")
        if r["mutes"]:
            ev.append(f"mutes {r['mutes']}")
        if r["interruptions"]:
            ev.append(f"interruptions {r['interruptions']}")
        g.add_row("Events", Text(" · ".join(ev)))
        out_a = r["audio"]["output"]
        if out_a["gaps"]:
            g.add_row("Output gaps", Text(f"{out_a['gaps']} between timed output ranges ({fmt_seconds(out_a['gap_seconds'])} without audio)"))
        if not r["audio"]["input"]["chunks"] and not out_a["chunks"]:
            g.add_row("Audio", Text("none in the log (WebRTC data channel, or a sideband from before audio was mirrored)", style="dim"))
        lat = r["latency_ms"]
        if lat:
            g.add_row("Latency", Text(f"{lat['count']} turn{'s' if lat['count'] != 1 else ''} · p50 {fmt_ms(lat['p50'])} · "
                                      f"max {fmt_ms(lat['max'])}  (user stops → assistant starts)"))  # fmt: skip
        out += [title, g, Text()]
    if len(s.live) > 8:
        out += [Text(f"… and {len(s.live) - 8} more GPT-Live / Translation sessions (--json lists them all)", style="dim"), Text()]
    return out


def _clock(ts: float | None, start: float | None = None, *, whole: bool = False) -> str:
    from datetime import datetime, timezone

    if ts is None:
        return "–"
    if ts < 86400 * 2:  # time of day only (no date in the log)
        h, rem = divmod(ts % 86400, 3600)
        m, sec = divmod(rem, 60)
        return f"{int(h):02d}:{int(m):02d}:{int(sec):02d}" if whole else f"{int(h):02d}:{int(m):02d}:{sec:06.3f}"
    try:
        dt = datetime.fromtimestamp(ts, timezone.utc)
        same_day = start is not None and datetime.fromtimestamp(start, timezone.utc).date() == dt.date()
    except (OverflowError, ValueError, OSError):  # past year 9999: a bogus timestamp, shown as the number
        return f"{ts:g}"
    clock = "%H:%M:%S" if whole else "%H:%M:%S.%f"
    cut = None if whole else -3
    if same_day:
        return dt.strftime(clock)[:cut] + " UTC"
    return dt.strftime("%Y-%m-%d " + clock)[:cut] + (" UTC" if start is not None else "")


def _conversation_table(s: Summary) -> Any:
    from rtlog.units import fmt_int

    t = _table("Conversation", ("", "left"), ("", "right"))
    t.add_row("user turns", fmt_int(s.user_turns))
    r = s.responses
    if not _only_live(s):  # (GPT-Live has no Realtime responses: its backend's are in its own section)
        t.add_row("responses", fmt_int(r.get("total", 0)))
    for k in ("completed", "cancelled", "incomplete", "failed", "other", "unfinished"):
        if r.get(k):
            t.add_row(f"  {k}" if k != "unfinished" else "  no response.done", fmt_int(r[k]), style="yellow" if k in ("failed", "unfinished") else None)
    t.add_row("interruptions", fmt_int(s.interruptions))
    t.add_row("function calls", fmt_int(sum(s.function_calls.values())))
    for name, n in sorted(s.function_calls.items(), key=lambda kv: (-kv[1], kv[0]))[:6]:
        t.add_row(f"  {_one(_cut(name, 22))}", fmt_int(n))
    if len(s.function_calls) > 6:
        t.add_row(f"  … {len(s.function_calls) - 6} more", "")
    if s.mcp_calls or s.mcp_failures:
        t.add_row("MCP calls", fmt_int(sum(s.mcp_calls.values())))
        for name, n in sorted(s.mcp_calls.items(), key=lambda kv: (-kv[1], kv[0]))[:4]:
            t.add_row(f"  {_cut(name, 22)}", fmt_int(n))
    if s.commentary_items:
        t.add_row("preambles", fmt_int(s.commentary_items))
    return t


def _audio_table(s: Summary) -> Any:
    from rtlog.units import fmt_bytes, fmt_seconds

    t = _table("Audio", ("", "left"), ("seconds", "right"), ("bytes", "right"))
    a_in, a_out = s.audio_in, s.audio_out
    none = "not in log"
    t.add_row("user input", fmt_seconds(a_in.seconds) if a_in.chunks else none, fmt_bytes(a_in.nbytes) if a_in.chunks else "")
    t.add_row("assistant", fmt_seconds(a_out.seconds) if a_out.chunks else none, fmt_bytes(a_out.nbytes) if a_out.chunks else "")
    if a_out.chunks and not _only_live(s):  # (GPT-Live has no truncations: what was heard is not in the log)
        t.add_row("  heard", fmt_seconds(s.output_heard_seconds), "")
    if (a_in.cut_by_recorder or a_out.cut_by_recorder or a_in.placeholders or a_out.placeholders) and (a_in.chunks or a_out.chunks):
        t.caption = "not the real length: see checks"
        t.caption_justify = "left"
        t.caption_style = "yellow"
    return t


def _tokens_table(s: Summary) -> Any:

    from rtlog.units import fmt_int

    u = s.usage
    t = _table("Tokens and cost", ("", "left"), ("input", "right"), ("cached", "right"), ("output", "right"), ("total", "right"))
    # a usage that does not split its tokens into text and audio (a relay, xAI) shows a dash,
    # not 0 (issue 13): the log does not say
    unsplit_in = u.input_tokens and not (u.input_text_tokens or u.input_audio_tokens or u.input_image_tokens)
    unsplit_cached = u.cached_tokens and not (u.cached_text_tokens or u.cached_audio_tokens)
    unsplit_out = u.output_tokens and not (u.output_text_tokens or u.output_audio_tokens)

    def cell(n: int, unsplit: Any) -> str:
        return "–" if unsplit else fmt_int(n)

    t.add_row("text", cell(u.input_text_tokens, unsplit_in), cell(u.cached_text_tokens, unsplit_cached),
              cell(u.output_text_tokens, unsplit_out), "")  # fmt: skip
    if u.reasoning_tokens:  # part of the output text tokens (billed once, as text): shown, never added
        t.add_row("  reasoning", "", "", fmt_int(u.reasoning_tokens), "", style="dim")
    t.add_row("audio", cell(u.input_audio_tokens, unsplit_in), cell(u.cached_audio_tokens, unsplit_cached),
              cell(u.output_audio_tokens, unsplit_out), "")  # fmt: skip
    if u.input_image_tokens:
        t.add_row("image", fmt_int(u.input_image_tokens), "", "", "")
    t.add_row("all", fmt_int(u.input_tokens), fmt_int(u.cached_tokens), fmt_int(u.output_tokens), fmt_int(u.total_tokens), style="bold")
    return t


def _cost_lines(s: Summary) -> list[Any]:
    from rich.text import Text

    from rtlog.units import fmt_usd

    families = sorted({c["priced_as"] for c in s.cost.sessions if c["priced_as"] and c.get("billing") != "duration"})
    by_minute = sorted({f"{r['cost']['priced_as']} ${r['cost']['usd_per_minute']:g}/min of {r['cost']['prices_date']}"
                        for r in s.live if r["cost"]["priced_as"]})  # fmt: skip
    line = Text.assemble(("Cost ", "bold"))
    if s.cost.usd is None:
        line.append("unknown", style="yellow")
    else:
        at_least = "≥ " if s.cost.is_lower_bound else ""
        line.append(at_least + fmt_usd(s.cost.usd), style="bold")
        n = s.cost.responses_without_usage
        missing = [f"{n} response{'' if n == 1 else 's'} without usage"] if s.cost.is_lower_bound and n else []
        if f := len(s.cost.files_without_cost):
            missing.append(f"{f} file{'' if f == 1 else 's'} without a cost")
        if missing:
            line.append(f" ({', '.join(missing)})", style="yellow")
        if s.cost.per_minute is not None:
            line.append(f" · {at_least}{fmt_usd(s.cost.per_minute)} per minute")
        if families:
            line.append(_one(f"  ({', '.join(families)} prices of {s.cost.prices_date})"), style="dim")
        if by_minute:
            line.append(f"  ({', '.join(by_minute)})", style="dim")
        elif not s.usage.total_tokens and not s.cost.is_lower_bound and not by_minute:
            line.append("  (no tokens used)", style="dim")
    return [line, *(Text(_one(n), style="dim") for n in s.cost.notes)]


def _latency_table(s: Summary) -> Any:
    from rich.text import Text

    from rtlog.metrics.summary import latency_stats
    from rtlog.units import fmt_int, fmt_ms

    if s.span.start is None:
        return None
    st = latency_stats(s.latencies_ms)
    t = _table("Latency to first audio", ("", "left"), ("", "right"), min_width=24)
    if not s.latency_measurable:
        t.add_row(Text("unknown: whole-second timestamps", style="dim"), "")
        return t
    if not st["count"]:
        t.add_row(Text("no turn with both ends timestamped", style="dim"), "")
        return t
    t.add_row("turns", fmt_int(st["count"]))
    t.add_row("p50", fmt_ms(st["p50"]))
    t.add_row("p90", fmt_ms(st["p90"]))
    t.add_row("max", fmt_ms(st["max"]))
    if s.answer_latencies_ms is not None:  # gpt-realtime-2: a preamble may come first
        ans = latency_stats(s.answer_latencies_ms)
        if ans["count"]:
            t.add_row(Text("to the answer", style="bold"), "")
            t.add_row("  p50", fmt_ms(ans["p50"]))
            t.add_row("  p90", fmt_ms(ans["p90"]))
        else:
            t.add_row(Text("to the answer: no turn", style="dim"), "")
    return t


#: event types the report lists (the most frequent first); the rest are one row
EVENT_TYPES_SHOWN = 12


def _events_table(s: Summary) -> Any:
    from rtlog.units import fmt_int

    rows = sorted(s.event_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    types = len(rows)
    more = len(rows) - EVENT_TYPES_SHOWN
    if more > 1:  # the most frequent types; --json has them all
        hidden = sum(n for _, n in rows[EVENT_TYPES_SHOWN:])
        rows = rows[:EVENT_TYPES_SHOWN] + [(f"… {more} more types (--json lists them all)", hidden)]
    width = output.console().width
    pairs = width >= 110 and len(rows) > 8
    cols: list[tuple[str, str]] = [("type", "left"), ("count", "right")]
    if pairs:
        cols += [("type", "left"), ("count", "right")]
    title = f"Events by type ({types} type{'' if types == 1 else 's'})"
    t = _table(title, *cols, min_width=len(title))
    if pairs:
        half = (len(rows) + 1) // 2
        for i in range(half):
            right = rows[half + i] if half + i < len(rows) else ("", "")
            t.add_row(_one(rows[i][0]), fmt_int(rows[i][1]), _one(right[0]), fmt_int(right[1]) if right[1] != "" else "")
    else:
        for name, n in rows:
            t.add_row(_one(name), fmt_int(n))
    return t


def _findings(s: Summary) -> Any:
    from rich.text import Text

    t = _table("Errors and checks", ("", "left"), ("", "left"))
    t.columns[0].no_wrap = True
    shown = 0
    groups = _error_groups(s.errors)
    for what, wheres in groups[:20]:
        if len(wheres) == 1:
            text = f"{wheres[0]}: {what}"
        else:  # the same error again and again (a client that cancels too late): once, with where
            if all(w.startswith("line ") for w in wheres):
                wheres = ["lines " + wheres[0][5:]] + [w[5:] for w in wheres[1:]]
            places = ", ".join(wheres[:3]) + (f", … {wheres[-1]}" if len(wheres) > 4 else "".join(f", {w}" for w in wheres[3:]))
            text = f"{len(wheres)} × {what} ({places})"
        t.add_row(Text("error", style="bold red"), Text(_one(text)))
        shown += 1
    if len(groups) > 20:
        more = sum(len(w) for _, w in groups[20:])
        t.add_row(Text("error", style="bold red"), Text(f"… and {more} more (--json lists them all)"))
    for f in s.transcription_failures[:10]:
        what = " · ".join(x for x in (f["type"], f["code"]) if x)
        t.add_row(Text("failed", style="red"),
                  Text(_one(f"line {f['line']}: transcription of {f['item_id']}" + "".join(f": {x}" for x in (what, f["message"]) if x))))
        shown += 1
    if len(s.transcription_failures) > 10:
        t.add_row(Text("failed", style="red"), Text(f"… and {len(s.transcription_failures) - 10} more transcriptions failed"))
    for f in s.mcp_failures[:10]:
        what = "listing the tools of" if f["kind"] == "list_tools" else f"MCP call {f['tool'] or '?'} on"
        err = f["error"] or {}
        why = " · ".join(x for x in (err.get("type"), err.get("code")) if x)
        detail = "".join(f": {x}" for x in (why, err.get("message")) if x) or ": no details in the log"
        where = f"line {f['line']}" if "file" not in f else f"{f['file']}:{f['line']}"
        t.add_row(Text("failed", style="red"), Text(f"{where}: {what} {f['server'] or '?'}{detail}"))
        shown += 1
    if len(s.mcp_failures) > 10:
        t.add_row(Text("failed", style="red"), Text(f"… and {len(s.mcp_failures) - 10} more MCP failures"))
    if s.malformed:
        t.add_row(Text("bad lines", style="yellow"), Text(f"{s.malformed} line{'' if s.malformed == 1 else 's'} skipped (see the warnings on stderr)"))
        shown += 1
    for w in s.warnings[:20]:
        t.add_row(Text("warning", style="yellow"), Text(_one(w)))
        shown += 1
    if len(s.warnings) > 20:
        t.add_row(Text("warning", style="yellow"), Text(f"… and {len(s.warnings) - 20} more (--json lists them all)"))
    if not shown:
        t.add_row(Text("ok", style="green"), Text("no errors, no failed transcriptions, no bad lines, no warnings"))
    for n in s.notices[:10]:
        t.add_row(Text("note", style="dim"), Text(n, style="dim"))
    return t


def _error_groups(errors: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """The error events, the same error (type, code and message) once, in the order each
    first came, with where each time was ("line N", or "FILE:N" over several files)."""
    groups: dict[str, list[str]] = {}
    for e in errors:
        what = " · ".join(x for x in (e["type"], e["code"]) if x) or "error"
        if e["message"]:
            what += f": {e['message']}"
        where = f"line {e['line']}" if "file" not in e else f"{e['file']}:{e['line']}"
        groups.setdefault(what, []).append(where)
    return list(groups.items())


def fit_name(name: str, width: int) -> str:
    """A file name in at most `width` characters, shortened in the middle: the base name
    (with its extension) stays whole as long as it fits."""
    if len(name) <= width:
        return name
    width = max(width, 12)
    head, sep, base = name.rpartition("/")
    if len(base) + 2 <= width and sep:
        keep = width - len(base) - 2  # "…/" + base
        return head[:keep] + "…/" + base
    keep = width - 1
    return base[: keep - keep // 2] + "…" + base[len(base) - keep // 2 :]


def _one(text: str) -> str:
    """A string from a log (an id, a model, a type, a message) as one inert line of the report."""
    return escape.terminal(text, one_line=True)


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
