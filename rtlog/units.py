"""Numbers with units for people: durations, byte sizes, money, counts.

Pure formatting and parsing helpers shared by the commands; no I/O.
"""

from __future__ import annotations

import re


def fmt_int(n: int) -> str:
    return f"{n:,}"


def fmt_seconds(s: float | None) -> str:
    """`0.82 s`, `12.4 s`, `2 m 05 s`, `1 h 02 m 09 s`; `–` for unknown."""
    if s is None:
        return "–"
    if s < 0:
        return "-" + fmt_seconds(-s)
    if s < 10:
        return f"{s:.2f} s"
    if s < 60:
        return f"{s:.1f} s"
    total = int(round(s))
    h, rem = divmod(total, 3600)
    m, sec = divmod(rem, 60)
    return f"{h} h {m:02d} m {sec:02d} s" if h else f"{m} m {sec:02d} s"


def fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "–"
    return f"{ms:,.0f} ms"


def fmt_bytes(n: int | None) -> str:
    """Decimal units, as file managers show them: `512 B`, `76.8 kB`, `241.3 MB`."""
    if n is None:
        return "–"
    if n < 1000:
        return f"{n} B"
    for unit in ("kB", "MB", "GB", "TB"):
        n /= 1000  # type: ignore[assignment]
        if n < 1000 or unit == "TB":
            return f"{n:.1f} {unit}"
    return f"{n} B"  # unreachable


def fmt_usd(x: float | None) -> str:
    """`$0.0123` below a cent and a dollar keep 4 significant decimals, else `$12.34`."""
    if x is None:
        return "unknown"
    if x == 0:
        return "$0.00"
    if abs(x) < 1:
        return f"${x:.4f}"
    return f"${x:,.2f}"


_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m(?!s))?\s*(?:(\d+(?:\.\d+)?)\s*s)?\s*(?:(\d+(?:\.\d+)?)\s*ms)?\s*$")


def parse_duration(text: str) -> float | None:
    """`90s`, `2m30s`, `1h`, `1500ms`, `12.5` (seconds) → seconds; None if not a duration."""
    t = text.strip().lower()
    try:
        return float(t)
    except ValueError:
        pass
    m = _DURATION.match(t)
    if not m or not any(m.groups()):
        return None
    h, mi, s, ms = (float(g) if g else 0.0 for g in m.groups())
    return h * 3600 + mi * 60 + s + ms / 1000
