"""Audio extraction: the base64 audio of a session log → playable audio, streamed.

Owns the pass itself (`Extraction`, `extract_audio`): which audio belongs to which side
(assistant = `response.output_audio.delta`, user = the client's
`input_audio_buffer.append`), decoding each chunk on its own, recorder placeholders, where
each chunk goes (one stream, the stereo mix, or one file per response, item or turn), and
the messages when there is nothing to write. It decides no placement itself: sessions,
the timeline and turns are those of a `rtlog.conversation.fold.Fold` it feeds every event
(one per input file, chained), the same rules summary and transcript read, and
index.json's transcripts are each file's `Conversation` text. The parts live beside it:
`screen` (which bytes are audio), `convert` (decoding and rate conversion), `mix` (the
stereo lanes), `sinks` (split files), `report`, `prescan`. It writes through
`rtlog.audio.wav.WavWriter` to file objects the caller opens; it never touches stdout or
paths.

Memory: one chunk at a time, plus what the stereo mix must hold before both channels
have passed a point (the audio one side is ahead of the other), plus a few fields per
item. Truncations arrive after the audio they cut, so cutting (`--heard`, `--side
both`) needs `prescan` first.

Rules chosen here (documented in the README; the screening and conversion rules are in
`screen` and `convert`):
- a placeholder (`[trimmed: N bytes]`) becomes silence of the stated length, so the
  timing of everything after it stays right (streamed in blocks, never allocated whole); a side made only of placeholders has no
  audio (exit 1); a placeholder that claims more than `MAX_PLACEHOLDER_SECONDS` of audio
  (100 bytes of log must not become a 2 GB WAV) is skipped with a warning, like invalid
  base64;
- a stereo mix runs at the higher of the two rates (or `--out-rate`); rates are converted
  by `rtlog.audio.resample` (band-limited).
"""

from __future__ import annotations

import binascii
import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any

from rtlog.audio import g711
from rtlog.audio.convert import ENCODING_NAMES, Converter, FormatChange, decode_b64
from rtlog.audio.mix import StereoMixer
from rtlog.audio.options import ASSISTANT, BOTH, USER, AudioOptions
from rtlog.audio.prescan import LogFacts
from rtlog.audio.report import AudioReport, OutputFile, SideStats
from rtlog.audio.screen import Emit, SideScreen
from rtlog.audio.sinks import FileSet, FileStore, GapStore, Segmenter
from rtlog.audio.wav import MAX_DATA_BYTES, WavWriter
from rtlog.conversation.fold import Fold
from rtlog.conversation.model import Conversation
from rtlog.conversation.session import SESSION_KINDS
from rtlog.conversation.stats import MAX_PLACEHOLDER_SECONDS
from rtlog.conversation.timeline import SNAP_MS
from rtlog.conversation.turns import Turn
from rtlog.errors import InputError, NothingFound, UsageError
from rtlog.io.entries import DigestedLine
from rtlog.io.reader import Diagnostics, Source, read_events
from rtlog.protocol.digest import AudioDigest, audio_digest
from rtlog.protocol.events import Event
from rtlog.protocol.formats import PCM16, AudioFormat
from rtlog.protocol.item_audio import ITEM_CREATE, item_audio_appends
from rtlog.protocol.live import LIVE_ONLY
from rtlog.protocol.realtime import INPUT_AUDIO_APPEND, OUTPUT_AUDIO_DELTA

#: placements within this many milliseconds of the end of a channel's audio join it
#: (float rounding and the one-sample lag of rate conversion, not timing): the timeline's own rule
_SNAP_MS = SNAP_MS
#: a stream key no item has: the first chunk of each channel in a new file starts a stream
_NEW_FILE = object()
#: audio types as recorded (the ones a digest is made for) of each side, and what all of a
#: side's type names hold (and no other type, nor base64): the side not extracted is read by
#: the fold's fast path, the extracted one costs no digest
_SIDE_TYPES = {ASSISTANT: frozenset({"response.audio.delta", OUTPUT_AUDIO_DELTA}), USER: frozenset({INPUT_AUDIO_APPEND})}
_SIDE_NEEDLE = {ASSISTANT: b"audio.delta", USER: INPUT_AUDIO_APPEND.encode()}
#: where a line's type is looked for before digesting it (a bare line's type comes first,
#: a recorder's envelope puts a few fields before the event)
_TYPE_WITHIN = 200

OpenFile = Callable[[str], contextlib.AbstractContextManager[IO[bytes]]]
_INF = float("inf")
#: silence the stereo mix writes in one stretch at most: what a WAV file holds
_MAX_GAP_BYTES = MAX_DATA_BYTES
#: a placeholder's silence is written in blocks of this many bytes
_SILENCE_BLOCK = 1 << 16


#: the most bytes of an id in a split file's name (a name may have 255 bytes: `001_turn12_`,
#: the item's id, `.wav`)
NAME_BYTES = 80


def _safe_name(s: str) -> str:
    """An id as part of a file name: letters, digits, `-_.`, the rest `_`; at most
    `NAME_BYTES` bytes of UTF-8 (80 CJK characters are 240 bytes: 'File name too long')."""
    out = "".join(c if c.isalnum() or c in "-_." else "_" for c in s)
    if len(out) * 4 > NAME_BYTES:
        out = out.encode()[:NAME_BYTES].decode("utf-8", "ignore")
    return out or "_"


def _id_name(prefix: str, id_: Any) -> str:
    """`resp_<id>` / `item_<id>` for a file name (ids that already carry the prefix keep it)."""
    s = _safe_name(id_) if type(id_) is str else "unknown"
    return s if s.startswith(prefix) else prefix + s


class Extraction:
    """One run: feed it every event in order (`run`), then `finish`."""

    def __init__(
        self,
        opts: AudioOptions,
        diag: Diagnostics,
        facts: LogFacts | None = None,
        *,
        out: IO[bytes] | None = None,
        out_name: str = "output",
        open_file: OpenFile | None = None,
        log_name: str = "the log",
        expect: int | None = 0,
    ) -> None:
        """`expect`: the most audio bytes the output may get, if known (None: unknown; the
        WAV then reserves room for an RF64 header from the start: `rtlog.audio.wav`)."""
        if opts.split is not None and open_file is None:
            raise UsageError("--split needs a directory to write to")
        self.opts = opts
        self.diag = diag
        self.facts = facts or LogFacts(has_user_audio=True, has_assistant_audio=True)
        self.report = AudioReport(opts)
        self.want_asst = opts.side in (ASSISTANT, BOTH)
        self.want_user = opts.side in (USER, BOTH)
        self.stereo = opts.side == BOTH and opts.split in (None, "turn")
        split = opts.split
        # every placement comes from the conversation's own rules: one fold per input
        # file, chained (`Fold(after=…)`), so they share one timeline
        self.fold = Fold(recording=False)  # (it reads no counts)
        self.timeline = self.fold.timeline
        self._placing = opts.side == BOTH or split is not None  # (mono output places nothing)
        self._turns: list[Turn] = []  # split: every file's turns, numbered on across files
        self._turn_base = 0  # turns of the files before the current one
        self._nturns = 0  # turns already cut into the stereo mix
        self._live_seen = False  # a GPT-Live event (this pass reads only Realtime audio)
        cuts = self.facts.truncations if opts.cuts_truncations else None
        self.stats: dict[str, SideStats] = {}
        self.screens: dict[str, SideScreen] = {}
        self.conv: dict[str, Converter] = {}
        self._eff: dict[AudioFormat, AudioFormat] = {}
        self._fmt_cache: dict[str, tuple[AudioFormat, AudioFormat]] = {}
        self._asst_label: Any = _NEW_FILE  # split: the label of the assistant file written last
        self._count = 1  # what a chunk emitted adds to the counts (0: more of a placeholder's silence)
        self._silence: dict[str, bytes] = {}  # a block of silence per encoding
        self._contradicted: set[tuple[str, str, int]] = set()  # (file, stated format) already warned about
        self._rate_at: dict[str, dict[int, tuple[str, int]]] = {}  # side → rate → where it first came
        # each input file as it ends: (name, placed by timestamps?, stereo chunks that overlapped)
        self._files_done: list[tuple[str, bool, int]] = []
        self._overlaps_before = 0  # overlaps counted in the files before the current one
        self._marks: dict[str, tuple[int, float, int, int]] = {}  # side → its counts when the current file began
        self._file_counts: list[tuple[Any, ...]] = []  # each file and side: what its messages say
        for side in (ASSISTANT, USER):
            if (side == ASSISTANT and self.want_asst) or (side == USER and self.want_user):
                st = self.stats[side] = self.report.sides[side] = SideStats(side)
                emit = self._emitter(side)
                self.screens[side] = SideScreen(st, emit, cuts if side == ASSISTANT else None)
        # outputs
        self.writer: WavWriter | None = None
        self.file: OutputFile | None = None
        if split is None:
            assert out is not None
            self.writer = WavWriter(out, raw=opts.raw, expect=expect)
            self.file = OutputFile(out_name, side=opts.side, channels=2 if self.stereo else 1)
        self.files = FileSet(open_file, opts.raw) if split and open_file is not None else None
        self.mixer: StereoMixer | None = None
        self.segmenter: Segmenter | None = None
        self.user_seg: Segmenter | None = None
        self._gap: GapStore | None = None
        self._rate = 0  # stereo output rate
        self._now = -_INF  # latest timestamp seen (stereo)
        self._asst_open = False  # stereo: an assistant item is playing (more of it may come)
        self._first_source: str | None = None
        self._source: str | None = None  # the input file being read
        self._line = 0  # the last line of it taken
        self._log_name = log_name  # what messages call the input when no event names it
        self._stereo_key: list[Any] = [None, None]  # the stream each channel plays (user: None; assistant: item)
        self._marker = 0.0  # no-timestamp stereo: lower bound (s) for where the next response starts
        self._user_buffer_start = 0  # user split: frame where the uncommitted input buffer starts
        self._user_session_base = 0  # user split: frame where the current session's input starts
        self._vad_items: set[str] = set()
        self._pending_commit_turn: int | None = None
        self._active: dict[int, set[str]] = {}  # assistant turn files: the responses still running
        # index.json: each file's conversation, and the file each split file and turn belongs to
        self._convs: list[Conversation] = []
        self._entry_file: dict[int, int] = {}  # OutputFile.index → its input file (0-based)
        self._turn_file: list[int] = []  # parallel to _turns
        self._handlers = self._make_handlers()

    # -- formats ---------------------------------------------------------------------------

    def _effective(self, fmt: AudioFormat) -> AudioFormat:
        """The source format after `--encoding` / `--rate`."""
        eff = self._eff.get(fmt)
        if eff is None:
            o = self.opts
            enc = o.encoding or fmt.encoding
            if o.rate:
                rate = o.rate
            elif o.encoding and o.encoding != fmt.encoding:
                rate = 24000 if enc == PCM16 else 8000
            else:
                rate = fmt.rate
            eff = self._eff[fmt] = fmt if (enc, rate) == (fmt.encoding, fmt.rate) else AudioFormat(enc, rate, True)
        return eff

    def _contradicts(self, source: str, stated: AudioFormat, eff: AudioFormat) -> None:
        """Warn (once per file and stated format) that `--rate` / `--encoding` contradict the
        format the log states; the override is still obeyed (the user may know better)."""
        key = (source, stated.encoding, stated.rate)
        if key in self._contradicted:
            return
        self._contradicted.add(key)
        o = self.opts
        flags = []
        if o.encoding and o.encoding != stated.encoding:
            flags.append(("--encoding", o.encoding))
        if o.rate and o.rate != stated.rate:
            flags.append(("--rate", str(o.rate)))
        if not flags:  # (an --encoding that changes the implied rate only)
            flags.append(("--encoding", o.encoding or eff.encoding))
        given = " ".join(f"{f} {v}" for f, v in flags)
        names = " and ".join(f for f, _ in flags)
        self.report.warnings.append(
            f"{source}: {given} contradicts the log's {stated.encoding} at {stated.rate} Hz; decoded as "
            f"{ENCODING_NAMES[eff.encoding]} at {eff.rate} Hz as asked (leave {names} out to use the log's)"
        )

    def _out_encoding(self, fmt: AudioFormat) -> str:
        return fmt.encoding if self.opts.keep_encoding else PCM16

    def _start_stereo(self, rid: str | None) -> None:
        sessions = self.fold.sessions
        fin = self._effective(sessions.input_format)
        fout = self._effective(sessions.output_format(rid))
        if self.opts.keep_encoding and (fin.encoding, fin.rate) != (fout.encoding, fout.rate):
            raise UsageError(
                f"--keep-encoding with --side both needs one encoding and rate on both sides; the log has "
                f"{fin.label()} in and {fout.label()} out (leave --keep-encoding out to mix them as PCM16)"
            )
        enc = fin.encoding if self.opts.keep_encoding else PCM16
        self._rate = self.opts.out_rate or max(fin.rate, fout.rate)
        width = 2 if enc == PCM16 else 1
        silence = g711.SILENCE_BYTE.get(enc, 0)
        snap = self._rate * _SNAP_MS // 1000
        for side in (ASSISTANT, USER):
            self.conv[side] = Converter(enc, self._rate, self.opts.keep_encoding)
        if self.writer is not None:
            assert self.file is not None
            self.writer.begin(enc, self._rate, 2)
            self.file.encoding, self.file.rate = enc, self._rate
            self.mixer = StereoMixer(self._write_single, width, silence, snap)
        else:
            self.segmenter = Segmenter(self._stereo_store, 2 * width, self._turn_switch, label=0)
            self.mixer = StereoMixer(self.segmenter.write, width, silence, snap)

    def _write_single(self, data: bytes) -> None:
        assert self.writer is not None and self.file is not None
        self.writer.write(data)
        self.file.nbytes += len(data)

    # -- emitting clean chunks --------------------------------------------------------------

    def _emitter(self, side: str) -> Emit:
        opts = self.opts
        if self.stereo:
            channel = 0 if side == USER else 1

            def emit_stereo(key: Any, fmt: AudioFormat, data: bytes, place: Any) -> None:
                if self.mixer is None:
                    self._start_stereo(place[3])
                assert self.mixer is not None
                conv = self.conv[side]
                lane = self.mixer.left if channel == 0 else self.mixer.right
                if key != self._stereo_key[channel]:
                    self._stereo_key[channel] = key
                    tail = conv.tail()  # the end of the previous item
                    if tail:
                        self.mixer.place(channel, lane.end, tail)
                owed = conv.pending  # (rate conversion lags: the output starts that much before the chunk)
                out = conv.convert(key, fmt, data)
                start = place[0]
                frame = round(start * self._rate) - owed if start is not None else max(lane.end, self.mixer.pos)
                self.mixer.place(channel, frame, out)
                if channel:
                    self._asst_open = True
                self.stats[side].chunks += self._count

            return emit_stereo
        if opts.split is None:

            def emit_mono(key: Any, fmt: AudioFormat, data: bytes, place: Any) -> None:
                conv = self.conv.get(side)
                if conv is None:
                    conv = self._start_mono(side, fmt)
                out = conv.convert(key, fmt, data)
                self._write_single(out)
                self.stats[side].chunks += self._count

            return emit_mono
        if side == ASSISTANT:
            return self._emit_assistant_split
        return self._emit_user_split

    def _start_mono(self, side: str, fmt: AudioFormat) -> Converter:
        conv = self.conv[side] = Converter(self._out_encoding(fmt), self.opts.out_rate or fmt.rate, self.opts.keep_encoding)
        if self.writer is not None:
            assert self.file is not None
            self.writer.begin(conv.encoding, conv.rate, 1)
            self.file.encoding, self.file.rate = conv.encoding, conv.rate
        return conv

    def _emit_assistant_split(self, key: Any, fmt: AudioFormat, data: bytes, place: Any) -> None:
        assert self.files is not None
        start, label, ts, rid = place
        if label != self._asst_label:
            self._flush_assistant_split()  # (what rate conversion holds belongs to the previous file)
            self._asst_label = label
        store = self.files.stores.get(("a", label))
        conv = self.conv.get(ASSISTANT) or self._start_mono(ASSISTANT, fmt)
        if store is None:
            store = self._open_assistant(label, key, rid, start, ts, conv)
        out = conv.convert(key, fmt, data)
        store.write(out)
        entry = store.entry
        entry.chunks += self._count
        if type(key) is str and key not in entry.item_ids:
            entry.item_ids.append(key)
        if rid is not None and rid not in entry.response_ids:
            entry.response_ids.append(rid)
        self.stats[ASSISTANT].chunks += self._count

    def _flush_assistant_split(self) -> None:
        """Split: the assistant samples rate conversion still holds go to the file they
        belong to (before it closes, or before another one starts)."""
        conv = self.conv.get(ASSISTANT)
        if conv is None or not conv.pending or self.files is None:
            return
        tail = conv.tail()
        store = self.files.stores.get(("a", self._asst_label))
        if store is not None and tail:
            store.write(tail)

    def _open_assistant(self, label: Any, key: Any, rid: str | None, start: float | None, ts: float | None, conv: Converter) -> FileStore:
        assert self.files is not None
        split = self.opts.split
        if split == "response":
            name = _id_name("resp_", rid)
        elif split == "item":
            name = "assistant_" + _id_name("item_", key)
        else:
            name = self._turn_name(label)
            if self.opts.side == ASSISTANT:
                self._close_finished_turns(label)
        entry = OutputFile(name, side=ASSISTANT, kind=split, encoding=conv.encoding, rate=conv.rate)
        entry.turn = label if split == "turn" else self._turn_of_response(rid)
        entry.start = start
        entry.start_at = ts
        return self._open(("a", label), entry)

    def _open(self, label: Any, entry: OutputFile) -> FileStore:
        assert self.files is not None
        store = self.files.open(label, entry)
        self._entry_file[entry.index] = len(self._convs)
        return store

    def _turn_name(self, n: int) -> str:
        turn = self._turn(n)
        iid = turn.item_id if turn is not None else None
        return f"turn{n}" + (f"_{_safe_name(iid)}" if iid else "")

    def _emit_user_split(self, key: Any, fmt: AudioFormat, data: bytes, place: Any) -> None:
        conv = self.conv.get(USER) or self._start_mono(USER, fmt)
        if self.user_seg is None:
            self.user_seg = Segmenter(self._user_store, 2 if conv.encoding == PCM16 else 1, self._user_switch)
        seg = self.user_seg
        seg.write(conv.convert(key, fmt, data))
        store = seg.store
        if store is not None and store.entry is not None:
            store.entry.chunks += self._count
        self.stats[USER].chunks += self._count

    # -- stores for segmenters ----------------------------------------------------------------

    def _gap_store(self) -> GapStore:
        if self._gap is None:
            self._gap = GapStore()
        else:
            self._gap.reset()
        return self._gap

    def _user_store(self, label: Any) -> Any:
        if label is None:
            return self._gap_store()
        assert self.files is not None
        store = self.files.stores.get(("u", label))
        if store is not None:
            return store
        conv = self.conv[USER]
        if self.opts.split == "item":
            entry = OutputFile("user_" + _id_name("item_", label), side=USER, kind="item", encoding=conv.encoding, rate=conv.rate)
            entry.user_item_ids.append(label)
            entry.turn = self._turn_of_item(label)
            self._span_start(entry, label)
        else:
            entry = OutputFile(self._turn_name(label), side=USER, kind="turn", encoding=conv.encoding, rate=conv.rate)
            entry.turn = label
            turn = self._turn(label)
            if turn is not None and turn.item_id:
                entry.user_item_ids.append(turn.item_id)
                self._span_start(entry, turn.item_id)
        return self._open(("u", label), entry)

    def _span_start(self, entry: OutputFile, item_id: str) -> None:
        tl = self.timeline
        sp = tl.span(item_id)
        if sp is not None and sp.start is not None:
            entry.start = sp.start
            if tl.t0 is not None:
                entry.start_at = tl.t0 + sp.start

    def _user_switch(self, old: Any, new: Any) -> None:
        assert self.files is not None
        if old is None or old == new:
            return
        if self.opts.split == "item" or new is not None:
            self.files.close(("u", old))

    def _stereo_store(self, label: Any) -> Any:
        assert self.files is not None
        store = self.files.stores.get(("t", label))
        if store is not None:
            return store
        conv = self.conv[USER]
        entry = OutputFile(self._turn_name(label), side=BOTH, kind="turn", encoding=conv.encoding, rate=conv.rate, channels=2)
        entry.turn = label
        entry.chunks = None
        turn = self._turn(label)
        if turn is not None and turn.item_id:
            entry.user_item_ids.append(turn.item_id)
        assert self.segmenter is not None
        entry.start = self.segmenter.seg_start / self._rate if self._rate else None
        if self.timeline.t0 is not None and entry.start is not None:
            entry.start_at = self.timeline.t0 + entry.start
        return self._open(("t", label), entry)

    def _turn_switch(self, old: Any, new: Any) -> None:
        if old is not None and old != new and self.files is not None:
            self.files.close(("t", old))

    # -- the event loop -----------------------------------------------------------------------

    def run(self, events: Iterable[Event]) -> None:
        handlers = self._handlers
        want_asst, want_user = self.want_asst, self.want_user
        audio = self._audio
        stereo = self.stereo
        split = self.opts.split is not None
        placing = self._placing
        for ev in events:
            if ev.line_no <= self._line or ev.source is not self._source:
                self._enter(ev.source, ev.line_no)
            self._line = ev.line_no
            kind = ev.kind
            if stereo:
                ts = ev.timestamp
                if ts is not None and ts > self._now:
                    self._now = ts
            if kind == OUTPUT_AUDIO_DELTA:
                if want_asst:
                    audio(ev, ASSISTANT)
                elif placing:
                    self.fold.feed_audio(ev)
            elif kind == INPUT_AUDIO_APPEND:
                if want_user:
                    audio(ev, USER)
                elif placing:
                    self.fold.feed_audio(ev)
            else:
                if kind == ITEM_CREATE:  # user audio sent in an item: as appended audio
                    for part in item_audio_appends(ev):
                        if want_user:
                            audio(part, USER)
                        elif placing:
                            self.fold.feed_audio(part)
                if not placing:
                    if kind in SESSION_KINDS:  # mono output places nothing: of the fold's rules it needs the formats
                        self.fold.sessions.feed(ev)
                    elif kind in LIVE_ONLY:
                        self._live_seen = True  # (only to say why there is nothing: `_check_found`)
                elif not self.fold.feed(ev):
                    continue  # history a resumed session replayed: no rule here looks at it either
                if split:
                    self._sync_turns()
                handler = handlers.get(kind)
                if handler is not None:
                    handler(ev)
                if split and self._nturns != len(self._turns):
                    self._new_turns()

    def _enter(self, source: str, line_no: int) -> None:
        """A line of another file, or the first: a new input file starts when the name
        changes or line numbers start again (a file given twice)."""
        if self._source is None:
            self._first_source = self.fold.source = source
        elif line_no <= self._line or source != self._source:
            self._new_file(source)
        self._source = source

    # -- reading: the side not extracted takes the fold's fast path ---------------------------------

    def read(
        self, sources: Sequence[Source], diag: Diagnostics, on_progress: Callable[[int], None] | None = None
    ) -> Iterator[Event]:
        """The events of `sources`, in order. With one side extracted, the other side's
        audio lines are taken from their digests by the fold's fast path (`Fold.fast_lines`,
        as summary takes them): no Event is built and nothing here looks at them.
        `on_progress`: bytes read so far over all the sources (a progress bar)."""
        side = self.opts.side
        bases, done = [], 0
        for src in sources:
            bases.append(done)
            done += src.size or 0

        def progress(k: int) -> Callable[[int], None] | None:
            return None if on_progress is None else (lambda n: on_progress(bases[k] + n))

        if side == BOTH:
            for k, src in enumerate(sources):
                yield from read_events(src, diag, on_progress=progress(k))
            return
        other = _SIDE_TYPES[USER if side == ASSISTANT else ASSISTANT]
        needle = _SIDE_NEEDLE[side]
        check = self._placing  # (placed, the other side's sizes count; else its lines are only passed over)

        def digest(line: bytes) -> AudioDigest | None:
            if line.find(needle, 0, _TYPE_WITHIN) >= 0:
                return None  # extracted: an Event (its digest would be wasted)
            return audio_digest(line, check)

        for k, src in enumerate(sources):
            name = src.name

            def fast_path(entries: Sequence[DigestedLine], j: int, line0: int, name: str = name) -> int:
                return self._fast_other(name, other, entries, j, line0)

            yield from read_events(src, diag, fast_path=fast_path, digest=digest, on_progress=progress(k))

    def _fast_other(self, source: str, other: frozenset[str], entries: Sequence[DigestedLine], j: int, line0: int) -> int:
        """A `FastPath`: the run of the other side's audio lines from entries[j] goes to the
        fold's fast path; returns the index of the first entry not taken."""
        k, m = j, len(entries)
        while k < m and len(entries[k]) == 4 and entries[k][3][0] in other:
            k += 1
        if k == j:
            return j
        first = line0 + entries[j][0] + 1
        if first <= self._line or source is not self._source:
            self._enter(source, first)
        # (mono output places nothing: the other side's lines are only skipped)
        taken = self.fold.fast_lines(entries if k == m else entries[:k], j, line0) if self._placing else k
        # (a line the fold leaves to `feed` comes back as an Event, as part of this file)
        self._line = line0 + entries[taken - 1][0] + 1 if taken > j else first - 1
        return taken

    def _sync_turns(self) -> None:
        """Number the current file's new turns on from the files before (before any rule
        here asks for them)."""
        turns = self.fold.turns.turns
        n = self._turn_base + len(turns)
        if n != len(self._turns):
            new = turns[len(self._turns) - self._turn_base :]
            self._turns.extend(new)
            self._turn_file.extend([len(self._convs)] * len(new))

    def _turn(self, n: int) -> Turn | None:
        return self._turns[n - 1] if 0 < n <= len(self._turns) else None

    def _turn_of_response(self, rid: str | None) -> int | None:
        n = self.fold.turns.turn_of_response(rid)
        return None if n is None else self._turn_base + n

    def _turn_of_item(self, iid: str | None) -> int | None:
        n = self.fold.turns.turn_of_item(iid)
        return None if n is None else self._turn_base + n

    def _new_file(self, source: str) -> None:
        """The next input file: its own conversation (a fold of its own, chained to the
        previous one). Mono sides simply continue (the files' audio in order); on the
        stereo timeline it starts where everything placed so far ends
        (`Timeline.new_file`), never interleaved with the previous file."""
        for screen in self.screens.values():
            screen.new_file()
        self._file_done()
        base = self.timeline.end  # where the chained fold's timeline starts the file
        self._turn_base = len(self._turns)
        if self.files is not None:
            self._convs.append(self.fold.finish())  # (before the next file resets the timeline's items)
        self.fold = Fold(source, after=self.fold, recording=False)
        if not self._placing:
            return
        if self.user_seg is not None:  # the user's stream of the new file starts its own session
            self._user_session_base = self._user_buffer_start = self.user_seg.pos
        self._now = -_INF
        self._marker = base
        self._asst_open = False
        self._stereo_key = [_NEW_FILE, _NEW_FILE]  # the next chunk of each channel starts a stream
        if self.mixer is not None:
            self._advance()

    def _file_done(self) -> None:
        """The current input file ends: remember how it was placed, for the messages."""
        if self._source is None:
            return
        total = self.mixer.left.overlaps + self.mixer.right.overlaps if self.mixer is not None else 0
        self._files_done.append((self._source, self.timeline.t0 is not None, total - self._overlaps_before))
        self._overlaps_before = total
        # each side's placeholders, cut and odd chunks of this file, named by this file's first
        for side, st in self.stats.items():
            was = self._marks.get(side, (0, 0.0, 0, 0))
            self._file_counts.append((st, st.placeholders - was[0], st.placeholder_seconds - was[1], st.placeholder_text,
                                      st.first_placeholder, st.cut_chunks - was[2], st.first_cut, st.odd_dropped - was[3],
                                      st.first_odd))  # fmt: skip
            self._marks[side] = (st.placeholders, st.placeholder_seconds, st.cut_chunks, st.odd_dropped)
            st.first_placeholder = st.first_cut = st.first_odd = None  # (the next file's own)

    def _audio(self, ev: Event, side: str) -> None:
        st = self.stats[side]
        st.events += 1
        if st.source is None:
            st.source = ev.source
        assistant = side == ASSISTANT
        b64 = ev.audio_b64()  # a str, or a view of the line (the reader cuts payloads out)
        if assistant:
            key = ev.item_id  # the typed accessors: None for a non-str id (never unhashable)
            rid = ev.response_id
            raw_fmt = self.fold.sessions.output_format(rid)
        else:
            key = rid = None
            raw_fmt = self.fold.sessions.input_format
        # formats are frozen dataclasses (slow to hash): remember the last one per side
        cached = self._fmt_cache.get(side)
        if cached is not None and cached[0] is raw_fmt:
            fmt = cached[1]
        else:
            fmt = self._effective(raw_fmt)
            self._fmt_cache[side] = (raw_fmt, fmt)
            if fmt not in st.formats:
                st.formats.append(fmt)
                self._rate_at.setdefault(side, {}).setdefault(fmt.rate, (ev.source, ev.line_no))
            if raw_fmt.stated and (fmt.encoding, fmt.rate) != (raw_fmt.encoding, raw_fmt.rate):
                self._contradicts(ev.source, raw_fmt, fmt)
        chunk: bytes | None
        real = True
        silence = 0  # bytes of silence a placeholder stands for (streamed in blocks, never allocated)
        if b64 is None:
            st.invalid += 1
            self.diag.bad_line(ev.source, ev.line_no, f"{side} audio event without a base64 payload: skipped")
            chunk = None
        else:
            try:
                chunk = decode_b64(b64)
            except (binascii.Error, ValueError) as exc:
                silence = self._undecodable(ev, side, st, fmt, exc)
                chunk = b"" if silence else None
                real = False
        # placed by the size written (in the source format's time: --rate/--encoding)
        n = len(chunk) + silence if chunk is not None else 0
        if fmt is not raw_fmt:
            n = round(n / fmt.bytes_per_second * raw_fmt.bytes_per_second)
        # (a chunk that decoded is its own payload size: the fold need not inspect it again)
        place: Any = None
        if self._placing:
            start = self.fold.feed_audio(ev, n, (len(chunk), None) if real and chunk is not None else None)
            if self.stereo:
                self._check_gap(ev, start, fmt)
            label: Any = None
            split = self.opts.split
            if assistant and split:
                label = (rid if split == "response" else key if split == "item"
                         else self._turn_base + self.fold.turns.turn_of(ev))  # fmt: skip
            place = (start, label, ev.timestamp, rid)
        if chunk is None:
            return
        if real:
            st.decoded_bytes += len(chunk)
        try:
            if silence:
                self._push_silence(side, key, fmt, silence, place, ev)
            else:
                self.screens[side].push(key, fmt, chunk, place, ev, real)
        except FormatChange as exc:
            raise InputError(f"{ev.source}:{ev.line_no}: {exc}") from None
        if self.mixer is not None:
            self._advance()

    def _push_silence(self, side: str, key: Any, fmt: AudioFormat, nbytes: int, place: Any, ev: Event) -> None:
        """A placeholder's silence, in blocks of `_SILENCE_BLOCK` bytes (one chunk in the
        counts): memory does not grow with what it claims."""
        block = self._silence.get(fmt.encoding)
        if block is None:
            block = self._silence[fmt.encoding] = bytes([g711.SILENCE_BYTE.get(fmt.encoding, 0)]) * _SILENCE_BLOCK
        screen = self.screens[side]
        off = 0
        try:
            while off < nbytes:
                k = min(_SILENCE_BLOCK, nbytes - off)
                at = place
                if off and place is not None and place[0] is not None:
                    at = (place[0] + off / fmt.bytes_per_second, *place[1:])
                screen.push(key, fmt, block if k == _SILENCE_BLOCK else block[:k], at, ev, False)
                self._count = 0  # (the blocks after the first are the same chunk)
                off += k
                if self.mixer is not None:
                    self._advance()
        finally:
            self._count = 1

    def _check_gap(self, ev: Event, start: float, fmt: AudioFormat) -> None:
        """Refuse a chunk the stereo timeline puts so far past the audio before it that the
        silence between would not fit in a WAV file (a bogus or jumping timestamp): writing
        it would fill the disk (with --raw) or fail only after 4 GiB of silence."""
        mixer = self.mixer
        rate = self._rate if mixer is not None else fmt.rate
        placed = max(mixer.left.end, mixer.right.end) / rate if mixer is not None else 0.0
        gap = start - placed
        if gap * rate * 4 > _MAX_GAP_BYTES:
            ahead = f"{gap / 3600:,.0f} hours" if gap < 1e12 else f"{gap:.3g} seconds"
            raise InputError(f"{ev.source}:{ev.line_no}: the timestamps jump {ahead} ahead: the stereo mix would need more "
                             "silence than a WAV file holds; extract one side at a time (--side assistant, --side user)")  # fmt: skip

    def _undecodable(self, ev: Event, side: str, st: SideStats, fmt: AudioFormat, exc: Exception) -> int:
        """A chunk that is not base64: the bytes of silence a placeholder stands for, or 0
        (skipped, warned with its line)."""
        info = ev.audio_info()
        if info is not None and info.problem == "placeholder" and info.nbytes > MAX_PLACEHOLDER_SECONDS * fmt.bytes_per_second:
            st.invalid += 1
            self.diag.bad_line(ev.source, ev.line_no, f"a placeholder that claims {info.nbytes:,} bytes ({info.nbytes / fmt.bytes_per_second:,.0f} s "
                               f"of audio; one chunk is at most {MAX_PLACEHOLDER_SECONDS} s): {side} chunk skipped")  # fmt: skip
            return 0
        if info is not None and info.problem == "placeholder":
            st.placeholders += 1
            st.placeholder_bytes += info.nbytes
            st.placeholder_seconds += info.nbytes / fmt.bytes_per_second
            if st.first_placeholder is None:
                st.first_placeholder = (ev.source, ev.line_no)
                b64 = ev.audio_b64()
                st.placeholder_text = b64 if type(b64) is str else bytes(b64 or b"").decode("utf-8", "replace")
            return info.nbytes - info.nbytes % fmt.bytes_per_sample
        st.invalid += 1
        reason = str(exc).rstrip(".") or type(exc).__name__
        self.diag.bad_line(ev.source, ev.line_no, f"invalid base64 audio ({reason.lower()}): {side} chunk skipped")
        return 0

    def _advance(self) -> None:
        """Write the stereo mix up to where neither channel can still receive audio:
        with timestamps, nothing can land before "now" (the latest timestamp) except the
        rest of the assistant item being played, which follows its last chunk; without,
        user audio is one stream and a response starts no earlier than the last VAD mark."""
        mixer = self.mixer
        assert mixer is not None
        rate = self._rate
        t0 = self.timeline.t0
        left, right = mixer.left.end, mixer.right.end
        # (rounded as chunks are placed: a frame truncated here would be written as silence
        # under a chunk placed at the rounded frame, which then snaps one frame early)
        if t0 is not None and self._now > -_INF:
            floor = round((self._now - t0) * rate)
            cu = left if left > floor else floor
        else:
            floor = round(self._marker * rate)
            cu = left
        ca = right if self._asst_open or right > floor else floor
        if not self.facts.has_user_audio or self.screens[USER].cut_size is not None:
            cu = _INF
        if not self.facts.has_assistant_audio or self.screens[ASSISTANT].cut_size is not None:
            ca = _INF
        target = cu if cu < ca else ca
        if target != _INF and target - (left if left > right else right) > _MAX_GAP_BYTES // (2 * mixer.width):
            return  # "now" is far past all the audio (a bogus timestamp): no silence up to it
        if target != _INF and target - mixer.pos >= mixer.BLOCK:
            mixer.emit_to(int(target))

    # -- other events -----------------------------------------------------------------------------

    def _make_handlers(self) -> dict[str, Callable[[Event], None]]:
        """kind → handler; several handlers for one kind run in the order added."""
        table: dict[str, list[Callable[[Event], None]]] = {}

        def on(kinds: Iterable[str], fn: Callable[[Event], None]) -> None:
            for k in kinds:
                table.setdefault(k, []).append(fn)

        if self.want_asst:
            on(("response.done",), self._response_done)
            on(("response.output_audio.done",), self._release_assistant)
        if self.want_user:
            on(("input_audio_buffer.commit", "input_audio_buffer.speech_stopped"), self._release_user)
        if self.stereo:
            on(("input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped", "input_audio_buffer.committed"),
               self._vad_marker)  # fmt: skip
            on(("response.output_audio.done", "response.done", "conversation.item.truncated", "conversation.item.truncate"),
               self._assistant_item_over)  # fmt: skip
            on(("conversation.item.create", "conversation.item.added"), self._text_marker)
        if self.opts.split:
            on(("response.created",), self._response_created)
            if self.opts.split == "item":
                on(("response.output_item.done",), self._item_done)
            if self.want_user and not self.stereo:
                on(("input_audio_buffer.speech_started",), self._user_speech_started)
                on(("input_audio_buffer.speech_stopped",), self._user_speech_stopped)
                on(("input_audio_buffer.committed",), self._user_committed)
                on(("input_audio_buffer.cleared",), self._user_cleared)
                on(("session.created",), self._user_session)
            if self.stereo:
                on(("input_audio_buffer.committed",), self._commit_turn_boundary)
        handlers: dict[str, Callable[[Event], None]] = {}
        for kind, fns in table.items():
            if len(fns) == 1:
                handlers[kind] = fns[0]
            else:
                handlers[kind] = lambda ev, fns=tuple(fns): [fn(ev) for fn in fns] and None
        return handlers

    def _release_assistant(self, ev: Event) -> None:
        self.screens[ASSISTANT].release()
        self._flush_assistant_split()
        if self.files is not None and self.opts.split == "item":
            self.files.close(("a", ev.item_id))

    def _release_user(self, ev: Event) -> None:
        self.screens[USER].release()

    def _response_done(self, ev: Event) -> None:
        self.screens[ASSISTANT].release()
        self._flush_assistant_split()
        files = self.files
        if files is None:
            return
        rid = ev.response_id
        split = self.opts.split
        if split == "response":
            files.close(("a", rid))
        elif split == "item":  # the files of the response's items
            for label in [lb for lb, store in files.stores.items() if lb[0] == "a" and rid in store.entry.response_ids]:
                files.close(label)
        elif split == "turn" and type(rid) is str:
            n = self._turn_of_response(rid)
            if n is not None:
                self._active.get(n, set()).discard(rid)
                self._close_finished_turns(self._turn_base + self.fold.turns.current)

    def _close_finished_turns(self, current: int) -> None:
        """Assistant turn files: close those of earlier turns with no response still running."""
        if self.files is None or self.opts.side != ASSISTANT:
            return
        for label in [lb for lb in self.files.stores if lb[0] == "a"]:
            n = label[1]
            if type(n) is int and n < current and not self._active.get(n):
                self.files.close(label)

    def _response_created(self, ev: Event) -> None:
        resp = ev.data.get("response")
        rid = resp.get("id") if type(resp) is dict else None
        if type(rid) is str:
            n = self._turn_of_response(rid)
            if n is not None:
                self._active.setdefault(n, set()).add(rid)
        if self._pending_commit_turn is not None:
            self._cut_stereo_turn(self._pending_commit_turn, self._now_seconds())
            self._pending_commit_turn = None

    def _item_done(self, ev: Event) -> None:
        self._flush_assistant_split()
        if self.files is not None:
            self.files.close(("a", ev.item_id))

    # -- stereo: where the next response can start without timestamps ------------------------------

    def _vad_marker(self, ev: Event) -> None:
        iid = ev.item_id
        sp = self.timeline.user_spans.get(iid) if type(iid) is str else None
        if sp is not None:
            for t in (sp.start, sp.end):
                if t is not None and t > self._marker:
                    self._marker = t

    def _assistant_item_over(self, ev: Event) -> None:
        self._asst_open = False
        if self.mixer is not None:
            conv = self.conv.get(ASSISTANT)
            tail = conv.tail() if conv is not None else b""  # (rate conversion's lag: before the mix moves on)
            if tail:
                self.mixer.place(1, self.mixer.right.end, tail)
            self._advance()

    def _text_marker(self, ev: Event) -> None:
        item = ev.item
        typed = item is not None and item.role == "user" and any(p.type == "input_text" for p in item.content)
        if typed and self.mixer is not None and self._rate:
            t = self.mixer.left.end / self._rate
            if t > self._marker:
                self._marker = t

    def _now_seconds(self) -> float:
        t0 = self.timeline.t0
        if t0 is not None and self._now > -_INF:
            return self._now - t0
        if self.mixer is not None and self._rate:
            return max(self.mixer.left.end, self.mixer.pos) / self._rate
        return 0.0

    # -- turns (split) ------------------------------------------------------------------------------

    def _new_turns(self) -> None:
        turns = self._turns
        while self._nturns < len(turns):
            self._nturns += 1
            n = self._nturns  # (numbered on across files: `turn.index` counts within its file)
            turn = turns[n - 1]
            if not self.stereo:
                continue
            if turn.how == "speech":
                sp = self.timeline.span(turn.item_id) if turn.item_id else None
                start = sp.start if sp is not None and sp.start is not None else self._now_seconds()
                self._cut_stereo_turn(n, start)
            elif turn.how == "commit":
                self._pending_commit_turn = n
            else:
                self._cut_stereo_turn(n, self._now_seconds())

    def _commit_turn_boundary(self, ev: Event) -> None:
        n = self._pending_commit_turn
        if n is None:
            return
        self._pending_commit_turn = None
        iid = ev.item_id
        sp = self.timeline.span(iid) if type(iid) is str else None
        self._cut_stereo_turn(n, sp.start if sp is not None and sp.start is not None else self._now_seconds())

    def _cut_stereo_turn(self, n: int, start: float) -> None:
        if self.mixer is None:
            return  # no audio yet: the first file starts with the first audio
        assert self.segmenter is not None
        self.segmenter.cut(max(round(start * self._rate), 0), n)

    # -- user split: items from VAD offsets or commits ------------------------------------------------

    def _user_frame(self, ms: int) -> int:
        """The frame of the user's stream (this session's audio from `_user_session_base`) a
        VAD offset names, read as the timeline reads it (a log that starts mid-session,
        offsets that restart at each turn)."""
        conv = self.conv.get(USER)
        rate = conv.rate if conv is not None else self._effective(self.fold.sessions.input_format).rate
        return self._user_session_base + round(self.timeline.input_seconds(ms) * rate)

    def _user_label(self, item_id: str) -> Any:
        if self.opts.split == "item":
            return item_id
        n = self._turn_of_item(item_id)
        return n if n is not None else 0

    def _user_speech_started(self, ev: Event) -> None:
        iid, ms = ev.item_id, ev.data.get("audio_start_ms")
        if type(iid) is not str or type(ms) is not int:
            return
        self._vad_items.add(iid)
        if self.user_seg is not None:
            self.user_seg.cut(self._user_frame(ms), self._user_label(iid))

    def _user_speech_stopped(self, ev: Event) -> None:
        ms = ev.data.get("audio_end_ms")
        if type(ms) is int and self.user_seg is not None:
            self.user_seg.cut(self._user_frame(ms), None)

    def _user_committed(self, ev: Event) -> None:
        iid = ev.item_id
        seg = self.user_seg
        if seg is not None and type(iid) is str and iid not in self._vad_items:
            # a manual commit: the item is the audio appended since the last commit
            seg.cut(self._user_buffer_start, self._user_label(iid))
            seg.cut(seg.pos, None)
        self._user_buffer_start = seg.pos if seg is not None else 0

    def _user_cleared(self, ev: Event) -> None:
        self._user_buffer_start = self.user_seg.pos if self.user_seg is not None else 0

    def _user_session(self, ev: Event) -> None:
        pos = self.user_seg.pos if self.user_seg is not None else 0
        self._user_session_base = self._user_buffer_start = pos

    # -- the end ------------------------------------------------------------------------------------

    def finish(self) -> AudioReport:
        for screen in self.screens.values():
            screen.finish()
        self._flush_tails()
        if self.mixer is not None:
            self.mixer.flush()
        if self.segmenter is not None:
            self.segmenter.finish()
        if self.user_seg is not None:
            self.user_seg.finish()
        self._file_done()
        self._check_found()
        report = self.report
        report.warnings.extend(self._warnings())
        if self._placing:
            report.placement = [(name, timed) for name, timed, _ in self._files_done]
            report.timestamps = all(timed for _, timed in report.placement) if report.placement else self.timeline.t0 is not None
            report.warnings.extend(self.timeline.notes)
        report.warnings.extend(self.fold.sessions.notes)  # stated audio formats rtlog cannot read
        if self.writer is not None:
            assert self.file is not None
            self.writer.finish()
            if self.writer.rf64:
                report.notes.append("RF64 (a WAV over 4 GiB, EBU TECH 3306: sox and ffmpeg read it)")
            self.file.chunks = sum(st.chunks for st in self.stats.values())
            report.files.append(self.file)
        if self.files is not None:
            self.files.close_all()
            self._convs.append(self.fold.finish())
            self._fill_transcripts()
            report.files.extend(self.files.entries)
        if self._gap is not None:
            self._gap.close()
        if self.mixer is not None:
            self.mixer.close()
        return report

    def release(self) -> None:
        """Let go of the pass's state once it is over (the report made, or the run stopped):
        the fold (the whole conversation so far), the mixer, the segmenters and the handler
        table hold bound methods of this extraction, a reference cycle that would keep all
        of it until the cyclic collector ran — at `rtlog.__main__`'s threshold, maybe never
        (the report's conversation pass would run beside a dead copy of the audio pass's
        fold). Nothing may be called after."""
        self.__dict__.clear()

    def abort(self, exc: BaseException | None) -> None:
        if self.mixer is not None:
            self.mixer.close()
        if self.writer is not None:
            self.writer.close()
        if self.files is not None:
            self.files.abort_all(exc)
        if self._gap is not None:
            self._gap.close()

    def _flush_tails(self) -> None:
        """Write what rate conversion still holds at the end of each stream."""
        for side, conv in self.conv.items():
            tail = conv.tail()
            if not tail:
                continue
            if self.mixer is not None:
                lane = self.mixer.left if side == USER else self.mixer.right
                self.mixer.place(0 if side == USER else 1, lane.end, tail)
            elif self.writer is not None and self.opts.side == side:
                self._write_single(tail)
            elif side == USER and self.user_seg is not None:
                self.user_seg.write(tail)
            elif side == ASSISTANT and self.files is not None:
                store = self.files.stores.get(("a", self._asst_label))
                if store is not None:
                    store.write(tail)

    def _check_found(self) -> None:
        written = (self.file.nbytes if self.file is not None else 0) + sum(
            e.nbytes for e in (self.files.entries if self.files is not None else ())
        )
        if written and any(st.decoded_bytes and st.chunks for st in self.stats.values()):
            return
        if not written and self.opts.split and any(st.chunks for st in self.stats.values()):
            raise NothingFound(f"{self._where()}: no {self.opts.split}s to split the audio into (no VAD or commit events)")
        if self._live_seen or self.fold.live.live:  # (a file is recognised before this pass: `rtlog.audio.live`)
            raise NothingFound(f"{self._where()}: a GPT-Live / Translation log from a pipe is read as Realtime here: "
                               "give it as a file (or use --side both, which copies a pipe to a file first)")  # fmt: skip
        reasons = "; ".join(self._nothing_reason(st) for st in self.stats.values())
        raise NothingFound(f"{self._where()}: {reasons}")

    def _where(self, st: SideStats | None = None) -> str:
        if len(self._files_done) > 1:
            return self._log_name  # (what is said of a side over several files is said of them all)
        if st is not None and st.source:
            return st.source
        srcs = [s.source for s in self.stats.values() if s.source]
        return srcs[0] if srcs else self._first_source or self._log_name

    def _nothing_reason(self, st: SideStats) -> str:
        if st.events == 0:
            if st.side == ASSISTANT:
                return ("no assistant audio (no response.output_audio.delta or response.audio.delta events; "
                        "WebRTC and SIP sessions carry audio outside the event log)")  # fmt: skip
            return "no user audio (no input_audio_buffer.append events; the recorder may have logged only server events)"
        if st.cut_size is not None and st.decoded_bytes == st.cut_chunks * st.cut_size:
            return (f"no real {st.side} audio: the recorder cut every chunk to {st.cut_size} bytes "
                    "(an odd size for PCM16), so the log does not hold it")  # fmt: skip
        if st.placeholders and not st.decoded_bytes:
            return f"no real {st.side} audio: all {st.placeholders} chunks are recorder placeholders ({st.placeholder_text!r})"
        return f"no usable {st.side} audio ({st.events} audio event{'s' if st.events != 1 else ''}, {st.invalid} with invalid base64)"

    def _warnings(self) -> list[str]:
        out = []
        for st, ph, ph_seconds, ph_text, ph_at, cut, cut_at, odd, odd_at in self._file_counts:  # (each file's own)
            if ph and st.decoded_bytes:
                src, line = ph_at or ("", 0)
                out.append(
                    f"{src}:{line}: {ph} {st.side} audio chunk{'s are' if ph != 1 else ' is a'} "
                    f"recorder placeholder{'s' if ph != 1 else ''} ({ph_text!r}), "
                    f"written as {ph_seconds:.2f} s of silence"
                )
            if cut and st.chunks:
                src, line = cut_at or ("", 0)
                out.append(
                    f"{src}:{line}: {cut} {st.side} audio chunks were cut by the recorder to {st.cut_size} bytes "
                    "(odd for PCM16): not real audio, not written"
                )
            if odd:
                src, line = odd_at or ("", 0)
                out.append(
                    f"{src}:{line}: {st.side} audio ended with an odd byte (PCM16 samples are 2 bytes): dropped"
                    + (f" ({odd} times)" if odd > 1 else "")
                )
        for st in self.stats.values():
            at = self._rate_at.get(st.side, {})
            if len(at) > 1:
                conv = self.conv.get(st.side)
                to = f"{conv.rate / 1000:g} kHz" if conv is not None else "one rate"
                (r0, (src0, line0)), *later = at.items()  # (in the order they came)
                then = ", ".join(f"{r / 1000:g} kHz from {src}:{line}" for r, (src, line) in later)
                out.append(f"{src0}:{line0}: {st.side} audio comes at several rates ({r0 / 1000:g} kHz, then {then}): "
                           f"converted to {to}")  # fmt: skip
        if self.opts.side == BOTH:
            for side, other in ((USER, ASSISTANT), (ASSISTANT, USER)):
                st = self.stats[side]
                if not st.chunks and self.stats[other].chunks:
                    channel = "left" if side == USER else "right"
                    out.append(f"{self._where(st)}: {self._nothing_reason(st)}: the {channel} channel is silent")
            for name, _, overlaps in self._files_done:
                if overlaps:
                    out.append(f"{name}: {overlaps} chunk{'s' if overlaps != 1 else ''} would have overlapped audio "
                               "already placed on their channel: played right after it instead")  # fmt: skip
        return out

    def _fill_transcripts(self) -> None:
        """index.json's ids and transcripts, from each input file's conversation: an item's
        text is `Item.text` (the transcript's own rule, `rtlog.conversation.items`), a
        response's items are the conversation's items of that response, in its order."""
        texts: list[dict[str, str | None]] = []
        items_of: list[dict[str, list[str]]] = []
        for conv in self._convs:
            text: dict[str, str | None] = {}
            by_response: dict[str, list[str]] = {}
            for it in conv.messages:
                if it.id is None or it.replayed:
                    continue
                if it.kind == "message":
                    text[it.id] = it.text
                if it.response_id is not None:
                    by_response.setdefault(it.response_id, []).append(it.id)
            texts.append(text)
            items_of.append(by_response)

        def join(k: int, ids: Iterable[str]) -> str | None:
            parts = [t for t in (texts[k].get(i) for i in ids) if t]
            return " ".join(parts) if parts else None

        assert self.files is not None
        for e in self.files.entries:
            k = self._entry_file.get(e.index, 0)
            if e.kind == "turn" and e.turn:
                turn = self._turn(e.turn)
                if turn is not None:
                    k = self._turn_file[e.turn - 1]
                of = items_of[k]
                rids = turn.response_ids if turn is not None else []
                items = [i for r in rids for i in of.get(r, [])]
                if e.side != USER:
                    for r in rids:
                        if r not in e.response_ids and of.get(r):
                            e.response_ids.append(r)
                    if e.side == BOTH:
                        e.item_ids = [i for r in e.response_ids for i in of.get(r, [])]
                a = join(k, items)
                u = join(k, e.user_item_ids)
                e.transcript = {"user": u, "assistant": a} if e.side == BOTH else u if e.side == USER else a
            elif e.side == USER:
                e.transcript = join(k, e.user_item_ids)
            else:
                items = e.item_ids
                if e.kind == "response":
                    items = [i for r in e.response_ids for i in items_of[k].get(r, [])] or items
                e.transcript = join(k, items)


#: compressed logs: how many times their size the text may be (base64 audio compresses little)
_COMPRESSED = (".gz", ".bz2", ".xz")


def audio_bound(sources: Sequence[Source], opts: AudioOptions) -> int | None:
    """What can be known before the pass: the most audio bytes the logs can give (None if a
    size is unknown). Base64 is 4 bytes for 3; G.711 doubles when decoded, the stereo mix
    has two channels, `--out-rate` multiplies by at most its ratio to 8 kHz. Silence (gaps,
    placeholders) is not bounded by the size: the WAV then grows its header at the end."""
    total = 0
    for src in sources:
        size = src.size
        if size is None:
            return None
        total += size * (8 if src.name.endswith(_COMPRESSED) else 1)
    factor = 0.75 * 2 * (2 if opts.side == BOTH else 1) * max(1.0, (opts.out_rate or 0) / 8000)
    return int(total * factor)


def extract_audio(
    events: Iterable[Event] | None,
    opts: AudioOptions,
    diag: Diagnostics,
    *,
    sources: Sequence[Source] = (),
    facts: LogFacts | None = None,
    out: IO[bytes] | None = None,
    out_name: str = "output",
    open_file: OpenFile | None = None,
    log_name: str = "the log",
    on_progress: Callable[[int], None] | None = None,
) -> AudioReport:
    """Extract the audio of `events` (or, when None, of `sources`, read here: see
    `Extraction.read`) into `out` (one WAV or raw stream) or, with `opts.split`, into files
    opened through `open_file(name)`. Raises NothingFound (exit 1) when there is no audio
    to write; nothing is written then."""
    expect = audio_bound(sources, opts) if events is None else 0
    x = Extraction(opts, diag, facts, out=out, out_name=out_name, open_file=open_file, log_name=log_name, expect=expect)
    try:
        x.run(events if events is not None else x.read(sources, diag, on_progress))
        return x.finish()
    except BaseException as exc:
        x.abort(exc)
        raise
    finally:
        x.release()
