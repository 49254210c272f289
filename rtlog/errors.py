"""Exit codes and the exceptions the core raises.

Core modules raise `RtlogError` subclasses; the CLI's single error boundary turns
them into one `rtlog: error: …` line on stderr and the exit code they carry.
Nothing here imports typer or rich.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    NOT_FOUND = 1  # filter matched nothing; summary found problems; no audio to extract
    ERROR = 2  # bad input, unreadable file, bad option value, --strict violation
    INTERRUPTED = 130  # Ctrl-C
    BROKEN_PIPE = 141  # the reader of our stdout went away


class RtlogError(Exception):
    """An error that stops the run; its message is shown to the user as is."""

    exit_code: int = ExitCode.ERROR


class InputError(RtlogError):
    """A log cannot be read, or (with --strict) holds a bad line."""


class UsageError(RtlogError):
    """An option value that makes no sense (bad glob, bad time, bad price file…)."""


class OutputError(RtlogError):
    """An output cannot be written (disk full, missing directory, refusing to overwrite input)."""


class NothingFound(RtlogError):
    """The run completed but found nothing to report (exit 1), e.g. a log without audio."""

    exit_code = ExitCode.NOT_FOUND


class PipeClosed(RtlogError):
    """Whoever read our stdout went away (`| head`): end quietly with 141."""

    exit_code = ExitCode.BROKEN_PIPE


class Stopped(RtlogError):
    """Ctrl-C ended a run that goes on until it is stopped (`filter --follow`, like
    `tail -f`): exit 130 without a message."""

    exit_code = ExitCode.INTERRUPTED
