"""`rtlog.records.record` behaves as `dataclasses.dataclass` where rtlog relies on it:
equality, repr, hashability, explicit eq=False / repr=False, frozen classes, fields."""

from __future__ import annotations

import dataclasses
import sys
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


def _both(body: dict[str, object], **kw: object) -> tuple[type, type]:
    return record(**kw)(type("Thing", (), dict(body))), dataclasses.dataclass(**kw)(type("Thing", (), dict(body)))


def test_init_false_fields_factories_and_post_init_as_dataclass() -> None:
    def post(self: object) -> None:
        self.seen.append(self.a)  # type: ignore[attr-defined]

    body = {"__annotations__": {"a": "int", "seen": "list[int]", "hidden": "int", "made": "dict[str, int]"},
            "seen": field(default_factory=list), "hidden": field(default=7, init=False),
            "made": field(default_factory=dict, init=False), "__post_init__": post}  # fmt: skip
    for cls in _both(body, slots=True):
        x = cls(3)
        assert (x.a, x.seen, x.hidden, x.made) == (3, [3], 7, {})
        assert cls(1).seen is not cls(1).seen  # a new list each time
        with pytest.raises(TypeError):
            cls(1, [], 5)  # (hidden is not a parameter)
        assert cls.__match_args__ == ("a", "seen")


def test_frozen_refuses_assignment_hashes_and_pickles() -> None:
    import pickle

    body = {"__annotations__": {"a": "int", "b": "str"}, "b": "x"}
    ours, theirs = _both(body, frozen=True, slots=True)
    x, tx = ours(1), theirs(1)
    for obj in (x, tx):
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.a = 2  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            del obj.a  # type: ignore[misc]
    assert hash(x) == hash(tx) == hash((1, "x"))
    globals()["Thing"] = ours  # (pickle finds a class by its module and name)
    try:
        ours.__module__, ours.__qualname__ = __name__, "Thing"
        y = pickle.loads(pickle.dumps(x))
        assert y == x and y is not x
    finally:
        del globals()["Thing"]


def test_bad_declarations_fail_as_dataclass_fails() -> None:
    for body in ({"__annotations__": {"a": "int", "b": "int"}, "a": 1},  # a field without a default after one with
                 {"__annotations__": {"a": "list[int]"}, "a": []}):  # a mutable default  # fmt: skip
        with pytest.raises((TypeError, ValueError)) as theirs:
            dataclasses.dataclass(slots=True)(type("Thing", (), dict(body)))
        with pytest.raises(theirs.type):
            record(slots=True)(type("Thing", (), dict(body)))


def test_what_record_does_not_make_itself_is_dataclass() -> None:
    body = {"__annotations__": {"a": "int", "n": "ClassVar[int]"}, "n": 3}
    ours, theirs = _both(body, slots=True)
    assert [f.name for f in dataclasses.fields(ours)] == [f.name for f in dataclasses.fields(theirs)]
    ordered, _ = _both({"__annotations__": {"a": "int"}}, order=True)
    assert ordered(1) < ordered(2)


def test_what_a_class_defines_itself_is_kept_and_params_are_dataclasss() -> None:
    def body() -> dict[str, object]:
        return {"__annotations__": {"a": "int", "b": "int"}, "b": field(default=0, init=False),
                "__repr__": lambda self: "mine", "__hash__": lambda self: 7}  # fmt: skip

    for kw in ({}, {"slots": True}, {"frozen": True}, {"eq": False, "repr": False}):
        ours, theirs = record(**kw)(type("Thing", (), body())), dataclasses.dataclass(**kw)(type("Thing", (), body()))
        x, tx = ours(1), theirs(1)
        assert (repr(x), hash(x), x.b) == (repr(tx), hash(tx), tx.b) == ("mine", 7, 0)
        assert ours.__dataclass_params__.__repr__() == theirs.__dataclass_params__.__repr__()


def test_init_false_without_a_default_is_not_set() -> None:
    for kw in ({}, {"slots": True}):
        ours, theirs = _both({"__annotations__": {"a": "int", "id": "int"}, "id": field(init=False)}, **kw)
        x, tx = ours(1), theirs(1)
        assert not hasattr(x, "id") and not hasattr(tx, "id")


def test_a_class_without_slots_stays_itself() -> None:
    import copy

    class Base:
        def hello(self) -> str:
            return "base"

        def __post_init__(self) -> None:
            self.seen = True

    class Thing(Base):
        a: int
        c: int = 5

        def hello(self) -> str:
            return "thing+" + super().hello()

    Thing.__annotations__ = {"a": "int", "c": "int"}
    made = record(Thing)
    assert made is Thing
    x = made(1)
    assert (x.hello(), x.seen, vars(x)) == ("thing+base", True, {"a": 1, "c": 5, "seen": True})
    assert copy.copy(x) == x and copy.deepcopy(x) == x


def test_a_default_from_a_plain_base_counts_and_a_field_needs_a_type() -> None:
    class Base:
        b = 3

    ours = record(type("Thing", (Base,), {"__annotations__": {"b": "int"}}))
    theirs = dataclasses.dataclass(type("Thing", (Base,), {"__annotations__": {"b": "int"}}))
    assert ours().b == theirs().b == 3
    with pytest.raises(TypeError, match="is a field but has no type annotation"):
        record(type("Thing", (), {"__annotations__": {}, "x": field(default=1)}))


def test_a_frozen_class_refuses_any_new_attribute_and_repr_survives_recursion() -> None:
    ours, theirs = _both({"__annotations__": {"a": "object"}}, frozen=True)
    for obj in (ours(1), theirs(1)):
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.other = 2  # type: ignore[attr-defined]
    mine, _ = _both({"__annotations__": {"a": "object"}}, slots=True)
    loop = mine(None)
    loop.a = loop
    assert repr(loop) == "Thing(a=...)"


def test_the_params_of_every_python_and_a_fallback_for_a_future_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """`__dataclass_params__`'s private class took six arguments up to Python 3.11 and ten
    from 3.12 (match_args, kw_only, slots, weakref_slot): both are made; a Python whose
    private names differ again gets plain `dataclass`."""
    from rtlog import records

    real = dataclasses._DataclassParams  # type: ignore[attr-defined]

    class Params312:
        def __init__(self, init, repr, eq, order, unsafe_hash, frozen, match_args, kw_only, slots, weakref_slot):  # noqa: A002, ANN001
            self.repr, self.eq, self.frozen, self.slots = repr, eq, frozen, slots

    class Params311:
        def __init__(self, init, repr, eq, order, unsafe_hash, frozen):  # noqa: A002, ANN001
            self.repr, self.eq, self.frozen = repr, eq, frozen

    for cls in (Params312, Params311):
        monkeypatch.setattr(dataclasses, "_DataclassParams", cls)
        p = records._params(False, True, True, True)
        assert (p.repr, p.eq, p.frozen) == (False, True, True) and records._supported()
    monkeypatch.setattr(dataclasses, "_DataclassParams", lambda *a: (_ for _ in ()).throw(TypeError("changed")))
    assert not records._supported()
    monkeypatch.setattr(dataclasses, "_DataclassParams", real)  # (dataclass itself makes its params with it)
    monkeypatch.setattr(records, "_SUPPORTED", False)
    made = record(slots=True)(type("Thing", (), {"__annotations__": {"a": "int"}}))
    assert made(1).a == 1 and made.__init__.__code__.co_filename == "<string>"  # (dataclass's own; ours is "<record …>")


# -- the compiled __init__s kept between runs --------------------------------------------------


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    """records' cache at `tmp_path/inits`, not read yet; `compiled` lists each compilation."""
    from rtlog import records

    path = tmp_path / "__pycache__" / "records.test.inits"
    monkeypatch.setattr(records, "_cache_path", lambda: str(path))
    monkeypatch.setattr(records, "_cache", None)
    monkeypatch.setattr(records, "_used", set())
    monkeypatch.setattr(records, "_to_write", True)  # (no atexit writer: the tests write)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    compiled: list[str] = []
    monkeypatch.setattr(records, "_compile", lambda src, name, mode: (compiled.append(name), compile(src, name, mode))[1])

    def restart() -> None:  # a new process: nothing read yet
        monkeypatch.setattr(records, "_cache", None)
        monkeypatch.setattr(records, "_used", set())

    return records, path, compiled, restart


def _thing(fields: dict[str, str]) -> type:
    body = {"__annotations__": dict(fields), "note": field(default="x"), "seen": field(default_factory=list)}
    body["__annotations__"].update(note="str", seen="list[int]")
    return record(slots=True)(type("Thing", (), body))


def test_a_runs_compiled_inits_are_read_by_the_next_instead_of_compiled(fresh_cache) -> None:  # noqa: ANN001
    records, path, compiled, restart = fresh_cache
    first = _thing({"a": "int", "b": "int"})
    assert compiled == ["<record Thing>"] and not path.exists()
    records._write_cache()
    assert path.read_bytes().startswith(records._HEADER)
    restart()
    again = _thing({"a": "int", "b": "int"})
    assert compiled == ["<record Thing>"]  # read, not compiled
    x, y = first(1, 2), again(1, 2)
    assert (x.a, x.b, x.note, x.seen) == (y.a, y.b, y.note, y.seen) == (1, 2, "x", [])
    assert again(1, 2, seen=[3]).seen == [3] and again(1, 2).seen is not again(1, 2).seen
    changed = _thing({"a": "int", "c": "int"})  # another class (its source differs): compiled
    assert compiled == ["<record Thing>", "<record Thing>"] and changed(1, 5).c == 5


@pytest.mark.parametrize("damage", [b"", b"not a cache", b"HEADER", b"HEADER\x00\xff\xfe garbage", b"HEADER[]"])
def test_a_damaged_or_foreign_cache_is_compiled_past(fresh_cache, damage: bytes) -> None:  # noqa: ANN001
    records, path, compiled, _ = fresh_cache
    path.parent.mkdir()
    good = records.marshal.dumps({})
    path.write_bytes(damage.replace(b"HEADER", records._HEADER) if damage != b"HEADER[]" else records._HEADER + good[:-1] + b"[")
    assert _thing({"a": "int"})(4).a == 4
    assert compiled == ["<record Thing>"]


def test_a_damaged_byte_anywhere_is_caught_and_compiled_past(fresh_cache) -> None:  # noqa: ANN001
    records, path, compiled, restart = fresh_cache
    _thing({"a": "int", "b": "int"})
    records._write_cache()
    good = path.read_bytes()
    for k, pos in enumerate(range(0, len(good), max(1, len(good) // 64))):
        path.write_bytes(good[:pos] + bytes([good[pos] ^ 0x24]) + good[pos + 1 :])
        restart()
        x = _thing({"a": "int", "b": "int"})(1, 2)
        assert (x.a, x.b, x.note) == (1, 2, "x")
        assert len(compiled) == k + 2  # (never run from the damaged file)


def test_a_body_marshal_cannot_read_is_ignored_whatever_it_raises(fresh_cache) -> None:  # noqa: ANN001
    """A body that passes its CRC (written so) but that marshal refuses, with any exception
    (some damage makes it raise SystemError): the classes compile as without a cache."""
    import random
    import zlib

    records, path, compiled, restart = fresh_cache
    _thing({"a": "int"})
    records._write_cache()
    body = path.read_bytes()[len(records._HEADER) + 9 :]
    rnd = random.Random(7)
    raised: set[str] = set()
    for _ in range(400):
        bad = bytearray(body)
        for _ in range(rnd.randint(1, 4)):
            bad[rnd.randrange(len(bad))] = rnd.randrange(256)
        try:
            records.marshal.loads(bytes(bad))
        except Exception as exc:  # noqa: BLE001
            raised.add(type(exc).__name__)
            path.write_bytes(records._HEADER + b"%08x\n" % zlib.crc32(bytes(bad)) + bytes(bad))
            restart()
            assert _thing({"a": "int"})(3).a == 3
    assert len(raised) >= 2  # (EOFError, ValueError, TypeError, SystemError, … as the damage falls)


def test_another_pythons_cache_is_not_read(fresh_cache) -> None:  # noqa: ANN001
    records, path, compiled, restart = fresh_cache
    _thing({"a": "int"})
    records._write_cache()
    path.write_bytes(path.read_bytes().replace(records._HEADER, b"rtlog records 30b00f0 4\n"))
    restart()
    _thing({"a": "int"})
    assert compiled == ["<record Thing>", "<record Thing>"]


def test_nothing_is_written_where_bytecode_is_not_or_cannot_be(fresh_cache, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    records, path, _, _ = fresh_cache
    monkeypatch.setattr(records, "_to_write", False)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    registered: list[object] = []
    monkeypatch.setattr("atexit.register", registered.append)
    _thing({"a": "int"})
    assert registered == [] and records._to_write is False
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    _thing({"b": "int"})
    assert registered == [records._write_cache]
    # a folder that cannot be made (a file is in the way): nothing written, no error, no leftovers
    (tmp_path / "blocked").write_bytes(b"")
    monkeypatch.setattr(records, "_cache_path", lambda: str(tmp_path / "blocked" / "__pycache__" / "x.inits"))
    records._write_cache()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked"]


def test_the_cache_works_end_to_end_across_runs(tmp_path) -> None:  # noqa: ANN001
    """Two runs of a copy of the package: the first writes the cache, the second compiles
    nothing (the file is left as it was) and answers the same."""
    import os
    import shutil
    import subprocess

    from conftest import EXAMPLES, REPO

    shutil.copytree(REPO / "rtlog", tmp_path / "rtlog", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    env["PYTHONPATH"] = str(tmp_path)
    argv = [sys.executable, "-m", "rtlog", "summary", str(EXAMPLES / "ga_session.jsonl"), "--json"]
    first = subprocess.run(argv, capture_output=True, env=env, cwd=tmp_path, timeout=60)
    cache = next((tmp_path / "rtlog" / "__pycache__").glob("records.*.inits"))
    stamp = cache.stat().st_mtime_ns
    second = subprocess.run(argv, capture_output=True, env=env, cwd=tmp_path, timeout=60)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout and first.stdout.startswith(b"{")
    assert cache.stat().st_mtime_ns == stamp
