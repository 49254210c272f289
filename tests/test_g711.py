"""G.711 decoding tables against the ITU-T G.711 reference values."""

from __future__ import annotations

import struct
import warnings

import pytest

from rtlog.audio.g711 import ALAW_TO_LINEAR, SILENCE_BYTE, ULAW_TO_LINEAR, to_pcm16
from rtlog.protocol.formats import ALAW, ULAW


def ulaw_reference(code: int) -> int:
    """G.711 Table 2a, written from the standard's segment/step definition: the decoder
    output of segment s, step q is (2q+33)·2^s − 33 in 14-bit units (×4 for 16 bits);
    the character is transmitted inverted, and a set sign bit means positive."""
    c = code ^ 0xFF
    s, q = (c >> 4) & 7, c & 15
    value = ((2 * q + 33) * 2**s - 33) * 4
    return -value if c & 0x80 else value


def alaw_reference(code: int) -> int:
    """G.711 Table 1a: even bits inverted on the line; segment 0 decodes to 2q+1,
    segment s ≥ 1 to (2q+33)·2^(s−1), in 13-bit units (×8 for 16 bits); sign bit set =
    positive."""
    c = code ^ 0x55
    s, q = (c >> 4) & 7, c & 15
    value = (2 * q + 1) * 8 if s == 0 else (2 * q + 33) * 2 ** (s - 1) * 8
    return value if c & 0x80 else -value


def test_ulaw_table_is_the_g711_reference() -> None:
    assert list(ULAW_TO_LINEAR) == [ulaw_reference(c) for c in range(256)]


def test_alaw_table_is_the_g711_reference() -> None:
    assert list(ALAW_TO_LINEAR) == [alaw_reference(c) for c in range(256)]


@pytest.mark.parametrize(
    ("table", "code", "value"),
    [
        # μ-law: the two zeros, the smallest steps, the extremes
        (ULAW_TO_LINEAR, 0xFF, 0), (ULAW_TO_LINEAR, 0x7F, 0),
        (ULAW_TO_LINEAR, 0xFE, 8), (ULAW_TO_LINEAR, 0x7E, -8),
        (ULAW_TO_LINEAR, 0x80, 32124), (ULAW_TO_LINEAR, 0x00, -32124),
        (ULAW_TO_LINEAR, 0xEF, 132), (ULAW_TO_LINEAR, 0xF0, 120),
        # A-law: 0xD5/0x55 are the quietest codes (±1 in 13-bit units), 0xAA/0x2A the loudest
        (ALAW_TO_LINEAR, 0xD5, 8), (ALAW_TO_LINEAR, 0x55, -8),
        (ALAW_TO_LINEAR, 0xD4, 24), (ALAW_TO_LINEAR, 0xAA, 32256), (ALAW_TO_LINEAR, 0x2A, -32256),
        (ALAW_TO_LINEAR, 0xC5, 264),
    ],
)  # fmt: skip
def test_known_values(table: tuple[int, ...], code: int, value: int) -> None:
    assert table[code] == value


def test_tables_are_symmetric_and_monotonic() -> None:
    # the positive half (μ-law 0x80..0xFF, decreasing magnitude) mirrors the negative half
    for c in range(128):
        assert ULAW_TO_LINEAR[c] == -ULAW_TO_LINEAR[c | 0x80]
        assert ALAW_TO_LINEAR[c] == -ALAW_TO_LINEAR[c | 0x80]
    pos = [ULAW_TO_LINEAR[c] for c in range(0x80, 0x100)]
    assert pos == sorted(pos, reverse=True)
    assert len(set(ALAW_TO_LINEAR)) == 256  # A-law has no negative zero


@pytest.mark.parametrize(("encoding", "table"), [(ULAW, ULAW_TO_LINEAR), (ALAW, ALAW_TO_LINEAR)])
def test_to_pcm16_decodes_every_code_little_endian(encoding: str, table: tuple[int, ...]) -> None:
    data = bytes(range(256)) + bytes([0x00, 0xFF, 0x80])
    expected = struct.pack(f"<{len(data)}h", *(table[c] for c in data))
    assert to_pcm16(data, encoding) == expected
    assert to_pcm16(b"", encoding) == b""


def test_silence_bytes_decode_to_near_zero() -> None:
    assert ULAW_TO_LINEAR[SILENCE_BYTE[ULAW]] == 0
    assert abs(ALAW_TO_LINEAR[SILENCE_BYTE[ALAW]]) == 8  # A-law has no exact zero


def test_same_as_audioop_where_it_still_exists() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")  # removed in Python 3.13
    data = bytes(range(256))
    assert to_pcm16(data, ULAW) == audioop.ulaw2lin(data, 2)
    assert to_pcm16(data, ALAW) == audioop.alaw2lin(data, 2)
