"""The command line: the typer app, its single error boundary, and `main()`.

Commands live in `rtlog.commands.*` (option parsing and presentation only); the work is
done by the core modules. Every `RtlogError` becomes one `rtlog: error: …` line on stderr
and its exit code; a closed stdout pipe ends quietly with 141; Ctrl-C with 130.
"""

from __future__ import annotations

import signal
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from rtlog import __version__, output
from rtlog.commands.extract_audio import extract_audio_command
from rtlog.commands.filter import filter_command
from rtlog.commands.summary import summary_command
from rtlog.commands.transcript import transcript_command
from rtlog.errors import ExitCode, RtlogError


class RtlogGroup(TyperGroup):
    """Runs subcommands inside the one error boundary."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            result = super().invoke(ctx)
            output.binary_stdout().flush()
            return result
        except RtlogError as exc:
            if str(exc):
                output.error(str(exc))
            raise typer.Exit(int(exc.exit_code)) from None
        except BrokenPipeError:
            output.silence_stdout()
            raise typer.Exit(ExitCode.BROKEN_PIPE) from None
        except KeyboardInterrupt:
            raise typer.Exit(ExitCode.INTERRUPTED) from None

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return ["summary", "filter", "transcript", "extract-audio"]


app = typer.Typer(
    name="rtlog",
    cls=RtlogGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Inspect recorded realtime voice session logs (OpenAI Realtime API and compatibles).\n\n"
    "Reads JSONL event logs (bare events or recorder envelopes, beta or GA event names; "
    ".gz/.bz2/.xz; '-' for stdin).",
)


def _version(value: bool) -> None:
    if value:
        output.console().print(f"rtlog {__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Inspect recorded realtime voice session logs."""


app.command("summary")(summary_command)
app.command("filter")(filter_command)
app.command("transcript")(transcript_command)
app.command("reassemble-transcript", hidden=True)(transcript_command)
app.command("extract-audio")(extract_audio_command)


def _terminate(signum: int, frame: object) -> None:
    # Turn SIGTERM into an exception so `finally` blocks remove temporary files.
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app(prog_name="rtlog")
    except KeyboardInterrupt:  # outside a command (e.g. while parsing options)
        sys.exit(ExitCode.INTERRUPTED)
