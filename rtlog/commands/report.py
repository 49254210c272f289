"""The `report` subcommand: options, where the pages go, and one line saying what was written."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from rtlog import output
from rtlog.commands.common import Files, Strict, diagnostics
from rtlog.errors import ExitCode, OutputError, UsageError

#: an embedded audio larger than this gets a warning (mail and browsers choke on big pages)
EMBED_WARN_BYTES = 10_000_000


def report_command(
    files: Files = None,
    *,
    output_path: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", metavar="OUT",
            help="The page to write (default: <log name>.html here); a directory for several logs (one page each and index.html).",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    audio: Annotated[
        str,
        typer.Option(
            "--audio", metavar="MODE",
            help="link: write the call's stereo WAV beside the page and play it from there; "
            "embed: put it inside the page (large); none: a page without audio.",
        ),
    ] = "link",
    title: Annotated[str | None, typer.Option("--title", metavar="T", help="The page's title (default: the log's name).")] = None,
    pricing: Annotated[
        str | None,
        typer.Option("--pricing", metavar="FILE", help="JSON price table that overrides or extends the built-in one (as summary's)."),
    ] = None,
    no_clobber: Annotated[
        bool, typer.Option("--no-clobber", "-n", help="Refuse to overwrite an existing page, WAV or index.html (exit 2), before reading anything.")
    ] = False,
    strict: Strict = False,
) -> None:
    """The whole call on one self-contained HTML page: header, timeline, turns, checks.

    The numbers are summary's; the page needs no network and plays the call's audio.
    Several files or a directory: one page each plus an index.html sorted worst first.

    \b
    Examples:
      rtlog report session.jsonl -o call.html
      rtlog report logs/ -o reports/
    """
    from rtlog.commands.summary import load_prices
    from rtlog.io.reader import expand_sources
    from rtlog.report.build import AUDIO_MODES, passes, report_many, report_one, stem
    from rtlog.units import fmt_bytes

    audio = audio.lower()
    if audio not in AUDIO_MODES:
        raise UsageError(f"--audio must be one of {', '.join(AUDIO_MODES)} (got {audio!r})")
    prices = load_prices(pricing)
    paths = list(files or ["-"])
    sources = expand_sources(paths)
    if len(sources) == 1 and not (output_path and os.path.isdir(output_path)):
        src = sources[0]
        if output_path is None:
            if src.path is None:
                raise UsageError("report: give -o FILE.html when the log comes from stdin")
            output_path = stem(src.name) + ".html"
        diag = diagnostics(strict)
        with output.Progress(src.size and src.size * passes(audio), f"report {src.name}") as bar:
            w = report_one(src, diag, prices, out=output_path, audio=audio, title=title, inputs=paths, on_progress=bar.callback,
                           no_clobber=no_clobber)  # fmt: skip
        diag.finish()
        what = f"wrote {w.page} ({fmt_bytes(w.page_bytes)})"
        if w.wav:
            what += f" and {w.wav} ({fmt_bytes(w.audio_bytes)})"
        elif audio == "embed" and w.audio_bytes:
            what += f", audio embedded ({fmt_bytes(w.audio_bytes)} of WAV)"
        if audio == "embed" and w.audio_bytes > EMBED_WARN_BYTES:
            output.warning(f"{w.page}: the embedded audio makes the page {fmt_bytes(w.page_bytes)}; --audio link keeps it small")
        if w.audio_note and audio != "none":
            what += f"; {w.audio_note[0].lower()}{w.audio_note[1:].rstrip('.')}"
        output.note(what)
        return
    if output_path is None:
        raise UsageError("report: several logs need -o DIRECTORY (one page each, and index.html)")
    if os.path.exists(output_path) and not os.path.isdir(output_path):
        raise OutputError(f"{output_path}: exists and is not a directory (several logs write one page each into a directory)")
    try:
        os.makedirs(output_path, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{output_path}: cannot create the directory: {exc.strerror or exc}") from None

    def each(src: object, w: object, error: str | None) -> None:
        if error is not None:
            output.error(error)

    written, failed, index = report_many(
        sources, lambda: diagnostics(strict), prices, directory=output_path, audio=audio, inputs=paths, title=title, on_file=each,
        no_clobber=no_clobber,
    )
    more = f"; {len(failed)} log{'s' if len(failed) != 1 else ''} could not be read" if failed else ""
    output.note(f"wrote {len(written)} page{'s' if len(written) != 1 else ''} and {index}{more}")
    if failed:
        raise typer.Exit(ExitCode.ERROR)
