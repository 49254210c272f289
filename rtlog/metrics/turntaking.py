"""How the conversation felt: turn-taking, per turn and per log, from the conversation model.

Owns the definitions (README, "Turn-taking"), all on the one timeline (`rtlog.conversation`):
user speech is each turn's VAD span (or its manually committed audio); assistant audio is
what was heard of each item (cut at its truncation, or at `output_audio_buffer.cleared`),
or, without audio in the log (WebRTC), `output_audio_buffer.started` → `stopped`/`cleared`.
- talk-over: time both speak at once (seconds, and episodes); overlap ratio: talk-over over
  the time anyone speaks;
- barge-in (interruption by the user): user speech starting inside assistant audio; time to
  yield: from that start to where that assistant audio stopped, and what stopped it
  (`truncated`, `cleared`, `cancelled`, or `end_of_audio`: it was not stopped);
- interruption by the agent: assistant audio starting inside user speech;
- response gap (dead air): end of user speech → the first assistant audio of its responses;
- unanswered: a committed turn with no assistant output within `unanswered_after_s`;
- false barge-in: a barge-in that cut the assistant off (not `end_of_audio`) with speech
  shorter than `false_barge_in_ms`, or that asked nothing (never committed, or an empty or
  one-word transcript whose turn got no answer).
What the log cannot support is None with the reason in `unknown`, never 0. The latency
chain is `latency.py`'s; delivery and VAD analysis are `delivery.py`'s.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import field
from typing import Any

from rtlog.conversation.model import AssistantAudio, Conversation, Item, Turn
from rtlog.conversation.moments import CallMoments
from rtlog.metrics.delivery import ResponseDelivery, VadStats, delivery_of, vad_stats
from rtlog.metrics.latency import Decomposition, calls_by_response, decompose
from rtlog.metrics.overlap import Heard, assistant_heard, barge_in, runs_of, talk_over
from rtlog.records import record

#: defaults of the rules above
UNANSWERED_AFTER_S = 5.0
FALSE_BARGE_IN_MS = 300


@record(slots=True)
class TurnFeel:
    """One user turn (timeline seconds for positions; ms for durations; None: unknown)."""

    turn: int
    line: int
    how: str  # speech | commit | text
    item_id: str | None
    committed: bool  # a user item came of it (a false start has none)
    speech_start: float | None = None
    speech_end: float | None = None
    words: int | None = None  # of its transcript (None: no transcript)
    response_ids: list[str] = field(default_factory=list)
    first_output: float | None = None  # where its first assistant output (audio, else text) starts
    response_gap_ms: float | None = None  # end of speech → first assistant audio
    talk_over_seconds: float | None = None
    barge_in: bool | None = None  # began inside assistant audio
    yield_ms: float | None = None
    yielded_by: str | None = None  # truncated | cleared | cancelled | end_of_audio
    false_barge_in: bool | None = None
    agent_interrupted: bool | None = None  # assistant audio began inside this speech
    answer_ms: float | None = None  # end of the user's turn → first assistant output
    waited_ms: float | None = None  # end of the user's turn → end of the log (for unanswered)
    has_output: bool = False
    transcription_lag_ms: float | None = None  # committed → transcription completed
    first_final_audio_ms: float | None = None  # gpt-realtime-2: end of speech → first final_answer audio
    latency: Decomposition | None = None
    session: int = 1  # the session (of its file) the turn began in

    @property
    def speech_seconds(self) -> float | None:
        if self.speech_start is None or self.speech_end is None:
            return None
        return self.speech_end - self.speech_start

    def unanswered(self, after_s: float = UNANSWERED_AFTER_S) -> bool | None:
        """No assistant output within `after_s` of the end of the turn. None: not committed,
        or the log ends (or the clock stops) before `after_s` passed without an answer."""
        if not self.committed:
            return None
        if self.answer_ms is not None:
            return self.answer_ms > after_s * 1000
        if self.has_output:
            return False  # answered; when is unknown (no clock)
        if self.waited_ms is not None and self.waited_ms < after_s * 1000:
            return None  # the log ended first
        return True

    def to_dict(self, after_s: float = UNANSWERED_AFTER_S) -> dict[str, Any]:
        lat = self.latency
        return {
            "turn": self.turn, "line": self.line, "session": self.session, "how": self.how, "item_id": self.item_id,
            "committed": self.committed,
            "speech_start": _r3(self.speech_start), "speech_end": _r3(self.speech_end),
            "speech_ms": _ms(None if self.speech_seconds is None else self.speech_seconds * 1000), "words": self.words,
            "response_ids": self.response_ids, "response_gap_ms": _ms(self.response_gap_ms),
            "talk_over_seconds": _r3(self.talk_over_seconds), "barge_in": self.barge_in, "yield_ms": _ms(self.yield_ms),
            "yielded_by": self.yielded_by, "false_barge_in": self.false_barge_in, "agent_interrupted": self.agent_interrupted,
            "answer_ms": _ms(self.answer_ms), "unanswered": self.unanswered(after_s),
            "transcription_lag_ms": _ms(self.transcription_lag_ms), "first_final_audio_ms": _ms(self.first_final_audio_ms),
            "latency": None if lat is None else {
                "from": lat.start, "total_ms": _ms(lat.total_ms), "complete": lat.complete,
                "steps": [s.to_dict() for s in lat.steps], "tool_rounds": [t.to_dict() for t in lat.tool_rounds],
            },
        }  # fmt: skip


@record(slots=True)
class Feel:
    """How one log (or several: `combine`) felt; see the module docstring. `unknown`: metric
    → why the log cannot support it (those metrics are None)."""

    source: str
    turns: list[TurnFeel] = field(default_factory=list)
    delivery: list[ResponseDelivery] = field(default_factory=list)
    vad: VadStats | None = None
    talk_over_seconds: float | None = None
    talk_over_count: int | None = None
    speaking_seconds: float | None = None  # anyone speaking (the union of both sides)
    unknown: dict[str, str] = field(default_factory=dict)
    unanswered_after_s: float = UNANSWERED_AFTER_S
    false_barge_in_ms: int = FALSE_BARGE_IN_MS
    files: int = 1
    clock: str | None = None  # why times cannot be measured in this log (None: they can)

    @property
    def overlap_ratio(self) -> float | None:
        if self.talk_over_seconds is None or not self.speaking_seconds:
            return None
        return self.talk_over_seconds / self.speaking_seconds

    def _count(self, metric: str, flag: str) -> int | None:
        return None if metric in self.unknown else sum(1 for t in self.turns if getattr(t, flag))

    @property
    def interruptions_by_user(self) -> int | None:
        return self._count("interruptions", "barge_in")

    @property
    def interruptions_by_agent(self) -> int | None:
        return self._count("interruptions", "agent_interrupted")

    @property
    def false_barge_ins(self) -> list[int] | None:
        return None if "false_barge_ins" in self.unknown else [t.turn for t in self.turns if t.false_barge_in]

    @property
    def unanswered(self) -> list[int]:
        return [t.turn for t in self.turns if t.unanswered(self.unanswered_after_s)]

    def worst_turns(self, n: int = 3) -> list[tuple[TurnFeel, str, float]]:
        """The turns that felt worst: longest dead air, slowest yield (turn, what, ms)."""
        out: list[tuple[TurnFeel, str, float]] = []
        for t in self.turns:
            if t.response_gap_ms is not None:
                out.append((t, "dead air", t.response_gap_ms))
            if t.yield_ms is not None and t.yielded_by != "end_of_audio":
                out.append((t, "yield", t.yield_ms))
        return sorted(out, key=lambda x: -x[2])[:n]

    def transcription_lags_ms(self) -> list[float]:
        """Each turn's transcription lag (committed → transcribed), as `to_dict` gives it."""
        return [_ms(t.transcription_lag_ms) for t in self.turns if t.transcription_lag_ms is not None]  # type: ignore[misc]

    def to_dict(self, rows: bool = True) -> dict[str, Any]:
        """The `turn_taking` object of `summary --json` (schema in the README). `rows=False`:
        the figures only, its rows (`turns`, `delivery`, `sessions`) left empty — for a view
        that shows none of them (a row per turn is most of the cost)."""
        after = self.unanswered_after_s
        gaps = [t.response_gap_ms for t in self.turns if t.response_gap_ms is not None and t.response_gap_ms >= 0]
        yields = [t.yield_ms for t in self.turns if t.yield_ms is not None]
        known = "response_gap" not in self.unknown
        steps: dict[str, list[float]] = {}
        for t in self.turns:
            for s in t.latency.steps if t.latency else ():
                if s.ms is not None:
                    steps.setdefault(s.name, []).append(s.ms)
        return {
            "talk_over_seconds": _r3(self.talk_over_seconds), "talk_over_count": self.talk_over_count,
            "overlap_ratio": None if self.overlap_ratio is None else round(self.overlap_ratio, 4),
            "interruptions_by_user": self.interruptions_by_user, "interruptions_by_agent": self.interruptions_by_agent,
            "time_to_yield_ms": stats(yields) if "time_to_yield" not in self.unknown else None,
            "response_gap_ms": stats(gaps) if known else None,
            "agent_started_early": sum(1 for t in self.turns if t.response_gap_ms is not None and t.response_gap_ms < 0) if known else None,
            "timed": self.clock is None, "unanswered_after_s": after, "unanswered": self.unanswered,
            "unanswered_count": len(self.unanswered), "false_barge_in_ms": self.false_barge_in_ms,
            "false_barge_ins": self.false_barge_ins,
            "false_barge_in_count": None if self.false_barge_ins is None else len(self.false_barge_ins),
            "latency_steps_ms": {k: stats(v) for k, v in sorted(steps.items(), key=lambda kv: _step_order(kv[0]))},
            "delivery": [d.to_dict() for d in self.delivery] if rows else [],
            "responses_behind": sum(1 for d in self.delivery if d.behind) if "delivery" not in self.unknown else None,
            "vad": None if self.vad is None else self.vad.to_dict(),
            "unknown": dict(sorted(self.unknown.items())),
            "sessions": self._sessions() if self.files == 1 and rows else [],
            "turns": [t.to_dict(after) for t in self.turns] if rows else [],
        }  # fmt: skip


    def _sessions(self) -> list[dict[str, Any]]:
        """The figures of each session (a reconnect starts one) that add up per turn."""
        out: dict[int, dict[str, Any]] = {}
        timed = "talk_over" not in self.unknown
        after = self.unanswered_after_s
        for t in self.turns:
            d = out.get(t.session)
            if d is None:
                d = out[t.session] = {"session": t.session, "turns": 0, "talk_over_seconds": 0.0 if timed else None,
                                      "interruptions_by_user": 0 if timed else None, "interruptions_by_agent": 0 if timed else None,
                                      "gaps": [], "unanswered": [], "false_barge_ins": [] if timed else None}  # fmt: skip
            d["turns"] += 1
            if timed:
                d["talk_over_seconds"] = round(d["talk_over_seconds"] + (t.talk_over_seconds or 0.0), 3)
                d["interruptions_by_user"] += bool(t.barge_in)
                d["interruptions_by_agent"] += bool(t.agent_interrupted)
                if t.false_barge_in:
                    d["false_barge_ins"].append(t.turn)
            if t.response_gap_ms is not None and t.response_gap_ms >= 0:
                d["gaps"].append(t.response_gap_ms)
            if t.unanswered(after):
                d["unanswered"].append(t.turn)
        for d in out.values():
            d["response_gap_ms"] = stats(d.pop("gaps")) if "response_gap" not in self.unknown else None
        return list(out.values())


def stats(values: list[float]) -> dict[str, Any]:
    """count, p50, p90, max (nearest rank: each an observed value), in the values' unit."""
    if not values:
        return {"count": 0, "p50": None, "p90": None, "max": None}
    v = sorted(values)
    rank = lambda p: round(v[max(0, math.ceil(p / 100 * len(v)) - 1)], 1)  # noqa: E731
    return {"count": len(v), "p50": rank(50), "p90": rank(90), "max": round(v[-1], 1)}


# -- computing it -----------------------------------------------------------------------


def turn_taking(conv: Conversation, *, unanswered_after_s: float = UNANSWERED_AFTER_S,
                false_barge_in_ms: int = FALSE_BARGE_IN_MS) -> Feel:  # fmt: skip
    """How `conv` felt (see the module docstring)."""
    f = Feel(conv.source, unanswered_after_s=unanswered_after_s, false_barge_in_ms=false_barge_in_ms)
    timed = f.clock = _clock_problem(conv)
    users = {x.id: x for x in conv.messages if x.role == "user" and x.id is not None}
    assistant, why_no_audio = assistant_heard(conv)
    speech_known = any(t.how == "speech" for t in conv.turns) or any(conv.moments.speech.values())
    if timed:
        for k in ("talk_over", "time_to_yield", "response_gap", "interruptions", "false_barge_ins", "delivery", "latency"):
            f.unknown[k] = timed
    else:
        if why_no_audio:
            for k in ("talk_over", "time_to_yield", "interruptions", "false_barge_ins", "response_gap"):
                f.unknown[k] = why_no_audio
        if not speech_known:
            for k in ("talk_over", "time_to_yield", "interruptions", "false_barge_ins", "response_gap"):
                f.unknown.setdefault(k, "no VAD events or committed audio: when the user spoke is not in the log")
        if conv.recording is not None and not conv.recording.audio_out.chunks:
            f.unknown["delivery"] = "no assistant audio in the log"
    answered = {a.response_id for a in conv.assistant_audio if a.nbytes}  # responses with output, timed or not
    answered.update(x.response_id for x in conv.messages if x.role == "assistant" and x.kind == "message" and x.text)
    audio: dict[str | None, list[AssistantAudio]] = {}
    for a in conv.assistant_audio:
        audio.setdefault(a.response_id, []).append(a)
    ctx = _Ctx(conv, f, timed is None, answered, audio, runs_of(assistant), calls_by_response(conv))
    for turn in conv.turns:
        item = users.get(turn.item_id) if turn.item_id else None
        f.turns.append(_turn(ctx, turn, item))
    if "talk_over" not in f.unknown:
        spoken = [(t, s, e) for t in f.turns if (s := t.speech_start) is not None and (e := t.speech_end) is not None]
        over = talk_over([(s, e) for _, s, e in spoken], assistant)
        f.talk_over_seconds, f.talk_over_count, f.speaking_seconds = over.seconds, over.episodes, over.speaking_seconds
        for (t, _, _), seconds in zip(spoken, over.per_span):
            t.talk_over_seconds = seconds
    if "delivery" not in f.unknown:
        f.delivery = delivery_of(conv)
    f.vad = vad_stats(conv, None if timed or why_no_audio else [h.start for h in assistant])
    if f.vad is None:
        f.unknown["vad"] = "no VAD events (speech_started / speech_stopped) in the log"
    return f


def _clock_problem(conv: Conversation) -> str | None:
    """Why times cannot be measured in this log, or None."""
    if conv.t0 is None:
        return "no timestamps in the log"
    rec = conv.recording
    if rec is not None and rec.clock.coarse:
        return "timestamps are whole seconds"
    if rec is not None and not rec.clock.covers_log:
        return "only some events have timestamps"
    return None


@record(slots=True)
class _Ctx:
    """What every turn's reading shares (indexed once: a long log has thousands of turns)."""

    conv: Conversation
    feel: Feel
    timed: bool
    answered: set[str | None]
    audio: dict[str | None, list[AssistantAudio]]  # response → its assistant audio
    runs: list[Heard]
    calls: dict[str | None, list[CallMoments]]
    starts: list[float] = field(default_factory=list)  # the runs' starts
    session_lines: list[int] = field(default_factory=list)  # where each session begins, and its index
    sessions: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts = [r.start for r in self.runs]
        self.session_lines = [s.line_no for s in self.conv.sessions] or [0]
        self.sessions = [s.index for s in self.conv.sessions] or [1]


def _turn(ctx: _Ctx, turn: Turn, item: Item | None) -> TurnFeel:
    conv, f, answered = ctx.conv, ctx.feel, ctx.answered
    m = conv.moments
    committed = item is not None or turn.how == "text"  # (a typed message may have no id of its own)
    t = TurnFeel(turn.index, turn.line_no, turn.how, turn.item_id, committed, response_ids=list(turn.response_ids))
    t.session = ctx.sessions[max(bisect_right(ctx.session_lines, turn.line_no) - 1, 0)]
    if item is not None and item.text is not None:
        t.words = len(item.text.split())
    sp = m.speech.get(turn.item_id) if turn.item_id else None
    if sp is not None and turn.how != "text":
        t.speech_start, t.speech_end = sp
    responses = [r for r in (conv.response(rid) for rid in turn.response_ids) if r is not None]
    t.has_output = any(r.first_audio_at is not None or r.first_text_at is not None or r.id in answered for r in responses)
    if not ctx.timed:
        return t
    t0 = conv.t0 or 0.0
    speech_end_at = None if t.speech_end is None else t.speech_end + t0
    t.latency = decompose(conv, turn, speech_end_at, ctx.calls)
    mine = [a for rid in turn.response_ids for a in ctx.audio.get(rid, ())]
    audio_starts = [a.start for a in mine if not a.guessed and a.nbytes]
    if not mine:  # WebRTC: no audio in the log, the server's playback events
        audio_starts = [x - t0 for rid in turn.response_ids if (rm := m.response(rid)) and (x := rm.audio_started_at) is not None]
    outputs = [*audio_starts, *(x - t0 for r in responses for x in (r.first_audio_at, r.first_text_at) if x is not None)]
    t.first_output = min(outputs) if outputs else None
    end = t.speech_end if t.speech_end is not None else _end_of_turn(turn, t0)
    if end is not None:
        if t.first_output is not None:
            t.answer_ms = (t.first_output - end) * 1000
        elif conv.recording is not None and conv.recording.clock.end is not None:
            t.waited_ms = (conv.recording.clock.end - t0 - end) * 1000
    if audio_starts and t.speech_end is not None and "response_gap" not in f.unknown:
        t.response_gap_ms = (min(audio_starts) - t.speech_end) * 1000
    if turn.item_id and turn.committed_at is not None and turn.item_id in m.transcribed_at:
        t.transcription_lag_ms = (m.transcribed_at[turn.item_id] - turn.committed_at) * 1000
    finals = [a.first_at for a in mine if a.first_at is not None and m.phases.get(a.item_id or "") == "final_answer"]
    if finals and t.speech_end is not None:
        t.first_final_audio_ms = (min(finals) - t.speech_end) * 1000
    if "interruptions" not in f.unknown and t.speech_start is not None and t.speech_end is not None:
        _barge_in(t, ctx, item is not None and t.has_output)
    return t


def _barge_in(t: TurnFeel, ctx: _Ctx, answered: bool) -> None:
    """A turn's barge-in, yield and false barge-in; whether the agent interrupted it."""
    assert t.speech_start is not None and t.speech_end is not None
    run, t.agent_interrupted = barge_in(t.speech_start, t.speech_end, ctx.runs, ctx.starts)
    t.barge_in = run is not None
    t.false_barge_in = False
    if run is None:
        return
    t.yield_ms = (run.end - t.speech_start) * 1000
    t.yielded_by = run.stop
    if run.stop != "end_of_audio":  # the assistant was cut off: by a cough, or by nothing asked?
        short = (t.speech_end - t.speech_start) * 1000 < ctx.feel.false_barge_in_ms
        asked_nothing = not t.committed or (t.words is not None and t.words <= 1 and not answered)
        t.false_barge_in = short or asked_nothing


def _end_of_turn(turn: Turn, t0: float) -> float | None:
    at = turn.end_of_speech_at
    return None if at is None else at - t0


def combine(feels: list[Feel], source: str = "total") -> Feel:
    """Several logs' feel as one: turns, delivery and VAD segments side by side; a metric is
    unknown in the total if it is unknown in every file."""
    t = Feel(source, files=len(feels))
    if feels:
        t.unanswered_after_s, t.false_barge_in_ms = feels[0].unanswered_after_s, feels[0].false_barge_in_ms
    for f in feels:
        t.turns.extend(f.turns)
        t.delivery.extend(f.delivery)
        for k in ("talk_over_seconds", "talk_over_count", "speaking_seconds"):
            v = getattr(f, k)
            if v is not None:
                setattr(t, k, (getattr(t, k) or 0) + v)
        t.vad = VadStats.merge(t.vad, f.vad)
    clocks = {f.clock for f in feels}
    t.clock = clocks.pop() if len(clocks) == 1 else None
    for k in {k for f in feels for k in f.unknown}:
        if all(k in f.unknown for f in feels):
            t.unknown[k] = feels[0].unknown[k] if len({f.unknown[k] for f in feels}) == 1 else "not known in any file"
    return t


def _step_order(name: str) -> int:
    from rtlog.metrics.latency import STEP_NAMES

    return STEP_NAMES.index(name) if name in STEP_NAMES else len(STEP_NAMES)


def _r3(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _ms(x: float | None) -> float | None:
    return None if x is None else round(x, 1)
