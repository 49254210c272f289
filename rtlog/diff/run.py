"""Paths in, a diff out: the one call `rtlog diff` makes.

Owns what A and B are — two logs (a session diff) or two folders (a cohort diff; a
mixture is a usage error) — and reading them: two logs into conversations and summaries,
two folders into summaries only, every file on its own (several processes when there are
several CPUs, as `summary` does). A file that cannot be read is reported and left out of
its cohort (the others are still compared); in a session diff it stops the run. Then the
rules are judged.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from rtlog.conversation.load import conversation_of
from rtlog.diff import cohort, pair
from rtlog.diff.rules import Rule
from rtlog.errors import InputError, RtlogError, UsageError
from rtlog.io.reader import Diagnostics, Source, expand_sources
from rtlog.metrics.pricing import PriceTable, builtin_table
from rtlog.metrics.summary import Summary, summarize_conversation, summarize_source
from rtlog.records import record


@record(slots=True)
class Options:
    rules: list[Rule]
    text: bool = True  # instructions as a text diff (else hash and size)
    strict: bool = False
    jobs: int = 0  # processes: one per file of two folders, parts of a big log otherwise (0: one per CPU)
    min_sessions: int = cohort.MIN_SESSIONS
    prices: PriceTable | None = None


def _is_folder(path: str) -> bool:
    return path != "-" and os.path.isdir(path)


def diff_paths(a: str, b: str, opts: Options, warn: Callable[[str], None]) -> pair.PairDiff | cohort.CohortDiff:
    """The diff of A and B (two logs, or two folders), its rules judged. `warn` gets every
    warning line (bad lines, unreadable files of a cohort)."""
    if a == "-" and b == "-":
        raise UsageError("A and B cannot both be stdin")
    fa, fb = _is_folder(a), _is_folder(b)
    for p in (a, b):
        if p != "-" and not os.path.exists(p):
            raise InputError(f"{p}: no such file or directory")
    if fa != fb:
        raise UsageError(f"{a if fa else b} is a folder and {b if fa else a} a file: give two logs, or two folders")
    prices = opts.prices or builtin_table()
    if fa:
        return _cohorts(a, b, opts, prices, warn)
    diag = Diagnostics(strict=opts.strict, warn=warn)
    (sa,), (sb,) = expand_sources([a]), expand_sources([b])
    ca = conversation_of(sa, diag, jobs=opts.jobs)[0]  # (a big plain file: read in parts by the CPUs)
    cb = conversation_of(sb, diag, jobs=opts.jobs)[0]
    diag.finish()
    d = pair.diff_pair(ca, summarize_conversation(ca, prices), cb, summarize_conversation(cb, prices), text=opts.text)
    d.verdicts = [pair.judge(r, d) for r in opts.rules]
    return d


def _cohorts(a: str, b: str, opts: Options, prices: PriceTable, warn: Callable[[str], None]) -> cohort.CohortDiff:
    srcs_a, srcs_b = expand_sources([a]), expand_sources([b])
    results = _summaries(srcs_a + srcs_b, prices, opts.strict, opts.jobs)
    sums: tuple[list[Summary], list[Summary]] = ([], [])
    unreadable: dict[str, list[dict[str, str]]] = {"a": [], "b": []}
    for k, (src, (summary, messages, error)) in enumerate(zip(srcs_a + srcs_b, results)):
        for msg in messages:
            warn(msg)
        side = 0 if k < len(srcs_a) else 1
        if summary is None:
            reason = (error or "failed").removeprefix(f"{src.name}: ")
            unreadable["ab"[side]].append({"file": src.name, "error": reason})
            continue
        sums[side].append(summary)
    d = cohort.diff_cohorts(a, sums[0], b, sums[1], min_sessions=opts.min_sessions)
    d.unreadable = unreadable
    d.verdicts = [cohort.judge(r, d) for r in opts.rules]
    return d


def _summaries(sources: list[Source], prices: PriceTable, strict: bool, jobs: int) -> list[tuple[Summary | None, list[str], str | None]]:
    from rtlog.io.parts import usable_cpus

    workers = min(jobs or usable_cpus(), len(sources))
    n = len(sources)
    if workers < 2:
        return [_summarize_one(s, prices, strict) for s in sources]
    from rtlog.io.parts import process_pool

    with process_pool(workers) as pool:  # (Ctrl-C stops the workers at once)
        chunk = max(1, n // (workers * 8))
        return list(pool.map(_summarize_one, sources, [prices] * n, [strict] * n, chunksize=chunk))


def _summarize_one(src: Source, prices: PriceTable, strict: bool) -> tuple[Summary | None, list[str], str | None]:
    """One file's summary (in a worker too): warnings collected, errors returned, never raised."""
    messages: list[str] = []
    diag = Diagnostics(strict=strict, warn=messages.append)
    try:
        summary = summarize_source(src, diag, prices)
        diag.finish()
    except RtlogError as exc:
        return None, messages, str(exc)
    return summary, messages, None
