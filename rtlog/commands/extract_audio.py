"""The `extract-audio` subcommand: options, where the audio goes, and the report."""

from __future__ import annotations

import contextlib
import os
from typing import Annotated, Any

import orjson
import typer

from rtlog import output
from rtlog.audio.convert import ENCODING_NAMES
from rtlog.audio.extract import extract_audio
from rtlog.audio.live import extract_live, is_live_log
from rtlog.audio.options import ASSISTANT, BOTH, SIDES, SPLITS, AudioOptions
from rtlog.audio.prescan import LogFacts, prescan
from rtlog.audio.report import AudioReport
from rtlog.commands.common import Files, Strict, between, diagnostics
from rtlog.errors import OutputError, UsageError
from rtlog.io.outfile import atomic_directory, atomic_output, refuse_existing
from rtlog.io.reader import Diagnostics, Source, expand_sources
from rtlog.io.spool import readable_twice
from rtlog.protocol.formats import MAX_RATE, MIN_RATE, PCM16, parse_audio_format
from rtlog.units import fmt_int, fmt_seconds

INDEX_NAME = "index.json"


def extract_audio_command(
    files: Files = None,
    *,
    output_path: Annotated[
        str,
        typer.Option(
            "--output", "-o", metavar="OUT",
            help="Where to write: a .wav file, '-' for stdout (a pipe), or a directory with --split.",
            show_default=False,
        ),
    ] = "",
    side: Annotated[
        str,
        typer.Option(
            "--side", metavar="SIDE",
            help="assistant (the model's audio), user (the client's input_audio_buffer.append), "
            "or both (stereo: left user, right assistant, on the call's timeline).",
        ),
    ] = ASSISTANT,
    heard: Annotated[
        bool, typer.Option("--heard", help="Cut assistant audio where it was interrupted (truncations): what the user heard.")
    ] = False,
    split: Annotated[
        str | None,
        typer.Option("--split", metavar="BY", help="One file per response, item or turn, into the -o directory, with index.json."),
    ] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Headerless PCM (or G.711 with --keep-encoding) instead of WAV.")] = False,
    keep_encoding: Annotated[
        bool, typer.Option("--keep-encoding", help="Keep G.711 μ-law/A-law as it is (WAV format 7/6) instead of decoding to PCM16.")
    ] = False,
    encoding: Annotated[
        str | None,
        typer.Option("--encoding", metavar="ENC", help="The audio's encoding, if the log doesn't say or says wrong: pcm16, g711_ulaw, g711_alaw."),
    ] = None,
    rate: Annotated[
        int | None, typer.Option("--rate", metavar="HZ", help="The audio's sample rate (1000 to 384000), if the log doesn't say or says wrong.", callback=between(1000, 384000))
    ] = None,
    out_rate: Annotated[
        int | None,
        typer.Option("--out-rate", metavar="HZ", help="Resample the output to HZ, 8000-192000 (band-limited), e.g. 16000 or 48000."),
    ] = None,
    json_report: Annotated[bool, typer.Option("--json", help="Report what was written as JSON on stdout.")] = False,
    no_clobber: Annotated[
        bool, typer.Option("--no-clobber", "-n", help="Refuse to overwrite an existing output (exit 2), before reading anything.")
    ] = False,
    strict: Strict = False,
) -> None:
    """Decode the base64 audio of a session log into a playable WAV.

    \b
    Examples:
      rtlog extract-audio s.jsonl -o reply.wav
      rtlog extract-audio s.jsonl --side both -o call.wav
      rtlog extract-audio s.jsonl -o - --raw \\
        | sox -t raw -r 24000 -e signed -b 16 -c 1 - o.flac
    """
    opts = _options(side, heard, split, raw, keep_encoding, encoding, rate, out_rate)
    if not output_path:
        raise UsageError("extract-audio: -o/--output is required (a .wav file, '-' for stdout, or a directory with --split)")
    to_stdout = output_path == "-"
    if to_stdout and split:
        raise UsageError("--split writes several files: give a directory with -o, not '-'")
    if split and output_path.lower().endswith((".wav", ".pcm", ".raw")) and not os.path.isdir(output_path):
        raise UsageError(f"--split writes a directory of files and index.json: -o {output_path} names a file (give a directory, e.g. -o {os.path.splitext(output_path)[0]}/)")
    if raw and not split and output_path.lower().endswith((".wav", ".wave")):
        raise UsageError(f"--raw writes headerless samples, not a WAV: -o {output_path} would be a .wav no player reads "
                         f"(give it another name, e.g. -o {os.path.splitext(output_path)[0]}.pcm, or leave --raw out)")
    if heard and side == "user":
        output.warning("--heard cuts the assistant's audio where it was interrupted: with --side user it changes nothing")
    if to_stdout and json_report:
        raise UsageError("--json writes its report to stdout, which -o - uses for the audio: give -o FILE")
    if to_stdout and output.stdout_is_terminal():
        raise UsageError("refusing to write binary audio to a terminal; use -o FILE or a pipe")
    if no_clobber and not to_stdout and not split:
        refuse_existing(output_path)
    paths = list(files or ["-"])
    sources = expand_sources(paths)
    log_name = sources[0].name if len(sources) == 1 else f"{sources[0].name} (and {len(sources) - 1} more)"
    diag = diagnostics(strict)
    with contextlib.ExitStack() as stack:
        facts: LogFacts | None = None
        if opts.needs_prescan:
            sources = stack.enter_context(readable_twice(sources))
        live = is_live_log(sources)  # GPT-Live / Translation: their own pass (`rtlog.audio.live`)
        if opts.needs_prescan and not live:
            facts = prescan(sources)
        if live:
            report = _extract_live(sources, opts, diag, output_path, to_stdout, paths, log_name, no_clobber)
        elif split:
            report = _extract_split(sources, opts, diag, facts, output_path, paths, log_name, no_clobber)
        elif to_stdout:
            with output.stdout_sink() as out, _progress(sources, log_name) as bar:
                report = extract_audio(None, opts, diag, sources=sources, facts=facts, out=out, out_name="<stdout>",
                                       log_name=log_name, on_progress=bar.callback)  # fmt: skip
        else:
            _check_target(output_path)
            with atomic_output(output_path, inputs=paths, no_clobber=no_clobber) as fp:
                if fp.isatty():  # a device such as /dev/tty is written directly
                    raise UsageError(f"{output_path}: refusing to write binary audio to a terminal")
                with _progress(sources, log_name) as bar:
                    report = extract_audio(None, opts, diag, sources=sources, facts=facts, out=fp, out_name=output_path,
                                           log_name=log_name, on_progress=bar.callback)  # fmt: skip
    diag.finish()
    for w in report.warnings:
        output.warning(w)
    if json_report:
        with output.stdout_sink() as out:
            out.write(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2) + b"\n")
    else:
        output.note(_summary_line(report, output_path))


def _extract_live(sources: list[Source], opts: AudioOptions, diag: Diagnostics, target: str, to_stdout: bool,
                  inputs: list[str], log_name: str, no_clobber: bool = False) -> AudioReport:
    if to_stdout:
        with output.stdout_sink() as out:
            return extract_live(sources, opts, diag, out=out, out_name="<stdout>", log_name=log_name)
    if opts.split:
        raise UsageError("--split is not supported for GPT-Live / Translation logs (no responses or turns); use --side")
    _check_target(target)
    with atomic_output(target, inputs=inputs, no_clobber=no_clobber) as fp:
        if fp.isatty():
            raise UsageError(f"{target}: refusing to write binary audio to a terminal")
        return extract_live(sources, opts, diag, out=fp, out_name=target, log_name=log_name)


def _options(side: str, heard: bool, split: str | None, raw: bool, keep: bool, encoding: str | None, rate: int | None,
             out_rate: int | None = None) -> AudioOptions:  # fmt: skip
    side = side.lower()
    if side not in SIDES:
        raise UsageError(f"--side must be one of {', '.join(SIDES)} (got {side!r})")
    if split is not None:
        split = split.lower()
        if split not in SPLITS:
            raise UsageError(f"--split must be one of {', '.join(SPLITS)} (got {split!r})")
        if split == "response" and side != ASSISTANT:
            raise UsageError("--split response is for assistant audio; use --split item or turn for the user side")
    enc = None
    if encoding is not None:
        fmt = parse_audio_format(encoding)
        if fmt is None:
            raise UsageError(f"--encoding must be pcm16, g711_ulaw or g711_alaw (got {encoding!r})")
        enc = fmt.encoding
    if out_rate is not None and not MIN_RATE <= out_rate <= MAX_RATE:
        raise UsageError(f"--out-rate must be {MIN_RATE}-{MAX_RATE} Hz (got {out_rate})")
    if out_rate is not None and keep:
        raise UsageError("--out-rate converts PCM16: it cannot go with --keep-encoding (G.711 kept as recorded)")
    return AudioOptions(side=side, heard=heard, split=split, encoding=enc, rate=rate, keep_encoding=keep, raw=raw, out_rate=out_rate)


def _check_target(path: str) -> None:
    if os.path.isdir(path):
        raise OutputError(f"{path}: is a directory (use --split to write one file per response, item or turn)")


def _extract_split(
    sources: list[Source],
    opts: AudioOptions,
    diag: Diagnostics,
    facts: LogFacts | None,
    directory: str,
    inputs: list[str],
    log_name: str,
    no_clobber: bool = False,
) -> AudioReport:
    # all the files and index.json appear together, or none does (a failure, Ctrl-C)
    with atomic_directory(directory, inputs=inputs, no_clobber=no_clobber) as open_file, _progress(sources, log_name) as bar:
        report = extract_audio(None, opts, diag, sources=sources, facts=facts, open_file=open_file, log_name=log_name,
                               on_progress=bar.callback)  # fmt: skip
        index = {
            "sources": inputs,
            **{k: v for k, v in report.as_dict().items() if k != "warnings"},
        }
        with open_file(INDEX_NAME) as fp:
            fp.write(orjson.dumps(index, option=orjson.OPT_INDENT_2) + b"\n")
    return report


def _format_label(encoding: str, rate: int, channels: int) -> str:
    layout = "mono" if channels == 1 else "stereo (left: user, right: assistant)"
    return f"{rate / 1000:g} kHz {ENCODING_NAMES.get(encoding, encoding)} {layout}"


def _summary_line(report: AudioReport, target: str) -> str:
    """`wrote out.wav: 1.60 s, 24 kHz PCM16 mono, 6 chunks (76,800 bytes)`."""
    opts = report.options
    f = report.files[0]
    kind = f"{_format_label(f.encoding, f.rate, f.channels)}" + (", raw (no header)" if opts.raw else "")
    chunks = report.chunks
    what = f"{fmt_int(chunks)} chunk{'s' if chunks != 1 else ''} ({fmt_int(report.nbytes)} bytes)"
    if opts.split:
        n = len(report.files)
        head = f"wrote {n} file{'s' if n != 1 else ''} to {target.rstrip('/')}/ with {INDEX_NAME}"
    else:
        head = f"wrote {f.name}"
    line = f"{head}: {fmt_seconds(report.seconds)}, {kind}, {what}"
    a = report.sides.get(ASSISTANT)
    if a is not None and opts.cuts_truncations and a.truncated_items:
        line += (f"; {a.truncated_items} interrupted item{'s' if a.truncated_items != 1 else ''} cut where playback "
                 f"stopped ({fmt_seconds(a.heard_dropped_seconds)} not heard)")  # fmt: skip
    if opts.side == BOTH and report.timestamps is not None:
        line += "; " + _placement(report)
    if f.encoding != PCM16 and opts.keep_encoding:
        line += "; G.711 kept as recorded"
    for note in report.notes:
        line += f"; {note}"
    return line


def _placement(report: AudioReport) -> str:
    """`placed by timestamps`, or by VAD offsets, or which files were placed how."""
    by = report.placed_by
    if by != "mixed":
        return "placed by timestamps" if by == "timestamps" else "placed by VAD offsets (no timestamps)"

    def files(timed: bool) -> str:
        names = [name for name, t in report.placement if t == timed]
        return ", ".join(names) if len(names) <= 3 else f"{len(names)} files"

    return f"placed by timestamps ({files(True)}) and by VAD offsets ({files(False)}: no timestamps)"


def _progress(sources: list[Any], log_name: str) -> output.Progress:
    """A bar on stderr while the audio is extracted (on a terminal, for 64 MB and more)."""
    return output.Progress(sum(src.size or 0 for src in sources) or None, f"extract-audio {log_name}")
