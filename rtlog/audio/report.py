"""What an extraction found and wrote: per-side statistics, the files, and the report.

Owns `SideStats` (counts the extraction keeps for each side, and the messages' line
references), `OutputFile` (one file written, with its place on the timeline and its
transcript for index.json) and `AudioReport` (all of it, with `as_dict` for `--json` and
index.json). Plain values: nothing here decodes, places or writes audio.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from rtlog.audio.options import ASSISTANT, AudioOptions
from rtlog.protocol.formats import PCM16, AudioFormat
from rtlog.records import record


@record(slots=True)
class SideStats:
    """What was found and done on one side."""

    side: str
    source: str | None = None  # where its first audio event is (for messages)
    events: int = 0  # audio events seen
    chunks: int = 0  # chunks that contributed audio (or placeholder silence)
    decoded_bytes: int = 0  # real audio decoded (source format)
    invalid: int = 0
    placeholders: int = 0
    placeholder_bytes: int = 0
    placeholder_seconds: float = 0.0
    first_placeholder: tuple[str, int] | None = None
    placeholder_text: str = ""
    cut_chunks: int = 0
    cut_size: int | None = None
    first_cut: tuple[str, int] | None = None
    odd_dropped: int = 0
    first_odd: tuple[str, int] | None = None
    truncated_items: int = 0  # items cut at their truncation point
    heard_dropped_bytes: int = 0
    heard_dropped_seconds: float = 0.0
    formats: list[AudioFormat] = field(default_factory=list)  # effective source formats seen

    def as_dict(self) -> dict[str, Any]:
        fmt = self.formats[0] if self.formats else None
        return {
            "events": self.events,
            "chunks": self.chunks,
            "decoded_bytes": self.decoded_bytes,
            "encoding": fmt.encoding if fmt else None,
            "rate": fmt.rate if fmt else None,
            "invalid_chunks": self.invalid,
            "placeholder_chunks": self.placeholders,
            "placeholder_bytes": self.placeholder_bytes,
            "cut_by_recorder_chunks": self.cut_chunks,
            "cut_chunk_size": self.cut_size,
            "odd_bytes_dropped": self.odd_dropped,
            "truncated_items": self.truncated_items,
            "not_heard_bytes_dropped": self.heard_dropped_bytes,
        }


@record(slots=True)
class OutputFile:
    """One file written (a split file, or the single output)."""

    name: str
    index: int = 1
    side: str = ASSISTANT
    kind: str | None = None  # split: response / item / turn
    encoding: str = PCM16
    rate: int = 0
    channels: int = 1
    nbytes: int = 0
    chunks: int | None = 0  # None for stereo split files (chunks are mixed, not counted per file)
    turn: int | None = None
    response_ids: list[str] = field(default_factory=list)
    item_ids: list[str] = field(default_factory=list)
    user_item_ids: list[str] = field(default_factory=list)
    start: float | None = None  # seconds on the session timeline
    start_at: float | None = None  # epoch seconds, when the log has timestamps
    transcript: Any = None

    @property
    def seconds(self) -> float:
        width = 2 if self.encoding == PCM16 else 1
        return self.nbytes / (self.rate * self.channels * width) if self.rate else 0.0

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"file": self.name}
        if self.kind:
            d["index"] = self.index
            d["kind"] = self.kind
        d.update(side=self.side, seconds=round(self.seconds, 3), rate=self.rate, encoding=self.encoding,
                 channels=self.channels, bytes=self.nbytes, chunks=self.chunks)  # fmt: skip
        if self.kind:
            d.update(
                turn=self.turn, response_ids=self.response_ids, item_ids=self.item_ids,
                user_item_ids=self.user_item_ids,
                start=None if self.start is None else round(self.start, 3), start_at=self.start_at,
                transcript=self.transcript,
            )  # fmt: skip
        return d


@record(slots=True)
class AudioReport:
    options: AudioOptions
    files: list[OutputFile] = field(default_factory=list)
    sides: dict[str, SideStats] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    timestamps: bool | None = None  # stereo/split: placed by timestamps (else by VAD offsets); all files
    placement: list[tuple[str, bool]] = field(default_factory=list)  # each input file: placed by timestamps?
    notes: list[str] = field(default_factory=list)  # how the audio was placed, when the summary line should say (GPT-Live)

    @property
    def placed_by(self) -> str | None:
        """timestamps, vad_offsets, mixed (some files each way), or None (nothing placed)."""
        if self.timestamps is None:
            return None
        kinds = {timed for _, timed in self.placement} or {self.timestamps}
        return "mixed" if len(kinds) > 1 else "timestamps" if self.timestamps else "vad_offsets"

    @property
    def nbytes(self) -> int:
        return sum(f.nbytes for f in self.files)

    @property
    def seconds(self) -> float:
        return sum(f.seconds for f in self.files)

    @property
    def chunks(self) -> int:
        return sum(s.chunks for s in self.sides.values())

    def as_dict(self) -> dict[str, Any]:
        o = self.options
        return {
            "format": "raw" if o.raw else "wav",
            "side": o.side, "heard": o.heard, "split": o.split, "keep_encoding": o.keep_encoding,
            "placed_by": self.placed_by,
            "placed_by_file": [{"file": name, "placed_by": "timestamps" if timed else "vad_offsets"}
                               for name, timed in self.placement],
            "files": [f.as_dict() for f in self.files],
            "seconds": round(self.seconds, 3), "bytes": self.nbytes, "chunks": self.chunks,
            "sides": {k: v.as_dict() for k, v in self.sides.items()},
            "warnings": self.warnings,
            "notes": self.notes,
        }  # fmt: skip
