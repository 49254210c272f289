"""Options and plumbing shared by the subcommands."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import typer

from rtlog import output
from rtlog.errors import InputError
from rtlog.io.outfile import refuse_stdout_input
from rtlog.io.reader import Diagnostics


def _inputs_not_stdout(files: list[str] | None) -> list[str] | None:
    # every command that takes `Files` refuses a stdout redirected into one of its inputs,
    # and a closed stdin as its input
    if "stdin" in output.CLOSED and (not files or "-" in files):
        raise InputError("<stdin>: closed: give a log FILE, or pipe a log in")
    refuse_stdout_input(files or ["-"])
    return files


Files = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="FILE...",
        help="Log files (JSONL; .gz/.bz2/.xz), folders of logs (their subfolders too), or '-' for stdin (the default).",
        show_default=False,
        callback=_inputs_not_stdout,
    ),
]
Strict = Annotated[bool, typer.Option("--strict", help="Stop at the first bad line (exit 2) instead of warning and skipping it.")]


class ColorMode(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


def _set_color(value: ColorMode | None) -> ColorMode | None:
    output.set_color(value.value if value is not None else "auto")
    return value


Color = Annotated[ColorMode, typer.Option("--color", "--colour", callback=_set_color, show_default=False,
    help="When to colour: auto (on a terminal, unless NO_COLOR is set; the default), always (piped too, "
    "e.g. into less -R), never.")]  # fmt: skip


def diagnostics(strict: bool) -> Diagnostics:
    """The bad-line policy, reporting through `rtlog: warning: FILE:LINE: reason` on stderr."""
    return Diagnostics(strict=strict, warn=output.warning, error=output.error)


def non_negative(value: Any) -> Any:
    """A typer callback: a number (or each of a repeated option's) must be 0 or more. Used
    instead of `min=0`, which typer's help shows as a metavar of internals (`<int range>
    [x>=0]`)."""
    for v in value if isinstance(value, list) else [value]:
        if v is not None and v < 0:
            raise typer.BadParameter(f"{v} is below 0 (0 or more)")
    return value


def between(low: int, high: int | None = None) -> Any:
    """A typer callback: a number (or none) from `low` to `high`, said in words on error; for
    options whose help states the range itself (typer's `min=`/`max=` show `[x>=2]`)."""

    def check(value: Any) -> Any:
        if value is not None and (value < low or (high is not None and value > high)):
            span = f"{low} or more" if high is None else f"{low} to {high}"
            raise typer.BadParameter(f"{value} is out of range ({span})")
        return value

    return check
