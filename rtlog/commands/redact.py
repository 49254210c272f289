"""The `redact` subcommand: options → `rtlog.redact`, the output file, and the report."""

from __future__ import annotations

import contextlib
import gzip
import os
from collections import Counter
from collections.abc import Iterator
from typing import IO, Annotated

import orjson
import typer

from rtlog import output
from rtlog.commands.common import Strict, diagnostics
from rtlog.errors import NothingFound, OutputError, UsageError
from rtlog.io.outfile import atomic_output
from rtlog.io.reader import expand_sources
from rtlog.io.spool import readable_twice
from rtlog.redact import KEEPABLE, Policy, check_source, needs_first_pass, redact_source
from rtlog.redact.record import AUDIO_DROP, AUDIO_SILENCE
from rtlog.units import fmt_int


def redact_command(
    files: Annotated[list[str] | None, typer.Argument(metavar="IN", show_default=False,
        help="The log to redact (JSONL; .gz/.bz2/.xz; '-' for stdin); with --check, logs or directories to scan.")] = None,
    *,
    output_path: Annotated[str, typer.Option("--output", "-o", metavar="OUT", show_default=False,
        help="Where to write the redacted log ('-' for stdout; a name ending in .gz is gzipped). Never the input.")] = "",
    keep: Annotated[list[str] | None, typer.Option("--keep", metavar="WHAT", show_default=False,
        help="Categories to keep, comma-separated or repeated: text, tools, instructions, audio. "
        "Kept text still has emails, phone numbers, card numbers, IBANs, IP addresses and secrets "
        "replaced. Secrets, keypad digits and SIP headers are always redacted.")] = None,
    audio: Annotated[str, typer.Option("--audio", metavar="silence|drop",
        help="silence: audio becomes silence of the same length (durations unchanged); "
        "drop: '[trimmed: N bytes]' placeholders.")] = AUDIO_SILENCE,
    salt: Annotated[str | None, typer.Option("--pseudonymize", metavar="SALT", show_default=False,
        help="Replace ids (items, responses, calls, events, sessions) by pseudonyms made with SALT: "
        "the same id gets the same pseudonym, so joins across the log survive.")] = None,
    check: Annotated[bool, typer.Option("--check",
        help="Scan the logs instead: list (line, path, kind) of what still looks sensitive; exit 1 if anything does.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="With --check: the findings as one JSON object.")] = False,
    strict: Strict = False,
) -> None:  # fmt: skip
    """Make a log safe to share: text, audio, secrets and keypad digits redacted, everything else as recorded.

    \b
    Examples:
      rtlog redact call.jsonl -o call.redacted.jsonl
      rtlog redact --check call.redacted.jsonl
    """
    kept = _keep(keep)
    if audio not in (AUDIO_SILENCE, AUDIO_DROP):
        raise UsageError(f"--audio must be silence or drop (got {audio!r})")
    if check:
        if output_path or salt is not None:
            raise UsageError("--check scans logs: it takes no -o or --pseudonymize")
        _check(files or [], kept, strict, json_out)
        return
    if json_out:
        raise UsageError("--json goes with --check")
    if not output_path:
        raise UsageError("give the output with -o OUT (the input is never overwritten)")
    if files is not None and len(files) > 1:
        raise UsageError("redact takes one log (IN); use a shell loop for several")
    sources = expand_sources(files or [])
    if len(sources) != 1:
        raise UsageError(f"{files[0] if files else '-'}: a directory; redact takes one log")  # type: ignore[index]
    if salt == "":
        raise UsageError("--pseudonymize needs a SALT (a secret of yours: anyone with it can test guesses of ids)")
    policy = Policy(keep=kept, audio=audio, salt=None if salt is None else salt.encode())
    diag = diagnostics(strict)
    src = sources[0]
    with contextlib.ExitStack() as stack:
        if needs_first_pass(policy):
            (src,) = stack.enter_context(readable_twice([src]))
        if output_path == "-":
            with output.stdout_sink() as out:
                stats = redact_source(src, out, policy, diag)
        else:
            if os.path.isdir(output_path):
                raise OutputError(f"{output_path}: is a directory")
            with atomic_output(output_path, inputs=[p for p in (files or []) if p != "-"]) as fp:
                with _maybe_gzip(fp, output_path) as out:
                    stats = redact_source(src, out, policy, diag)
    diag.finish()
    if stats.blanked:
        output.warning(f"{fmt_int(stats.blanked)} bad line{'s' if stats.blanked != 1 else ''} written as blank "
                       "lines (a line rtlog cannot read cannot be redacted)")  # fmt: skip
    name = "<stdout>" if output_path == "-" else output_path
    output.note(f"wrote {name}: {fmt_int(stats.lines)} lines, {fmt_int(stats.changed)} redacted "
                f"({_what(policy)})")  # fmt: skip


def _keep(values: list[str] | None) -> frozenset[str]:
    out = set()
    for v in values or ():
        for word in v.split(","):
            w = word.strip().lower()
            if not w:
                continue
            if w not in KEEPABLE:
                raise UsageError(f"--keep: unknown category {w!r} (text, tools, instructions, audio)")
            out.add(w)
    return frozenset(out)


def _what(policy: Policy) -> str:
    kept = sorted(policy.keep - {"audio"})
    words = ", ".join(kept[:-1]) + " and " + kept[-1] if len(kept) > 1 else "".join(kept)
    parts = [f"{words} kept but for personal data" if kept else "all text redacted"]
    if "audio" in policy.keep:
        parts.append("audio kept")
    else:
        parts.append("audio silenced" if policy.audio == AUDIO_SILENCE else "audio dropped")
    if policy.salt is not None:
        parts.append("ids pseudonymised")
    return "; ".join(parts)


@contextlib.contextmanager
def _maybe_gzip(fp: IO[bytes], path: str) -> Iterator[IO[bytes]]:
    if not path.endswith(".gz"):
        yield fp
        return
    with gzip.GzipFile(fileobj=fp, mode="wb", compresslevel=6, mtime=0) as gz:
        yield gz  # type: ignore[misc]


def _check(files: list[str], keep: frozenset[str], strict: bool, json_out: bool) -> None:
    sources = expand_sources(files)
    diag = diagnostics(strict)
    results = []
    with contextlib.ExitStack() as stack:
        for src in sources:
            (src,) = stack.enter_context(readable_twice([src]))
            results.append(check_source(src, keep, diag))
    diag.finish()
    total = sum(len(r.findings) for r in results)
    with output.stdout_sink() as out:
        if json_out:
            doc = {"files": [{"file": r.source, "events": r.events, "findings": [
                {"line": f.line, "path": f.path, "kind": f.kind, "note": f.note or None} for f in r.findings]}
                for r in results], "findings": total}  # fmt: skip
            out.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
        else:
            for r in results:
                for f in r.findings:
                    note = f" ({f.note})" if f.note else ""
                    out.write(f"{r.source}:{f.line}: {f.path}: {f.kind}{note}\n".encode())
    if not json_out:
        for r in results:
            if r.findings:
                kinds = Counter(f.kind for f in r.findings)
                what = ", ".join(f"{fmt_int(n)} {k}" for k, n in kinds.most_common())
                output.note(
                    f"{r.source}: {fmt_int(len(r.findings))} finding{'s' if len(r.findings) != 1 else ''} ({what})"
                )
            else:
                output.note(f"{r.source}: nothing sensitive found ({fmt_int(r.events)} events)")
    if total:
        raise NothingFound("")
