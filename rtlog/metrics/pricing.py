"""Token prices and the cost of a session's usage.

Owns the built-in, dated price table (USD per 1M tokens, per model family), matching a
model name to its family, loading a `--pricing FILE` (JSON) that overrides or extends the
table, and turning a `Usage` into US dollars. An unknown model has no price: the caller
gets None, never a guess.

Built-in table: looked up on 2026-11-23 on OpenAI's model pages,
https://developers.openai.com/api/docs/models/<model> (gpt-realtime via the model
comparison page and the gpt-realtime-1.5 page, which lists the same rates; gpt-realtime-mini
via the "quick comparison" on the gpt-realtime-2.1-mini page). The 2024-10-01 preview
snapshot had its own, higher audio prices (OpenAI community forum, thread 1060242).
Every token rate's date and source are in `RATE_SOURCES` (the README's "Built-in prices" table
lists the same, and a test holds the two together). Input-transcription models priced by
the token (gpt-4o-transcribe, gpt-4o-mini-transcribe) are in the table too: the cost of a
log's transcription usage is added when its session names such a model; whisper-1 (billed by
the minute) has no price here.

Duration-priced models (`MinuteRate`, `BUILTIN_MINUTE_RATES`): GPT-Live (`gpt-live-1`,
`gpt-live-1.1`: $0.05 a minute active, billed per second, not rounded up; `gpt-live-1.1`
adds $0.02 a minute standby for WebRTC sessions configured for it), Realtime Translation
(`gpt-realtime-translate`) and the transcription models (`gpt-realtime-whisper`,
`gpt-live-transcribe`), each with the date and page it was read from
(../shared/docs/gpt-live.md §9, §15). A price file gives them as `{"usd_per_minute": N}`.
`PriceTable.default_model` (`summary --model NAME`) prices sessions that name no model.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any

from rtlog.protocol.objects import Usage

PRICES_DATE = "2026-11-23"
PRICES_SOURCE = "https://developers.openai.com/api/docs/models"


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per 1M tokens. Cached rates apply to the cached part of the input."""

    text_input: float
    cached_text_input: float
    audio_input: float
    cached_audio_input: float
    text_output: float
    audio_output: float
    image_input: float | None = None
    cached_image_input: float | None = None


RATE_FIELDS = tuple(f.name for f in fields(Rates))
REQUIRED_RATE_FIELDS = RATE_FIELDS[:6]

BUILTIN_RATES: dict[str, Rates] = {
    "gpt-realtime": Rates(4.00, 0.40, 32.00, 0.40, 16.00, 64.00, 5.00, 0.50),
    "gpt-realtime-mini": Rates(0.60, 0.06, 10.00, 0.30, 2.40, 20.00, 0.80, 0.08),
    "gpt-realtime-1.5": Rates(4.00, 0.40, 32.00, 0.40, 16.00, 64.00, 5.00, 0.50),
    "gpt-realtime-2": Rates(4.00, 0.40, 32.00, 0.40, 24.00, 64.00, 5.00, 0.50),
    "gpt-realtime-2.1": Rates(4.00, 0.40, 32.00, 0.40, 24.00, 64.00, 5.00, 0.50),
    "gpt-realtime-2.1-mini": Rates(0.60, 0.06, 10.00, 0.30, 2.40, 20.00, 0.80, 0.08),
    "gpt-4o-realtime-preview": Rates(5.00, 2.50, 40.00, 2.50, 20.00, 80.00),
    "gpt-4o-realtime-preview-2024-10-01": Rates(5.00, 2.50, 100.00, 20.00, 20.00, 200.00),
    "gpt-4o-mini-realtime-preview": Rates(0.60, 0.30, 10.00, 0.30, 2.40, 20.00),
    # input transcription: one input rate (the model pages list no cache price and no audio out)
    "gpt-4o-transcribe": Rates(2.50, 2.50, 2.50, 2.50, 10.00, 0.00),
    "gpt-4o-mini-transcribe": Rates(1.25, 1.25, 1.25, 1.25, 5.00, 0.00),
}

_MODELS = "https://developers.openai.com/api/docs/models/"
#: where each built-in rate comes from: model → (the date it was looked up, the source)
RATE_SOURCES: dict[str, tuple[str, str]] = {
    "gpt-realtime": ("2026-11-23", _MODELS + "gpt-realtime"),
    "gpt-realtime-mini": ("2026-11-23", _MODELS + "gpt-realtime-2.1-mini"),
    "gpt-realtime-1.5": ("2026-11-23", _MODELS + "gpt-realtime-1.5"),
    "gpt-realtime-2": ("2026-11-23", _MODELS + "gpt-realtime-2"),
    "gpt-realtime-2.1": ("2026-11-23", _MODELS + "gpt-realtime-2.1"),
    "gpt-realtime-2.1-mini": ("2026-11-23", _MODELS + "gpt-realtime-2.1-mini"),
    "gpt-4o-realtime-preview": ("2026-11-23", _MODELS + "gpt-4o-realtime-preview"),
    "gpt-4o-realtime-preview-2024-10-01": ("2026-11-23", "https://community.openai.com/t/1060242"),
    "gpt-4o-mini-realtime-preview": ("2026-11-23", _MODELS + "gpt-4o-mini-realtime-preview"),
    "gpt-4o-transcribe": ("2026-12-04", _MODELS + "gpt-4o-transcribe"),
    "gpt-4o-mini-transcribe": ("2026-12-04", _MODELS + "compare?model=gpt-4o-mini-transcribe"),
}

@dataclass(frozen=True, slots=True)
class MinuteRate:
    """USD per minute of session (or audio), billed per second; dated and sourced."""

    usd_per_minute: float
    date: str
    source: str
    standby_usd_per_minute: float | None = None


_MODEL_PAGE = "https://developers.openai.com/api/docs/models/"
BUILTIN_MINUTE_RATES: dict[str, MinuteRate] = {
    "gpt-live-1": MinuteRate(0.05, "2026-11-29", _MODEL_PAGE + "gpt-live-1"),
    "gpt-live-1.1": MinuteRate(0.05, "2026-11-29", _MODEL_PAGE + "gpt-live-1.1", standby_usd_per_minute=0.02),
    "gpt-realtime-translate": MinuteRate(0.034, "2026-11-29", _MODEL_PAGE + "gpt-realtime-translate"),
    "gpt-live-transcribe": MinuteRate(0.017, "2026-11-29", _MODEL_PAGE + "gpt-live-transcribe"),
    "gpt-realtime-whisper": MinuteRate(0.017, "2026-11-29", _MODEL_PAGE + "gpt-realtime-whisper"),
}
MINUTE_FIELDS = ("usd_per_minute", "standby_usd_per_minute")

_DATE_SUFFIX = re.compile(r"\d{4}-\d{2}-\d{2}\b")


@dataclass(slots=True)
class PriceTable:
    rates: dict[str, Rates]
    date: str = PRICES_DATE
    source: str = PRICES_SOURCE
    aliases: dict[str, str] | None = None
    per_minute: dict[str, MinuteRate] = field(default_factory=lambda: dict(BUILTIN_MINUTE_RATES))
    default_model: str | None = None  # prices sessions that name no model (`summary --model`)

    def minute_rate(self, model: str | None) -> tuple[str, MinuteRate] | None:
        """The duration price of a model (matched as `family` matches), or None."""
        fam = PriceTable(self.per_minute, aliases=self.aliases).family(model)  # type: ignore[arg-type]
        return None if fam is None or fam not in self.per_minute else (fam, self.per_minute[fam])

    def family(self, model: str | None) -> str | None:
        """The table entry for a model name, or None.

        Matches the name itself, else the longest entry it starts with followed by `-`
        and a date or a word (`gpt-realtime-mini-2025-10-06` → gpt-realtime-mini,
        Azure's `gpt-realtime-global-standard` → gpt-realtime). A suffix starting with
        another version number (`gpt-realtime-3`) is a different model: no match.
        A provider prefix (`openai/…`) is ignored."""
        if not model:
            return None
        name = model.strip().lower().rsplit("/", 1)[-1]
        aliases = self.aliases or {}
        if name in aliases and aliases[name] in self.rates:
            return aliases[name]
        if name in self.rates:
            return name
        best = None
        for fam in self.rates:
            if len(name) > len(fam) + 1 and name.startswith(fam) and name[len(fam)] == "-":
                rest = name[len(fam) + 1 :]
                if rest[0].isdigit() and not _DATE_SUFFIX.match(rest):
                    continue
                if best is None or len(fam) > len(best):
                    best = fam
        return best

    def rates_for(self, model: str | None) -> Rates | None:
        fam = self.family(model)
        return None if fam is None else self.rates[fam]


def builtin_table() -> PriceTable:
    return PriceTable(dict(BUILTIN_RATES))


class PriceFileError(ValueError):
    """A price file that cannot be used; the message says what is wrong."""


def parse_price_file(obj: Any, base: PriceTable | None = None) -> PriceTable:
    """Merge a price file's contents over `base` (default: the built-in table).

    Shape: `{"date": "…", "source": "…", "models": {NAME: RATES_OR_ALIAS}}`, where RATES is
    an object of USD per 1M tokens (`text_input`, `cached_text_input`, `audio_input`,
    `cached_audio_input`, `text_output`, `audio_output`, optional `image_input`,
    `cached_image_input`) and an alias is the name of another entry (a string). Fields
    given for a known family replace just those rates; a new family needs the six
    required rates. `date`/`source` default to "FILE + built-in date"."""
    table = base or builtin_table()
    if type(obj) is not dict:
        raise PriceFileError("expected a JSON object with a \"models\" object")
    unknown = set(obj) - {"date", "source", "models"}
    if unknown:
        raise PriceFileError(f"unknown key {sorted(unknown)[0]!r} (expected date, source, models)")
    models = obj.get("models")
    if type(models) is not dict:
        raise PriceFileError("\"models\" must be an object of model name → rates")
    rates = dict(table.rates)
    per_minute = dict(table.per_minute)
    aliases = dict(table.aliases or {})
    pending_aliases: dict[str, str] = {}
    for name, value in models.items():
        key = name.strip().lower()
        if not key:
            raise PriceFileError("empty model name")
        if type(value) is str:
            pending_aliases[key] = value.strip().lower()
            continue
        if type(value) is not dict:
            raise PriceFileError(f"{name}: expected an object of rates or the name of another model")
        if "usd_per_minute" in value or key in per_minute and set(value) <= set(MINUTE_FIELDS):
            per_minute[key] = _minute_rate(name, value, per_minute.get(key), obj)
            continue
        bad = set(value) - set(RATE_FIELDS)
        if bad:
            raise PriceFileError(f"{name}: unknown rate {sorted(bad)[0]!r} (known: {', '.join(RATE_FIELDS)})")
        for k, v in value.items():
            if type(v) not in (int, float) or not math.isfinite(v) or v < 0:
                raise PriceFileError(f"{name}: {k} must be a number ≥ 0 (USD per 1M tokens), not {v!r}")
        given = {k: float(v) for k, v in value.items()}
        if key in rates:
            rates[key] = replace(rates[key], **given)
        else:
            missing = [f for f in REQUIRED_RATE_FIELDS if f not in given]
            if missing:
                raise PriceFileError(f"{name}: a new model needs {', '.join(missing)}")
            rates[key] = Rates(**given)
    for key, target in pending_aliases.items():
        fam = PriceTable(rates).family(target) or PriceTable(per_minute).family(target)  # type: ignore[arg-type]
        if fam is None:
            raise PriceFileError(f"{key}: alias of {target!r}, which has no price")
        aliases[key] = fam
    date = obj.get("date", table.date)
    source = obj.get("source", table.source)
    if type(date) is not str or type(source) is not str:
        raise PriceFileError("\"date\" and \"source\" must be strings")
    return PriceTable(rates, date, source, aliases or None, per_minute)


def _minute_rate(name: str, value: dict[str, Any], known: MinuteRate | None, obj: dict[str, Any]) -> MinuteRate:
    """A price file's duration price: `usd_per_minute` (and `standby_usd_per_minute`)."""
    bad = set(value) - set(MINUTE_FIELDS)
    if bad:
        raise PriceFileError(f"{name}: unknown key {sorted(bad)[0]!r} for a duration price (known: {', '.join(MINUTE_FIELDS)})")
    for k, v in value.items():
        if v is None and k == "standby_usd_per_minute":
            continue
        if type(v) not in (int, float) or not math.isfinite(v) or v < 0:
            raise PriceFileError(f"{name}: {k} must be a number ≥ 0 (USD per minute), not {v!r}")
    date = obj.get("date") if type(obj.get("date")) is str else known.date if known else PRICES_DATE
    source = obj.get("source") if type(obj.get("source")) is str else "price file"
    usd = value.get("usd_per_minute", known.usd_per_minute if known else 0.0)
    standby = value.get("standby_usd_per_minute", known.standby_usd_per_minute if known else None)
    return MinuteRate(float(usd), date, source, None if standby is None else float(standby))


@dataclass(slots=True)
class Cost:
    usd: float
    notes: list[str]


def usage_cost(u: Usage, r: Rates) -> Cost:
    """The USD cost of `u` at rates `r`.

    Cached tokens are part of the input tokens: they are priced at the cached rate and
    the rest of the input at the normal rate. When the usage does not split the cached
    tokens into text and audio, they are taken as text first (the instructions and text
    history are what a cache holds first), the rest as audio. Input or output tokens that
    the usage does not attribute to text, audio or image are priced as text, with a note."""
    notes: list[str] = []
    cached_text, cached_audio = u.cached_text_tokens, u.cached_audio_tokens
    unsplit_cached = u.cached_tokens - cached_text - cached_audio
    if unsplit_cached > 0:
        to_text = min(unsplit_cached, max(0, u.input_text_tokens - cached_text))
        cached_text += to_text
        cached_audio += unsplit_cached - to_text
    image_in = u.input_image_tokens
    unsplit_in = u.input_tokens - u.input_text_tokens - u.input_audio_tokens - image_in
    text_in = u.input_text_tokens + max(0, unsplit_in)
    if unsplit_in > 0:
        notes.append(f"{unsplit_in:,} input tokens without a text/audio split priced as text")
    unsplit_out = u.output_tokens - u.output_text_tokens - u.output_audio_tokens
    text_out = u.output_text_tokens + max(0, unsplit_out)
    if unsplit_out > 0 and unsplit_out != u.reasoning_tokens:
        notes.append(f"{unsplit_out:,} output tokens without a text/audio split priced as text")
    image_rate = r.image_input if r.image_input is not None else r.text_input
    if image_in and r.image_input is None:
        notes.append(f"{image_in:,} image input tokens priced as text (no image rate)")
    usd = (
        max(0, text_in - cached_text) * r.text_input
        + min(cached_text, text_in) * r.cached_text_input
        + max(0, u.input_audio_tokens - cached_audio) * r.audio_input
        + min(cached_audio, u.input_audio_tokens) * r.cached_audio_input
        + image_in * image_rate
        + text_out * r.text_output
        + u.output_audio_tokens * r.audio_output
    ) / 1_000_000
    return Cost(usd, notes)
