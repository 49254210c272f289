"""`record`: `dataclasses.dataclass` whose `__eq__` and `__repr__` are shared functions
rather than code generated for each class.

Python 3.11 makes a dataclass by writing the source of its methods and compiling it, one
`exec` each: about 3 M instructions a class with slots. rtlog defines ~90 of them, ~60 on
the way to every `summary`, so creating them was a tenth of a run's start-up. `record`
asks dataclass for `__init__` (and what `frozen` needs) only; equality and repr come from
two generic functions over the compared / shown fields, with the very semantics dataclass
gives them (the same class, then the tuples of the fields compare; `Name(a=1, b='x')`),
and a non-frozen class with equality stays unhashable, as dataclass leaves it. An explicit
`eq=False` or `repr=False` is kept. `fields`, `asdict`, `replace` work as on any dataclass.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def record(cls: type[T] | None = None, /, **kw: Any) -> Any:
    """`@record`, `@record(slots=True, …)`: as `@dataclass` (see the module doc)."""
    if cls is None:
        return lambda c: _make(c, kw)
    return _make(cls, kw)


def _make(cls: type[T], kw: dict[str, Any]) -> type[T]:
    if kw.get("frozen") or kw.get("order") or kw.get("unsafe_hash"):
        return dataclasses.dataclass(cls, **kw)  # (their hash and ordering are generated: rare, keep dataclass's)
    want_eq, want_repr = kw.pop("eq", True), kw.pop("repr", True)
    c = dataclasses.dataclass(cls, eq=False, repr=False, **kw)
    fs = dataclasses.fields(c)  # type: ignore[arg-type]
    if want_eq:
        c.__eq__ = _eq_of(tuple(f.name for f in fs if f.compare))  # type: ignore[method-assign,assignment]
        c.__hash__ = None  # type: ignore[assignment] # (as dataclass: mutable and equal by value, so unhashable)
    if want_repr:
        c.__repr__ = _repr_of(tuple(f.name for f in fs if f.repr))  # type: ignore[method-assign,assignment]
    return c


def _eq_of(names: tuple[str, ...]) -> Any:
    def __eq__(self: Any, other: Any) -> Any:  # noqa: N807
        if other.__class__ is self.__class__:
            return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)
        return NotImplemented

    return __eq__


def _repr_of(names: tuple[str, ...]) -> Any:
    def __repr__(self: Any) -> str:  # noqa: N807
        return f"{self.__class__.__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in names)})"

    return __repr__
