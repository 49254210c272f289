"""Audio formats as the protocols state them.

Owns: the encodings (beta strings `pcm16`/`g711_ulaw`/`g711_alaw`, GA objects
`{"type": "audio/pcm", "rate": 24000}`/`audio/pcmu`/`audio/pcma`, and the variants seen in
the wild) and `AudioFormat`, an encoding with its sample rate. An unstated format is the
API default, PCM16 at 24 kHz, marked `stated=False`. A stated sample rate outside
`MIN_RATE`–`MAX_RATE` (telephone to studio audio) is not believed: a log that says 5 GHz
would have rtlog allocate and compute for it; the default is assumed instead, and the
rate ignored is kept in `ignored_rate` for a warning.
"""

from __future__ import annotations

import re
from dataclasses import field
from typing import Any

from rtlog.records import record

PCM16, ULAW, ALAW = "pcm16", "g711_ulaw", "g711_alaw"
#: the sample rates rtlog believes a log states (Hz)
MIN_RATE, MAX_RATE = 8000, 192000


@record(frozen=True, slots=True)
class AudioFormat:
    """An audio encoding and its sample rate. `stated` is False when the log did not say
    and the API default (PCM16 at 24 kHz) was assumed."""

    encoding: str = PCM16
    rate: int = 24000
    stated: bool = False
    ignored_rate: Any = field(default=None, compare=False)  # an implausible rate the log stated

    @property
    def bytes_per_sample(self) -> int:
        return 2 if self.encoding == PCM16 else 1

    @property
    def bytes_per_second(self) -> int:
        return self.rate * self.bytes_per_sample

    def seconds(self, nbytes: int) -> float:
        return nbytes / self.bytes_per_second

    def label(self) -> str:
        names = {PCM16: "PCM16", ULAW: "G.711 μ-law", ALAW: "G.711 A-law"}
        rate = f"{self.rate / 1000:g} kHz"
        return f"{names.get(self.encoding, self.encoding)} {rate}" + ("" if self.stated else " (assumed)")


DEFAULT_FORMAT = AudioFormat()

_ENCODING_WORDS = {
    "pcm16": PCM16, "pcm": PCM16, "audio/pcm": PCM16, "pcm24": PCM16, "pcm_s16le": PCM16, "linear16": PCM16,
    "g711_ulaw": ULAW, "audio/pcmu": ULAW, "pcmu": ULAW, "ulaw": ULAW, "mulaw": ULAW, "audio/g711-ulaw": ULAW, "g711-ulaw": ULAW,
    "g711_alaw": ALAW, "audio/pcma": ALAW, "pcma": ALAW, "alaw": ALAW, "audio/g711-alaw": ALAW, "g711-alaw": ALAW,
}  # fmt: skip


#: Azure Voice Live's PCM16 at a stated rate: `pcm16_16000hz`, `pcm16_8000hz` (and the
#: variants `pcm16-16000hz`, `pcm_16khz`)
_PCM_AT_RATE = re.compile(r"(?:pcm16|pcm|linear16|pcm_s16le)[_-]?(\d+)(k?)hz")
#: what recorders write where no format was chosen: states nothing, and is no unknown format
_UNSTATED = frozenset({"", "not specified", "none", "null", "default", "auto"})


def parse_audio_format(value: Any, rate_hint: Any = None, *, default_rate: int = 24000) -> AudioFormat | None:
    """An AudioFormat from a stated format (string or `{type, rate}` object), or None if
    the value states nothing usable ("not specified", null, unknown words)."""
    rate = None
    if type(value) is dict:
        rate = value.get("rate") if type(value.get("rate")) in (int, float) else None
        value = value.get("type")
    if type(value) is not str:
        return None
    word = value.strip().lower()
    enc = _ENCODING_WORDS.get(word)
    if enc is None:
        m = _PCM_AT_RATE.fullmatch(word)
        if m is None:
            return None
        stated = int(m.group(1)) * (1000 if m.group(2) else 1)
        return AudioFormat(PCM16, stated, True) if 1000 <= stated <= 384000 else None
    if enc != PCM16:
        return AudioFormat(enc, 8000, True)
    if rate is None and type(rate_hint) in (int, float):
        rate = rate_hint
    if rate is None and value.strip().lower() == "pcm24":
        rate = 24000
    if rate is not None and not (MIN_RATE <= rate <= MAX_RATE and rate == int(rate)):
        return AudioFormat(PCM16, default_rate, False, ignored_rate=rate)
    rate = int(rate) if rate else default_rate
    fmt = _STATED_PCM16.get(rate)
    if fmt is None:  # (one object per rate: every response of a log states its format)
        fmt = AudioFormat(PCM16, rate, True)
        if len(_STATED_PCM16) < 64:
            _STATED_PCM16[rate] = fmt
    return fmt


#: the stated PCM16 formats made so far, by rate (AudioFormat is frozen: one can be shared)
_STATED_PCM16: dict[int, AudioFormat] = {}


def unknown_format(value: Any) -> str | None:
    """The stated format as text when it is one rtlog cannot read (so its audio would be
    guessed at), else None: a known format, or one that states nothing (`not specified`,
    null, absent)."""
    shown = value.get("type") if type(value) is dict else value
    if type(shown) is not str or shown.strip().lower() in _UNSTATED:
        return None
    if parse_audio_format(value) is not None:
        return None
    return shown
