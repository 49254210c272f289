"""The command line: the typer app, its single error boundary, and `main()`.

Commands live in `rtlog.commands.*` (option parsing and presentation only); the work is
done by the core modules. Every `RtlogError` becomes one `rtlog: error: …` line on stderr
and its exit code; a closed stdout pipe ends quietly with 141; Ctrl-C with 130.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

try:  # typer vendors click since 0.2x (and keeps Abort and Exit itself); before, click is its own package
    from typer._click import exceptions as click_errors  # type: ignore[import-not-found]
    from typer._click import formatting as click_formatting  # type: ignore[import-not-found]
    from typer._click.core import Context as ClickContext  # type: ignore[import-not-found]
    from typer._click.utils import PacifyFlushWrapper  # type: ignore[import-not-found]
    from typer.exceptions import Abort  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older typer
    from click import Context as ClickContext  # type: ignore[assignment]
    from click import exceptions as click_errors  # type: ignore[no-redef]
    from click import formatting as click_formatting  # type: ignore[no-redef]
    from click.exceptions import Abort  # type: ignore[no-redef]
    from click.utils import PacifyFlushWrapper  # type: ignore[no-redef]

from rtlog import __version__, output
from rtlog.errors import ExitCode, NothingFound, RtlogError

#: name → (module, function, hidden). A command's module is imported only when that
#: command runs (or for --help): start-up time is a large part of a run on a small log.
COMMANDS: dict[str, tuple[str, str, bool]] = {
    "summary": ("rtlog.commands.summary", "summary_command", False),
    "filter": ("rtlog.commands.filter", "filter_command", False),
    "transcript": ("rtlog.commands.transcript", "transcript_command", False),
    "reassemble-transcript": ("rtlog.commands.transcript", "transcript_command", True),
    "extract-audio": ("rtlog.commands.extract_audio", "extract_audio_command", False),
    "report": ("rtlog.commands.report", "report_command", False),
    "diff": ("rtlog.commands.diff", "diff_command", False),
    "redact": ("rtlog.commands.redact", "redact_command", False),
    "export": ("rtlog.commands.export", "export_command", False),
    "query": ("rtlog.commands.query", "query_command", False),
    "help": ("rtlog.commands.help", "help_command", False),
}
_CONTEXT = {"help_option_names": ["-h", "--help"]}
#: click's "no arguments: here is the help" (a usage error whose message is the help)
_NO_ARGS: type = getattr(click_errors, "NoArgsIsHelpError", type(None))


class HelpFormatter(click_formatting.HelpFormatter):  # type: ignore[misc]
    """click's plain help (rich's panels cut words with '…' and metavars in half at 60
    columns), with each option's help under its name when the terminal is narrow, so the
    text keeps most of the width instead of a 20-column strip beside a 30-column one."""

    NARROW = 76  # (click's width: the terminal's, at most 80, minus 2)

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        if self.width >= self.NARROW:
            return super().write_dl(rows, col_max, col_spacing)  # type: ignore[no-any-return]
        indent = self.current_indent + 6
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}\n")
            if second:
                text = click_formatting.wrap_text(second, max(self.width - indent, 20), preserve_paragraphs=True)
                self.write("".join(f"{'':>{indent}}{line}\n" for line in text.splitlines()))
        return None


class Context(ClickContext):  # type: ignore[misc]
    formatter_class = HelpFormatter


def _short_help(text: str | None) -> str | None:
    """A command's line in `rtlog -h`: its first sentence whole (click cuts it at 45
    characters with '...')."""
    if not text:
        return None
    first = text.strip().split("\n\n")[0].replace("\n", " ")
    cut = first.find(". ")
    return first if cut < 0 else first[: cut + 1]


def load_command(name: str) -> Any:
    """Build the click command for `name` from its typer function."""
    module, function, hidden = COMMANDS[name]
    sub = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False, context_settings=_CONTEXT, rich_markup_mode=None)
    sub.command(name, hidden=hidden)(getattr(importlib.import_module(module), function))
    cmd = typer.main.get_command(sub)
    cmd.context_class = Context
    cmd.short_help = _short_help(cmd.help)
    return cmd


class RtlogGroup(TyperGroup):
    """Loads subcommands on demand and runs them inside the one error boundary."""

    context_class = Context

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load_command(cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            with output.stdout_sink():  # the final flush, inside the boundary
                return super().invoke(ctx)
        except NothingFound as exc:  # not an error (exit 1, as grep's): a plain note
            if str(exc):
                output.note(str(exc))
            raise typer.Exit(int(exc.exit_code)) from None
        except RtlogError as exc:
            if str(exc):
                output.error(str(exc))
            raise typer.Exit(int(exc.exit_code)) from None
        except BrokenPipeError:
            output.silence_stdout()
            raise typer.Exit(ExitCode.BROKEN_PIPE) from None
        except KeyboardInterrupt:
            output.error("interrupted")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except Exception as exc:
            if type(exc).__module__.split(".")[0] in ("click", "typer"):
                raise  # usage errors and exits: typer reports them
            if os.environ.get("RTLOG_TRACEBACK"):
                raise
            # a bug: one line rather than a traceback full of a log's data
            output.error(f"internal error: {type(exc).__name__}: {exc} (a bug in rtlog; RTLOG_TRACEBACK=1 shows where)")
            raise typer.Exit(ExitCode.ERROR) from None

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """click's main, with every usage error as one line (`rtlog: error: …` and a hint,
        exit 2) instead of click's boxed, multi-line report."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except SystemExit as exc:
            # click ends a broken pipe met while it parses (`rtlog --help | head -1`) with
            # exit 1, its streams wrapped to stay quiet: ours is 141, as for a command's output
            if exc.code == 1 and isinstance(sys.stdout, PacifyFlushWrapper):
                sys.exit(ExitCode.BROKEN_PIPE)
            raise
        except click_errors.ClickException as exc:
            if isinstance(exc, _NO_ARGS) or not exc.format_message():  # `rtlog` alone: the help is the answer
                exc.show()
            else:
                output.error(usage_line(exc))
            sys.exit(exc.exit_code)
        except Abort:
            output.error("interrupted")
            sys.exit(ExitCode.INTERRUPTED)
        except RtlogError as exc:  # raised while options are parsed (--version into a closed pipe)
            if str(exc):
                output.error(str(exc))
            sys.exit(int(exc.exit_code))
        sys.exit(int(rv) if isinstance(rv, int) else 0)

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return [name for name, (_, _, hidden) in COMMANDS.items() if not hidden]


def usage_line(exc: click_errors.ClickException) -> str:
    """A click usage error as one line: what is wrong, a close match if there is one, and
    where the help is (`rtlog summary -h`)."""
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "rtlog"
    where = path.partition(" ")[2]
    if isinstance(exc, click_errors.NoSuchOption):
        msg = f"no such option: {exc.option_name}"
        names = [n for p in (ctx.command.params if ctx is not None else []) for n in getattr(p, "opts", []) if n.startswith("-")]
        close = _close(exc.option_name, names)
    elif isinstance(exc, click_errors.UsageError) and exc.message.startswith("No such command"):
        wrong = exc.message.split("'")[1] if exc.message.count("'") >= 2 else ""
        msg = f"no such command: {wrong}"
        close = _close(wrong, [n for n, (_, _, hidden) in COMMANDS.items() if not hidden])
    else:
        msg = exc.format_message().rstrip(".")
        for theirs, ours in (("is not a valid int range", "is not a whole number"), ("is not a valid integer range", "is not a whole number"),
                             ("is not a valid int", "is not a whole number"), ("is not a valid integer", "is not a whole number"),
                             ("is not a valid float range", "is not a number"), ("is not a valid float", "is not a number")):  # fmt: skip
            if theirs in msg:
                msg = msg.replace(theirs, ours)
                break
        msg = msg[:1].lower() + msg[1:]
        close = None
    hint = f"did you mean {close}? " if close else ""
    prefix = f"{where}: " if where else ""
    return f"{prefix}{msg} ({hint}see '{path} -h')"


def _close(word: str, candidates: list[str]) -> str | None:
    """The candidate closest to `word` (dashes ignored), if it is close enough to be meant."""
    import difflib

    by_stem = {c.lstrip("-"): c for c in candidates}
    found = difflib.get_close_matches(word.lstrip("-"), list(by_stem), n=1, cutoff=0.75)
    return by_stem[found[0]] if found else None


app = typer.Typer(
    name="rtlog",
    cls=RtlogGroup,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings=_CONTEXT,
    help="Inspect recorded realtime voice session logs (OpenAI Realtime API and compatibles).\n\n"
    "Reads JSONL event logs (bare events or recorder envelopes, beta or GA event names; "
    ".gz/.bz2/.xz; '-' for stdin).",
)


def _version(value: bool) -> None:
    if value:
        with output.stdout_sink() as out:  # plain bytes: rich is not worth its start-up for one line
            out.write(f"rtlog {__version__}\n".encode())
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Inspect recorded realtime voice session logs."""


def _terminate(signum: int, frame: object) -> None:
    # Turn SIGTERM into an exception so `finally` blocks remove temporary files.
    raise KeyboardInterrupt




def main() -> None:
    """The CLI (the `rtlog` script enters through `rtlog.__main__`, which installs the
    signal handling and the garbage collector's threshold before this module's imports)."""
    signal.signal(signal.SIGTERM, _terminate)
    output.guard_standard_streams()
    try:
        app(prog_name="rtlog")
    except KeyboardInterrupt:  # outside a command (e.g. while parsing options)
        output.error("interrupted")
        sys.exit(ExitCode.INTERRUPTED)
