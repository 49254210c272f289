"""`protocol.timestamps`: the cached fast reading of the UTC times most recorders write must
give the very float the general ISO 8601 reading gives, and refuse what that refuses."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from rtlog.protocol import timestamps as T


def _iso(s: str) -> float:
    return datetime.fromisoformat(s[:-1] + "+00:00").timestamp()


@settings(max_examples=500)
@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)), st.integers(0, 6))
def test_a_utc_time_reads_as_the_iso_reading_does(d: datetime, digits: int) -> None:
    s = d.strftime("%Y-%m-%dT%H:%M:%S") + ("." + f"{d.microsecond:06d}"[:digits] if digits else "") + "Z"
    assert T._utc_time(s) == _iso(s)
    assert T.parse_timestamp(s) == _iso(s)
    assert T.parse_timestamp(s) == _iso(s)  # (again: from the cache)


def test_what_the_fast_reading_leaves_to_the_general_one() -> None:
    for s in ("2026-13-01T00:00:00Z", "2026-01-01T00:00:00.Z", "\uff12026-01-01T00:00:00Z", "2026-01-01T00:00:00.1234567Z",
              "2026-01-01 00:00:00Z", "2026-01-01T00:00:00+00:00"):
        assert T._utc_time(s) is None, s
    assert T.parse_timestamp("2026-01-01T00:00:00.1234567Z") == _iso("2026-01-01T00:00:00.123456Z")
    assert T.parse_timestamp("2026-01-01T00:00:00+00:00") == 1767225600.0
    assert T.parse_timestamp("2026-13-01T00:00:00Z") is None
