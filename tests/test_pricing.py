"""The price table: model name → family, the cost of a usage, `--pricing FILE` merging."""

from __future__ import annotations

import pytest

from rtlog.metrics.pricing import PriceFileError, Rates, builtin_table, parse_price_file, usage_cost
from rtlog.protocol.objects import Usage


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("gpt-realtime", "gpt-realtime"),
        ("gpt-realtime-2025-08-28", "gpt-realtime"),
        ("gpt-realtime-mini", "gpt-realtime-mini"),
        ("gpt-realtime-mini-2025-10-06", "gpt-realtime-mini"),  # not the shorter gpt-realtime
        ("gpt-realtime-mini-2025-12-15", "gpt-realtime-mini"),
        ("gpt-4o-realtime-preview", "gpt-4o-realtime-preview"),
        ("gpt-4o-realtime-preview-2025-06-03", "gpt-4o-realtime-preview"),
        ("gpt-4o-realtime-preview-2024-12-17", "gpt-4o-realtime-preview"),
        ("gpt-4o-realtime-preview-2024-10-01", "gpt-4o-realtime-preview-2024-10-01"),  # its own, older prices
        ("gpt-4o-mini-realtime-preview-2024-12-17", "gpt-4o-mini-realtime-preview"),
        ("gpt-realtime-1.5", "gpt-realtime-1.5"),
        ("gpt-realtime-2.1-mini", "gpt-realtime-2.1-mini"),
        ("GPT-Realtime", "gpt-realtime"),
        ("openai/gpt-realtime-mini", "gpt-realtime-mini"),  # provider prefix (LiteLLM, gateways)
        ("gpt-realtime-global-standard", "gpt-realtime"),  # an Azure deployment named after the model
        ("gpt-realtime-3", None),  # a newer version is another model: no guess
        ("gpt-realtime-2.5", None),
        ("grok-voice-latest", None),
        ("qwen3-omni-flash-realtime", None),
        ("my-voice-deployment", None),
        ("", None),
        (None, None),
    ],
)
def test_family_matching(model: str | None, family: str | None) -> None:
    assert builtin_table().family(model) == family


def test_builtin_rates_per_1m_tokens() -> None:
    t = builtin_table()
    assert t.rates["gpt-realtime"] == Rates(4.0, 0.4, 32.0, 0.4, 16.0, 64.0, 5.0, 0.5)
    assert t.rates["gpt-realtime-mini"] == Rates(0.6, 0.06, 10.0, 0.3, 2.4, 20.0, 0.8, 0.08)
    assert t.rates["gpt-4o-realtime-preview"] == Rates(5.0, 2.5, 40.0, 2.5, 20.0, 80.0)
    assert t.rates["gpt-4o-mini-realtime-preview"] == Rates(0.6, 0.3, 10.0, 0.3, 2.4, 20.0)
    assert t.date == "2026-11-23"


def test_cost_cached_tokens_are_part_of_the_input() -> None:
    u = Usage(input_tokens=1217, output_tokens=240, total_tokens=1457, cached_tokens=768, cached_text_tokens=702,
              cached_audio_tokens=66, input_text_tokens=875, input_audio_tokens=342, output_text_tokens=69,
              output_audio_tokens=171)  # fmt: skip
    c = usage_cost(u, builtin_table().rates["gpt-realtime"])
    # (875-702)*4 + 702*0.4 + (342-66)*32 + 66*0.4 + 69*16 + 171*64 = 21879.2 per 1M
    assert c.usd == pytest.approx(0.0218792, abs=1e-12)
    assert c.notes == []


def test_cost_without_cached_split_takes_text_first() -> None:
    u = Usage(input_tokens=300, cached_tokens=250, input_text_tokens=200, input_audio_tokens=100)
    c = usage_cost(u, Rates(1, 0.1, 10, 0.5, 0, 0))
    # cached: 200 text (all of it) + 50 audio; uncached: 0 text, 50 audio
    assert c.usd == pytest.approx((200 * 0.1 + 50 * 0.5 + 50 * 10) / 1e6)


def test_cost_of_tokens_without_a_split_is_priced_as_text_with_a_note() -> None:
    u = Usage(input_tokens=1000, output_tokens=500, total_tokens=1500)
    c = usage_cost(u, Rates(2, 1, 40, 1, 8, 80))
    assert c.usd == pytest.approx((1000 * 2 + 500 * 8) / 1e6)
    assert c.notes == [
        "1,000 input tokens without a text/audio split priced as text",
        "500 output tokens without a text/audio split priced as text",
    ]


def test_reasoning_tokens_are_output_text_without_a_note() -> None:
    u = Usage(output_tokens=30, output_text_tokens=10, output_audio_tokens=10, reasoning_tokens=10)
    c = usage_cost(u, Rates(0, 0, 0, 0, 1, 2))
    assert c.usd == pytest.approx((20 * 1 + 10 * 2) / 1e6)
    assert c.notes == []


def test_zero_usage_costs_nothing() -> None:
    assert usage_cost(Usage(), builtin_table().rates["gpt-realtime"]).usd == 0


def test_price_file_overrides_extends_and_aliases() -> None:
    t = parse_price_file(
        {
            "date": "2027-01-01",
            "source": "our contract",
            "models": {
                "gpt-realtime": {"audio_output": 50},
                "grok-voice": {"text_input": 1, "cached_text_input": 0.5, "audio_input": 3, "cached_audio_input": 0.5,
                               "text_output": 2, "audio_output": 6},  # fmt: skip
                "my-deployment": "gpt-realtime-mini-2025-10-06",
            },
        }
    )
    assert t.rates["gpt-realtime"] == Rates(4.0, 0.4, 32.0, 0.4, 16.0, 50.0, 5.0, 0.5)
    assert t.family("grok-voice-latest") == "grok-voice"
    assert t.rates_for("grok-voice-latest") == Rates(1, 0.5, 3, 0.5, 2, 6)
    assert t.family("my-deployment") == "gpt-realtime-mini"
    assert (t.date, t.source) == ("2027-01-01", "our contract")
    assert builtin_table().rates["gpt-realtime"].audio_output == 64.0  # the built-in table is untouched


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([], 'expected a JSON object with a "models" object'),
        ({"model": {}}, "unknown key 'model' (expected date, source, models)"),
        ({"models": []}, '"models" must be an object of model name → rates'),
        ({"models": {"x": 3}}, "x: expected an object of rates or the name of another model"),
        ({"models": {"gpt-realtime": {"audio_out": 1}}}, "gpt-realtime: unknown rate 'audio_out' (known: text_input, "
         "cached_text_input, audio_input, cached_audio_input, text_output, audio_output, image_input, cached_image_input)"),
        ({"models": {"gpt-realtime": {"audio_output": -1}}}, "gpt-realtime: audio_output must be a number ≥ 0 (USD per 1M tokens), not -1"),
        ({"models": {"gpt-realtime": {"audio_output": "5"}}}, "gpt-realtime: audio_output must be a number ≥ 0 (USD per 1M tokens), not '5'"),
        ({"models": {"new": {"text_input": 1}}}, "new: a new model needs cached_text_input, audio_input, cached_audio_input, text_output, audio_output"),
        ({"models": {"a": "nothing-known"}}, "a: alias of 'nothing-known', which has no price"),
        ({"date": 5, "models": {}}, '"date" and "source" must be strings'),
    ],
)  # fmt: skip
def test_bad_price_files_say_what_is_wrong(obj: object, message: str) -> None:
    with pytest.raises(PriceFileError) as exc:
        parse_price_file(obj)
    assert str(exc.value) == message
