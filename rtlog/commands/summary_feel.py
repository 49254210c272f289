"""The "Turn-taking" block of `rtlog summary`: how the conversation felt, at a glance.

Renders a `rtlog.metrics.turntaking.Feel` (computed by the core): talk-over, barge-ins and
time to yield, interruptions by the agent, false barge-ins, dead air, unanswered turns,
stalled deliveries and the VAD's segments on the left; the latency steps (p50) on the right;
then the worst turns. What the log cannot support is said once, with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import RenderableType

    from rtlog.metrics.turntaking import Feel

_STEP_LABELS = {"endpointing": "endpointing (VAD)", "commit": "commit", "response_start": "response.created",
                "tool_call": "tool call (model)", "tool_execution": "tool (client)", "tool_followup": "tool → response",
                "retry": "retry", "first_audio": "first audio"}  # fmt: skip


def render_feel(feel: Feel | None) -> list[RenderableType]:
    """The block, or nothing for a log without user turns."""
    if feel is None or not feel.turns:
        return []
    from rich.table import Table
    from rich.text import Text

    d = feel.to_dict(rows=False)
    right = _right(feel, d)
    if right is None:
        body: Any = _left(feel, d)
    else:
        body = Table.grid(padding=(0, 4))
        body.add_row(_left(feel, d), right)
    out: list[RenderableType] = [Text("Turn-taking", style="bold"), body]
    reasons = sorted(set(feel.unknown.values()))
    if reasons:
        what = ", ".join(k.replace("_", " ") for k in sorted(feel.unknown))
        out.append(Text(f"unknown ({'; '.join(reasons)}): {what}", style="dim"))
    worst = feel.worst_turns(3) if feel.files == 1 else []
    if worst:
        out.append(Text())
        out.append(_worst(worst))
    out.append(Text())
    return out


def _rows() -> Any:
    from rich.table import Table

    t = Table.grid(padding=(0, 2))
    t.add_column(no_wrap=True)
    t.add_column(justify="right", no_wrap=True)
    return t


def _turns(ns: list[int], files: int = 1) -> str:
    if files > 1:  # (turn numbers restart in each file: the files' own reports list them)
        return str(len(ns))
    shown = ", ".join(str(n) for n in ns[:4]) + (", …" if len(ns) > 4 else "")
    return f"{len(ns)} (turn{'s' if len(ns) > 1 else ''} {shown})" if ns else "0"


def _left(feel: Feel, d: dict[str, Any]) -> Any:
    from rtlog.units import fmt_int, fmt_ms, fmt_seconds

    t = _rows()
    u = "unknown"
    if d["talk_over_seconds"] is None:
        t.add_row("talk-over", u)
    else:
        t.add_row("talk-over", f"{fmt_seconds(d['talk_over_seconds'])} in {fmt_int(d['talk_over_count'])}")
        if d["overlap_ratio"] is not None:
            t.add_row("  overlap ratio", f"{d['overlap_ratio'] * 100:.1f} %")
    by_user = d["interruptions_by_user"]
    t.add_row("barge-ins by user", u if by_user is None else fmt_int(by_user))
    y = d["time_to_yield_ms"]
    if y and y["count"]:
        t.add_row("  time to yield p50", fmt_ms(y["p50"]))
        t.add_row("  max", fmt_ms(y["max"]))
    false = d["false_barge_ins"]
    t.add_row("  false barge-ins", u if false is None else _turns(false, feel.files), style="yellow" if false else None)
    by_agent = d["interruptions_by_agent"]
    t.add_row("agent talked over", u if by_agent is None else fmt_int(by_agent))
    g = d["response_gap_ms"]
    if g is None:
        t.add_row("dead air", u)
    elif g["count"]:
        t.add_row("dead air p50", fmt_ms(g["p50"]))
        t.add_row("  p90 · max", f"{fmt_ms(g['p90'])} · {fmt_ms(g['max'])}")
    label = f"unanswered (>{d['unanswered_after_s']:g} s)" if d["timed"] else "unanswered (no reply)"
    t.add_row(label, _turns(d["unanswered"], feel.files), style="yellow" if d["unanswered"] else None)
    if d["responses_behind"] is not None and feel.delivery:
        t.add_row("delivery stalled", f"{d['responses_behind']} of {len(feel.delivery)}", style="yellow" if d["responses_behind"] else None)
    v = d["vad"]
    if v is not None and v["segments"]:
        t.add_row("VAD segments", fmt_int(v["segments"]))
        t.add_row(f"  short (<{v['short_segment_ms']} ms)", fmt_int(v["short_segments"]))
        if v["cut_off_gaps"] is not None:
            t.add_row("  cut off mid-thought", fmt_int(v["cut_off_gaps"]))
        if v["timeout_triggered"]:
            t.add_row("  idle timeouts", fmt_int(v["timeout_triggered"]))
    return t


def _right(feel: Feel, d: dict[str, Any]) -> Any:
    from rich.text import Text

    from rtlog.units import fmt_ms

    steps = d["latency_steps_ms"]
    if not steps:
        return None
    t = _rows()
    t.add_row(Text("latency steps", style="bold"), Text("p50", style="dim"))
    for name, st in steps.items():
        t.add_row(_STEP_LABELS.get(name, name), fmt_ms(st["p50"]))
    lags = feel.transcription_lags_ms()
    if lags:
        t.add_row("transcription lag", fmt_ms(sorted(lags)[(len(lags) + 1) // 2 - 1]))
    return t


def _worst(worst: list[Any]) -> Any:
    from rich.text import Text

    from rtlog.units import fmt_ms

    t = _rows()
    t.columns[1].justify = "left"
    t.add_row(Text("worst turns", style="bold"), "")
    for turn, what, ms in worst:
        how = f" ({turn.yielded_by})" if what == "yield" and turn.yielded_by else ""
        t.add_row(f"turn {turn.turn} · line {turn.line}", f"{what} {fmt_ms(ms)}{how}")
    return t


def render_audio_quality(q: dict[str, Any] | None) -> list[RenderableType]:
    """The "Audio quality" table (`--audio-quality`): levels per side, response silences."""
    if q is None:
        return []
    from rich.text import Text

    from rtlog.units import fmt_ms

    t = _rows()
    t.add_column(justify="right", no_wrap=True)
    t.add_column(justify="right", no_wrap=True)
    t.add_column(justify="right", no_wrap=True)
    t.add_row(Text("Audio quality", style="bold"), *(Text(h, style="dim") for h in ("peak", "RMS", "clipped", "DC")))
    for side in ("user", "assistant"):
        lv = q[side]
        if lv is None:
            t.add_row(side, "not in log", "", "", "")
        elif lv["silent"]:
            t.add_row(side, "silent", "", "", "")
        else:
            t.add_row(side, f"{lv['peak_dbfs']:.1f} dBFS", f"{lv['rms_dbfs']:.1f} dBFS", f"{lv['clipped_share'] * 100:.2f} %",
                      f"{lv['dc_offset'] * 100:+.2f} %")  # fmt: skip
    out: list[RenderableType] = [t]
    lead = q["leading_silence_ms"]
    if lead["count"]:
        n = q["responses_with_long_silences"]
        out.append(Text(f"leading silence p50 {fmt_ms(lead['p50'])}, max {fmt_ms(lead['max'])} · "
                        f"silences ≥ {fmt_ms(q['long_silence_ms'])} inside {n} response{'' if n == 1 else 's'}"))  # fmt: skip
    out.append(Text())
    return out
