"""`record`: a `dataclasses.dataclass` made without dataclass's machinery on the way.

Python 3.11's `dataclass` spends ~2.5 M instructions a class on the way to its `__init__`:
it matches every annotation string against `ClassVar`/`InitVar` patterns three times,
writes and compiles `__init__`, `__repr__` and `__eq__`, and builds the slotted class
again. rtlog defines ~100 records, ~55 on the way to every `summary`, so that was a
quarter of its start-up. `record` makes the same class for the forms rtlog uses (slots or
not, frozen or not, `eq`/`repr` off, `field(default=…, default_factory=…, init=False,
compare=False, repr=False)`, `__post_init__`): one small `__init__` compiled per class,
the same `__dataclass_fields__` and `__dataclass_params__` (so `dataclasses.fields`,
`replace`, `asdict`, `is_dataclass` work), and equality, repr (recursion-safe) and a frozen
class's hash from shared functions with dataclass's very semantics (the same class, then
the tuples of the compared fields; `Name(a=1, b='x')`; a non-frozen class with equality is
unhashable). As with dataclass, a slotted class is made anew and any other is changed in
place, and what the class defines itself (`__init__`, `__repr__`, `__eq__`, `__hash__`)
is kept. Anything else (inheritance from a record, `order`, `unsafe_hash`, `InitVar`,
`KW_ONLY`, `kw_only`) is handed to `dataclass`. Not made: the `__doc__` dataclass writes
from the signature, and the annotations of `__init__`. `tests/test_records.py` holds both
makers side by side.

The compiled `__init__`s are kept between runs, as Python keeps a module's bytecode:
compiling them was ~4 ms of every command's start (~55 classes, ~0.1 ms each). They are
read from `__pycache__/records.<tag>.inits` beside this file, by their source (a changed
class compiles anew), and what a run had to compile is written there when it ends (not with
`PYTHONDONTWRITEBYTECODE` or a `PYTHONPYCACHEPREFIX`, nor where the folder is not
writable: then each run compiles, as before). A file of another Python, or damaged (its
CRC-32 is checked), is ignored.
"""

from __future__ import annotations

import dataclasses
import marshal
import os
import reprlib
import sys
import zlib
from dataclasses import MISSING, Field
from types import CodeType
from typing import Any, TypeVar

T = TypeVar("T")

_DATACLASS_ONLY = ("order", "unsafe_hash", "kw_only", "match_args", "weakref_slot", "init")


def record(cls: type[T] | None = None, /, **kw: Any) -> Any:
    """`@record`, `@record(slots=True, …)`: as `@dataclass` (see the module doc)."""
    if cls is None:
        return lambda c: _make(c, kw)
    return _make(cls, kw)


def _params(repr_: bool, eq: bool, frozen: bool, slots: bool) -> Any:
    """The `__dataclass_params__` dataclass would make (its class is private, and its
    arguments grew in Python 3.12: both forms are tried)."""
    try:
        return dataclasses._DataclassParams(  # type: ignore[attr-defined,call-arg]
            init=True, repr=repr_, eq=eq, order=False, unsafe_hash=False, frozen=frozen,
            match_args=True, kw_only=False, slots=slots, weakref_slot=False,
        )  # fmt: skip
    except TypeError:  # (Python 3.10 and 3.11)
        return dataclasses._DataclassParams(True, repr_, eq, False, False, frozen)  # type: ignore[attr-defined]


def _supported() -> bool:
    """Whether this Python's dataclasses have what `record` builds on (private names: a
    Python that changes them gets plain `dataclass`, slower to start, the same classes)."""
    try:
        _params(True, True, False, True)
        return hasattr(dataclasses, "_FIELD") and hasattr(dataclasses.field(), "kw_only")
    except (AttributeError, TypeError):
        return False


_SUPPORTED = _supported()


def _make(cls: type[T], kw: dict[str, Any]) -> type[T]:
    fs = None if not _SUPPORTED or any(k in kw for k in _DATACLASS_ONLY) else _fields(cls)
    if fs is None:
        return dataclasses.dataclass(cls, **kw)
    slots, frozen = kw.get("slots", False), kw.get("frozen", False)
    want_eq, want_repr = kw.get("eq", True), kw.get("repr", True)
    own = cls.__dict__
    new: dict[str, Any] = {}  # what the class gains; a method the class defines itself is kept, as dataclass keeps it
    new["__dataclass_fields__"] = fs
    new["__dataclass_params__"] = _params(want_repr, want_eq, frozen, slots)
    new["__match_args__"] = tuple(n for n, f in fs.items() if f.init)
    if "__init__" not in own:
        new["__init__"] = _init_of(cls.__qualname__, fs, frozen, hasattr(cls, "__post_init__"))
    if want_eq and "__eq__" not in own:
        new["__eq__"] = _eq_of(tuple(n for n, f in fs.items() if f.compare))
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    if want_eq and not explicit_hash:  # (dataclass's table, without unsafe_hash: frozen and equal → hashable)
        new["__hash__"] = _hash_of(tuple(n for n, f in fs.items() if (f.compare if f.hash is None else f.hash))) if frozen else None
    if want_repr and "__repr__" not in own:
        new["__repr__"] = _repr_of(tuple(n for n, f in fs.items() if f.repr))
    owner: list[type] = []  # the class made, for the frozen checks (it exists only below)
    if frozen:
        names = frozenset(fs)
        new["__setattr__"], new["__delattr__"] = _frozen_setattr(names, owner), _frozen_delattr(names, owner)
        if slots:
            new["__getstate__"], new["__setstate__"] = _getstate, _setstate  # (unpickling cannot setattr)
    if slots:  # a slotted class is made anew (as dataclass makes it), without the fields' class attributes
        body = {k: v for k, v in own.items() if k not in fs and k not in ("__dict__", "__weakref__")}
        body.update(new)
        body["__slots__"] = tuple(fs)
        made = type(cls)(cls.__name__, cls.__bases__, body)
        made.__qualname__ = cls.__qualname__
    else:  # the class itself, changed in place: a field's default stays a class attribute
        made = cls
        for f in fs.values():
            if f.default is not MISSING:
                setattr(made, f.name, f.default)
            elif isinstance(own.get(f.name), Field):
                delattr(made, f.name)
        for k, v in new.items():
            setattr(made, k, v)
    owner.append(made)
    for k in ("__init__", "__eq__", "__repr__", "__hash__"):
        fn = new.get(k)
        if fn is not None:
            fn.__qualname__ = f"{cls.__qualname__}.{fn.__name__}"
    return made  # type: ignore[return-value]


def _fields(cls: type) -> dict[str, Field[Any]] | None:
    """The fields of `cls` as dataclass finds them, or None when the class needs `dataclass`."""
    if any(hasattr(b, "__dataclass_fields__") for b in cls.__mro__[1:]):
        return None
    fs: dict[str, Field[Any]] = {}
    seen_default = False
    annotations = cls.__dict__.get("__annotations__", {})
    for name, value in cls.__dict__.items():
        if isinstance(value, Field) and name not in annotations:
            raise TypeError(f"{name!r} is a field but has no type annotation")
    for name, typ in annotations.items():
        t = typ if isinstance(typ, str) else str(typ)
        if "ClassVar" in t or "InitVar" in t or "KW_ONLY" in t:
            return None
        value = getattr(cls, name, MISSING)
        f = value if isinstance(value, Field) else dataclasses.field(default=value)
        if f.kw_only is not MISSING:
            return None
        if f.default is not MISSING and f.default.__class__.__hash__ is None:
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed: use default_factory")
        f.name, f.type, f.kw_only = name, typ, False
        f._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
        if f.init:
            has_default = f.default is not MISSING or f.default_factory is not MISSING
            if seen_default and not has_default:
                raise TypeError(f"non-default argument {name!r} follows default argument")
            seen_default = seen_default or has_default
        fs[name] = f
    return fs


def _init_of(qualname: str, fs: dict[str, Field[Any]], frozen: bool, post_init: bool) -> Any:
    """`__init__(self, <fields>)` as dataclass writes it, compiled once for this class."""
    params, body, env = [], [], {"__factory_sentinel": _FACTORY, "__setattr": object.__setattr__}
    for n, f in fs.items():
        if f.default_factory is not MISSING:
            env[f"__factory_{n}"] = f.default_factory
            value = f"__factory_{n}() if {n} is __factory_sentinel else {n}" if f.init else f"__factory_{n}()"
            default = "__factory_sentinel"
        elif f.default is not MISSING:
            env[f"__default_{n}"] = f.default
            value = n if f.init else f"__default_{n}"
            default = f"__default_{n}"
        elif f.init:
            value, default = n, ""
        else:
            continue  # (not a parameter, no default: not set, as dataclass leaves it)
        if f.init:
            params.append(f"{n}={default}" if default else n)
        body.append(f"__setattr(self, {n!r}, {value})" if frozen else f"self.{n} = {value}")
    if post_init:
        body.append("self.__post_init__()")
    names = ", ".join(env)
    src = (f"def __create_fn__({names}):\n def __init__({', '.join(['self', *params])}):\n"
           + "".join(f"  {line}\n" for line in body or ["pass"]) + " return __init__\n")  # fmt: skip
    ns: dict[str, Any] = {}
    exec(_compiled(src, f"<record {qualname}>"), {}, ns)  # noqa: S102 - the source is made above from field names
    return ns["__create_fn__"](**env)


# -- the compiled __init__s, kept between runs ------------------------------------------------

#: what a cache file starts with: the Python it was compiled by (its code objects are its own)
_HEADER = f"rtlog records {sys.hexversion:x} {marshal.version}\n".encode()
#: at most this many kept: a cache of a tree whose classes keep changing does not grow forever
_CACHE_MAX = 512
_cache: dict[tuple[str, str], CodeType] | None = None  # (filename, source) → code; None: not read yet
_used: set[tuple[str, str]] = set()
_to_write = False  # the cache is to be written at the end (something was compiled)
_compile = compile  # (tests count the compilations)


def _cache_path() -> str | None:
    tag = sys.implementation.cache_tag
    if tag is None or sys.pycache_prefix is not None:
        return None
    here, name = os.path.split(os.path.abspath(__file__))
    return os.path.join(here, "__pycache__", f"{name.rpartition('.')[0]}.{tag}.inits")


def _compiled(src: str, filename: str) -> CodeType:
    global _cache, _to_write
    if _cache is None:
        _cache = _read_cache()
    key = (filename, src)
    code = _cache.get(key)
    if type(code) is not CodeType:
        code = _cache[key] = _compile(src, filename, "exec")
        if not _to_write and not sys.dont_write_bytecode:
            import atexit

            _to_write = True
            atexit.register(_write_cache)  # (once, at the first compilation)
    _used.add(key)
    return code


def _read_cache() -> dict[tuple[str, str], CodeType]:
    """The cache file's table, or {} for a missing, foreign or damaged file (its body's
    CRC-32 is checked before marshal reads it: a damaged code object is never run)."""
    path = _cache_path()
    if path is None:
        return {}
    try:
        with open(path, "rb") as f:
            data = f.read()
        n = len(_HEADER)
        body = data[n + 9 :]
        if data.startswith(_HEADER) and data[n + 8 : n + 9] == b"\n" and data[n : n + 8] == b"%08x" % zlib.crc32(body):
            table = marshal.loads(body)
            if type(table) is dict:
                return table
    except Exception:  # noqa: BLE001 - whatever is wrong with the file, the classes compile as without it
        pass
    return {}


def _write_cache() -> None:
    """Write what this run compiled, with what was read (only what it used, past `_CACHE_MAX`)."""
    path = _cache_path()
    if path is None or _cache is None:
        return
    keep = _cache if len(_cache) <= _CACHE_MAX else {k: _cache[k] for k in _used}
    tmp = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        body = marshal.dumps({k: v for k, v in keep.items() if type(v) is CodeType})
        with open(tmp, "wb") as f:
            f.write(_HEADER + b"%08x\n" % zlib.crc32(body) + body)
        os.replace(tmp, path)
    except (OSError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass


class _Factory:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _eq_of(names: tuple[str, ...]) -> Any:
    def __eq__(self: Any, other: Any) -> Any:  # noqa: N807
        if other.__class__ is self.__class__:
            return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)
        return NotImplemented

    return __eq__


def _hash_of(names: tuple[str, ...]) -> Any:
    def __hash__(self: Any) -> int:  # noqa: N807
        return hash(tuple(getattr(self, n) for n in names))

    return __hash__


def _repr_of(names: tuple[str, ...]) -> Any:
    @reprlib.recursive_repr()  # (a record that holds itself shows `...`, as dataclass's does)
    def __repr__(self: Any) -> str:  # noqa: N807
        return f"{self.__class__.__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in names)})"

    return __repr__


def _frozen_setattr(names: frozenset[str], owner: list[type]) -> Any:
    def __setattr__(self: Any, name: str, value: Any) -> None:  # noqa: N807
        if type(self) is owner[0] or name in names:  # (dataclass's rule: any name on the class itself)
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    return __setattr__


def _frozen_delattr(names: frozenset[str], owner: list[type]) -> Any:
    def __delattr__(self: Any, name: str) -> None:  # noqa: N807
        if type(self) is owner[0] or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    return __delattr__


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, n) for n in self.__dataclass_fields__]


def _setstate(self: Any, state: list[Any]) -> None:
    for n, v in zip(self.__dataclass_fields__, state, strict=True):
        object.__setattr__(self, n, v)
