"""The one rule for audio chunks a recorder cut short ("cut by the recorder").

Some recorders (pydantic-ai's test cassettes) keep only a head of every base64 audio
payload: every chunk of the side then decodes to the same small odd number of bytes (33),
which is not whole PCM16 samples and not audio. Relays that re-chunk real audio into a
fixed size deliver long chunks (hundreds or thousands of bytes) and are real, even when
that size is odd. So a side counts as cut only when it has at least `CUT_MIN_CHUNKS`
chunks, all of one odd length shorter than `CUT_MAX_BYTES`. Used by `rtlog.audio.screen`
(which then writes none of them) and `rtlog.metrics.summary` (which warns the seconds are not real).
"""

from __future__ import annotations

#: a cut chunk is shorter than this (pydantic-ai's are 33 bytes; 64 bytes of PCM16 at
#: 24 kHz are 1.3 ms, far below any real streaming chunk)
CUT_MAX_BYTES = 64
#: chunks needed before a side counts as cut (one or two short chunks can be real tails)
CUT_MIN_CHUNKS = 3


def cut_length(nbytes: int) -> bool:
    """A chunk of this many bytes may be a recorder's cut (short and odd)."""
    return 0 < nbytes < CUT_MAX_BYTES and nbytes & 1 == 1


def recorder_cut(chunks: int, length: int, all_same: bool) -> bool:
    """`chunks` PCM16 chunks, all `length` bytes long when `all_same`: cut by the recorder?"""
    return all_same and chunks >= CUT_MIN_CHUNKS and cut_length(length)
