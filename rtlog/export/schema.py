"""The tables of an export: their columns, types and meaning, and `schema.json`.

Owns the declared schema (`TABLES`), its version (`SCHEMA_VERSION`: bumped when a column
changes meaning or type, not when one is added), and the rule that turns a `Summary` into a
`files` row: `summary --json` flattened, nested keys joined with `_` (`latency_ms.p90` →
`latency_ms_p90`), lists as their length, name → count maps as their total; `source`,
`event_counts` and the per-session cost are left to their own tables. So the `files` table
agrees with `summary --json` by construction, and a field added to the summary (turn-taking
metrics, say) becomes a column without hand work: a leaf not declared here is added with the
type of its values (`infer_type`) and marked `"declared": false` in `schema.json`.

Types are DuckDB's (BIGINT, DOUBLE, VARCHAR, BOOLEAN, TIMESTAMP); in CSV and JSONL a
TIMESTAMP is ISO 8601 UTC text, and null (empty in CSV) is unknown — never 0.
"""

from __future__ import annotations

from typing import Any

from rtlog.records import record

#: bumped when a column changes meaning or type (a re-run into an older export re-exports all).
#: 2: GPT-Live and Translation sessions' segments are rows of `turns` and `responses`
SCHEMA_VERSION = 2


@record(frozen=True, slots=True)
class Column:
    name: str
    type: str  # BIGINT | DOUBLE | VARCHAR | BOOLEAN | TIMESTAMP
    doc: str
    text: bool = False  # conversation text or tool data: written only with --with-text


def _cols(spec: str, text: tuple[str, ...] = ()) -> list[Column]:
    """`name TYPE doc` lines → columns."""
    out = []
    for line in spec.strip().splitlines():
        name, type_, doc = line.strip().split(maxsplit=2)
        out.append(Column(name, type_, doc, name in text))
    return out


USAGE = (
    "input_tokens", "output_tokens", "total_tokens", "cached_tokens", "input_text_tokens", "input_audio_tokens",
    "input_image_tokens", "cached_text_tokens", "cached_audio_tokens", "output_text_tokens", "output_audio_tokens",
    "reasoning_tokens",
)  # fmt: skip
_USAGE_COLS = "\n".join(f"usage_{k} BIGINT tokens: {k.replace('_', ' ')} (null: no usage reported)" for k in USAGE)

#: the `files` columns that do not come from the summary (first), then the summary's leaves
FILE_HEAD = _cols("""
file VARCHAR the log file, as given (a path or URL)
file_size BIGINT its size in bytes when exported
file_mtime_ns BIGINT its modification time (ns since the epoch) when exported
rtlog_version VARCHAR the rtlog that exported it
dialect VARCHAR realtime-beta, realtime-ga, live, translation: the sessions', comma-separated (null: none that tell)
provider VARCHAR the model's maker from its name: openai, xai, qwen, … (null: cannot tell; an Azure deployment named like an OpenAI model says openai)
model VARCHAR the first session's model (sessions has each)
""")

#: summary leaf (dotted path in `summary --json`) → type; a leaf not here is inferred
SUMMARY_TYPES: dict[str, str] = {
    "lines": "BIGINT", "events": "BIGINT", "malformed": "BIGINT", "sessions": "BIGINT",
    "span.start": "TIMESTAMP", "span.end": "TIMESTAMP", "span.seconds": "DOUBLE", "span.events_with_time": "BIGINT",
    "span.covers_log": "BOOLEAN", "span.resolution_seconds": "DOUBLE",
    "directions.client": "BIGINT", "directions.server": "BIGINT", "directions.unknown": "BIGINT",
    "user_turns": "BIGINT",
    **{f"responses.{k}": "BIGINT" for k in ("total", "completed", "cancelled", "incomplete", "failed", "other", "unfinished")},
    "responses_without_usage": "BIGINT", "interruptions": "BIGINT", "function_calls": "BIGINT",
    "function_calls_without_output": "BIGINT",
    **{f"usage.{k}": "BIGINT" for k in USAGE},
    "transcription_usage.seconds": "DOUBLE", "transcription_usage.input_tokens": "BIGINT",
    "transcription_usage.output_tokens": "BIGINT", "transcription_usage.total_tokens": "BIGINT",
    "cost_usd": "DOUBLE", "cost_per_minute_usd": "DOUBLE", "cost_is_lower_bound": "BOOLEAN",
    "cost_responses_without_usage": "BIGINT", "cost.prices_date": "VARCHAR", "cost.prices_source": "VARCHAR",
    "cost.notes": "BIGINT", "cost.transcription_usd": "DOUBLE",
    "audio_seconds.input": "DOUBLE", "audio_seconds.output": "DOUBLE", "audio_seconds.output_heard": "DOUBLE",
    "audio_bytes.input": "BIGINT", "audio_bytes.output": "BIGINT",
    "audio_chunks.input": "BIGINT", "audio_chunks.output": "BIGINT",
    "latency_ms.count": "BIGINT", "latency_ms.p50": "DOUBLE", "latency_ms.p90": "DOUBLE", "latency_ms.max": "DOUBLE",
    "errors": "BIGINT", "transcription_failures": "BIGINT", "unknown_event_types": "BIGINT", "warnings": "BIGINT",
}  # fmt: skip
#: leaves of `summary --json` with a table of their own (or, for source, the `file` column)
SUMMARY_SKIP = {"source", "event_counts", "cost.sessions", "file_count"}
#: name → count maps, exported as their total
SUMMARY_MAPS = {"function_calls", "unknown_event_types"}


def _summary_doc(path: str) -> str:
    if path in SUMMARY_MAPS:
        return f"`summary --json` {path}: the total of its counts"
    if SUMMARY_TYPES.get(path) == "BIGINT" and path in ("sessions", "function_calls_without_output", "errors",
                                                        "transcription_failures", "warnings", "cost.notes"):  # fmt: skip
        return f"`summary --json` {path}: how many (the rows are in their own table)"
    return f"`summary --json` {path}"


def column_name(path: str) -> str:
    return path.replace(".", "_")


FILE_COLUMNS = FILE_HEAD + [Column(column_name(p), t, _summary_doc(p)) for p, t in SUMMARY_TYPES.items()]

TABLES: dict[str, list[Column]] = {
    "files": FILE_COLUMNS,
    "sessions": _cols(
        f"""
file VARCHAR the log file
session BIGINT 1-based index within its file (a reconnect starts the next)
line BIGINT where it starts
session_id VARCHAR as the server names it
dialect VARCHAR realtime-beta, realtime-ga, live or translation (null: cannot tell)
model VARCHAR the model
provider VARCHAR see files.provider
voice VARCHAR the voice
modalities VARCHAR output modalities, comma-separated
input_audio_format VARCHAR pcm16, g711_ulaw or g711_alaw
input_sample_rate BIGINT Hz
output_audio_format VARCHAR pcm16, g711_ulaw or g711_alaw
output_sample_rate BIGINT Hz
transcription_model VARCHAR input transcription model (null: none)
turn_detection VARCHAR server_vad, semantic_vad, … (null: none, push to talk)
turn_detection_threshold DOUBLE VAD threshold, as the session states it
turn_detection_silence_duration_ms BIGINT VAD silence that ends speech
turn_detection_prefix_padding_ms BIGINT VAD audio kept before speech
turn_detection_eagerness VARCHAR semantic_vad eagerness (low, medium, high, auto)
turn_detection_create_response BOOLEAN the server answers each turn by itself
turn_detection_interrupt_response BOOLEAN speech cuts the assistant off
turn_detection_idle_timeout_ms BIGINT idle timeout
tools VARCHAR tool names, comma-separated
tool_count BIGINT how many tools
instructions_sha256 VARCHAR the instructions' hash (compare prompts without exporting them)
instructions VARCHAR the instructions (--with-text)
started_at TIMESTAMP when it started (null: no timestamp, or a time of day without a date)
responses BIGINT responses created in it
{_USAGE_COLS}
cost_usd DOUBLE its tokens' cost (null: unknown model or no usage); Live and Translation: its duration's cost
priced_as VARCHAR the price-table model it was priced as
transport VARCHAR Live and Translation: primary WebSocket, sideband, or data channel or sideband (no audio)
usage_seconds DOUBLE Live and Translation: the session's billed duration (Translation: estimated from its input audio)
usage_final BOOLEAN Live: the duration is session.closed's (false: the largest snapshot, a lower bound)
backend_model VARCHAR Live: the delegated Responses backend's model
backend_cost_usd DOUBLE Live: the backend responses' token cost, billed on top (null: none, or an unpriced model)
""",
        text=("instructions",),
    ),
    "turns": _cols(
        """
file VARCHAR the log file
turn BIGINT 1-based user turn number within its file
line BIGINT where it starts
how VARCHAR speech (VAD), commit (manual) or text (typed)
item_id VARCHAR the user item
started_at TIMESTAMP speech started (or the turn's first event)
end_of_speech_at TIMESTAMP speech stopped, else committed, else the client's response.create
speech_started_ms BIGINT VAD position in the input audio
speech_stopped_ms BIGINT VAD position in the input audio
responses BIGINT responses the turn triggered
responses_cancelled BIGINT of which cancelled (barge-in, client cancel)
latency_ms DOUBLE end of speech → first assistant audio (else text), as summary's latency (null: cannot tell); Live: end of the user segment → start of the assistant segment answering it
text VARCHAR what the user said or typed (--with-text)
dialect VARCHAR its session's dialect: realtime-beta, realtime-ga, live or translation
session BIGINT Live and Translation: the session (null for Realtime turns, which may span a reconnect)
""",
        text=("text",),
    ),
    "responses": _cols(
        f"""
file VARCHAR the log file
session BIGINT session it was created in
response_id VARCHAR the response id
line BIGINT where it was created
turn BIGINT the user turn that triggered it (null: before the first turn)
status VARCHAR completed, cancelled, incomplete, failed (null: no response.done, unfinished)
reason VARCHAR why it ended early (turn_detected, client_cancelled, …)
created_at TIMESTAMP response.created
done_at TIMESTAMP its first response.done
first_audio_at TIMESTAMP its first audio delta
first_text_at TIMESTAMP its first text or transcript delta
audio_seconds DOUBLE assistant audio generated (null: none recorded)
heard_seconds DOUBLE of which heard (cut at the truncation)
interrupted BOOLEAN an item of it was truncated (the user stopped hearing it)
has_usage BOOLEAN its response.done carries usage
{_USAGE_COLS}
cost_usd DOUBLE its tokens' cost at its session's model price (null: unknown)
error_code VARCHAR a failed response's error code
error_message VARCHAR a failed response's error message
text VARCHAR what it said (text or audio transcript; --with-text)
dialect VARCHAR its session's dialect: realtime-beta, realtime-ga, live or translation
kind VARCHAR response (a Realtime response), segment (a Live or Translation assistant transcript segment: no id, status or usage), or backend (a Live session's delegated Responses backend response: its tokens are billed on top, not in files.usage_*)
start_ms BIGINT segment: where it starts on its session's timeline (ms)
end_ms BIGINT segment: where it ends on its session's timeline (ms)
""",
        text=("text",),
    ),
    "tool_calls": _cols(
        """
file VARCHAR the log file
call_id VARCHAR the call id
name VARCHAR the function name
line BIGINT where it first appears
response_id VARCHAR the response that made the call
turn BIGINT the user turn it belongs to
has_output BOOLEAN the client sent a function_call_output
called_at TIMESTAMP the call item's last event (arguments complete)
output_at TIMESTAMP the output item's first event
arguments VARCHAR the arguments, JSON text (--with-text)
output VARCHAR the output (--with-text)
""",
        text=("arguments", "output"),
    ),
    "errors": _cols(
        """
file VARCHAR the log file
line BIGINT where
kind VARCHAR error (an error event) or transcription_failure
type VARCHAR the error type
code VARCHAR the error code
message VARCHAR the error message
item_id VARCHAR the item (transcription failures)
"""
    ),
    "warnings": _cols(
        """
file VARCHAR the log file
warning VARCHAR one of summary's checks, as it words it
"""
    ),
    "event_counts": _cols(
        """
file VARCHAR the log file
type VARCHAR the event type as recorded
count BIGINT events of that type
audio_bytes BIGINT decoded audio bytes, for the audio event types (null for the others)
"""
    ),
    "export_errors": _cols(
        """
file VARCHAR the log file that could not be exported
error VARCHAR why
"""
    ),
}


def infer_type(types: set[type]) -> str:
    """The column type for values of these Python types (an undeclared summary leaf)."""
    types = types - {type(None)}
    if not types:
        return "VARCHAR"
    if types == {bool}:
        return "BOOLEAN"
    if types <= {int}:
        return "BIGINT"
    if types <= {int, float}:
        return "DOUBLE"
    return "VARCHAR"


def flatten_summary(obj: dict[str, Any]) -> dict[str, Any]:
    """`summary --json` of one file → its `files` columns (see the module docstring)."""
    out: dict[str, Any] = {}
    _flatten("", obj, out)
    for path in ("span", "latency_ms"):  # null objects: their declared leaves are null
        if obj.get(path) is None:
            out.pop(column_name(path), None)
    return out


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    """`flatten_summary`'s walk (a module function: a nested one that calls itself is a
    reference cycle, garbage for the cyclic collector at every call)."""
    if prefix in SUMMARY_SKIP:
        return
    if prefix in SUMMARY_MAPS:
        out[column_name(prefix)] = sum(v for v in value.values() if type(v) is int) if isinstance(value, dict) else None
    elif isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, out)
    elif isinstance(value, list):
        out[column_name(prefix)] = len(value)
    elif value is not None or prefix in SUMMARY_TYPES:
        # (an undeclared null is left out: it may be an object elsewhere, whose leaves are
        # the columns; a file without it has nulls there)
        out[column_name(prefix)] = value


def schema_json(columns: dict[str, list[Column]], fmt: str, with_text: bool) -> dict[str, Any]:
    """The `schema.json` of an export: the tables as written (declared or inferred columns)."""
    from rtlog import __version__

    declared = {t: {c.name for c in cols} for t, cols in TABLES.items()}
    return {
        "schema_version": SCHEMA_VERSION,
        "rtlog_version": __version__,
        "format": fmt,
        "with_text": with_text,
        "tables": {
            t: {"columns": [{"name": c.name, "type": c.type, "doc": c.doc, "declared": c.name in declared.get(t, set())}
                            for c in cols]}  # fmt: skip
            for t, cols in columns.items()
        },
    }
