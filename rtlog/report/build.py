"""One report run: a log → its page (and the call's WAV beside it, or inside it); several
logs → one page each and the fleet index.

Owns the order of the work and where files go: with audio, `rtlog.audio` first writes the
stereo call (user left, assistant right, on the conversation's timeline, cut where the user
stopped hearing) — beside the page (`link`) or to a temporary file that the page then
inlines (`embed`) — and `peaks` reads it back one column at a time; then one pass over the
log folds the conversation (`conversation_of`) while `raw.RawLog` keeps its events, and the
summary is `summarize_conversation` of that same conversation. In that order the audio
pass's own fold is gone before the page's conversation is made (the peak is the larger of
the two, not their sum); the audio pass is quiet, and the conversation pass reports the bad
lines. Every file is written through `rtlog.io.outfile.atomic_output`. Stdin (or a FIFO) is
copied to a temporary file first when audio is wanted, since the log is read twice.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import field
from typing import IO, Any

from rtlog.audio.extract import extract_audio
from rtlog.audio.options import BOTH, AudioOptions
from rtlog.audio.prescan import prescan
from rtlog.conversation.load import conversation_of
from rtlog.errors import InputError, NothingFound, OutputError, RtlogError
from rtlog.io.outfile import atomic_output, refuse_existing, refuse_inputs
from rtlog.io.reader import Diagnostics, Source
from rtlog.io.spool import readable_twice
from rtlog.metrics.pricing import PriceTable
from rtlog.metrics.summary import Summary, combine, summarize_conversation
from rtlog.records import record
from rtlog.report.html import write_page
from rtlog.report.index import write_index
from rtlog.report.page import build_page
from rtlog.report.peaks import wav_peaks
from rtlog.report.raw import RawLog

AUDIO_MODES = ("none", "link", "embed")
_SUFFIXES = (".gz", ".bz2", ".xz", ".jsonl", ".ndjson", ".json", ".log")


@record(slots=True)
class Written:
    """What one report run wrote."""

    source: str
    page: str
    page_bytes: int = 0
    wav: str | None = None  # the linked WAV
    audio_bytes: int = 0  # the WAV's size (linked or embedded)
    audio_note: str | None = None  # why the page plays no audio
    summary: Summary | None = None
    summary_json: dict[str, Any] = field(default_factory=dict)


def stem(name: str) -> str:
    """`logs/call.jsonl.gz` → `call`."""
    base = os.path.basename(name) or "stdin"
    changed = True
    while changed:
        changed = False
        for suf in _SUFFIXES:
            if base.lower().endswith(suf) and len(base) > len(suf):
                base, changed = base[: -len(suf)], True
    return base


def report_one(
    src: Source,
    diag: Diagnostics,
    prices: PriceTable,
    *,
    out: str,
    audio: str = "link",
    title: str | None = None,
    inputs: list[str] = (),  # type: ignore[assignment]
    jobs: int = 0,
    on_progress: Callable[[int], None] | None = None,
    no_clobber: bool = False,
) -> Written:
    """Write the report of one log to `out` (and, with `audio="link"`, the WAV beside it:
    `out` with `.wav` for `.html`). `jobs`: processes for one big plain file, as summary's
    (0 = one per CPU; the raw events still arrive in order). `no_clobber`: an existing page
    or WAV is refused, before the work. `on_progress`: bytes read so far, over both passes
    with audio (the log's size twice in all: see `passes`)."""
    if audio not in AUDIO_MODES:
        raise ValueError(audio)
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):  # said before the work, and of the page rather than the WAV beside it
        raise OutputError(f"{out}: cannot write: directory does not exist")
    refuse_inputs(out, inputs)
    if audio == "link":
        refuse_inputs(wav_beside(out), inputs)
    if no_clobber:
        refuse_existing(out)
        if audio == "link":
            refuse_existing(wav_beside(out))
    with contextlib.ExitStack() as stack:
        if audio != "none":
            (src,) = stack.enter_context(readable_twice([src]))
        # the audio first, then the conversation: the audio pass folds the log too (to place
        # the audio), and done first its fold is gone before the page's conversation is made,
        # so the peak is the larger of the two, not their sum. The audio pass is quiet: the
        # conversation pass reports the bad lines (and the error, if the log cannot be read).
        size = src.size or 0
        first = None if on_progress is None or audio == "none" else on_progress
        second = on_progress if first is None else (lambda n: on_progress(size + n))  # type: ignore[misc]
        wav = wav_beside(out) if audio == "link" else None
        # the WAV is put in place with the page, when the whole report is done: a report
        # that fails after the audio pass (a bad line under --strict) leaves no WAV behind
        wav_stack = stack.enter_context(contextlib.ExitStack())
        embed: IO[bytes] | None = None
        peaks = None
        done_wav = None
        audio_bytes = 0
        deferred: Exception | None = None  # what stopped the audio pass, said after the conversation pass
        if audio != "none":
            quiet = Diagnostics(warn=lambda _m: None)
            opts = AudioOptions(side=BOTH)
            try:
                facts = prescan([src])
                if wav is not None:
                    fp = wav_stack.enter_context(atomic_output(wav, inputs=inputs, no_clobber=no_clobber))
                    extract_audio(None, opts, quiet, sources=[src], facts=facts, out=fp, out_name=wav, log_name=src.name,
                                  on_progress=first)  # fmt: skip
                    fp.flush()
                    audio_bytes = os.fstat(fp.fileno()).st_size
                    if fp.readable() and fp.seekable():
                        fp.seek(0)
                        peaks = wav_peaks(fp)
                    done_wav = wav
                else:
                    embed = stack.enter_context(tempfile.TemporaryFile(prefix="rtlog-report-"))
                    extract_audio(None, opts, quiet, sources=[src], facts=facts, out=embed, out_name="(embedded audio)", log_name=src.name,
                                  on_progress=first)  # fmt: skip
                    audio_bytes = embed.tell()
                    embed.seek(0)
                    peaks = wav_peaks(embed)  # type: ignore[arg-type]
                    embed.seek(0)
            except (RtlogError, OSError) as exc:
                # the conversation pass comes all the same: it reports the bad lines (and the
                # error, if the log cannot be read) before this is said, as when it came first
                with contextlib.suppress(Exception):
                    wav_stack.__exit__(type(exc), exc, exc.__traceback__)  # (the partial WAV is removed)
                # (without its traceback: kept in this frame, which that traceback holds, it
                # would be a reference cycle keeping the page's data of this file alive)
                deferred, embed, done_wav, audio_bytes, peaks = exc.with_traceback(None), None, None, 0, None
        raw = RawLog()
        conv = conversation_of(src, diag, on_event=raw, jobs=jobs, on_progress=second)[0]
        summary = summarize_conversation(conv, prices)
        if deferred is not None and not isinstance(deferred, NothingFound):
            try:
                raise deferred
            finally:
                deferred = None  # (this frame is in the traceback: no cycle through its locals)
        done = Written(src.name, out, summary=summary, wav=done_wav, audio_bytes=audio_bytes)
        if deferred is not None:  # (NothingFound: the audio pass found nothing to play)
            if not summary.audio_in.chunks and not summary.audio_out.chunks:
                sideband = conv.recording is not None and conv.recording.audio_evidence
                done.audio_note = ("No audio in this log (a WebRTC/SIP sideband or a recorder that drops audio): nothing to play."
                                   if sideband else "No audio in this log: nothing to play.")  # fmt: skip
            else:
                done.audio_note = f"No audio to play: {deferred}"
            deferred = None
        page = build_page(
            conv, summary, raw, prices, title=title or os.path.basename(src.name) or src.name, peaks=peaks,
            audio=audio if (done.wav or embed is not None) else "none",
            audio_src=os.path.basename(done.wav) if done.wav else None, audio_note=done.audio_note,
        )  # fmt: skip
        with atomic_output(out, inputs=inputs, no_clobber=no_clobber) as fp:
            write_page(page, fp, embed)
            done.page_bytes = fp.tell()
        done.summary_json = page.summary
    return done


def passes(audio: str) -> int:
    """How many times `report_one` reads the log: once, and once more for the audio."""
    return 1 if audio == "none" else 2


def wav_beside(page: str) -> str:
    """The linked WAV's path: the page's, with `.wav` for its extension."""
    wav = os.path.splitext(page)[0] + ".wav"
    return wav if wav != page else page + ".wav"


def unique_pages(sources: list[Source]) -> list[str]:
    """A page name per source, `<stem>.html`, numbered where two logs share a stem."""
    seen: dict[str, int] = {}
    out = []
    for src in sources:
        base = stem(src.name)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(f"{base}.html" if n == 0 else f"{base}-{n + 1}.html")
    return out


def report_many(
    sources: list[Source],
    make_diag: Callable[[], Diagnostics],
    prices: PriceTable,
    *,
    directory: str,
    audio: str = "link",
    inputs: list[str] = (),  # type: ignore[assignment]
    title: str | None = None,
    on_file: Callable[[Source, Written | None, str | None], None] | None = None,
    no_clobber: bool = False,
) -> tuple[list[Written], list[tuple[str, str]], str]:
    """One page per log in `directory`, then `index.html`; a log that cannot be read is
    listed in the index with its error and the others still get their pages. Returns
    (pages written, (log, error) for the failed ones, the index's path). `no_clobber`: if
    any of the files it would write exists, nothing is done."""
    index = os.path.join(directory, "index.html")
    if no_clobber:
        for name in [*unique_pages(sources), "index.html"]:
            refuse_existing(os.path.join(directory, name))
            if audio == "link" and name != "index.html":
                refuse_existing(wav_beside(os.path.join(directory, name)))
    written: list[Written] = []
    failed: list[tuple[str, str]] = []
    rows: list[dict[str, Any]] = []
    summaries: list[Summary] = []
    for src, name in zip(sources, unique_pages(sources)):
        diag = make_diag()
        try:
            w = report_one(src, diag, prices, out=os.path.join(directory, name), audio=audio, inputs=inputs, no_clobber=no_clobber)
            diag.finish()
        except OutputError:
            raise  # the pages cannot be written: no point going on
        except InputError as exc:
            failed.append((src.name, str(exc)))
            rows.append({"file": src.name, "error": str(exc)})
            if on_file is not None:
                on_file(src, None, str(exc))
            continue
        written.append(w)
        rows.append({"file": src.name, "href": name, "summary": w.summary_json})
        if w.summary is not None:
            summaries.append(w.summary)
        if on_file is not None:
            on_file(src, w, None)
    with atomic_output(index, inputs=inputs, no_clobber=no_clobber) as fp:
        total = combine(summaries).as_json() if summaries else None
        write_index(rows, fp, title or f"rtlog report: {len(sources)} logs", total)
    return written, failed, index
