"""Text from a log made inert for where it is shown: a terminal, Markdown, subtitles, JSON.

A log is untrusted input (a customer's call, a relay, a stranger's bug report): any string
in it may carry terminal escapes, rich markup, Markdown, HTML or subtitle syntax. Every view
passes the strings it shows through the helper for its format; machine output keeps the
exact value (JSON escapes it, the value stays the same). Pure functions; no I/O, no rich.
HTML escaping is `html.escape` (the report's own helper), not here.
"""

from __future__ import annotations

import re

#: what never reaches a terminal: C0 controls but tab and newline (ESC starts CSI, OSC
#: title/clipboard/hyperlink sequences; CR and BS overwrite what was printed), DEL, the
#: 8-bit C1 controls (U+009B is CSI, U+009D OSC on many terminals), and the bidi controls
#: that reorder what follows them (`\u202egpj.exe` shows as `exe.jpg`)
UNSAFE = frozenset(
    [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0),
     0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)  # fmt: skip
#: shown instead of each unsafe character: visible, one cell wide (layout stays right)
REPLACEMENT = "\ufffd"
_TERMINAL = dict.fromkeys(UNSAFE, REPLACEMENT)
#: one-line fields (ids, names, a warning): line breaks too
_ONE_LINE = {**_TERMINAL, 0x0A: REPLACEMENT, 0x2028: REPLACEMENT, 0x2029: REPLACEMENT}


def terminal(s: str, *, one_line: bool = False) -> str:
    """`s` with every character that could drive a terminal replaced by U+FFFD (see
    `UNSAFE`); newlines and tabs kept unless `one_line`. Fast on clean text."""
    if s.isprintable():  # (false for every unsafe character, and for newline and tab)
        return s
    return s.translate(_ONE_LINE if one_line else _TERMINAL)


# --- Markdown (CommonMark / GitHub) -------------------------------------------------------

#: escaped wherever they are: emphasis, code, links and images, raw HTML, entities, tables
_MD_INLINE = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|&~"})
_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>|&~]")
#: what opens a block at the start of a line: headings, quotes, lists, fences, setext and
#: thematic breaks (`=`, `-`, `+`); an ordered list's `1.` / `1)`
_MD_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+(?=[.)]))")


def markdown(s: str) -> str:
    """Text shown literally in Markdown, as one paragraph: special characters
    backslash-escaped (no raw HTML, link, image or emphasis can come out of it), each line
    break a hard break, blank lines dropped (a blank line would end the paragraph, and
    what follows could be a heading or an HTML block), and a line that would start a
    block (`#`, `>`, `-`, `1.`…) escaped at its start. Terminal controls are replaced."""
    s = terminal(s)
    if _MD_SPECIAL.search(s) is not None:  # (translate copies even when it changes nothing: a long text)
        s = s.translate(_MD_INLINE)
    lines = [ln.strip() for ln in s.replace("\r", "").split("\n")]
    return "\\\n".join(_MD_LINE_START.sub(_escape_start, ln) for ln in lines if ln)


def _escape_start(m: re.Match[str]) -> str:
    lead, mark = m.group(1), m.group(2)
    return f"{lead}{mark}\\" if mark[0].isdigit() else f"{lead}\\{mark}"


def markdown_code(s: str) -> str:
    """`s` as an inline code span: literal whatever it holds (a fence longer than any run
    of backticks in it, line breaks as spaces, terminal controls replaced)."""
    s = " ".join(terminal(s).splitlines())
    if not s:
        return ""
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    # (a span that starts or ends with a backtick or a space loses one space at each end)
    pad = " " if s.strip(" ") and (s[:1] in ("`", " ") or s[-1:] in ("`", " ")) else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def markdown_heading(s: str) -> str:
    """One line of heading text (line breaks become spaces)."""
    return markdown(" ".join(s.splitlines()))


# --- subtitles ------------------------------------------------------------------------------


def _cue_lines(s: str) -> str:
    """Cue text without blank lines (a blank line ends a cue) nor `-->` (a timing line)."""
    lines = [ln.strip() for ln in terminal(s).replace("-->", "→").splitlines()]
    return "\n".join(ln for ln in lines if ln)


#: SRT has no escapes and players read `<b>`, `<font>` and `{\an8}` tags in it: the
#: characters that open them are shown as look-alikes
_SRT = str.maketrans({"<": "‹", ">": "›", "{": "❴", "}": "❵"})


def srt(s: str) -> str:
    """Cue text for SRT: one block, no tags."""
    return _cue_lines(s).translate(_SRT)


def vtt(s: str) -> str:
    """Cue text for WebVTT: one block, `&`, `<`, `>` as character references."""
    return _cue_lines(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- JSON -----------------------------------------------------------------------------------

#: the UTF-8 of the unsafe characters a JSON writer leaves raw (C1, bidi, line separators;
#: C0 is always escaped in valid JSON, so an ESC here is a raw line quoted as it was)
_JSON_UNSAFE = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]"
)


def _json_escape(m: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % ord(m.group().decode())


def json_terminal(data: bytes) -> bytes:
    """JSON text with the unsafe characters in its strings written as `\\uXXXX` escapes:
    the same JSON value, and nothing a terminal would act on. (Only inside strings can a
    JSON text hold them; a raw C0 byte is invalid JSON anyway and becomes visible.)"""
    return _JSON_UNSAFE.sub(_json_escape, data)


#: a UTF-8 sequence `json_terminal` may match cut at the end of a chunk
PARTIAL_TAIL = re.compile(rb"(\xc2|\xd8|\xe2|\xe2[\x80\x81])\Z")
