"""Sources → conversations: the reader feeding the fold, and the public `load`.

Owns how a file becomes a `Conversation`: the reader's fast path goes to the fold
(`Fold.fast_lines`), the bad lines it skipped are counted on the conversation, and
several files are folded one after the other on one timeline (each its own conversation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from rtlog.conversation.fold import Fold
from rtlog.conversation.model import Conversation
from rtlog.errors import InputError
from rtlog.io.reader import Diagnostics, Source, expand_sources, read_events
from rtlog.protocol.events import Event


def conversation_of(
    src: Source,
    diag: Diagnostics,
    *,
    after: Fold | None = None,
    stdin: BinaryIO | None = None,
    on_progress: Callable[[int], None] | None = None,
    jobs: int = 1,
    meanwhile: Callable[[], None] | None = None,
    recording: bool = True,
    on_event: Callable[[Event], None] | None = None,
) -> tuple[Conversation, Fold]:
    """The conversation of one source (and its fold, to place a next file after it).
    `jobs`: processes for one big plain file (0 = one per free CPU; see `rtlog.io.parts`);
    `meanwhile`: see `read_events`; `on_event`: sees every Event before the fold does (the
    audio lines the fast path takes are not Events, so it does not see those)."""
    f = Fold(src.name, after=after, recording=recording)
    feed = f.feed
    if on_event is not None:
        fold_feed, tap = f.feed, on_event

        def feed(ev: Event) -> None:
            tap(ev)
            fold_feed(ev)

    before = diag.by_source.get(src.name, 0)
    for ev in read_events(src, diag, stdin=stdin, on_progress=on_progress, fast_path=f.fast_lines, jobs=jobs, meanwhile=meanwhile):
        feed(ev)
    return f.finish(diag.by_source.get(src.name, 0) - before, diag.lines.get(src.name, 0)), f


def conversations(
    sources: Iterable[Source],
    diag: Diagnostics,
    *,
    jobs: int = 0,
    meanwhile: Callable[[], None] | None = None,
    recording: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[Conversation]:
    """One conversation per source, in order, each placed on the timeline after the one
    before (`meanwhile`: called at most once, see `read_events`; `recording`: see `Fold`;
    `on_progress`: bytes read so far over all the sources, for a progress bar)."""
    once = [meanwhile] if meanwhile is not None else []

    def first_time() -> None:
        if once:
            once.pop()()

    previous: Fold | None = None
    sources = list(sources)
    done = 0  # bytes of the sources before this one
    for src in sources:
        progress = None if on_progress is None else (lambda n, base=done: on_progress(base + n))
        done += src.size or 0
        try:
            conv, fold_ = conversation_of(src, diag, after=previous, jobs=jobs, meanwhile=first_time, recording=recording,
                                          on_progress=progress)  # fmt: skip
        except InputError as exc:
            if len(sources) == 1 or not str(exc).startswith(f"{src.name}: "):
                raise
            diag.source_failed(str(exc))  # one unreadable input never loses the others
            continue
        previous = fold_
        yield conv


def load(path: str, *, strict: bool = False) -> Conversation:
    """The conversation of one log file (`.jsonl`, compressed or not; `-` for stdin).

    Bad lines are skipped and counted (`conversation.recording.malformed`); with `strict`
    the first one raises `rtlog.errors.InputError`. A folder or a missing file raises
    `InputError` too. Example::

        import rtlog
        conv = rtlog.load("examples/beta_session.jsonl")
        said = [(item.role, item.text) for item in conv.messages]
    """
    sources = expand_sources([path])
    if len(sources) != 1:
        from rtlog.errors import InputError

        raise InputError(f"{path}: {len(sources)} logs; load takes one file (use rtlog.load_all for a folder)")
    diag = Diagnostics(strict=strict, warn=lambda _msg: None)
    conv = conversation_of(sources[0], diag)[0]
    return conv


def load_all(paths: Iterable[str], *, strict: bool = False) -> Iterator[Conversation]:
    """The conversations of several files or folders, in order, one at a time."""
    diag = Diagnostics(strict=strict, warn=lambda _msg: None)
    yield from conversations(expand_sources(list(paths)), diag, jobs=1)
