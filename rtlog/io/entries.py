"""The entries that pass between the reader, its parallel parts and a consumer's fast path.

Owns two type aliases and the reader's line limit, so that `reader` and `parts` both
depend on it instead of on each other.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

#: A digested line: (its index among the lines digested together, offset, length or the
#: line itself) and, for an audio line, its `events.audio_digest` as a fourth item (with
#: the length as the third; see `rtlog.io.parts`).
DigestedLine = tuple[Any, ...]
#: A consumer's fast path: fast_path(entries, j, line0) takes the audio lines entries[j],
#: entries[j + 1], … (the line of entry e is number line0 + e[0] + 1) in order, without
#: Events, up to the first entry that is not an audio line or that it leaves to the normal
#: path, and returns that entry's index (j: it took none).
FastPath = Callable[[Sequence[DigestedLine], int, int], int]
#: the longest line read, in bytes (`RTLOG_MAX_LINE_BYTES` sets it): a longer line is
#: skipped with a warning, read in bounded memory (one 4 GiB line in a 4 MB .gz took 4.3 GB),
#: by the reader and by the workers of `parts` alike
MAX_LINE_BYTES = int(os.environ.get("RTLOG_MAX_LINE_BYTES") or 0) or 64 << 20
