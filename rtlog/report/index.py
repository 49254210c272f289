"""The fleet index of several reports: one row per log, sortable, worst first, with the
totals of `summary.combine` (the same numbers as `rtlog summary --json` over those logs).
Every log string is escaped as on a page (`html.esc`)."""

from __future__ import annotations

import json
import os.path
import urllib.parse
from collections.abc import Iterable
from typing import IO, Any

from rtlog.report.assets import CSS, JS
from rtlog.report.html import CSP, esc
from rtlog.units import fmt_int, fmt_ms, fmt_seconds, fmt_usd


def _fleet_cells(s: dict[str, Any]) -> str:
    lat = s.get("latency_ms") or {}
    span = s.get("span") or {}
    vals = [
        span.get("seconds"), s["user_turns"], s["interruptions"], len(s["errors"]) + len(s["transcription_failures"]),
        len(s["warnings"]), s["cost_usd"], lat.get("p50"), lat.get("p90"),
    ]  # fmt: skip
    shown = [fmt_seconds(vals[0]), fmt_int(vals[1]), fmt_int(vals[2]), fmt_int(vals[3]), fmt_int(vals[4]),
             ("≥ " if s.get("cost_is_lower_bound") else "") + fmt_usd(vals[5]), fmt_ms(vals[6]), fmt_ms(vals[7])]  # fmt: skip
    return "".join(f'<td data-v="{esc(json.dumps(v))}">{esc(t)}</td>' for v, t in zip(vals, shown))


def _display_names(names: list[str]) -> list[str]:
    """The logs' names without the folder they all share."""
    if len(names) < 2:
        return names
    try:
        common = os.path.commonpath(names)
    except ValueError:
        return names
    return [n[len(common) :].lstrip("/") or n for n in names] if common else names


def write_index(rows: Iterable[dict[str, Any]], fp: IO[bytes], title: str, total: dict[str, Any] | None = None) -> None:
    """The fleet page: one row per report, sortable; worst first (errors, then
    interruptions, then cost); `total`: the summaries combined (`summary.combine`)."""
    rows = list(rows)
    body = []
    for r, name in zip(rows, _display_names([r["file"] for r in rows])):
        if r.get("error"):
            body.append(f'<tr><td title="{esc(r["file"])}">{esc(name)}</td><td colspan="8" class="bad">{esc(r["error"])}</td></tr>')
            continue
        body.append(f'<tr><td><a href="{esc(urllib.parse.quote(r["href"]))}" title="{esc(r["file"])}">{esc(name)}</a></td>'
                    f'{_fleet_cells(r["summary"])}</tr>')  # fmt: skip
    foot = f'<tfoot><tr><th scope="row">Total ({len(body)} logs)</th>{_fleet_cells(total)}</tr></tfoot>' if total else ""
    heads = ["log", "duration", "turns", "interruptions", "errors", "warnings", "cost", "latency p50", "p90"]
    th = "".join(f'<th scope="col"><button type="button" data-col="{i}">{esc(h)}</button></th>' if i else f'<th scope="col">{esc(h)}</th>'
                 for i, h in enumerate(heads))  # fmt: skip
    html = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body><header class=\"top\"><h1>{esc(title)}</h1>"
            f'<p class="muted">Sorted worst first (errors, then interruptions, then cost); click a column to sort by it.</p></header>'
            f'<main><table class="fleet" id="fleet"><thead><tr>{th}</tr></thead><tbody>{"".join(body)}</tbody>{foot}</table></main>'
            f'<script type="application/json" id="rtlog-data">{{"index":true}}</script><script>{JS}</script></body></html>\n')  # fmt: skip
    fp.write(html.encode("utf-8", "replace"))
