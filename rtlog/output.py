"""The one place that owns stdout and stderr.

Three channels:
- machine output (JSONL, `--json`, WAV/PCM bytes): `stdout_sink()` gives the binary
  stdout; bytes are written as they are, never through rich;
- human output (reports, transcripts): `console()`, a rich Console on stdout that colours
  only on a terminal and honours NO_COLOR / FORCE_COLOR;
- diagnostics on stderr: `error()`, `warning()`, `note()` print one line each as
  `rtlog: error: …`, and `progress()` shows a bar for long runs when stderr is a terminal.

A closed pipe (`| head`) ends the run quietly with exit 141 (`PipeClosed`).

A log is untrusted input, so safety is the default here, not each command's job: both
consoles read no rich markup (`[link=…]` in a log is text), every diagnostic is one line
with terminal controls shown as U+FFFD (`escape.terminal`), whatever rich renders has them
dropped as a last guard, and text written through `stdout_sink()` to a terminal has them
as JSON `\\uXXXX` escapes (the same JSON value; files and pipes get the exact bytes).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from rtlog import escape
from rtlog.errors import OutputError, PipeClosed
from rtlog.io.outfile import describe_os_error

if TYPE_CHECKING:
    from rich.console import Console

#: the standard streams that were closed when rtlog started (`2>&-`, `>&-`, `<&-`)
CLOSED: set[str] = set()


def guard_standard_streams() -> None:
    """Call first thing: a closed standard descriptor gets /dev/null, so no file rtlog
    opens takes its number (a WAV opened as fd 1 would receive the report), and is noted
    in `CLOSED`: diagnostics with stderr closed are dropped (never written into stdout),
    writing to a closed stdout is one `<stdout>: closed` error, reading a closed stdin
    one `<stdin>: closed` error."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            CLOSED.add(name)
            with contextlib.suppress(OSError):
                held = os.open(os.devnull, os.O_RDWR)
                if held != fd:
                    os.dup2(held, fd)
                    os.close(held)
        else:
            if getattr(sys, name) is None:  # (open, but Python saw it closed)
                CLOSED.add(name)


def _stdout_closed() -> OutputError:
    return OutputError("<stdout>: closed: nothing can be written (redirect it to a file or a pipe)")


# rich is imported on first use: a run that writes only bytes (filter's JSONL, --json,
# audio) and no diagnostics never pays for it (~30 ms of start-up)
_consoles: dict[str, Console] = {}

#: `--color`: "auto" (colour on a terminal; NO_COLOR / FORCE_COLOR honoured), "always"
#: (even piped, NO_COLOR overridden: the user asked), "never"
COLOR_MODES = ("auto", "always", "never")
_color = {"mode": "auto"}


def set_color(mode: str) -> None:
    """Choose when human output on stdout is coloured (`--color`); diagnostics on stderr
    keep colouring only on a terminal."""
    if mode not in COLOR_MODES:
        raise ValueError(mode)
    if mode != _color["mode"]:
        _color["mode"] = mode
        _consoles.pop("out", None)


def _color_options() -> dict[str, Any]:
    mode = _color["mode"]
    if mode == "always":  # (an explicit colour system colours whatever the file is)
        return {"color_system": "standard", "no_color": False}
    if mode == "never":
        return {"color_system": None}
    return {}


def console() -> Console:
    """The human-output console on stdout (created lazily, so tests can swap stdout)."""
    if sys.stdout is None:
        raise _stdout_closed()
    c = _consoles.get("out")
    if c is None or c.file is not sys.stdout:
        from rich.console import Console

        class _StdoutConsole(Console):
            def on_broken_pipe(self) -> None:
                # rich's default exits 1 here; let print_human turn it into PipeClosed (141)
                raise BrokenPipeError

        # (no emoji codes: `:smile:` in a log is text, and looking for them costs ~7 % of a report;
        # no markup: a plain string from a log, in a table cell too, is never read as markup)
        c = _StdoutConsole(file=sys.stdout, highlight=False, emoji=False, markup=False, **_color_options())
        c.push_render_hook(_control_free_hook())
        _consoles["out"] = c
    return c


#: control characters (`escape.UNSAFE`: C0 but tab and newline, DEL, C1, bidi controls):
#: rich gives them no width and passes them through, so an escape sequence in a log (an id,
#: a model, an error message) would restyle, retitle or clear the terminal, a carriage
#: return overwrite the line. Dropped after layout (they had no width there).
_CONTROL = dict.fromkeys(escape.UNSAFE)


def _control_free_hook() -> Any:
    """A render hook that drops control characters from the text of whatever is printed
    (after layout: they had no width there, so alignment is kept); rich's own styles and
    control segments are not text and pass. A renderable whose text is clean already says
    so with `control_free = True` and is printed as it is (a long transcript: a third of
    its time went to this check)."""
    from rich.console import RenderHook
    from rich.segment import Segment

    class ControlFree:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def __rich_console__(self, console: Any, options: Any) -> Iterator[Any]:
            for seg in console.render(self.inner, options):
                if not seg.control and not seg.text.isprintable() and seg.text != "\n":
                    seg = Segment(seg.text.translate(_CONTROL), seg.style, seg.control)
                yield seg

    class Hook(RenderHook):
        def process_renderables(self, renderables: list[Any]) -> list[Any]:
            return [r if getattr(r, "control_free", False) else ControlFree(r) for r in renderables]

    return Hook()


def err_console() -> Console:
    c = _consoles.get("err")
    if c is None or (c.file is not sys.stderr and sys.stderr is not None):
        from rich.console import Console

        # stderr closed: diagnostics go nowhere (rich would send them to stdout, into the JSONL)
        err = sys.stderr if sys.stderr is not None else open(os.devnull, "w")  # noqa: SIM115 - for the whole run
        c = Console(file=err, highlight=False, soft_wrap=True, emoji=False, markup=False)
        c.push_render_hook(_control_free_hook())
        _consoles["err"] = c
    return c


def _plain(line: str) -> bool:
    """Write `line` to stderr without rich when rich would add nothing: stderr is no terminal
    (no style, no wrapping of a soft-wrapped line) and FORCE_COLOR is not set. Importing rich
    for one line costs a run that prints nothing else ~25 ms (`rtlog export`'s report)."""
    if sys.stderr is None or "\t" in line or stderr_is_terminal() or os.environ.get("FORCE_COLOR") or "err" in _consoles:
        return False  # (rich expands a tab)
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
    return True


def _diag(label: str, style: str, msg: str) -> None:
    # (messages quote logs: an id, a type, an error message; one line, controls visible)
    if _plain(f"rtlog: {label}: {escape.terminal(msg, one_line=True)}"):
        return
    from rich.text import Text

    err_console().print(Text.assemble(("rtlog: ", "bold"), (label, style), ": ", escape.terminal(msg, one_line=True)), soft_wrap=True)


def error(msg: str) -> None:
    _diag("error", "bold red", msg)


def warning(msg: str) -> None:
    _diag("warning", "yellow", msg)


def note(msg: str) -> None:
    """An informational line on stderr (what was written, where)."""
    if _plain(f"rtlog: {escape.terminal(msg, one_line=True)}"):
        return
    from rich.text import Text

    err_console().print(Text.assemble(("rtlog: ", "bold"), escape.terminal(msg, one_line=True)), soft_wrap=True)


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class _ClosedStdout:
    """stdout when it was closed: the first write is one clear error."""

    def write(self, data: bytes) -> int:
        raise _stdout_closed()

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def binary_stdout() -> IO[bytes]:
    if sys.stdout is None:
        return _ClosedStdout()  # type: ignore[return-value]
    out = getattr(sys.stdout, "buffer", None)
    return out if out is not None else sys.stdout  # type: ignore[return-value]


def silence_stdout() -> None:
    """After a broken pipe: point fd 1 at /dev/null so the final flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


class TerminalSafe:
    """A binary stdout that is a terminal: text written through it has every character
    of `escape.UNSAFE` as a JSON `\\uXXXX` escape (`escape.json_terminal`), so JSON keeps
    its value and nothing reaches the terminal that it would act on. A UTF-8 sequence cut
    at the end of a write waits for the next one."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self._tail = b""

    def write(self, chunk: bytes) -> int:
        data = self._tail + bytes(chunk)
        cut = escape.PARTIAL_TAIL.search(data)
        self._tail = data[cut.start() :] if cut else b""
        self.raw.write(escape.json_terminal(data[: cut.start()] if cut else data))
        return len(chunk)

    def flush(self) -> None:
        if self._tail:
            tail, self._tail = self._tail, b""
            self.raw.write(tail)
        self.raw.flush()

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, … of the real stdout
        return getattr(self.raw, name)


@contextlib.contextmanager
def stdout_sink() -> Iterator[IO[bytes]]:
    """Binary stdout for machine output; flushed inside, so a closed pipe is caught here.
    On a terminal it is `TerminalSafe` (bytes elsewhere are kept exactly)."""
    out = binary_stdout()
    if stdout_is_terminal():
        out = TerminalSafe(out)  # type: ignore[assignment]
    with _stdout_guard():
        yield out
        out.flush()


@contextlib.contextmanager
def _stdout_guard() -> Iterator[None]:
    """What a write to stdout may meet, for every way of writing it: a reader that went
    away (`PipeClosed`, said by nobody) or a failed write (disk full, I/O error: one line,
    `OutputError`); either way what cannot be written is dropped."""
    try:
        yield
    except BrokenPipeError:
        silence_stdout()
        raise PipeClosed("") from None
    except OSError as exc:
        silence_stdout()
        raise OutputError(describe_os_error("<stdout>", exc)) from None


def load_human_output(*modules: str) -> None:
    """Import rich (and `modules` of it) and make the console now instead of at the first
    print. Called while a big log's workers get going (`reader.read_events(meanwhile=…)`),
    the ~40 ms of imports are spent while other processes work, not at the end, where
    everything waits for the report."""
    import importlib

    console()
    for m in modules:
        importlib.import_module(m)


@contextlib.contextmanager
def human_stdout() -> Iterator[IO[str]]:
    """stdout for human text written as it is made (not through rich: a transcript piped
    to a file, see `commands.transcript`), flushed inside the same guard as `print_human`."""
    out = console().file
    with _stdout_guard():
        yield out
        out.flush()


#: spaces at the end of a line, before the style resets that may close it (`--color=always`)
_TRAILING_SPACES = re.compile(r"(?: |\x1b\[[0-9;]*m)+$")


def without_padding(line: str) -> str:
    """`line` without the spaces rich pads it with, coloured or not (piped output): the
    style codes among them are kept, the spaces dropped."""
    return _TRAILING_SPACES.sub(lambda m: m.group().replace(" ", ""), line)


def print_human(*renderables: Any, soft_wrap: bool = False) -> None:
    """Print rich renderables to stdout (human output), flushing inside the pipe guard.
    `soft_wrap`: lines longer than the console are neither wrapped nor cropped."""
    c = console()
    with _stdout_guard():
        if c.is_terminal:
            for r in renderables:
                c.print(r, soft_wrap=soft_wrap)
        else:  # piped: without the padding rich puts after tables and panels (it spoils diff, grep -x)
            for r in renderables:
                with c.capture() as cap:
                    c.print(r, soft_wrap=soft_wrap)
                c.file.write("".join(without_padding(line) + "\n" for line in cap.get().splitlines()))
        c.file.flush()


def pager_command() -> str | None:
    """The pager for long human output: `$RTLOG_PAGER`, else `$PAGER`, else `less` (when it is
    installed); None when it is set empty or to `cat` (no paging)."""
    import shlex
    import shutil

    cmd = os.environ.get("RTLOG_PAGER", os.environ.get("PAGER"))
    if cmd is None:
        return "less" if shutil.which("less") else None
    cmd = cmd.strip()
    if not cmd or cmd == "cat":
        return None
    try:
        program = shlex.split(cmd)[0]
    except (ValueError, IndexError):
        return None
    return cmd if shutil.which(program) else None  # (a pager that is not there: print as usual)


@contextlib.contextmanager
def paged(enabled: bool = True) -> Iterator[None]:
    """Human output printed inside goes through the pager when stdout is a terminal and it
    does not fit on one screen (`less -FRX` unless $LESS says otherwise, as git does);
    printed as usual otherwise (piped, `--no-pager`, short, no pager installed). The output is
    held until the block ends (a report is the conversation's size, not the log's)."""
    cmd = pager_command() if enabled and stdout_is_terminal() else None
    c = console() if cmd is not None else None
    if c is None or cmd is None or not c.is_terminal:
        yield
        return
    cap = c.capture()
    cap.__enter__()
    try:
        yield
    finally:
        cap.__exit__(None, None, None)
        _page(cap.get(), cmd, c.height)


def _page(text: str, cmd: str, height: int) -> None:
    import signal
    import subprocess

    data = text.encode(getattr(sys.stdout, "encoding", None) or "utf-8", "replace")
    if text.count("\n") < height:  # fits on the screen: no pager
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            silence_stdout()
            raise PipeClosed("") from None
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # quit if one screen, colours as they are, no screen clearing
    sys.stdout.flush()
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to the pager while it runs
    try:
        proc = subprocess.Popen(cmd, shell=True, stdin=subprocess.PIPE, env=env)  # noqa: S602 - the user's own $PAGER
        try:
            assert proc.stdin is not None
            proc.stdin.write(data)
            proc.stdin.close()
        except BrokenPipeError:  # the pager was quit before reading it all
            pass
        proc.wait()
    finally:
        signal.signal(signal.SIGINT, old)


class Progress:
    """A byte-progress bar on stderr for long runs; does nothing unless stderr is a
    terminal and the total is large enough to be worth showing."""

    MIN_BYTES = 64 * 1024 * 1024

    def __init__(self, total: int | None, description: str) -> None:
        self._bar: Any = None
        self._task: Any = None
        # (the cheap check first: a run whose stderr is a file or a pipe never imports rich for this)
        if not total or total < self.MIN_BYTES or not stderr_is_terminal() or not err_console().is_terminal:
            return
        from rich.progress import BarColumn, DownloadColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(  # (the consoles read no markup: the description is plain text, a file's name)
            TextColumn("{task.description}", markup=False), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=err_console(), transient=True,
        )  # fmt: skip
        self._task = self._bar.add_task(description, total=total)
        self._bar.start()

    def update(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done)

    @property
    def callback(self) -> Callable[[int], None] | None:
        """`update`, or None when no bar is shown: a reader given None does not ask the
        file where it is (a `tell`, a system call, at every run of audio lines)."""
        return self.update if self._bar is not None else None

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
