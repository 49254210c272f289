"""`rtlog.records.record` behaves as `dataclasses.dataclass` where rtlog relies on it:
equality, repr, hashability, explicit eq=False / repr=False, frozen classes, fields."""

from __future__ import annotations

import dataclasses
from dataclasses import field

import pytest

from rtlog.records import record


def _pair(**kw: object) -> tuple[type, type]:
    def body() -> dict[str, object]:
        return {"__annotations__": {"a": "int", "b": "list[int]", "c": "str"}, "a": 0, "b": field(default_factory=list),
                "c": field(default="x", compare=False, repr=False)}  # fmt: skip

    ours = record(**kw)(type("Thing", (), body()))
    theirs = dataclasses.dataclass(**kw)(type("Thing", (), body()))
    return ours, theirs


@pytest.mark.parametrize("kw", [{}, {"slots": True}, {"eq": False}, {"repr": False}, {"frozen": True}, {"slots": True, "frozen": True}])
def test_record_is_dataclass_where_it_shows(kw: dict[str, object]) -> None:
    ours, theirs = _pair(**kw)
    for cls in (ours, theirs):
        assert [f.name for f in dataclasses.fields(cls)] == ["a", "b", "c"]
    x, y, z = ours(1, [2], "p"), ours(1, [2], "q"), ours(2)
    tx, ty, tz = theirs(1, [2], "p"), theirs(1, [2], "q"), theirs(2)
    assert (x == y, x == z, x != y) == (tx == ty, tx == tz, tx != ty)  # (c is not compared)
    assert (x == tx) is False  # another class
    assert repr(x).replace("Thing", "T") == repr(tx).replace("Thing", "T") or kw.get("repr") is False
    assert (ours.__hash__ is None) == (theirs.__hash__ is None)
    assert dataclasses.replace(x, a=5).a == 5
    assert dataclasses.asdict(z) == dataclasses.asdict(tz)


def test_a_nan_field_is_equal_to_itself_as_in_a_tuple() -> None:
    ours, theirs = _pair()
    nan = float("nan")
    assert (ours(nan) == ours(nan)) == (theirs(nan) == theirs(nan))
    x, tx = ours(nan), theirs(nan)
    assert (x == x) == (tx == tx)
