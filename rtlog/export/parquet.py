"""Parquet without a library: the writer of an export's tables, and the reader of its own files.

Owns the Parquet file format as far as an export needs it: flat tables of nullable BIGINT
(INT64), DOUBLE, VARCHAR (BYTE_ARRAY, UTF8), BOOLEAN and TIMESTAMP (INT64 microseconds, as
DuckDB writes its TIMESTAMP: not adjusted to UTC — the values are UTC, see the schema) columns;
one data page (v1, PLAIN values, RLE/bit-packed definition levels) per column per row group,
GZIP-compressed (zlib: any Parquet reader has it), the Thrift compact footer. Why not pyarrow
or DuckDB: an export's tables are small (a few rows a call) and importing either costs more
than writing them (0.1–0.15 s and +50–60 MB RSS a run, against ~1 ms and nothing here).

`ParquetWriter` streams rows in: columns are built a row group at a time (`ROW_GROUP_BYTES`
of row data: memory is one row group whatever the table's size). `read_rows` reads back
what `ParquetWriter` wrote (for the rows an incremental export keeps); a file it did not write
(an older rtlog's, written by DuckDB: dictionary pages, zstd) raises `Unsupported`, and the
caller merges with DuckDB instead.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any, BinaryIO

CREATED_BY = "rtlog parquet writer"
MAGIC = b"PAR1"
ROW_GROUP_BYTES = 4 << 20  # of JSON-sized row data: a row group is a few times that as Python objects
ROW_GROUP_ROWS = 65536

# Parquet's physical types and the other enums used here (parquet.thrift)
_BOOLEAN, _INT64, _DOUBLE, _BYTE_ARRAY = 0, 2, 5, 6
_PLAIN, _RLE = 0, 3
_GZIP = 2
_UTF8, _TIMESTAMP_MICROS, _INT_64 = 0, 10, 18
_OPTIONAL = 1
_PHYSICAL = {"BOOLEAN": _BOOLEAN, "BIGINT": _INT64, "DOUBLE": _DOUBLE, "VARCHAR": _BYTE_ARRAY, "TIMESTAMP": _INT64}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: the Python type a column's values already have when nothing needs converting
_FAST: dict[str, type] = {"BOOLEAN": bool, "BIGINT": int, "DOUBLE": float, "VARCHAR": str, "TIMESTAMP": int}


class Unsupported(Exception):
    """A Parquet file this reader does not read (not written by `ParquetWriter`)."""


# --- Thrift compact protocol ------------------------------------------------------------------
# A struct is written from a list of (field id, type, value); type is one of the names below,
# "struct" takes a list of fields, ("list", elem_type) a list of values.

_CT = {"bool": 1, "i8": 3, "i32": 5, "i64": 6, "binary": 8, "list": 9, "struct": 12}


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _value(t: Any, v: Any) -> bytes:
    if t in ("i8",):
        return bytes([v & 0xFF])
    if t in ("i32", "i64"):
        return _varint(_zigzag(v))
    if t == "binary":
        b = v.encode() if isinstance(v, str) else v
        return _varint(len(b)) + b
    if t == "struct":
        return _struct(v)
    if t == "bool":
        return b"\x01" if v else b"\x02"
    kind, elem = t
    assert kind == "list"
    code = _CT[elem if isinstance(elem, str) else elem[0]]
    head = bytes([(len(v) << 4) | code]) if len(v) < 15 else bytes([0xF0 | code]) + _varint(len(v))
    return head + b"".join(_value(elem, x) for x in v)


def _struct(fields: list[tuple[int, Any, Any]]) -> bytes:
    out = bytearray()
    last = 0
    for fid, t, v in fields:
        if v is None:
            continue
        code = _CT[t if isinstance(t, str) else t[0]]
        if t == "bool":
            code = 1 if v else 2
        if 0 < fid - last <= 15:
            out.append(((fid - last) << 4) | code)
        else:
            out.append(code)
            out += _varint(_zigzag(fid))
        last = fid
        if t != "bool":
            out += _value(t, v)
    out.append(0)
    return bytes(out)


class _Reader:
    """Thrift compact → {field id: value} (structs as dicts, lists as lists)."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def varint(self) -> int:
        n = shift = 0
        while True:
            b = self.data[self.pos]
            self.pos += 1
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                return n
            shift += 7

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def value(self, code: int) -> Any:
        if code in (1, 2):  # a bool in a struct: the type says it; in a list, one byte
            return code == 1
        if code == 3:
            b = self.data[self.pos]
            self.pos += 1
            return b - 256 if b > 127 else b
        if code in (4, 5, 6):
            return self.zigzag()
        if code == 7:
            (d,) = struct.unpack_from("<d", self.data, self.pos)
            self.pos += 8
            return d
        if code == 8:
            n = self.varint()
            b = self.data[self.pos : self.pos + n]
            self.pos += n
            return b
        if code in (9, 10):
            head = self.data[self.pos]
            self.pos += 1
            size, elem = head >> 4, head & 0x0F
            if size == 15:
                size = self.varint()
            if elem in (1, 2):
                out = [self.data[self.pos + i] == 1 for i in range(size)]
                self.pos += size
                return out
            return [self.value(elem) for _ in range(size)]
        if code == 12:
            return self.struct()
        raise Unsupported(f"thrift type {code}")

    def struct(self) -> dict[int, Any]:
        out: dict[int, Any] = {}
        last = 0
        while True:
            head = self.data[self.pos]
            self.pos += 1
            if head == 0:
                return out
            delta, code = head >> 4, head & 0x0F
            fid = last + delta if delta else self.zigzag()
            out[fid] = self.value(code)
            last = fid


# --- values -----------------------------------------------------------------------------------


def timestamp_micros(v: Any) -> int | None:
    """An ISO 8601 time (as the rows have it: `…Z`) or microseconds → microseconds since the epoch."""
    if v is None or isinstance(v, int):
        return v
    dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    d = dt - _EPOCH
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


def _as(kind: str, v: Any) -> Any:
    """A row's value → the column's (None stays None; what cannot be is None: unknown)."""
    if v is None:
        return None
    if kind == "TIMESTAMP":
        try:
            return timestamp_micros(v)
        except (TypeError, ValueError):
            return None
    if kind == "VARCHAR":
        if isinstance(v, str):
            return v
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return str(v)
        import orjson

        return orjson.dumps(v).decode()
    if kind == "BOOLEAN":
        return v if isinstance(v, bool) else None
    if kind == "BIGINT":
        return v if isinstance(v, int) and not isinstance(v, bool) and -(1 << 63) <= v < 1 << 63 else None
    if kind == "DOUBLE":
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    raise ValueError(f"column type {kind}")


def _bits(flags: list[bool] | list[int]) -> bytes:
    """Booleans packed 8 a byte, least significant bit first (padded with zeros)."""
    out = bytearray((len(flags) + 7) // 8)
    for i, f in enumerate(flags):
        if f:
            out[i >> 3] |= 1 << (i & 7)
    return bytes(out)


def _levels(vals: list[Any], present: int) -> bytes:
    """Definition levels (0 null, 1 a value), RLE/bit-packed hybrid with its 4-byte length."""
    n = len(vals)
    if present == n:
        body = _varint(n << 1) + b"\x01"  # one run of 1s
    elif not present:
        body = _varint(n << 1) + b"\x00"
    else:
        body = _varint((((n + 7) // 8) << 1) | 1) + _bits([v is not None for v in vals])
    return struct.pack("<i", len(body)) + body


def _plain(kind: str, values: list[Any]) -> bytes:
    phys = _PHYSICAL[kind]
    if phys == _INT64:
        return struct.pack(f"<{len(values)}q", *values)
    if phys == _DOUBLE:
        return struct.pack(f"<{len(values)}d", *values)
    if phys == _BOOLEAN:
        return _bits(values)
    out = bytearray()
    for s in values:
        b = s.encode("utf-8", "surrogatepass")
        out += struct.pack("<i", len(b))
        out += b
    return bytes(out)


def _schema_element(name: str, kind: str) -> list[tuple[int, Any, Any]]:
    phys = _PHYSICAL[kind]
    converted = logical = None
    if kind == "VARCHAR":
        converted, logical = _UTF8, [(1, "struct", [])]  # STRING
    elif kind == "TIMESTAMP":
        unit = [(2, "struct", [])]  # MICROS
        converted, logical = _TIMESTAMP_MICROS, [(8, "struct", [(1, "bool", False), (2, "struct", unit)])]
    elif kind == "BIGINT":
        converted, logical = _INT_64, [(10, "struct", [(1, "i8", 64), (2, "bool", True)])]
    return [
        (1, "i32", phys),
        (3, "i32", _OPTIONAL),
        (4, "binary", name),
        (6, "i32", converted),
        (10, "struct", logical),
    ]


# --- the writer -------------------------------------------------------------------------------


class ParquetWriter:
    """Rows in, a Parquet file out: `add(row)` (a dict; missing keys are null), then `close()`.
    Columns `[(name, type)]` with the types of `rtlog.export.schema` (BIGINT, DOUBLE, VARCHAR,
    BOOLEAN, TIMESTAMP). Memory: one row group."""

    def __init__(self, fp: BinaryIO, columns: list[tuple[str, str]]) -> None:
        for name, kind in columns:
            if kind not in _PHYSICAL:
                raise ValueError(f"{name}: column type {kind}")
        self.fp = fp
        self.columns = columns
        self.names = [n for n, _ in columns]
        self.paths = [b"\x19\x18" + _value("binary", n) for n in self.names]  # path_in_schema: a list of one name
        self.pending: list[list[Any]] = [[] for _ in columns]
        self.pending_rows = 0
        self.pending_bytes = 0
        self.rows = 0
        self.groups: list[bytes] = []
        fp.write(MAGIC)
        self.offset = len(MAGIC)

    def add(self, row: dict[str, Any], size: int = 0) -> None:
        """One row (`size`: its approximate size in bytes, e.g. its JSON line's, which bounds a
        row group's memory)."""
        get = row.get
        for col, name in zip(self.pending, self.names):
            col.append(get(name))
        self.pending_rows += 1
        self.pending_bytes += size
        if self.pending_rows >= ROW_GROUP_ROWS or self.pending_bytes >= ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        n = self.pending_rows
        if not n:
            return
        chunks = []
        total = 0
        # the Thrift of a page header and a column chunk, spelled out (the generic `_struct`
        # cost more than the pages themselves for an export's small tables)
        page_tail = b"\x2c\x15" + _varint(_zigzag(n)) + b"\x15\x00\x15\x06\x15\x06\x00\x00"  # data page: n values, PLAIN, RLE levels
        for (_, kind), raw, path in zip(self.columns, self.pending, self.paths):
            fast = _FAST[kind]
            vals = [v if v is None or type(v) is fast else _as(kind, v) for v in raw]
            present = [v for v in vals if v is not None]
            try:
                values = _plain(kind, present)
            except (struct.error, OverflowError):  # an int beyond int64: unknown
                vals = [_as(kind, v) for v in raw]
                present = [v for v in vals if v is not None]
                values = _plain(kind, present)
            page = _levels(vals, len(present)) + values
            packed = _gzip(page)
            header = b"\x15\x00\x15" + _varint(_zigzag(len(page))) + b"\x15" + _varint(_zigzag(len(packed))) + page_tail
            start = self.offset
            self.fp.write(header)
            self.fp.write(packed)
            size, stored = len(header) + len(page), len(header) + len(packed)
            self.offset += stored
            meta = (b"\x15" + _varint(_zigzag(_PHYSICAL[kind])) + b"\x19\x25\x00\x06" + path + b"\x15" + _varint(_zigzag(_GZIP))
                    + b"\x16" + _varint(_zigzag(n)) + b"\x16" + _varint(_zigzag(size)) + b"\x16" + _varint(_zigzag(stored))
                    + b"\x26" + _varint(_zigzag(start)) + b"\x3c\x36" + _varint(_zigzag(n - len(present))) + b"\x00\x00")  # fmt: skip
            chunks.append(b"\x26" + _varint(_zigzag(start)) + b"\x1c" + meta + b"\x00")
            total += size
        count = len(chunks)
        head = bytes([(count << 4) | 12]) if count < 15 else bytes([0xF0 | 12]) + _varint(count)
        self.groups.append(b"\x19" + head + b"".join(chunks) + b"\x16" + _varint(_zigzag(total)) + b"\x16" + _varint(_zigzag(n)) + b"\x00")
        self.rows += n
        self.pending = [[] for _ in self.columns]
        self.pending_rows = self.pending_bytes = 0

    def close(self) -> int:
        """Write the last row group and the footer; returns the rows written."""
        self._flush()
        schema = [[(4, "binary", "schema"), (5, "i32", len(self.columns))]]
        schema += [_schema_element(name, kind) for name, kind in self.columns]
        # the row groups are already encoded: the footer is spliced by hand around them
        head = _struct([(1, "i32", 1), (2, ("list", "struct"), schema), (3, "i64", self.rows)])[:-1]
        groups = b"".join(self.groups)
        count = len(self.groups)
        lst = bytes([(count << 4) | 12]) if count < 15 else bytes([0xF0 | 12]) + _varint(count)
        # field 4 (row_groups, a list) follows field 3: delta 1; then field 6 (created_by): delta 2
        footer = (
            head + bytes([(1 << 4) | 9]) + lst + groups + bytes([(2 << 4) | 8]) + _value("binary", CREATED_BY) + b"\x00"
        )
        self.fp.write(footer)
        self.fp.write(struct.pack("<i", len(footer)))
        self.fp.write(MAGIC)
        return self.rows


def _gzip(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: a gzip header, as Parquet's GZIP codec is
    return c.compress(data) + c.flush()


# --- the reader (of ParquetWriter's files) ----------------------------------------------------


def read_rows(path: str) -> Iterator[dict[str, Any]]:
    """The rows of a Parquet file `ParquetWriter` wrote, one row group in memory at a time,
    TIMESTAMP as microseconds since the epoch. Raises `Unsupported` (before any row) for a
    file made otherwise."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        if size < 12:
            raise Unsupported("too short")
        f.seek(size - 8)
        tail = f.read(8)
        if tail[4:] != MAGIC:
            raise Unsupported("not Parquet")
        (n,) = struct.unpack("<i", tail[:4])
        f.seek(size - 8 - n)
        meta = _Reader(f.read(n)).struct()
        if meta.get(6) != CREATED_BY.encode():
            raise Unsupported(f"written by {meta.get(6, b'?').decode(errors='replace')}")
        elements = meta[2][1:]
        names = [e[4].decode() for e in elements]
        kinds = [_kind(e) for e in elements]
        groups = meta.get(4, [])
        return _rows(path, names, kinds, groups)


def _kind(e: dict[int, Any]) -> str:
    phys, converted = e.get(1), e.get(6)
    if phys == _BYTE_ARRAY:
        return "VARCHAR"
    if phys == _INT64:
        return "TIMESTAMP" if converted == _TIMESTAMP_MICROS else "BIGINT"
    if phys == _DOUBLE:
        return "DOUBLE"
    if phys == _BOOLEAN:
        return "BOOLEAN"
    raise Unsupported(f"physical type {phys}")


def _rows(path: str, names: list[str], kinds: list[str], groups: list[dict[int, Any]]) -> Iterator[dict[str, Any]]:
    with open(path, "rb") as f:
        for g in groups:
            n = g[3]
            cols = []
            for chunk, kind in zip(g[1], kinds):
                m = chunk[3]
                f.seek(m[9])
                cols.append(_column(f.read(m[7]), kind, n))
            for i in range(n):
                yield {name: col[i] for name, col in zip(names, cols)}


def _column(data: bytes, kind: str, n: int) -> list[Any]:
    r = _Reader(data)
    h = r.struct()
    dp = h.get(5)
    if h.get(1) != 0 or dp is None or dp.get(2) != _PLAIN or dp.get(1) != n:
        raise Unsupported("a page this reader does not read")
    page = zlib.decompress(data[r.pos : r.pos + h[3]], 31)
    (ln,) = struct.unpack_from("<i", page, 0)
    defined = _read_levels(page[4 : 4 + ln], n)
    pos = 4 + ln
    count = sum(defined)
    phys = _PHYSICAL[kind]
    if phys == _INT64:
        vals: list[Any] = list(struct.unpack_from(f"<{count}q", page, pos))
    elif phys == _DOUBLE:
        vals = list(struct.unpack_from(f"<{count}d", page, pos))
    elif phys == _BOOLEAN:
        vals = [bool(page[pos + (i >> 3)] >> (i & 7) & 1) for i in range(count)]
    else:
        vals = []
        for _ in range(count):
            (k,) = struct.unpack_from("<i", page, pos)
            vals.append(page[pos + 4 : pos + 4 + k].decode("utf-8", "surrogatepass"))
            pos += 4 + k
    it = iter(vals)
    return [next(it) if d else None for d in defined]


def _read_levels(data: bytes, n: int) -> list[int]:
    r = _Reader(data)
    out: list[int] = []
    while len(out) < n:
        head = r.varint()
        if head & 1:  # bit-packed groups of 8
            groups = head >> 1
            raw = data[r.pos : r.pos + groups]
            r.pos += groups
            out += [b >> j & 1 for b in raw for j in range(8)]
        else:
            out += [data[r.pos]] * (head >> 1)
            r.pos += 1
    return out[:n]
