"""Helpers of the reliability tests (test_fuzz_commands, test_chaos, test_faults).

- `verdict(data)`: what the reader makes of a log, line by line, computed independently
  of the commands with `parse_line` (the oracle: which lines are events, which are bad
  and must be reported, and when the whole input is refused);
- `run(args)`: a command in-process (CliRunner) with the checks every run must pass: no
  traceback, an exit code of 0, 1 or 2, stderr made of `rtlog: ` lines only;
- `COMMANDS`: every command in the ways that exercise different code (the prefilter of
  `filter -t`, the pretty view, the stereo mix, splits…);
- `check_outcome`: the rules of README "Bad input" for one run on one log.
"""

from __future__ import annotations

import fnmatch
import io
import os
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from hostile_strings import raw_controls
from typer.testing import CliRunner

from rtlog.io.arrays import convert as array_jsonl
from rtlog.io.arrays import looks_like_array
from rtlog.protocol.events import BadLine, Event, parse_line

BOM = b"\xef\xbb\xbf"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
WARN_LIMIT = 20  # Diagnostics shows the first 20 bad lines, then a count
#: warnings of `rtlog.conversation.timeline` (Timeline.notes): how a good line's VAD offsets were read
PLACEMENT_NOTES = (": the log starts mid-session: ", ": VAD offsets restart at each turn (",
                   " is not one rtlog knows: ")  # (a good session event stating an audio format rtlog cannot read)  # fmt: skip

#: name → arguments ({out}: an output file, {dir}: an output directory)
COMMANDS: dict[str, list[str]] = {
    "summary": ["summary"],
    "summary-json": ["summary", "--json"],
    "filter": ["filter"],
    "filter-count": ["filter", "-c"],
    "filter-type": ["filter", "-t", "response.*"],  # the byte-level prefilter
    "filter-pretty": ["filter", "--format", "pretty"],
    "filter-strip-audio": ["filter", "--strip-audio"],
    "transcript": ["transcript"],
    "transcript-json": ["transcript", "--format", "json", "--errors"],
    "transcript-srt": ["transcript", "--format", "srt"],
    "extract-audio": ["extract-audio", "-o", "{out}"],
    "extract-audio-user": ["extract-audio", "--side", "user", "--heard", "-o", "{out}"],
    "extract-audio-both": ["extract-audio", "--side", "both", "-o", "{out}"],
    "extract-audio-split": ["extract-audio", "--split", "item", "-o", "{dir}"],
    "report": ["report", "--audio", "embed", "-o", "{out}"],  # (the page, with the audio inside, at {out})
}
#: the other commands and formats, for a longer campaign (`RTLOG_FUZZ_ALL=1`: in COMMANDS too)
CAMPAIGN: dict[str, list[str]] = {
    "transcript-markdown": ["transcript", "--format", "markdown", "--errors"],
    "transcript-vtt": ["transcript", "--format", "vtt"],
    "export-jsonl": ["export", "--format", "jsonl", "--with-text", "-o", "{dir}"],
    "export-csv": ["export", "--format", "csv", "-o", "{dir}"],
    "diff": ["diff", "--json", str(EXAMPLES / "ga_session.jsonl")],
    "diff-text": ["diff", str(EXAMPLES / "ga_session.jsonl")],
    "redact": ["redact", "-o", "{out}"],
    "redact-check": ["redact", "--check", "--json"],
}
if os.environ.get("RTLOG_FUZZ_ALL"):
    COMMANDS.update(CAMPAIGN)


@dataclass
class Verdict:
    """The reader's view of one log, derived line by line with `parse_line`."""

    name: str
    lines: list[bytes] = field(default_factory=list)  # as read (BOM cut from line 1)
    events: dict[int, Event] = field(default_factory=dict)  # line number → event
    bad: list[int] = field(default_factory=list)  # non-blank lines that are not events
    refused: str | None = None  # the error when the whole input is refused
    compressed: bool = False  # gzip/bzip2/xz magic: the oracle does not decompress

    @property
    def good(self) -> list[int]:
        return list(self.events)

    def filtered(self, glob: str | None = None) -> bytes:
        """What `filter [-t glob]` writes: the events' lines as read, each ending in a newline."""
        out = []
        for ev in self.events.values():
            if glob is None or fnmatch.fnmatchcase(ev.type, glob) or fnmatch.fnmatchcase(ev.kind, glob):
                out.append(ev.raw if ev.raw.endswith(b"\n") else ev.raw + b"\n")
        return b"".join(out)

    def looks_like_object(self, line_no: int) -> bool:
        body = self.lines[line_no - 1].rstrip(b"\r\n")
        return body[:1] == b"{" and body[-1:] == b"}"


def verdict(data: bytes, name: str) -> Verdict:
    v = Verdict(name)
    if data[:2] == b"\x1f\x8b" or data[:3] == b"BZh" or data[:6] == b"\xfd7zXZ\x00":
        v.compressed = True
        return v
    head = data[:4096]
    if b"\x00" in head and not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        v.refused = f"{name}: binary data, not a JSONL event log"
        return v
    if looks_like_array(head):
        # a JSON array of events is read as the JSONL it converts to (README: one line per
        # element, at the line where it starts): the verdict is that of those lines
        data = b"".join(array_jsonl(io.BytesIO(data)))
    v.lines = io.BytesIO(data).readlines()
    if v.lines and v.lines[0].startswith(BOM):
        v.lines[0] = v.lines[0][3:]
    cut_last = False
    for n, line in enumerate(v.lines, 1):
        try:
            v.events[n] = parse_line(line, name, n)
        except BadLine:
            if line.strip():
                v.bad.append(n)
                cut_last = cut_last or not line.endswith(b"\n")
    if not v.events and len(v.bad) > (1 if cut_last else 0):
        v.refused = f"{name}: no events found: not a JSONL event log?"
    return v


@dataclass
class Run:
    args: list[str]
    exit_code: int
    stdout: bytes
    stderr: str
    out: str  # the output file / directory it was given
    log: str = ""  # the input file
    files: dict[str, bytes] = field(default_factory=dict)  # what was written there (name → bytes)

    @property
    def errors(self) -> list[str]:
        return [ln for ln in self.stderr.splitlines() if ln.startswith("rtlog: error: ")]

    def warned_lines(self, name: str) -> list[int]:
        """Line numbers of `rtlog: warning: NAME:LINE: …` messages about bad lines, in order
        (not the notes about a good event: a VAD event of a window cut from a session that
        starts mid-session or whose mutated offsets go back, a session that states an audio
        format rtlog does not know)."""
        prefix = f"rtlog: warning: {name}:"
        nums = []
        for ln in self.stderr.splitlines():
            if ln.startswith(prefix) and not any(note in ln for note in PLACEMENT_NOTES):
                num = ln[len(prefix) :].split(":", 1)[0]
                if num.isdigit():
                    nums.append(int(num))
        return nums


_runner = CliRunner()


def run(args: list[str], *, workdir: str, stdin: bytes | None = None, env: dict | None = None) -> Run:
    """One command in-process. Checks what every run must do, whatever the input:
    no exception escapes (no traceback), the exit code is 0, 1 or 2, every stderr line is
    an `rtlog: ` line, exit 2 comes with an `rtlog: error:` line."""
    from rtlog.cli import app

    out = os.path.join(workdir, "out.wav")
    directory = os.path.join(workdir, "split")
    for p in (out, directory):
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.unlink(p)
    argv = [a.replace("{out}", out).replace("{dir}", directory) for a in args]
    result = _runner.invoke(app, argv, input=stdin, env=env)
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"{argv}: {exc!r}\n{result.stderr}"
    r = Run(argv, result.exit_code, result.stdout_bytes, result.stderr, directory if "{dir}" in args else out)
    if os.path.isfile(r.out):
        with open(r.out, "rb") as f:
            r.files[os.path.basename(r.out)] = f.read()
    elif os.path.isdir(r.out):
        for n in sorted(os.listdir(r.out)):
            with open(os.path.join(r.out, n), "rb") as f:
                r.files[n] = f.read()
    assert r.exit_code in (0, 1, 2), (argv, r.exit_code, r.stderr)
    for ln in r.stderr.splitlines():
        assert ln.startswith("rtlog: "), (argv, r.stderr)
    # a log is untrusted (issue 21): nothing in a diagnostic or a human view drives a terminal
    assert raw_controls(r.stderr) == [], (argv, r.stderr)
    if argv[0] in ("summary", "transcript") and "json" not in argv and "--json" not in argv or "pretty" in argv:
        assert raw_controls(r.stdout.decode("utf-8", "replace")) == [], argv
    if r.exit_code == 2:
        assert r.errors, (argv, r.stderr)
    return r


def wav_data(data: bytes) -> bytes:
    """The audio bytes of a WAV rtlog wrote, after checking its header adds up."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", data[:16]
    riff = struct.unpack("<I", data[4:8])[0]
    assert riff == len(data) - 8, (riff, len(data))
    at = data.index(b"data", 12)
    size = struct.unpack("<I", data[at + 4 : at + 8])[0]
    body = data[at + 8 :]
    assert len(body) in (size, size + 1), (len(body), size)
    return body[:size]


def no_temp_files(directory: str) -> list[str]:
    """Temporary files left behind (atomic_output's `.NAME.*.part`)."""
    return [n for n in os.listdir(directory) if n.endswith(".part")]


#: extract-audio's one refusal that comes before any line is read (README, GPT-Live)
LIVE_OPTIONS_REFUSED = ("rtlog: error: --split and --heard are not supported for GPT-Live / Translation logs "
                        "(there are no responses, items or truncations); use --side assistant|user|both")


def check_outcome(name: str, args: list[str], r: Run, v: Verdict, workdir: str) -> None:
    """The rules of README "Bad input" for one run of `name` (a COMMANDS key) on a log
    whose reader verdict is `v`."""
    assert no_temp_files(workdir) == [], (args, os.listdir(workdir))
    if os.path.isdir(r.out):
        assert no_temp_files(r.out) == [], (args, os.listdir(r.out))
    if v.compressed:
        return
    if v.refused is not None and name == "filter-type" and any(v.looks_like_object(n) for n in v.bad):
        # the prefilter does not parse a `{…}` line that cannot match: it may not know
        # that no line of the log is an event, and then simply finds nothing
        assert r.exit_code in (1, 2) and r.stdout == b"", (args, r.exit_code, r.stderr)
        if r.exit_code == 2:
            assert r.errors == [f"rtlog: error: {v.refused}"], (args, r.stderr)
        return
    if r.exit_code == 2 and r.errors == [LIVE_OPTIONS_REFUSED] and name.startswith("extract-audio"):
        return  # a log with GPT-Live events: --heard/--split refused before reading, as documented
    if v.refused is not None:
        assert r.exit_code == 2, (args, r.exit_code, r.stderr)
        assert r.errors == [f"rtlog: error: {v.refused}"], (args, r.stderr)
        if name.startswith("export"):  # the folder is a store: the refusal is its export_errors row
            why = v.refused.split(": ", 1)[1]
            assert any(n.startswith("export_errors.") and why.encode() in b for n, b in r.files.items()), (args, r.files)
        else:
            assert not os.path.exists(r.out), args
        return
    warned = r.warned_lines(v.name)
    shown = v.bad[:WARN_LIMIT]
    if name == "filter-type":
        # the prefilter parses only lines that may match, and lines not shaped like `{…}`
        must = [n for n in shown if not v.looks_like_object(n)]
        assert set(must) <= set(warned) <= set(v.bad), (args, v.bad, warned, r.stderr)
    elif name.startswith(("summary", "extract-audio")):
        # bad lines first of all; audio problems (invalid base64…) are reported on good lines too
        if len(warned) < WARN_LIMIT:
            assert set(shown) <= set(warned), (args, v.bad, warned, r.stderr)
            assert [n for n in warned if n in set(v.bad)] == shown, (args, v.bad, warned)
    else:
        assert warned == shown, (args, v.bad, warned, r.stderr)
    if len(v.bad) > WARN_LIMIT and name != "filter-type" and not name.startswith(("summary", "extract-audio")):
        hidden = len(v.bad) - WARN_LIMIT
        more = f"rtlog: warning: {hidden} more bad line{'s' if hidden != 1 else ''} not shown ({len(v.bad)} in all)"
        assert more in r.stderr.splitlines(), (args, r.stderr)
    # good lines, fully processed
    if name == "filter":
        assert r.stdout == v.filtered(), args
        assert r.exit_code == (0 if v.events else 1), (args, r.exit_code, r.stderr)
    elif name == "filter-count":
        assert r.stdout == f"{len(v.events)}\n".encode(), (args, r.stdout)
        assert r.exit_code == (0 if v.events else 1), (args, r.exit_code)
    elif name == "filter-type":
        expected = v.filtered("response.*")
        assert r.stdout == expected, args
        assert r.exit_code == (0 if expected else 1), (args, r.exit_code, r.stderr)
    elif name in ("filter-pretty", "filter-strip-audio"):
        assert r.stdout.count(b"\n") == len(v.events), (args, len(v.events), r.stdout[-2000:])
        assert r.exit_code == (0 if v.events else 1), (args, r.exit_code)
    elif name == "summary-json":
        assert r.exit_code == 0, (args, r.stderr)
        obj = orjson.loads(r.stdout)
        assert (obj["events"], obj["malformed"]) == (len(v.events), len(v.bad)), (args, obj["events"], obj["malformed"])
        assert obj["lines"] == len(v.lines), (args, obj["lines"], len(v.lines))
    elif name == "summary":
        assert r.exit_code == 0, (args, r.stderr)
    elif name.startswith("transcript"):
        assert r.exit_code in (0, 1), (args, r.exit_code, r.stderr)
        if name == "transcript-json" and r.exit_code == 0:
            entries = orjson.loads(r.stdout)
            assert all(e["line"] in v.events for e in entries), args
    elif name.startswith("extract-audio"):
        assert r.exit_code in (0, 1) or r.errors, (args, r.stderr)
        if r.exit_code == 0:
            if name == "extract-audio-split":
                index = orjson.loads(r.files["index.json"])
                assert sorted(r.files) == sorted([e["file"] for e in index["files"]] + ["index.json"]), args
                for entry in index["files"]:
                    assert len(wav_data(r.files[entry["file"]])) == entry["bytes"], entry
            else:
                wav_data(r.files["out.wav"])  # a whole WAV: its sizes add up
        elif name != "extract-audio-split":
            assert not os.path.exists(r.out), (args, r.exit_code, r.stderr)
