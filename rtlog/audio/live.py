"""extract-audio for GPT-Live and Realtime Translation logs: their audio events, placed.

Owns telling a Live / Translation log from a Realtime one before extracting (`is_live_log`,
on the first MiB of each file), and the extraction pass for it (`extract_live`). Every
event goes through a `rtlog.conversation.fold.Fold` (its `LiveTracker` gives each session's
dialect, transport and audio format), and each audio event is decoded on its own:
- user side: `session.input_audio.append` (the client's audio on a primary WebSocket, the
  server's mirror on a sideband) or Translation's `session.input_audio_buffer.append`,
  concatenated in delivery order (no event gives it a time);
- assistant side: `session.output_audio.delta` — untimed on a primary socket, written in
  delivery order; timed on a sideband (`start_ms`/`end_ms`), placed on the session's
  timeline at `start_ms` with silence where no range covers it, and the gaps reported
  (gpt-live.md §7: omitted silence or dropped frames — the protocol does not say which);
- `--side both`: a stereo file, user left and assistant right on one timeline: the user
  from the session's start, timed assistant audio at `start_ms`, untimed assistant audio
  from the `start_ms` of the output transcript fragment that precedes it when that lies
  past the audio so far (the transcript's own timing), else right after it.
The format is the session's (`audio.format`: PCM16 at 24 kHz by default, 16 kHz allowed,
G.711 μ/A-law at 8 kHz decoded to PCM16 unless `--keep-encoding`); sideband mirrors are
PCM16 at 24 kHz. Each Live session restarts its timeline: several sessions follow each
other. Memory: one chunk, plus in stereo the audio one side is ahead of the other.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Iterable, Sequence
from typing import IO, Any

from rtlog.audio import g711
from rtlog.audio.convert import decode_b64
from rtlog.audio.options import ASSISTANT, BOTH, USER, AudioOptions
from rtlog.audio.report import AudioReport, OutputFile, SideStats
from rtlog.audio.resample import ResampledWriter
from rtlog.audio.wav import WavWriter
from rtlog.conversation.fold import Fold
from rtlog.conversation.live_model import LiveSession
from rtlog.errors import NothingFound, UsageError
from rtlog.io.reader import Diagnostics, Source, open_source, read_events
from rtlog.protocol import live as L
from rtlog.protocol.audio_checks import recorder_cut
from rtlog.protocol.events import Event
from rtlog.protocol.formats import PCM16, AudioFormat
from rtlog.protocol.realtime import INPUT_AUDIO_APPEND, OUTPUT_AUDIO_DELTA
from rtlog.units import fmt_seconds

#: a placement further than this past the audio so far is not believed (a bogus start_ms
#: would otherwise write hours of silence): the chunk follows the audio before it
MAX_GAP_SECONDS = 600
#: how much of a file is looked at to tell its dialect
SNIFF_BYTES = 1 << 20
_LIVE_MARKS = tuple(f'"{t}"'.encode() for t in ("session.start", "session.started", "response.event", L.INPUT_APPEND,
                                                  L.OUTPUT_DELTA, L.TRANSLATION_APPEND, "session.usage.updated"))  # fmt: skip
_REALTIME_MARKS = tuple(f'"{t}"'.encode() for t in ("session.created", INPUT_AUDIO_APPEND, OUTPUT_AUDIO_DELTA, "response.audio.delta",
                                                      "response.created", "response.done"))  # fmt: skip
_TRANSLATION_SESSION = (b'"type":"translation"', b'"type": "translation"')


def is_live_log(sources: Sequence[Source]) -> bool:
    """The first readable file's beginning names GPT-Live or Translation events before any
    Realtime one (only a regular file is looked at: stdin or a FIFO cannot be read twice)."""
    for src in sources:
        if src.path is None or not os.path.isfile(src.path):
            return False  # stdin, a FIFO, `<(…)`: what is read to look is gone
        try:
            with open_source(src) as fp:
                head = fp.read(SNIFF_BYTES)
        except Exception:  # (the extraction reports an unreadable file in its own words)
            return False
        first_live = min((i for i in (head.find(m) for m in _LIVE_MARKS) if i >= 0), default=-1)
        first_rt = min((i for i in (head.find(m) for m in _REALTIME_MARKS) if i >= 0), default=-1)
        if first_rt >= 0 and head.find(b'"session.created"') == first_rt and any(m in head for m in _TRANSLATION_SESSION):
            first_rt = -1  # a Translation session starts with session.created
        if first_live >= 0 and (first_rt < 0 or first_live < first_rt):
            return True
        if first_rt >= 0:
            return False
    return False


class _Lane:
    """One channel's bytes not yet written, and where its audio ends (bytes from 0)."""

    __slots__ = ("buf", "end", "gaps", "gap_bytes", "overlaps")

    def __init__(self) -> None:
        self.buf = bytearray()
        self.end = 0
        self.gaps = 0
        self.gap_bytes = 0
        self.overlaps = 0

    def place(self, pos: int | None, data: bytes, frame: int, *, count_gap: bool) -> None:
        if pos is not None:
            pos -= pos % frame
            if pos > self.end:
                if count_gap:
                    self.gaps += 1
                    self.gap_bytes += pos - self.end
                self.buf += bytes(pos - self.end)
                self.end = pos
            elif pos < self.end:
                self.overlaps += 1
        self.buf += data
        self.end += len(data)


class LiveExtraction:
    """One run over Live / Translation events (`run`), then `finish`."""

    def __init__(self, opts: AudioOptions, diag: Diagnostics, out: IO[bytes], out_name: str, log_name: str) -> None:
        if opts.split is not None or opts.heard:
            raise UsageError("--split and --heard are not supported for GPT-Live / Translation logs (there are no "
                             "responses, items or truncations); use --side assistant|user|both")  # fmt: skip
        self.opts = opts
        self.diag = diag
        self.log_name = log_name
        self.writer: Any = WavWriter(out, raw=opts.raw)
        if opts.out_rate:  # --out-rate: the output resampled as it is written
            self.writer = ResampledWriter(self.writer, opts.out_rate)
        self.file = OutputFile(out_name, side=opts.side)
        self.report = AudioReport(opts)
        self.stats = {s: SideStats(s) for s in ((USER, ASSISTANT) if opts.side == BOTH else (opts.side,))}
        self.lanes = {USER: _Lane(), ASSISTANT: _Lane()}
        self.fold = Fold(recording=False)
        self._session: LiveSession | None = None
        self._base = 0  # where the session's timeline starts, in bytes of the output format
        self._fmt: AudioFormat | None = None  # the output format (the first session's, decoded)
        self._pending: int | None = None  # untimed assistant audio: the next chunk's place (bytes)
        self._timed = 0
        self._realtime_audio = 0
        self._invalid_lines: list[int] = []
        self._unbelieved: list[int] = []  # lines whose start_ms lies too far ahead (MAX_GAP_SECONDS)
        self._lens: dict[str, list] = {}  # side → [its first chunk's length, every chunk that long]

    def run(self, events: Iterable[Event]) -> None:
        feed = self.fold.feed
        for ev in events:
            feed(ev)
            t = ev.type
            if t in L.AUDIO_PAYLOAD_KEY and t != "session.output_audio.fixture.play":
                self._audio(ev)
            elif t == L.OUTPUT_TRANSCRIPT:
                self._transcript(ev)
            elif ev.kind in (OUTPUT_AUDIO_DELTA, INPUT_AUDIO_APPEND):
                self._realtime_audio += 1

    def _fmt_of(self, s: LiveSession, side: str) -> AudioFormat:
        fmt = s.input_format if side == USER else s.output_format
        if self.opts.rate or self.opts.encoding:
            fmt = AudioFormat(self.opts.encoding or fmt.encoding, self.opts.rate or fmt.rate, True)
        return fmt

    def _new_session(self, s: LiveSession) -> None:
        self._session = s
        self._base = max(self.lanes[USER].end, self.lanes[ASSISTANT].end) if self.opts.side == BOTH else self.lanes[self.opts.side].end
        self._pending = None

    def _bytes_per_ms(self) -> float:
        assert self._fmt is not None
        return self._fmt.rate * (2 if self._out_encoding() == PCM16 else 1) / 1000

    def _out_encoding(self) -> str:
        assert self._fmt is not None
        return self._fmt.encoding if self.opts.keep_encoding and self.opts.side != BOTH else PCM16

    def _transcript(self, ev: Event) -> None:
        s = self.fold.live.session
        if s is None or self._fmt is None or self.opts.side != BOTH:
            return
        if s is not self._session:
            self._new_session(s)
        st = ev.data.get("start_ms")
        if type(st) is int:
            pos = self._base + int(st * self._bytes_per_ms())
            if self.lanes[ASSISTANT].end < pos <= self.lanes[ASSISTANT].end + MAX_GAP_SECONDS * 1000 * self._bytes_per_ms():
                self._pending = pos

    def _audio(self, ev: Event) -> None:
        s = self.fold.live.session
        if s is None:
            return
        side = USER if ev.type in L.INPUT_AUDIO_TYPES else ASSISTANT
        st = self.stats.get(side)
        if st is None:
            return
        if s is not self._session:
            self._new_session(s)
        st.events += 1
        if st.source is None:
            st.source = f"{ev.source}:{ev.line_no}"
        b64 = ev.audio_b64()
        info = ev.audio_info()
        if b64 is None or info is None or info.problem is not None:
            st.invalid += 1
            self._invalid_lines.append(ev.line_no)
            if self.diag.strict:
                from rtlog.errors import InputError

                raise InputError(f"{ev.source}:{ev.line_no}: invalid base64 audio")
            return
        try:
            data = decode_b64(b64)
        except (binascii.Error, ValueError):
            st.invalid += 1
            return
        fmt = self._fmt_of(s, side)
        if self._fmt is None:
            self._fmt = fmt
            self.writer.begin(self._out_encoding(), fmt.rate, 2 if self.opts.side == BOTH else 1)
            self.file.encoding, self.file.rate, self.file.channels = (self._out_encoding(), self.opts.out_rate or fmt.rate,
                                                                      2 if self.opts.side == BOTH else 1)  # fmt: skip
        if fmt not in st.formats:
            st.formats.append(fmt)
        if fmt.encoding != PCM16 and self._out_encoding() == PCM16:
            data = g711.to_pcm16(data, fmt.encoding)
        if fmt.rate != self._fmt.rate:
            raise UsageError(f"{ev.source}:{ev.line_no}: the audio changes rate ({self._fmt.rate} → {fmt.rate} Hz) between "
                             "GPT-Live sessions; extract them one at a time")  # fmt: skip
        lens = self._lens.setdefault(side, [len(data), True])
        if len(data) != lens[0]:
            lens[1] = False
        if len(data) & 1 and self._out_encoding() == PCM16:
            data = data[:-1]
            st.odd_dropped += 1
        st.chunks += 1
        st.decoded_bytes += len(data)
        lane = self.lanes[side]
        frame = 2 if self._out_encoding() == PCM16 else 1
        pos: int | None = None
        limit = MAX_GAP_SECONDS * 1000 * self._bytes_per_ms()
        if side == ASSISTANT:
            start = ev.data.get("start_ms")
            if type(start) is int:
                self._timed += 1
                pos = self._base + int(start * self._bytes_per_ms())
            elif self.opts.side == BOTH:
                pos = self._pending
            self._pending = None
        elif self.opts.side == BOTH and lane.end < self._base:
            pos = self._base
        if pos is not None and pos - lane.end > limit:
            self._unbelieved.append(ev.line_no)
            pos = None
        lane.place(pos, data, frame, count_gap=side == ASSISTANT and self._timed > 0 and lane.end > self._base)
        self._flush()

    def _flush(self, final: bool = False) -> None:
        if self.opts.side != BOTH:
            lane = self.lanes[self.opts.side]
            if lane.buf:
                self.writer.write(bytes(lane.buf))
                lane.buf.clear()
            return
        left, right = self.lanes[USER], self.lanes[ASSISTANT]
        if final:
            n = max(len(left.buf), len(right.buf))
            for lane in (left, right):
                if len(lane.buf) < n:
                    lane.buf += bytes(n - len(lane.buf))
        n = min(len(left.buf), len(right.buf)) & ~1
        if n <= 0:
            return
        out = bytearray(n * 2)
        lb, rb = memoryview(left.buf)[:n], memoryview(right.buf)[:n]
        out[0::4], out[1::4], out[2::4], out[3::4] = lb[0::2], lb[1::2], rb[0::2], rb[1::2]
        del lb, rb
        del left.buf[:n], right.buf[:n]
        self.writer.write(bytes(out))

    def finish(self) -> AudioReport:
        self.fold.finish()
        found = any(st.decoded_bytes for st in self.stats.values())
        if not found:
            raise NothingFound(f"{self.log_name}: {self._nothing()}")
        cut = {side: lens[0] for side, lens in self._lens.items() if recorder_cut(self.stats[side].chunks, lens[0], lens[1])}
        if cut and len(cut) == len(self.stats):  # (the rule `rtlog.audio.screen` applies to Realtime logs)
            side, n = next(iter(cut.items()))
            raise NothingFound(f"{self.log_name}: no real {side} audio: the recorder cut every chunk to {n} bytes "
                               "(an odd size for PCM16), so the log does not hold it")  # fmt: skip
        for side, n in cut.items():
            self.report.warnings.append(f"{side} audio cut by the recorder: every chunk is {n} bytes, written as it is (not real audio)")
        self._flush(final=True)
        self.writer.finish()
        self.file.nbytes = self.writer.nbytes
        self.file.chunks = sum(st.chunks for st in self.stats.values())
        r = self.report
        r.files.append(self.file)
        r.sides = self.stats
        a = self.lanes[ASSISTANT]
        if ASSISTANT in self.stats and self._timed:
            bpms = self._bytes_per_ms()
            note = "sideband output placed by start_ms on the session timeline"
            if a.gaps:
                note += f": {a.gaps} gap{'s' if a.gaps != 1 else ''} between its ranges ({fmt_seconds(a.gap_bytes / bpms / 1000)}) filled with silence"
            r.notes.append(note)
        if a.overlaps:
            r.warnings.append(f"{a.overlaps} assistant audio chunk{'s' if a.overlaps != 1 else ''} overlap the audio before them: written after it")
        if self.opts.side == BOTH and ASSISTANT in self.stats and not self._timed:
            r.notes.append("untimed output placed by the output transcript's start_ms")
        for side, st in self.stats.items():
            if st.invalid:
                r.warnings.append(f"{st.invalid} {side} audio chunk{'s' if st.invalid != 1 else ''} with invalid base64 skipped (first at line {self._invalid_lines[0] if self._invalid_lines else '?'})")
            if st.odd_dropped:
                r.warnings.append(f"{st.odd_dropped} {side} audio chunk{'s' if st.odd_dropped != 1 else ''} with an odd byte count: last byte dropped")
        if self._unbelieved:
            n = len(self._unbelieved)
            r.warnings.append(f"{n} audio chunk{'s' if n != 1 else ''} placed more than {MAX_GAP_SECONDS} s after the audio before "
                              f"{'them' if n != 1 else 'it'} (first at line {self._unbelieved[0]}): written right after it instead")  # fmt: skip
        if self._realtime_audio:
            r.warnings.append(f"{self._realtime_audio} Realtime audio events (a mixed log) not extracted: extract that part on its own")
        return r

    def _nothing(self) -> str:
        sides = " or ".join(self.stats)
        if not self.fold.live.live:
            return f"no {sides} audio"
        transports = {s.transport for s in self.fold.live.live}
        return (f"no {sides} audio in this GPT-Live / Translation log ({', '.join(sorted(transports))}: a WebRTC data "
                "channel carries no audio, and sidebands mirror it only in newer versions)")  # fmt: skip

    def abort(self) -> None:
        self.writer.close()


def extract_live(
    sources: Sequence[Source], opts: AudioOptions, diag: Diagnostics, *, out: IO[bytes], out_name: str, log_name: str
) -> AudioReport:
    """Extract a GPT-Live / Translation log's audio into `out` (module docstring)."""
    x = LiveExtraction(opts, diag, out, out_name, log_name)
    try:
        for src in sources:
            x.run(read_events(src, diag))
        return x.finish()
    except BaseException:
        x.abort()
        raise
