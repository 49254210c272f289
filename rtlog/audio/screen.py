"""Screening one side's chunks: decoded bytes → clean audio in the source format.

Owns the rules that decide which decoded bytes are audio (documented in the README):
- a side whose first PCM16 chunks (at least 3) all have one short odd length (< 64 bytes)
  was cut by the recorder (`rtlog.protocol.audio_checks.recorder_cut`): its chunks of that
  length are not written; real audio re-chunked into a long odd size is written;
- heard cuts: an assistant item's audio past its truncation point is dropped;
- PCM16 byte alignment: an odd byte at the end of a chunk is carried into the next chunk
  of the same item; one left at the end of an item is dropped (counted, reported).
It does not decode base64, convert formats or place audio: it passes clean chunks on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rtlog.audio.report import SideStats
from rtlog.protocol.audio_checks import cut_length, recorder_cut
from rtlog.protocol.events import Event
from rtlog.protocol.formats import PCM16, AudioFormat

Emit = Callable[[Any, AudioFormat, bytes, Any], None]


class SideScreen:
    """Turns one side's decoded chunks into clean audio in the source format, passing it
    to `emit(key, fmt, data, place)`: cut-by-recorder detection, heard cuts, and PCM16
    byte alignment. `key` identifies the stream a chunk continues (the assistant item;
    None for the user's single input stream); `place` is passed through untouched."""

    def __init__(self, stats: SideStats, emit: Emit, cuts: dict[str, int] | None = None) -> None:
        self.stats = stats
        self.emit = emit
        self.cuts = cuts
        self.cut_size: int | None = None  # the recorder's cut length, once detected
        self._decided = False  # past the first real chunk (cut detection done)
        self._held: list[tuple[Any, AudioFormat, bytes, Any, str, int]] = []
        self._carry = b""
        self._carry_key: Any = None
        self._carry_at: tuple[str, int] = ("", 0)
        self._item_bytes: dict[Any, int] = {}

    @property
    def dead(self) -> bool:
        """The recorder cut this side: no more audio will come from it."""
        return self.cut_size is not None

    def push(self, key: Any, fmt: AudioFormat, data: bytes, place: Any, ev: Event, real: bool = True) -> None:
        if real and fmt.encoding == PCM16:
            if self.cut_size is not None:
                if len(data) == self.cut_size:
                    self.stats.cut_chunks += 1
                    if self.stats.first_cut is None:  # (the first of a file after the first)
                        self.stats.first_cut = (ev.source, ev.line_no)
                    return
            elif not self._decided:
                # held back only while every chunk so far has one short odd length (a
                # bounded look-ahead of CUT_MIN_CHUNKS chunks): audio_checks.recorder_cut
                held = self._held
                n = len(data)
                if (not held and cut_length(n)) or (held and n == len(held[0][2])):
                    held.append((key, fmt, data, place, ev.source, ev.line_no))
                    if recorder_cut(len(held), n, True):
                        self.cut_size = self.stats.cut_size = n
                        self.stats.cut_chunks += len(held)
                        self.stats.first_cut = (held[0][4], held[0][5])
                        held.clear()
                    return
                self.release()
        self._pass(key, fmt, data, place, ev.source, ev.line_no)

    def release(self) -> None:
        """Let held chunks through (they turned out not to be cut chunks)."""
        held = self._held
        if held:
            self._decided = True
            self._held = []
            for h in held:
                self._pass(*h)

    def _pass(self, key: Any, fmt: AudioFormat, data: bytes, place: Any, source: str, line_no: int) -> None:
        cuts = self.cuts
        if cuts is not None and key in cuts:
            done = self._item_bytes.get(key, 0)
            self._item_bytes[key] = done + len(data)
            limit = max(cuts[key], 0) * fmt.bytes_per_second // 1000
            limit -= limit % fmt.bytes_per_sample
            if done + len(data) > limit:
                keep = max(limit - done, 0)
                st = self.stats
                if done <= limit:
                    st.truncated_items += 1
                st.heard_dropped_bytes += len(data) - keep
                st.heard_dropped_seconds += (len(data) - keep) / fmt.bytes_per_second
                data = data[:keep]
                if not data:
                    return
        if fmt.encoding == PCM16:
            carry = self._carry
            if carry:
                self._carry = b""
                if key != self._carry_key:
                    self._drop_odd(self._carry_at)
                else:
                    data = carry + data
            if len(data) & 1:
                self._carry = data[-1:]
                self._carry_key = key
                self._carry_at = (source, line_no)
                data = data[:-1]
                if not data:
                    return
        self.emit(key, fmt, data, place)

    def new_file(self) -> None:
        """The next input file: item ids may repeat, so heard cuts count its items afresh;
        an odd byte left over from the previous file is dropped (it cannot continue)."""
        self.finish()
        self._item_bytes = {}

    def _drop_odd(self, at: tuple[str, int]) -> None:
        self.stats.odd_dropped += 1
        if self.stats.first_odd is None:
            self.stats.first_odd = at

    def finish(self) -> None:
        self.release()
        if self._carry:
            self._carry = b""
            self._drop_odd(self._carry_at)
