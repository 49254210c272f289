"""What was heard: a transcript cut down to the words that reached the other side's ears.

Owns `heard_only`: from a `Transcript`, the user's and the assistant's spoken messages
only, each assistant reply cut where its audio was truncated (the heard part the model
knows from `audio_end_ms`), with none of rtlog's own meta text (no `[interrupted …]`
remarks, no tool calls or outputs, no errors, no `[image]` or `[preamble]` labels, no
reasons or notes). A reply cut before its first word is left out; a reply interrupted
where the log cannot tell (its audio is not in the log) keeps its whole text, and the
transcript's notes say how many. Rendering (text, srt, vtt, …) is the command's.
"""

from __future__ import annotations

from rtlog.transcript.entries import Entry, Transcript

SPEAKERS = ("user", "assistant")


def heard_only(t: Transcript) -> Transcript:
    """A new transcript of what was heard (see the module docstring); `t` is unchanged."""
    kept: list[Entry] = []
    unknown_cut = 0
    for e in t.entries:
        if e.type != "message" or e.role not in SPEAKERS:
            continue
        text = e.heard_text if e.heard_text is not None else e.text
        if e.heard_text is None and e.audio_end_ms is not None and e.text:
            unknown_cut += 1
        text = (text or "").strip()
        if not text:
            continue
        kept.append(Entry(e.session, e.role, e.type, text=text, item_id=e.item_id, response_id=e.response_id,
                          start=e.start, end=e.end, line=e.line, file=e.file))  # fmt: skip
    notes = list(t.notes)
    if unknown_cut:
        n = unknown_cut
        notes.append(f"{n} interrupted repl{'ies' if n != 1 else 'y'} whose audio is not in the log: where "
                     f"{'they were' if n != 1 else 'it was'} cut is unknown, so the whole text is shown")  # fmt: skip
    return Transcript(kept, t.sessions, t.t0, t.source, notes)
