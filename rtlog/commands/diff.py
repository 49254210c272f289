"""The `diff` subcommand: options, the one core call (`rtlog.diff.run.diff_paths`), the
side-by-side report or the `--json` object, and the exit code of the gate."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rtlog import output
from rtlog.commands.common import Color, ColorMode, Strict, between, non_negative
from rtlog.diff.metrics import fmt_value
from rtlog.errors import ExitCode

if TYPE_CHECKING:
    from rich.console import RenderableType

    from rtlog.diff.cohort import CohortDiff
    from rtlog.diff.pair import PairDiff


def diff_command(
    a: Annotated[str, typer.Argument(metavar="A", help="The baseline: a log, or a folder of logs ('-': stdin).", show_default=False)],
    b: Annotated[str, typer.Argument(metavar="B", help="What to compare with it: a log, or a folder of logs.", show_default=False)],
    *,
    json_: Annotated[bool, typer.Option("--json", help="One JSON object (schema in the README) instead of the report.")] = False,
    fail_on: Annotated[
        list[str] | None,
        typer.Option("--fail-on", metavar="RULES",
                     help="Exit 1 when a rule trips, e.g. 'latency.p90>+20%,cost_per_min>+10%,errors>0' (README: rules)."),
    ] = None,  # fmt: skip
    all_: Annotated[bool, typer.Option("--all", help="Show unchanged rows too.")] = False,
    no_text: Annotated[bool, typer.Option("--no-text", help="Instructions as hash and size, not as a text diff.")] = False,
    min_sessions: Annotated[
        int, typer.Option("--min-sessions", callback=between(2), metavar="N", help="Folders: the fewest sessions a side for a verdict on a change (2 or more).")
    ] = 10,
    pricing: Annotated[
        str | None, typer.Option("--pricing", metavar="FILE", help="JSON price table that overrides or extends the built-in one.")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", metavar="N", callback=non_negative, show_default=False, help="Processes: one per file of two folders, parts of a big log otherwise (0 = one per CPU).")] = 0,
    strict: Strict = False,
    color: Color = ColorMode.auto,
) -> None:
    """What changed between two sessions, or two folders of sessions, and a gate for CI.

    Two logs: configuration, outcome, numbers, the transcripts word by word.

    Two folders: medians and p90s, the changes with bootstrap intervals, the sessions that moved the most.

    Exit 0: nothing differs (or no rule tripped); 1: something differs (or a rule tripped); 2: unusable input, or a rule that cannot be judged.

    \b
    Examples:
      rtlog diff before.jsonl after.jsonl
      rtlog diff baseline/ run/ \\
        --fail-on 'latency.p90>+20%,errors>0'
    """
    from rtlog.commands.summary import load_prices
    from rtlog.diff.rules import parse_rules
    from rtlog.diff.run import Options, diff_paths

    rules = parse_rules(fail_on or [])
    opts = Options(rules, text=not no_text, strict=strict, jobs=jobs, min_sessions=min_sessions, prices=load_prices(pricing))
    d = diff_paths(a, b, opts, output.warning)
    unreadable = getattr(d, "unreadable", {"a": [], "b": []})
    for side in ("a", "b"):
        for u in unreadable[side]:
            output.error(f"{u['file']}: {u['error']}")
    if json_:
        from rtlog.io.jsonout import write_json

        with output.stdout_sink() as out:  # (a piece at a time: the turns of two long logs)
            write_json(d.as_json(), out)
    else:
        from rtlog.diff.pair import PairDiff

        show(render_pair(d, all_) if isinstance(d, PairDiff) else render_cohorts(d, all_))
    unknown = [v for v in d.verdicts if v.status == "unknown"]
    for v in d.tripped:
        output.note(f"tripped: {v.rule.text}: {v.reason}")
    for v in unknown:
        output.error(f"--fail-on {v.rule.text}: cannot tell: {v.reason}")
    if unknown or unreadable["a"] or unreadable["b"]:
        raise typer.Exit(ExitCode.ERROR)
    if d.tripped or (not rules and d.differs):
        raise typer.Exit(ExitCode.NOT_FOUND)


def show(renderables: list[RenderableType]) -> None:
    """The report on stdout: as rich prints it on a terminal; elsewhere the same text
    without the padding rich puts at the end of table lines."""
    c = output.console()
    if c.is_terminal:
        output.print_human(*renderables)
        return
    with c.capture() as cap:
        for r in renderables:
            c.print(r)
    text = "\n".join(output.without_padding(line) for line in cap.get().split("\n"))
    with output.stdout_sink() as out:
        out.write(text.encode("utf-8", "surrogateescape"))


# --- formatting -----------------------------------------------------------------------------


def fmt_relative(r: float | None, a: float | None = None, b: float | None = None) -> str:
    if r is None:
        return "new" if a == 0 and b not in (None, 0) else ""
    return f"{r * 100:+.1f} %".replace("-", "−")


def _table(title: str | None, *columns: tuple[str, str]) -> Any:
    from rich import box
    from rich.table import Table

    t = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False,
              pad_edge=False, show_header=any(h for h, _ in columns), header_style="dim")  # fmt: skip
    for header, justify in columns:
        t.add_column(header, justify=justify)  # type: ignore[arg-type]
    return t


def _cut(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _heading(a: str, b: str, extra_a: str = "", extra_b: str = "") -> Any:
    from rich.text import Text

    from rtlog.commands.summary import fit_name

    w = output.console().width - 4
    return Text.assemble(("A ", "bold"), fit_name(a, w - len(extra_a)), extra_a, "\n", ("B ", "bold"), fit_name(b, w - len(extra_b)), extra_b)


# --- two sessions ---------------------------------------------------------------------------


def render_pair(d: PairDiff, all_: bool) -> list[RenderableType]:
    from rich.text import Text

    out: list[Any] = [_heading(d.a, d.b), Text()]
    if not d.differs:
        out += [Text("no differences", style="green"), Text()]
        if not all_:
            return out + _gate(d)
    if d.config:
        out += [_config_table(d), Text()]
        for c in d.config:
            if c.field == "instructions" and c.text_diff:
                out += [_text_diff(c.text_diff), Text()]
    if d.outcome:
        out += [_outcome_table(d), Text()]
    numbers = _numbers_table(d, all_)
    if numbers is not None:
        out += [numbers, Text()]
    if d.transcript:
        out += _transcript(d)
    return out + _gate(d)


def _config_table(d: PairDiff) -> Any:
    from rich.text import Text

    t = _table("Configuration", ("", "left"), ("A", "left"), ("B", "left"))
    several = any(x.session > 1 for x in d.config)

    def row(name: str, a: str, b: str) -> None:
        t.add_row(name, Text(a, style="red"), Text(b, style="green"))

    for c in d.config:
        where = f" (session {c.session})" if several else ""
        if c.field == "tools":
            if c.added or c.removed:
                row("tools" + where, "\n".join(f"− {n}" for n in c.removed) or "", "\n".join(f"+ {n}" for n in c.added) or "")
            for n in c.changed:
                row(f"tool {_cut(n, 20)}{where}", "definition", "changed: " + ", ".join(c.tool_keys.get(n, [])))
            if not (c.added or c.removed or c.changed):  # the same tools in another order
                row("tools" + where, _cut(_show(c.a), 28), _cut(_show(c.b), 28))
        elif c.field in ("turn_detection", "transcription"):
            if c.a is None or c.b is None:
                row(c.field + where, _cut(_show(c.a), 28), _cut(_show(c.b), 28))
                continue
            t.add_row(c.field + where, "", "")
            for k in (*c.removed, *c.added, *c.changed):
                row("  " + _cut(k, 24), _cut(_show(c.a.get(k, "–")), 24), _cut(_show(c.b.get(k, "–")), 24))
        elif c.field == "instructions":
            row(c.field + where, _instr(c.a), _instr(c.b))
        elif c.field == "session":  # a session only one side has
            what = [_cut(" · ".join(x for x in (v["id"], v["model"]) if x) or "(no id)", 28) if v else "none" for v in (c.a, c.b)]
            row(f"session {c.session}", *what)
        else:
            row(c.field + where, _cut(_show(c.a), 28), _cut(_show(c.b), 28))
    return t


def _show(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, list):
        return ", ".join(map(str, v)) or "none"
    if isinstance(v, dict):
        return " · ".join(f"{k} {x}" for k, x in v.items())
    return str(v)


def _instr(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, dict):
        return f"{v['chars']:,} chars, {v['sha256'][:8]}"
    return f"{len(v):,} chars: “{_cut(v, 18)}”"


def _text_diff(lines: list[str]) -> Any:
    from rich.text import Text

    t = Text()
    for line in lines[:40]:
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line.startswith("@@") else "dim"
        t.append(line + "\n", style=style)
    if len(lines) > 40:
        t.append(f"… {len(lines) - 40} more lines (--json has them all)\n", style="dim")
    t.rstrip()
    return t


def _calls(calls: list[dict[str, Any]]) -> str:
    return "; ".join(f"{c['name']}({_cut(c['arguments'], 24)})" for c in calls) or "none"


def _outcome_table(d: PairDiff) -> Any:
    from rich.text import Text

    t = _table("Outcome", ("", "left"), ("A", "left"), ("B", "left"))
    for c in d.outcome.tool_calls:
        t.add_row(f"tool calls, turn {c['turn']}", Text(_cut(_calls(c["a"]), 30), style="red"), Text(_cut(_calls(c["b"]), 30), style="green"))
    for e in d.outcome.errors:
        t.add_row(f"error {_cut(e['code'], 22)}", str(e["a"]), Text(str(e["b"]), style="red" if e["b"] > e["a"] else "green"))
    for w in d.outcome.warnings:
        t.add_row("warning", Text(_cut(w["warning"], 40), style="yellow"), f"{w['a']} → {w['b']}")
    return t


def _numbers_table(d: PairDiff, all_: bool) -> Any:
    from rich.text import Text

    from rtlog.diff.metrics import BY_KEY

    t = _table("Numbers", ("", "left"), ("A", "right"), ("B", "right"), ("change", "right"), ("", "right"))
    shown = 0
    for r in d.numbers:
        if not r.changed and not all_:
            continue
        m = BY_KEY[r.key]
        style = None if r.changed else "dim"
        change = Text(fmt_value(m.unit, r.delta, signed=True) if r.delta is not None else "",
                      style="yellow" if r.changed else "dim")  # fmt: skip
        t.add_row(Text(m.label, style=style), fmt_value(m.unit, r.a), fmt_value(m.unit, r.b), change,
                  Text(fmt_relative(r.relative, r.a, r.b), style="yellow" if r.changed else "dim"), style=style)  # fmt: skip
        shown += 1
    return t if shown else None


def _transcript(d: PairDiff) -> list[Any]:
    from rich.text import Text

    n = len(d.transcript)
    out: list[Any] = [Text(f"Transcript: {n} of {d.turns} turn{'' if d.turns == 1 else 's'} differ{'s' if n == 1 else ''}", style="bold")]
    for td in d.transcript[:20]:
        out.append(Text(f"turn {td.turn}" if td.turn else "before the first turn", style="dim"))
        for e in td.entries[:12]:
            line = Text(f"  {e['role']:<9} ")
            for op, words in e["words"]:
                if op == "=":
                    line.append(_cut(words, 200) + " ")
                elif op == "-":
                    line.append(f"[-{words}-]", style="red strike")
                    line.append(" ")
                else:
                    line.append(f"{{+{words}+}}", style="green")
                    line.append(" ")
            line.rstrip()
            out.append(line)
    if n > 20:
        out.append(Text(f"… {n - 20} more turns differ (--json has them all)", style="dim"))
    out.append(Text())
    return out


def _gate(d: Any) -> list[Any]:
    from rich.text import Text

    if not d.verdicts:
        return []
    t = _table("Gate", ("", "left"), ("", "left"), ("", "left"))
    styles = {"tripped": "bold red", "ok": "green", "unknown": "yellow"}
    for v in d.verdicts:
        t.add_row(v.rule.text, Text(v.status if v.status != "unknown" else "cannot tell", style=styles[v.status]), v.reason)
    return [t, Text()]


# --- two folders ----------------------------------------------------------------------------


def render_cohorts(d: CohortDiff, all_: bool) -> list[RenderableType]:
    from rich.text import Text

    from rtlog.diff.stats import CONFIDENCE, REPLICATES, SEED

    na, nb = d.sessions
    out: list[Any] = [_heading(d.a, d.b, f"  ({na:,} sessions)", f"  ({nb:,} sessions)")]
    out.append(Text(f"medians (counts: means) · {CONFIDENCE:.0%} bootstrap intervals ({REPLICATES:,} replicates, seed {SEED})",
                    style="dim"))  # fmt: skip
    out.append(Text())
    if not d.enough:
        out += [Text(f"too few sessions to tell: {na} and {nb} (at least {d.min_sessions} each): figures, no verdicts", style="yellow"), Text()]
    if d.config:
        t = _table("Configuration", ("", "left"), ("A", "left"), ("B", "left"))
        for c in d.config:
            t.add_row(c["field"], _counts(c["a"]), _counts(c["b"]))
        out += [t, Text()]
    wide = output.console().width >= 110  # room for each cohort's p90 beside its centre
    spread = [("A p90", "right"), ("B p90", "right")] if wide else []
    t = _table("Numbers", ("", "left"), ("A", "right"), ("B", "right"), *spread, ("change", "right"), ("95 % interval", "right"), ("", "left"))
    t.collapse_padding = True
    t.columns[0].no_wrap = True
    t.columns[0].max_width = 16
    shown = 0
    marks = {"higher": ("▲", "yellow"), "lower": ("▼", "yellow"), "no change": ("", "dim"), "too few sessions": ("?", "dim"), "unknown": ("", "dim")}
    for c in d.metrics:
        if not c.real and not all_:
            continue
        m = c.metric
        unit = "usd" if m.unit == "usd/min" else m.unit  # (the label says per minute)
        ca = c.a.median if m.centre == "median" else c.a.mean
        cb = c.b.median if m.centre == "median" else c.b.mean
        ci = "" if c.ci is None else f"{_sig3(c.ci[0])} … {_sig3(c.ci[1])}"
        mark, style = marks[c.verdict]
        p90 = [fmt_value(unit, c.a.p90) if c.a.n else "", fmt_value(unit, c.b.p90) if c.b.n else ""] if wide else []
        t.add_row(Text(m.label, style=None if c.real else "dim"), fmt_value(unit, ca), fmt_value(unit, cb), *p90,
                  fmt_value(unit, c.delta, True) if c.delta is not None else "", ci, Text(mark, style=style))  # fmt: skip
        shown += 1
    if shown:
        legend = "▲ ▼ a real change: its interval (in the unit of the row) excludes 0"
        legend += "" if wide else "; each cohort's p90: --json, or a terminal of 110 columns"
        out += [t, Text(legend, style="dim"), Text()]
    elif d.enough:
        out += [Text("no real change in any metric (every interval includes 0)", style="green"), Text()]
    if d.moved:
        from rtlog.diff.metrics import BY_KEY

        what = "changed the most from their namesake in A" if d.paired else "are furthest from A's centre"
        mt = _table(f"Sessions that {what}", ("", "left"), ("", "left"), ("A", "right"), ("B", "right"), ("", "right"))
        for mv in d.moved[:10]:
            m = BY_KEY[mv["metric"]]
            mt.add_row(_cut(mv["session"].rsplit("/", 1)[-1], 26), m.label.strip(), fmt_value(m.unit, mv["a"]), fmt_value(m.unit, mv["b"]),
                       fmt_relative(mv["relative"]))  # fmt: skip
        out += [mt, Text()]
    return out + _gate(d)


def _sig3(x: float) -> str:
    """A signed number in 3 significant digits, without a unit (an interval's ends)."""
    if x == 0:
        return "±0"
    digits = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{x:+,.{digits}f}".replace("-", "−")


def _counts(c: dict[str, int]) -> str:
    return "\n".join(f"{_cut(k, 22)} ×{n:,}" for k, n in c.items())
