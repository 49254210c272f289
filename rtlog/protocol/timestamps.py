"""Timestamps as recorders write them → seconds: epoch seconds, ms, µs or ns (told
apart by magnitude), ISO 8601, or a bare time of day (seconds since midnight).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Any

_TIME_OF_DAY = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*([AaPp][Mm])?$")


def parse_timestamp(v: Any) -> float | None:
    """Epoch seconds / ms / µs / ns (numbers or numeric strings, told apart by magnitude),
    ISO 8601, or a bare time of day (seconds since midnight) → float seconds; anything
    else → None."""
    if type(v) is str:
        s = v.strip()
        if ":" in s:  # ISO 8601 or a time of day (never a number): skip the failing float()
            return _parse_time_text(s)
        try:
            v = int(s) if s.isdigit() else float(s)
        except ValueError:
            return _parse_time_text(s)
    if type(v) is int or type(v) is float:
        x = float(v)
        if not math.isfinite(x) or x < 0:
            return None
        # the unit is told by the magnitude: today is ~1.8e9 s = 1.8e12 ms = 1.8e15 µs = 1.8e18 ns
        for limit, scale in ((1e17, 10**9), (1e14, 10**6), (1e11, 10**3)):
            if x >= limit:
                if type(v) is int:  # exact for integers (a float of 1.8e18 has no ns left)
                    q, r = divmod(v, scale)
                    return q + r / scale
                return x / scale
        return x
    return None


#: "YYYY-MM-DDTHH:MM:SS" → epoch seconds, for the UTC times most recorders write (one per
#: second of a log, so a few thousand at most between clears)
_UTC_SECONDS: dict[str, int] = {}
_UTC_CACHE_MAX = 4096


def _utc_time(s: str) -> float | None:
    """`YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z` → epoch seconds, computed as `datetime.timestamp`
    computes it ((whole seconds · 10⁶ + µs) / 10⁶, so the same float), the whole seconds
    cached per second; None for any other text."""
    if s[-1:] != "Z":
        return None
    frac = s[20:-1]
    n = len(frac)
    if n:
        if n > 6 or s[19] != "." or not (frac.isdigit() and frac.isascii()):
            return None
        us = int(frac) * _SCALE[n]
    elif len(s) == 20:
        us = 0
    else:
        return None
    head = s[:19]
    whole = _UTC_SECONDS.get(head)
    if whole is None:
        whole = _utc_seconds(head)
        if whole is None:
            return None
    return (whole * 1_000_000 + us) / 1_000_000


_SCALE = (0, 100_000, 10_000, 1_000, 100, 10, 1)


def _utc_seconds(head: str) -> int | None:
    """"YYYY-MM-DDTHH:MM:SS" → epoch seconds (and into the cache), or None."""
    digits = head[:4] + head[5:7] + head[8:10] + head[11:13] + head[14:16] + head[17:19]
    if head[4] + head[7] + head[10] + head[13] + head[16] != "--T::" or not (digits.isdigit() and digits.isascii()):
        return None
    try:
        dt = datetime(int(head[:4]), int(head[5:7]), int(head[8:10]), int(head[11:13]), int(head[14:16]),
                      int(head[17:19]), tzinfo=timezone.utc)  # fmt: skip
    except ValueError:
        return None
    whole = int(dt.timestamp())
    if len(_UTC_SECONDS) >= _UTC_CACHE_MAX:
        _UTC_SECONDS.clear()
    _UTC_SECONDS[head] = whole
    return whole


_FRACTION = re.compile(r"(?<=:\d\d)\.(\d+)")


def _parse_time_text(s: str) -> float | None:
    fast = _utc_time(s)
    if fast is not None:
        return fast
    utc = s[-1:] in ("Z", "z")  # (as most recorders write their times)
    text = s[:-1] + "+00:00" if utc else s
    if "." in text:  # fractions of a second as 6 digits: Python 3.10 reads only 3 or 6 (3.11 cuts past 6, as here)
        text = _FRACTION.sub(lambda m: "." + (m.group(1) + "00000")[:6], text, count=1)
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        m = _TIME_OF_DAY.match(s)
        if not m:
            return None
        h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3))
        frac = float("0." + m.group(4)) if m.group(4) else 0.0
        if h > 23 or mi > 59 or sec > 59:
            return None  # not a time of day (10:00:99, 25:00:00); recorders write 23:59:58 PM too
        if m.group(5):
            h = h % 12 + (12 if m.group(5).lower() == "pm" else 0)
        return h * 3600 + mi * 60 + sec + frac
    if not utc and dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()
