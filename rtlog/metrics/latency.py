"""Latency decomposition of one user turn: from the end of the user's speech to the
first assistant audio, step by step.

Owns the chain of milestones (receive times, epoch seconds) and the steps between them:
`endpointing` (end of speech on the timeline → `speech_stopped`: the VAD's silence wait),
`commit` (→ `input_audio_buffer.committed`), `response_start` (→ the turn's first
`response.created`), then for a response that calls tools `tool_call` (→ its
`function_call_arguments.done`), `tool_execution` (→ the client's `function_call_output`),
`tool_followup` (→ the next `response.created`), or `retry` (a response without output or
calls → the next one), and `first_audio` (→ the first audio delta, else text delta, of
the answering response). A step is n/a (None) when either of its milestones is not in the
log, never 0; consecutive steps share their milestones, so where every step is known they
sum to the total (to rounding). The chain is read from the conversation model only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rtlog.conversation.model import Conversation, Turn
from rtlog.conversation.moments import CallMoments

#: the steps a chain can have, in the order they can appear
STEP_NAMES = ("endpointing", "commit", "response_start", "tool_call", "tool_execution", "tool_followup", "retry", "first_audio")


@dataclass(slots=True)
class Step:
    """One step of a turn's latency: from one milestone to the next."""

    name: str
    start: str  # the milestones' names
    end: str
    ms: float | None  # None: a milestone is not in the log

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.name, "from": self.start, "to": self.end, "ms": _ms(self.ms)}


@dataclass(slots=True)
class ToolRound:
    """One function call in a turn: the model's call, the client's tool, the follow-up."""

    call_id: str
    name: str | None
    response_id: str | None
    tool_ms: float | None  # arguments done → the client's output
    to_audio_ms: float | None  # the client's output → the first audio of the answer
    round_trip_ms: float | None  # arguments done → the first audio of the answer

    def to_dict(self) -> dict[str, Any]:
        return {"call_id": self.call_id, "name": self.name, "response_id": self.response_id, "tool_ms": _ms(self.tool_ms),
                "to_audio_ms": _ms(self.to_audio_ms), "round_trip_ms": _ms(self.round_trip_ms)}  # fmt: skip


@dataclass(slots=True)
class Decomposition:
    """A turn's latency: its steps, their total, and whether every step is known."""

    steps: list[Step]
    start: str | None  # the first milestone of the total (speech_end, else the first known)
    total_ms: float | None  # that milestone → the first assistant output
    complete: bool  # every step known: the steps sum to the total
    tool_rounds: list[ToolRound]
    output_at: float | None  # receive time of the first assistant output (audio, else text)
    output_is_audio: bool


def calls_by_response(conv: Conversation) -> dict[str | None, list[CallMoments]]:
    """Each response's function calls (their moments)."""
    out: dict[str | None, list[CallMoments]] = {}
    for c in conv.moments.calls.values():
        out.setdefault(c.response_id, []).append(c)
    return out


def decompose(conv: Conversation, turn: Turn, speech_end_at: float | None,
              calls: dict[str | None, list[CallMoments]] | None = None) -> Decomposition:  # fmt: skip
    """The latency chain of `turn` (see the module docstring); `speech_end_at`: the end of
    the user's speech as a receive time (timeline position + t0), None if unknown; `calls`:
    `calls_by_response(conv)`, for a caller that decomposes many turns."""
    if calls is None:
        calls = calls_by_response(conv)
    m = conv.moments
    chain: list[tuple[str, str, float | None]] = []  # (step that ends here, milestone, time)
    if turn.how != "text":
        chain.append(("", "speech_end", speech_end_at))
        if turn.speech_stopped_at is not None or turn.how == "speech":
            chain.append(("endpointing", "speech_stopped", turn.speech_stopped_at))
    chain.append(("commit" if chain else "", "committed", turn.committed_at))
    output_at: float | None = None
    is_audio = False
    rounds: list[tuple[str, str | None, float | None, float | None]] = []
    step_in = "response_start"
    for rid in turn.response_ids:
        r = conv.response(rid)
        rm = m.response(rid)
        chain.append((step_in, "response.created", rm.created_at if rm else None))
        if r is not None and (r.first_audio_at is not None or r.first_text_at is not None):
            is_audio = r.first_audio_at is not None
            output_at = r.first_audio_at if is_audio else r.first_text_at
            chain.append(("first_audio", "first_audio" if is_audio else "first_text", output_at))
            break
        made = calls.get(rid)
        if made:
            args = _last(c.arguments_done_at for c in made)
            out = _last(c.output_at for c in made)
            chain.append(("tool_call", "arguments_done", args))
            chain.append(("tool_execution", "tool_output", out))
            rounds.extend((c.call_id, rid, c.arguments_done_at, c.output_at) for c in made)
            step_in = "tool_followup"
        else:
            step_in = "retry"
    steps: list[Step] = []
    for (_, a_name, a_t), (step, b_name, b_t) in zip(chain, chain[1:]):
        steps.append(Step(step, a_name, b_name, None if a_t is None or b_t is None else (b_t - a_t) * 1000))
    start_name, start_t = next(((n, t) for _, n, t in chain if t is not None), (None, None))
    if output_at is None:
        steps = [s for s in steps if s.name != "first_audio"]
    total = None if output_at is None or start_t is None else (output_at - start_t) * 1000
    complete = output_at is not None and bool(steps) and all(s.ms is not None for s in steps)
    names = {c.call_id: c.name for c in conv.tool_calls} if rounds else {}
    tool_rounds = [
        ToolRound(cid, names.get(cid), rid, _diff(args, out), _diff(out, output_at), _diff(args, output_at))
        for cid, rid, args, out in rounds
    ]
    return Decomposition(steps, start_name if output_at is not None else None, total, complete, tool_rounds, output_at, is_audio)


def _last(values: Any) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else (b - a) * 1000


def _ms(x: float | None) -> float | None:
    return None if x is None else round(x, 1)
