"""`rtlog.io.jsonout`: indented JSON a piece at a time, byte for byte orjson's."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtlog.io.jsonout import json_pieces, write_json

scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=True) | st.text(max_size=12)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30,
)


def written(obj: Any, depth: int) -> bytes:
    out = io.BytesIO()
    write_json(obj, out, depth)
    return out.getvalue()


@settings(max_examples=400, deadline=None)
@given(values, st.integers(0, 6))
def test_the_pieces_are_orjson_indented_bytes(obj: Any, depth: int) -> None:
    assert written(obj, depth) == orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n"


def test_strings_with_newlines_keep_their_escapes_at_every_level() -> None:
    obj = {"a": [{"t": "one\ntwo"}, ["x\r\ny"]], "b": {"c": {"d": "\n"}}}
    assert written(obj, 4) == orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n"
    assert b"one\\ntwo" in written(obj, 4)


def test_the_outer_levels_come_in_pieces() -> None:
    obj = {"turns": [{"n": i} for i in range(3)], "k": 1}
    pieces = list(json_pieces(obj, 3))
    assert len(pieces) > 5 and max(map(len, pieces)) < len(orjson.dumps(obj, option=orjson.OPT_INDENT_2)) / 2


@pytest.mark.parametrize("obj", [{1: "x"}, {"a": {2: "y"}}, {"a": [object()]}])
def test_what_orjson_refuses_raises_as_orjson(obj: Any) -> None:
    with pytest.raises(TypeError) as ours:
        written(obj, 4)
    with pytest.raises(TypeError) as theirs:
        orjson.dumps(obj, option=orjson.OPT_INDENT_2)
    assert str(ours.value) == str(theirs.value)


def _nested(levels: int) -> Any:
    v: Any = 1
    for _ in range(levels):
        v = [v]
    return v


@pytest.mark.parametrize("levels", [250, 254, 255, 256, 258, 300])
@pytest.mark.parametrize("outer", [0, 1, 2, 3])
def test_nesting_is_refused_exactly_where_orjson_refuses_it(levels: int, outer: int) -> None:
    """orjson writes 254 levels and refuses 255: counted over the whole document, including
    the outer levels that are written a piece at a time."""
    obj: Any = _nested(levels - outer)
    for k in range(outer):
        obj = {"k": obj} if k % 2 else [obj, 1]
    try:
        expected: bytes | None = orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n"
    except TypeError as exc:
        expected, message = None, str(exc)
    if expected is None:
        with pytest.raises(TypeError) as ours:
            written(obj, 3)
        assert str(ours.value) == message
    else:
        assert written(obj, 3) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(values, max_size=5))
def test_a_list_from_an_iterator_is_orjson_indented_bytes(items: list[Any]) -> None:
    from rtlog.io.jsonout import write_json_list

    out = io.BytesIO()
    write_json_list(iter(items), out)
    assert out.getvalue() == orjson.dumps(items, option=orjson.OPT_INDENT_2) + b"\n"


@pytest.mark.parametrize("levels", [253, 254])
def test_a_list_item_nested_to_orjsons_limit_is_refused_as_in_the_whole_list(levels: int) -> None:
    """The list's own level counts: an item of 254 levels makes a document of 255."""
    from rtlog.io.jsonout import write_json_list

    items = [_nested(levels)]
    out = io.BytesIO()
    if levels == 253:
        write_json_list(iter(items), out)
        assert out.getvalue() == orjson.dumps(items, option=orjson.OPT_INDENT_2) + b"\n"
    else:
        with pytest.raises(TypeError, match="Recursion limit reached"):
            orjson.dumps(items)
        with pytest.raises(TypeError, match="Recursion limit reached"):
            write_json_list(iter(items), out)
