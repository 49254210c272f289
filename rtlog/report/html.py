"""`Page` → one self-contained HTML document.

Owns the markup and its one safety rule: every string that comes from a log reaches the
page either HTML-escaped (`esc`: text and quoted attributes) or inside the JSON data block,
where `<`, `>`, `&` and every non-ASCII character are \\u-escaped, so no log content can
close a tag, open a script or add an attribute. The page's own script runs under a
Content-Security-Policy that allows that one script (by its hash) and nothing else: no
other script, no event-handler attribute, no `javascript:` URL, no network request. The
script (`assets.JS`) builds nothing from markup strings: it writes text with `textContent`.
The audio, when embedded, is streamed in base64 from a file, never held whole.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import shlex
import urllib.parse
from html import escape
from typing import IO, Any

from rtlog import __version__
from rtlog.escape import terminal
from rtlog.report.assets import CSS, JS
from rtlog.report.page import Check, Page, ToolRow, TurnRow
from rtlog.transcript.entries import Entry
from rtlog.units import fmt_int, fmt_ms, fmt_seconds, fmt_usd

#: a timeline shorter than this (seconds) and without audio is not drawn
MIN_TIMELINE = 0.1
#: characters of a tool call's arguments or output shown before "…" (the full text is in a details)
SHORT = 160
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(JS.encode()).digest()).decode()
CSP = (
    "default-src 'none'; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; "
    "style-src 'unsafe-inline'; img-src data:; "
    "media-src 'self' file: blob: data:; "
    "base-uri 'none'; form-action 'none'"
)


def esc(x: Any) -> str:
    """Any value as HTML text or a quoted attribute's value; control and bidi characters
    from the log shown as U+FFFD (`escape.terminal`: a bidi override would reorder what the
    page shows, `\u202egpj.exe` as `exe.jpg`)."""
    return escape("" if x is None else terminal(str(x)), quote=True)


def esc_text(x: Any) -> str:
    """Any value as HTML text (element content, never an attribute): `<`, `>`, `&` escaped,
    quotes left as they are (a raw event's JSON is mostly quotes); controls as in `esc`."""
    return escape("" if x is None else terminal(str(x)), quote=False)


def json_for_script(obj: Any) -> str:
    """JSON that is safe inside <script type="application/json">: ASCII only, and no
    character that could end the element or start markup."""
    try:
        s = json.dumps(obj, ensure_ascii=True, separators=(",", ":"), allow_nan=False, default=str)
    except ValueError:  # an infinite or NaN time (a bogus timestamp): null, as JSON has no such number
        s = json.dumps(_finite(obj), ensure_ascii=True, separators=(",", ":"), allow_nan=False, default=str)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _finite(x: Any) -> Any:
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def _num(key: str, value: Any, text: str | None = None) -> str:
    """A number of the summary: shown as text, its exact `--json` value in data-v (`key`:
    its dotted path in the JSON; `x.#`: the length of the list `x`)."""
    shown = text if text is not None else ("unknown" if value is None else fmt_int(value) if isinstance(value, int) else str(value))
    return f'<span class="n" data-k="{esc(key)}" data-v="{esc(json.dumps(value, ensure_ascii=True))}">{esc(shown)}</span>'


def _get(d: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        d = d.get(part) if isinstance(d, dict) else None  # type: ignore[assignment]
    return d


def _clock(t: float | None) -> str:
    if t is None:
        return ""
    m, s = divmod(max(t, 0.0), 60)
    if m >= 60:
        h, m = divmod(int(m), 60)
        return f"{h}:{m:02d}:{s:04.1f}"
    return f"{int(m)}:{s:04.1f}"


# -- the header ------------------------------------------------------------------------------


def _sessions(s: dict[str, Any]) -> str:
    out = []
    for sess in s["sessions"]:
        rows = []
        fmt_in = " ".join(str(x) for x in (sess.get("input_audio_format"), _khz(sess.get("input_sample_rate"))) if x)
        fmt_out = " ".join(str(x) for x in (sess.get("output_audio_format"), _khz(sess.get("output_sample_rate"))) if x)
        for label, value in (
            ("model", sess.get("model")), ("dialect", sess.get("dialect")), ("voice", sess.get("voice")),
            ("modalities", ", ".join(map(str, sess.get("modalities") or []))),
            ("audio", f"in {fmt_in or '?'} · out {fmt_out or '?'}"),
            ("transcription", sess.get("transcription_model")), ("turn detection", sess.get("turn_detection")),
            ("tools", ", ".join(map(str, sess.get("tools") or []))), ("id", sess.get("id")),
        ):  # fmt: skip
            if value:
                rows.append(f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>")
        instr = sess.get("instructions")
        if instr:
            first = str(instr).strip().splitlines()[0] if str(instr).strip() else ""
            rows.append(f'<tr><th>instructions</th><td><details><summary>{esc(first[:140])}{"…" if len(first) > 140 or len(str(instr).strip()) > len(first) else ""}</summary>'
                        f'<pre class="wrap">{esc(instr)}</pre></details></td></tr>')  # fmt: skip
        out.append(f'<div class="session"><h3>Session {esc(sess.get("index"))} <span class="muted">line {esc(sess.get("line"))}</span></h3>'
                   f'<table class="kv">{"".join(rows)}</table></div>')  # fmt: skip
    return "".join(out) or '<p class="muted">No session.created / session.updated in the log.</p>'


def _khz(rate: Any) -> str | None:
    return f"{rate / 1000:g} kHz" if isinstance(rate, (int, float)) and rate else None


def _stats(s: dict[str, Any]) -> str:
    span = s.get("span")
    cells: list[tuple[str, str]] = []
    if span:
        secs = span.get("seconds")
        cells.append(("Span", _num("span.seconds", secs, fmt_seconds(secs) if secs is not None else "partial")
                      + f'<small>{esc(_when(span.get("start"), span.get("end")))}</small>'))  # fmt: skip
    else:
        cells.append(("Span", '<span class="muted">no timestamps in the log</span>'))
    cells.append(("Events", _num("events", s["events"]) + f'<small>{_num("lines", s["lines"])} lines · {_num("malformed", s["malformed"])} bad</small>'))
    cells.append(("User turns", _num("user_turns", s["user_turns"])))
    r = s["responses"]
    parts = [f"{_num('responses.' + k, r[k])} {k}" for k in ("completed", "cancelled", "incomplete", "failed", "other", "unfinished") if r.get(k)]
    cells.append(("Responses", _num("responses.total", r["total"]) + (f"<small>{' · '.join(parts)}</small>" if parts else "")))
    cells.append(("Interruptions", _num("interruptions", s["interruptions"])))
    calls = s["function_calls"]
    cells.append(("Tool calls", f'<span>{fmt_int(sum(calls.values()))}</span>'
                  + (f"<small>{' · '.join(_num('function_calls.' + k, v) + ' ' + esc(k) for k, v in calls.items())}</small>" if calls else "")))  # fmt: skip
    u = s["usage"]
    cells.append(("Tokens", _num("usage.total_tokens", u["total_tokens"])
                  + f'<small>{_num("usage.input_tokens", u["input_tokens"])} in ({_num("usage.cached_tokens", u["cached_tokens"])} cached) · '
                  f'{_num("usage.output_tokens", u["output_tokens"])} out</small>'))  # fmt: skip
    cost = s["cost_usd"]
    cost_text = ("≥ " if s.get("cost_is_lower_bound") else "") + fmt_usd(cost)
    cells.append(("Cost", _num("cost_usd", cost, cost_text)
                  + f'<small>{_num("cost_per_minute_usd", s["cost_per_minute_usd"], fmt_usd(s["cost_per_minute_usd"]) if s["cost_per_minute_usd"] is not None else "–")} per minute</small>'))  # fmt: skip
    lat = s["latency_ms"]
    if lat is None:
        cells.append(("Latency", '<span class="muted">not measured</span><small>needs sub-second timestamps</small>'))
    else:
        cells.append(("Latency p50", _num("latency_ms.p50", lat["p50"], fmt_ms(lat["p50"]))
                      + f'<small>p90 {_num("latency_ms.p90", lat["p90"], fmt_ms(lat["p90"]))} · max {_num("latency_ms.max", lat["max"], fmt_ms(lat["max"]))} · '
                      f'{_num("latency_ms.count", lat["count"])} turns</small>'))  # fmt: skip
    cells.extend(_feel_cells(s.get("turn_taking")))
    a = s["audio_seconds"]
    cells.append(("Audio", f'user {_num("audio_seconds.input", a["input"], fmt_seconds(a["input"]))}'
                  f'<small>assistant {_num("audio_seconds.output", a["output"], fmt_seconds(a["output"]))} · heard '
                  f'{_num("audio_seconds.output_heard", a["output_heard"], fmt_seconds(a["output_heard"]))}</small>'))  # fmt: skip
    nerr, nwarn, nfail = len(s["errors"]), len(s["warnings"]), len(s["transcription_failures"])
    cells.append(("Checks", f'{_num("errors.#", nerr)} {_plural(nerr, "error")}'
                  f'<small>{_num("warnings.#", nwarn)} {_plural(nwarn, "warning")} · '
                  f'{_num("transcription_failures.#", nfail)} failed {_plural(nfail, "transcription")}</small>'))  # fmt: skip
    return "".join(f'<div class="stat"><div class="label">{esc(k)}</div><div class="value">{v}</div></div>' for k, v in cells)


def _feel_cells(tt: dict[str, Any] | None) -> list[tuple[str, str]]:
    """How the call felt (`summary --json`'s `turn_taking`): dead air and talk-over, or
    why the log cannot tell."""
    if not tt:
        return []
    unknown = tt.get("unknown") or {}
    cells = []
    gap = tt.get("response_gap_ms")
    if gap is None or gap.get("p50") is None:
        why = unknown.get("response_gap", "no answered turn")
        cells.append(("Dead air", f'<span class="muted">unknown</span><small>{esc(why)}</small>'))
    else:
        cells.append(("Dead air p50", _num("turn_taking.response_gap_ms.p50", gap["p50"], fmt_ms(gap["p50"]))
                      + f'<small>p90 {_num("turn_taking.response_gap_ms.p90", gap["p90"], fmt_ms(gap["p90"]))} · '
                      f'max {_num("turn_taking.response_gap_ms.max", gap["max"], fmt_ms(gap["max"]))}</small>'))  # fmt: skip
    talk = tt.get("talk_over_seconds")
    if talk is None:
        cells.append(("Talk-over", f'<span class="muted">unknown</span><small>{esc(unknown.get("talk_over", ""))}</small>'))
    else:
        times, by_user = tt.get("talk_over_count"), tt.get("interruptions_by_user")
        cells.append(("Talk-over", _num("turn_taking.talk_over_seconds", talk, fmt_seconds(talk))
                      + f'<small>{_num("turn_taking.talk_over_count", times)} {_plural(times or 0, "time")} · '
                      f'{_num("turn_taking.interruptions_by_user", by_user)} {_plural(by_user or 0, "barge-in")} · '
                      f'{_num("turn_taking.unanswered_count", tt.get("unanswered_count"))} unanswered</small>'))  # fmt: skip
    return cells


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def _when(start: Any, end: Any) -> str:
    """`2026-11-20 10:00:00.183 → 10:00:19.164 UTC` (the date once when both share it)."""
    a, b = str(start), str(end)
    if len(a) > 11 and a[10] == "T" and a.endswith("Z") and b.endswith("Z"):
        a, b = a[:-1].replace("T", " "), b[:-1].replace("T", " ")
        if b[:10] == a[:10]:
            b = b[11:]
        return f"{a} → {b} UTC"
    return f"{a} → {b}"


def _cost_notes(s: dict[str, Any]) -> str:
    c = s["cost"]
    notes = [f"prices of {c.get('prices_date')} ({c.get('prices_source')})", *c.get("notes", [])]
    return '<p class="muted small">' + " · ".join(esc(n) for n in notes if n) + "</p>"


# -- turns -----------------------------------------------------------------------------------


def _entry(e: Entry) -> str:
    who = e.role
    if e.type == "message" and e.text is not None and e.interrupted and e.heard_text is not None:
        text = (f'<span class="heard">{esc(e.heard_text)}</span>'
                f'<span class="cut" title="the user stopped hearing it here" aria-label="cut">‖</span>'
                f'<span class="unheard">{esc(e.unheard_text)}</span>')  # fmt: skip
    elif e.text is not None:
        text = esc(e.text)
    else:
        text = f'<span class="muted">({esc(e.note or "no text")})</span>'
    tags = []
    if e.interrupted:
        tags.append(f'<span class="tag bad">interrupted{(" · " + esc(e.reason)) if e.reason else ""}'
                    f'{(" at " + fmt_seconds(e.audio_end_ms / 1000)) if e.audio_end_ms is not None else ""}</span>')  # fmt: skip
    elif e.reason:
        tags.append(f'<span class="tag warn">{esc(e.reason)}</span>')
    if e.note and e.text is not None:
        tags.append(f'<span class="tag">{esc(e.note)}</span>')
    if e.error:
        tags.append(f'<span class="tag bad">{esc(e.error.get("code") or e.error.get("type"))}: {esc(e.error.get("message"))}</span>')
    return f'<p class="say {esc(who)}"><b>{esc(who.capitalize())}</b> {text} {"".join(tags)}</p>'


def _short(s: str | None) -> str:
    if s is None:
        return '<span class="muted">none</span>'
    if len(s) <= SHORT:
        return f"<code>{esc(s)}</code>"
    return f"<details><summary><code>{esc(s[:SHORT])}…</code></summary><pre class=\"wrap\">{esc(s)}</pre></details>"


def _tool(t: ToolRow) -> str:
    rt = f' <span class="tag">round trip {fmt_ms(t.round_trip * 1000)}</span>' if t.round_trip is not None and t.round_trip >= 0 else ""
    missing = '' if t.output_line is not None else ' <span class="tag bad">no output</span>'
    return (f'<div class="tool"><b>→ {esc(t.name or "(unnamed)")}</b>{rt}{missing}'
            f'<div class="args"><span class="muted">arguments</span> {_short(t.arguments)}</div>'
            f'<div class="args"><span class="muted">output</span> {_short(t.output)}</div></div>')  # fmt: skip


def _raw(row: TurnRow, t0: float | None, source: str, dropped: bool) -> str:
    if not row.raw:
        if dropped and row.n:
            return (f'<p class="muted small">Raw events not included (page size): '
                    f'<code>rtlog filter {esc_text(shlex.quote(source))} --turn {row.n}</code></p>')  # fmt: skip
        return ""
    items = []
    prev = row.line - 1
    for r in row.raw:
        if r.line > prev + 1:
            gap = r.line - prev - 1
            where = f"line {prev + 1}" if gap == 1 else f"lines {prev + 1}–{r.line - 1}"
            items.append(f'<li class="gap muted">{where}: audio, not shown</li>')
        when = f"+{r.ts - t0:.3f}s" if t0 is not None and r.ts is not None else ""
        arrow = "→" if r.direction == "client" else "←" if r.direction == "server" else "·"
        if r.count > 1:
            body = f'<span class="muted">×{r.count} (to line {r.last})</span> <code>{esc_text(r.delta)}</code>' if r.delta is not None else f'<span class="muted">×{r.count}</span>'
        else:
            body = f"<code>{esc_text(r.text)}</code>"
        items.append(f'<li id="L{r.line}"><a class="ln" href="#L{r.line}" title="line {r.line} of {esc(source)}">{r.line}</a> '
                     f'<span class="muted">{when}</span> {arrow} <b>{esc_text(r.type)}</b> {body}</li>')  # fmt: skip
        prev = max(r.line, r.last)
    return (f'<details class="raw"><summary>Raw events ({len(row.raw)} rows, lines {row.line}–{row.last_line or "end"})</summary>'
            f'<ol class="events">{"".join(items)}</ol></details>')  # fmt: skip


def _turn(row: TurnRow, page: Page, max_latency: float) -> str:
    head = "Before the first turn" if row.n == 0 else f"Turn {row.n}"
    when = _clock(row.start)
    lat = ""
    if row.latency_ms is not None:
        w = 100 * row.latency_ms / max_latency if max_latency > 0 else 0
        lat = (f'<div class="lat" title="end of user speech → first assistant audio"><span class="bar" style="width:{w:.1f}%"></span>'
               f'<span class="ms">{esc(fmt_ms(row.latency_ms))}</span></div>')  # fmt: skip
    side = [lat]
    if row.interrupted:
        side.append('<span class="tag bad">interrupted</span>')
    for r in row.responses:
        if r.status not in (None, "completed"):
            side.append(f'<span class="tag warn">{esc(r.status)}{(" · " + esc(r.reason)) if r.reason else ""}</span>')
        elif r.status is None:
            side.append('<span class="tag warn">unfinished</span>')
    if row.usage is not None:
        side.append(f'<div class="small">{fmt_int(row.usage.input_tokens)} in · {fmt_int(row.usage.output_tokens)} out tokens'
                    f'{" · " + fmt_usd(row.cost) if row.cost is not None else ""}</div>')  # fmt: skip
    body = "".join(_tool(p) if isinstance(p, ToolRow) else _entry(p) for p in row.parts)
    if not body:
        body = '<p class="muted">(no conversation items: session set-up)</p>' if row.n == 0 else '<p class="muted">(no items)</p>'
    data = f' data-start="{row.start:.3f}" data-end="{(row.end if row.end is not None else row.start):.3f}"' if row.start is not None else ""
    return (f'<li class="turn" id="turn-{row.n}" tabindex="0" data-n="{row.n}"{data}>'
            f'<div class="when"><a href="#turn-{row.n}">{esc(head)}</a><span class="muted">{esc(when)}</span>'
            f'<span class="muted small">line {row.line}</span></div>'
            f'<div class="body">{body}{_raw(row, page.t0, page.source, bool(page.raw_dropped))}</div>'
            f'<div class="side">{"".join(side)}</div></li>')  # fmt: skip


# -- checks ------------------------------------------------------------------------------------


def _check(c: Check, lines: set[int]) -> str:
    where = []
    if c.turn is not None:
        where.append(f'<a href="#turn-{c.turn}">{"before the first turn" if c.turn == 0 else f"turn {c.turn}"}</a>')
    if c.line is not None:
        where.append(f'<a href="#L{c.line}">line {c.line}</a>' if c.line in lines else f"line {c.line}")
    cls = "bad" if c.kind in ("error", "transcription") else "warn"
    return f'<li><span class="tag {cls}">{esc(c.kind)}</span> {esc(c.text)} <span class="muted">{" · ".join(where)}</span></li>'


# -- the page --------------------------------------------------------------------------------


def _script_data(page: Page) -> dict[str, Any]:
    p = page.peaks
    return {
        "duration": round(page.duration, 3),
        "lanes": page.lanes,
        "turns": [[r.n, r.start, r.end] for r in page.turns if r.start is not None],
        "peaks": None if p is None else {"columns": p.columns, "seconds": round(p.seconds, 6), "data": base64.b64encode(p.data).decode()},
    }


def write_page(page: Page, fp: IO[bytes], embed: IO[bytes] | None = None) -> None:
    """Write the page to `fp`; `embed`: the WAV to inline (read in blocks)."""
    s = page.summary
    w = fp.write

    def put(text: str) -> None:
        w(text.encode("utf-8", "replace"))  # (a lone surrogate from a log becomes "?")

    max_lat = max((r.latency_ms for r in page.turns if r.latency_ms is not None), default=0.0)
    lines = {r.line for row in page.turns for r in row.raw}
    put(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="color-scheme" content="light dark"><meta name="generator" content="rtlog {esc(__version__)}">'
        f'<meta name="referrer" content="no-referrer">'
        f"<title>{esc(page.title)}</title><style>{CSS}</style></head><body>"
        f'<a class="skip" href="#turns">Skip to the turns</a>'
        f'<header class="top"><h1>{esc(page.title)}</h1><p class="muted">{esc(page.source)} · made by rtlog {esc(__version__)}'
        f'<span class="nav"> · <a href="#checks">checks</a> · <a href="#turns">turns</a></span></p></header><main>'
        f'<section id="overview" aria-label="Overview"><div class="stats">{_stats(s)}</div>{_cost_notes(s)}'
        f'<div class="sessions">{_sessions(s)}</div></section>')  # fmt: skip
    put(_timeline(page))
    if page.audio == "embed" and embed is not None:
        put('<script type="application/octet-stream" id="rtlog-audio">')
        while True:
            block = embed.read(3 << 18)  # a multiple of 3: the base64 of the blocks joins up
            if not block:
                break
            w(base64.b64encode(block))
        put("</script>")
    put('<section id="turns-section" aria-labelledby="turns-h"><h2 id="turns-h">Turns</h2>'
        '<p class="muted small">Click a turn (or focus it and press Enter) to play it; ↑/↓ or j/k move between turns.</p>'
        '<ol id="turns" class="turns">')  # fmt: skip
    for r in page.turns:  # (a turn at a time: the turns of a long call are megabytes of HTML)
        put(_turn(r, page, max_lat))
    put("</ol>")
    if page.raw_dropped:
        put(f'<p class="muted small">{fmt_int(page.raw_dropped)} more events from line {page.raw_first_dropped} on are not '
            f'shown in the raw views (page size); <code>rtlog filter FILE --turn N</code> prints a turn\'s events.</p>')  # fmt: skip
    put("</section>")
    checks = page.checks
    put('<section id="checks" aria-labelledby="checks-h"><h2 id="checks-h">Checks</h2>'
        + (f'<ul class="checks">{"".join(_check(c, lines) for c in checks)}</ul>' if checks else '<p>No errors or warnings.</p>')
        + "</section></main>")  # fmt: skip
    put('<script type="application/json" id="rtlog-data">')
    put(json_for_script(_script_data(page)))
    put(f"</script><script>{JS}</script></body></html>\n")


def _timeline(page: Page) -> str:
    audio = ""
    if page.audio == "link" and page.audio_src:
        audio = f'<audio id="player" controls preload="metadata" src="{esc(urllib.parse.quote(page.audio_src))}"></audio>'
    elif page.audio == "embed":
        audio = '<audio id="player" controls preload="auto"></audio>'
    note = f'<p class="muted small">{esc(page.audio_note)}</p>' if page.audio_note else ""
    if page.duration < MIN_TIMELINE and page.peaks is None:
        return (f'<section id="timeline" aria-labelledby="tl-h"><h2 id="tl-h">Timeline</h2>{audio}{note}'
                f'<p class="muted">Nothing to draw on a time axis: the log places its events within '
                f'{fmt_seconds(page.duration)} (no timestamps that cover it, and no audio).</p></section>')  # fmt: skip
    return (f'<section id="timeline" aria-labelledby="tl-h"><h2 id="tl-h">Timeline</h2>{audio}{note}'
            f'<div class="tl-controls"><button type="button" data-zoom="out" aria-label="Zoom out">−</button>'
            f'<button type="button" data-zoom="fit">Fit</button><button type="button" data-zoom="in" aria-label="Zoom in">+</button>'
            f'<span class="muted small" id="tl-info"></span></div>'
            f'<div class="tl-scroll" id="tl-scroll" tabindex="0" aria-label="Timeline: user (top) and assistant (bottom); click to play from there">'
            f'<div class="tl-spacer" id="tl-spacer"></div><canvas id="tl-canvas"></canvas></div>'
            f'<div class="tl-tip" id="tl-tip" role="status"></div>'
            f'<p class="legend small"><span class="sw user"></span>user speech <span class="sw asst"></span>assistant audio heard '
            f'<span class="sw gen"></span>generated, not heard <span class="sw cutm"></span>cut '
            f'<span class="sw tool"></span>tool call → output <span class="sw err"></span>error '
            f'<span class="sw tr"></span>transcription arrived</p></section>')  # fmt: skip
