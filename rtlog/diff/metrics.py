"""The numbers `rtlog diff` compares: one row per metric, read from a `Summary`.

Owns the table (`METRICS`) that every part of diff reads — the pair table, the cohort
statistics and the `--fail-on` rule names — so a metric becomes diffable, gateable and
documented by adding one row here (its key, label, unit, cohort centre and the function
that reads it from a summary). A value is None when the log cannot tell (no timestamps,
no audio, an unpriced model): unknown, never 0. Values are rounded to what the summary
reports, so a copy of a log in another envelope or compression compares equal.

The turn-taking rows read the summary's `feel` (`rtlog.metrics.turntaking`): what the
log cannot support (no timestamps, no VAD events) is None there too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from rtlog.metrics.summary import Summary, latency_stats
from rtlog.metrics.turntaking import Feel, stats
from rtlog.units import fmt_int, fmt_ms, fmt_seconds, fmt_usd


@dataclass(frozen=True, slots=True)
class Metric:
    key: str  # the name in --fail-on and in --json
    label: str  # for people
    unit: str  # ms | s | usd | usd/min | tokens | count | share
    centre: str  # a cohort's centre: median, or mean (counts: a median of 0 would hide the few sessions that have them)
    read: Callable[[Summary], float | None]
    digits: int = 3  # rounding of the value


def _latency(stat: str) -> Callable[[Summary], float | None]:
    def read(s: Summary) -> float | None:
        if not s.latency_measurable:
            return None
        return latency_stats(s.latencies_ms)[stat]  # type: ignore[no-any-return]

    return read


def _audio(side: str) -> Callable[[Summary], float | None]:
    def read(s: Summary) -> float | None:
        a = s.audio_in if side == "input" else s.audio_out
        if not a.chunks:
            return None
        return a.seconds if side != "heard" else s.output_heard_seconds

    return read


def _heard_share(s: Summary) -> float | None:
    if not s.audio_out.chunks or s.output_heard_seconds is None or not s.audio_out.seconds:
        return None
    return s.output_heard_seconds / s.audio_out.seconds


def _status(k: str) -> Callable[[Summary], float | None]:
    return lambda s: s.responses.get(k, 0)


def _usage(k: str) -> Callable[[Summary], float | None]:
    return lambda s: getattr(s.usage, k)


def _feel(read: Callable[[Feel], float | None]) -> Callable[[Summary], float | None]:
    return lambda s: None if s.feel is None else read(s.feel)


def _gap(stat: str) -> Callable[[Summary], float | None]:
    """The response gap (end of user speech → first assistant audio: the dead air heard)."""

    def read(f: Feel) -> float | None:
        if "response_gap" in f.unknown:
            return None
        return stats([t.response_gap_ms for t in f.turns if t.response_gap_ms is not None and t.response_gap_ms >= 0])[stat]  # type: ignore[no-any-return]

    return _feel(read)


def _yield_p50(f: Feel) -> float | None:
    if "time_to_yield" in f.unknown:
        return None
    return stats([t.yield_ms for t in f.turns if t.yield_ms is not None])["p50"]  # type: ignore[no-any-return]


def _count_of(name: str) -> Callable[[Feel], float | None]:
    def read(f: Feel) -> float | None:
        v = getattr(f, name)
        return None if v is None else (len(v) if isinstance(v, list) else v)

    return read


METRICS: tuple[Metric, ...] = (
    Metric("duration", "duration", "s", "median", lambda s: s.span.seconds),
    Metric("turns", "user turns", "count", "mean", lambda s: s.user_turns, 0),
    Metric("responses", "responses", "count", "mean", _status("total"), 0),
    Metric("responses.completed", "  completed", "count", "mean", _status("completed"), 0),
    Metric("responses.cancelled", "  cancelled", "count", "mean", _status("cancelled"), 0),
    Metric("responses.incomplete", "  incomplete", "count", "mean", _status("incomplete"), 0),
    Metric("responses.failed", "  failed", "count", "mean", _status("failed"), 0),
    Metric("responses.unfinished", "  unfinished", "count", "mean", _status("unfinished"), 0),
    Metric("interruptions", "interruptions", "count", "mean", lambda s: s.interruptions, 0),
    Metric("tool_calls", "tool calls", "count", "mean", lambda s: sum(s.function_calls.values()), 0),
    Metric("errors", "errors", "count", "mean", lambda s: len(s.errors), 0),
    Metric("transcription_failures", "failed ASR", "count", "mean", lambda s: len(s.transcription_failures), 0),
    Metric("warnings", "warnings", "count", "mean", lambda s: len(s.warnings), 0),
    Metric("latency.p50", "latency p50", "ms", "median", _latency("p50"), 1),
    Metric("latency.p90", "latency p90", "ms", "median", _latency("p90"), 1),
    Metric("latency.max", "latency max", "ms", "median", _latency("max"), 1),
    Metric("response_gap.p50", "response gap p50", "ms", "median", _gap("p50"), 1),
    Metric("response_gap.p90", "response gap p90", "ms", "median", _gap("p90"), 1),
    Metric("response_gap.max", "response gap max", "ms", "median", _gap("max"), 1),
    Metric("talk_over", "talk-over", "s", "median", _feel(lambda f: f.talk_over_seconds)),
    Metric("talk_over.count", "  times", "count", "mean", _feel(lambda f: f.talk_over_count), 0),
    Metric("overlap_ratio", "overlap ratio", "share", "median", _feel(lambda f: f.overlap_ratio), 4),
    Metric("interruptions.by_user", "barge-ins by user", "count", "mean", _feel(_count_of("interruptions_by_user")), 0),
    Metric("interruptions.by_agent", "agent talked over", "count", "mean", _feel(_count_of("interruptions_by_agent")), 0),
    Metric("time_to_yield.p50", "time to yield p50", "ms", "median", _feel(_yield_p50), 1),
    Metric("unanswered", "unanswered turns", "count", "mean", _feel(_count_of("unanswered")), 0),
    Metric("false_barge_ins", "false barge-ins", "count", "mean", _feel(_count_of("false_barge_ins")), 0),
    Metric("audio.input", "user audio", "s", "median", _audio("input")),
    Metric("audio.output", "assistant audio", "s", "median", _audio("output")),
    Metric("audio.heard", "  heard", "s", "median", _audio("heard")),
    Metric("heard_share", "heard share", "share", "median", _heard_share, 4),
    Metric("tokens.input", "input tokens", "tokens", "median", _usage("input_tokens"), 0),
    Metric("tokens.cached", "cached tokens", "tokens", "median", _usage("cached_tokens"), 0),
    Metric("tokens.output", "output tokens", "tokens", "median", _usage("output_tokens"), 0),
    Metric("tokens.total", "total tokens", "tokens", "median", _usage("total_tokens"), 0),
    Metric("cost", "cost", "usd", "median", lambda s: s.cost.usd, 6),
    Metric("cost_per_min", "cost / min", "usd/min", "median", lambda s: s.cost.per_minute, 6),
)
BY_KEY = {m.key: m for m in METRICS}


def values(s: Summary) -> dict[str, float | None]:
    """Every metric of one summary, rounded (None: unknown)."""
    out: dict[str, float | None] = {}
    for m in METRICS:
        v = m.read(s)
        out[m.key] = None if v is None else (int(v) if m.digits == 0 else round(float(v), m.digits))
    return out


def delta(a: float | None, b: float | None, digits: int = 6) -> tuple[float | None, float | None]:
    """(B − A, (B − A) / |A|); None where it cannot be told (an unknown side; A = 0 for the
    relative change, unless B is 0 too)."""
    if a is None or b is None:
        return None, None
    d = round(b - a, digits)
    if a == 0:
        return d, (0.0 if b == 0 else None)
    return d, round((b - a) / abs(a), 6)


def fmt_value(unit: str, x: float | None, signed: bool = False) -> str:
    """A metric's value (or, `signed`, a change) in its unit."""
    if x is None:
        return "unknown"
    sign = ("+" if x > 0 else "−" if x < 0 else "±") if signed else ("−" if x < 0 else "")
    v = abs(x) if signed or x < 0 else x
    if unit == "ms":
        text = fmt_ms(v)
    elif unit == "s":
        text = fmt_seconds(v) if v == 0 or v >= 0.1 else f"{v * 1000:,.0f} ms"  # (not "0.00 s")
    elif unit in ("usd", "usd/min"):
        text = _usd(v)  # (per minute: the label says so)
    elif unit == "share":
        text = f"{v * 100:.1f} %"
    elif float(v).is_integer():
        text = fmt_int(int(v))
    else:
        text = f"{v:,.2f}"
    return sign + text


def _usd(v: float) -> str:
    """Dollars with the digits a small change needs (a change of $0.000048 is not $0.0000)."""
    if v == 0 or v >= 0.01:
        return fmt_usd(v)
    digits = min(8, max(4, 2 - math.floor(math.log10(v))))
    return f"${v:.{digits}f}"
