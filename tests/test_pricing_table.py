"""Issue 13, the price table: every built-in token price is dated and sourced, the README's list
is the table (read from both), reasoning tokens are billed once, and input transcription priced
by the token is part of the cost."""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
from conftest import REPO, corpus_file, needs_corpus, run_cli, write_log

from rtlog.metrics.pricing import BUILTIN_RATES, RATE_FIELDS, RATE_SOURCES, builtin_table

_ROW = re.compile(r"^\| `([^`]+)` \| (.+?) \| (.+?) \| (.+?) \| (\d{4}-\d{2}-\d{2}) \| (\S+) \|$")


def readme_prices() -> dict[str, tuple[list[float | None], str, str]]:
    """The README's "Built-in prices" table: model → (rates in RATE_FIELDS order, date, source)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("#### Built-in prices") :]
    section = section[: section.index("\n\n", section.index("| model |"))]
    rows = {}
    for line in section.splitlines():
        m = _ROW.match(line)
        if m is None:
            continue
        model, text_rates, audio_rates, image_rates, date, source = m.groups()

        def nums(cell: str) -> list[float | None]:
            return [None if x.strip() == "–" else float(x) for x in cell.split("/")]

        t_in, t_cached, t_out = nums(text_rates)
        a_in, a_cached, a_out = nums(audio_rates)
        i_in, i_cached = nums(image_rates)
        # RATE_FIELDS: text_input, cached_text_input, audio_input, cached_audio_input, text_output, audio_output, image…
        rows[model] = ([t_in, t_cached, a_in, a_cached, t_out, a_out, i_in, i_cached], date, source)
    return rows


def test_the_readme_lists_exactly_the_built_in_table() -> None:
    listed = readme_prices()
    assert list(listed) == list(BUILTIN_RATES)  # every model, in the table's order, none more
    for model, rates in BUILTIN_RATES.items():
        values, date, source = listed[model]
        assert values == [getattr(rates, f) for f in RATE_FIELDS], model
        assert (date, source) == RATE_SOURCES[model], model


def test_every_built_in_price_is_dated_and_sourced() -> None:
    assert set(RATE_SOURCES) == set(BUILTIN_RATES)
    for model, (date, source) in RATE_SOURCES.items():
        assert re.fullmatch(r"2026-\d{2}-\d{2}", date), model
        assert source.startswith("https://"), model
    # the gpt-realtime-2 family: text output is dearer than gpt-realtime's (24 vs 16 per 1M)
    table = builtin_table()
    assert table.family("gpt-realtime-2.1-2026-10-01") == "gpt-realtime-2.1"
    assert table.rates_for("gpt-realtime-2").text_output == 24.0
    assert table.rates_for("gpt-realtime-2.1-mini").audio_output == 20.0


def test_input_transcription_priced_by_the_token_is_in_the_cost(tmp_path: Path) -> None:
    records = [
        {"type": "session.created", "event_id": "e1", "session": {"id": "s", "model": "gpt-realtime", "type": "realtime",
         "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}}}},
        {"type": "conversation.item.input_audio_transcription.completed", "event_id": "e2", "item_id": "u1", "transcript": "hi",
         "usage": {"type": "tokens", "input_tokens": 400, "input_token_details": {"text_tokens": 0, "audio_tokens": 400},
                   "output_tokens": 100, "total_tokens": 500}},
        {"type": "response.done", "event_id": "e3", "response": {"id": "r1", "status": "completed", "usage": {
            "input_tokens": 1000, "output_tokens": 0, "input_token_details": {"text_tokens": 1000}}}},
    ]  # fmt: skip
    s = json.loads(run_cli("summary", "--json", write_log(tmp_path / "t.jsonl", records)).stdout)
    transcription = (400 * 1.25 + 100 * 5.00) / 1e6  # audio in + text out at gpt-4o-mini-transcribe's rates
    assert s["cost"]["transcription_usd"] == round(transcription, 6)
    assert s["cost_usd"] == round(1000 * 4.00 / 1e6 + transcription, 6)
    assert "input transcription is billed separately and not included" not in s["cost"]["notes"]
    # a model without a token price (whisper-1 is billed by the minute): not included, and said so
    records[0]["session"]["audio"]["input"]["transcription"]["model"] = "whisper-1"
    s = json.loads(run_cli("summary", "--json", write_log(tmp_path / "w.jsonl", records)).stdout)
    assert s["cost"]["transcription_usd"] is None
    assert s["cost_usd"] == round(1000 * 4.00 / 1e6, 6)
    assert "input transcription is billed separately and not included" in s["cost"]["notes"]


@needs_corpus
def test_real_azure_transcription_usage_is_priced() -> None:
    # Azure OpenAI, gpt-4o-transcribe: 26 audio tokens in, 9 text tokens out
    path = corpus_file("test_azure_ws__test_spoken_turn_transcribed_drives_a_tool_and_answers_in_audio.jsonl")
    s = json.loads(run_cli("summary", "--json", path).stdout)
    assert s["transcription_usage"] == {"input_tokens": 26, "output_tokens": 9, "total_tokens": 35}
    assert s["cost"]["transcription_usd"] == round((26 * 2.50 + 9 * 10.00) / 1e6, 6)
    assert s["cost_usd"] == round(s["cost"]["sessions"][0]["usd"] + s["cost"]["transcription_usd"], 6)
    assert orjson.dumps(s["cost"]["notes"]) == orjson.dumps(["input transcription (gpt-4o-transcribe, 35 tokens) included: $0.0002"])
