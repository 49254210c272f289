"""What looks sensitive in a string: secrets, and personal data inside text that is kept.

Owns the redaction marker (`[REDACTED:kind:len]`, len in characters, so the same text
gets the same marker wherever it is copied), the test that a value is already redacted
(what makes redacting twice change nothing), and the patterns: secrets (ephemeral `ek_`
keys, `sk-` keys, bearer tokens, key-bearing URL parameters and credentials in URLs) and
personal data (emails, phone numbers, card numbers that pass the Luhn check, IBANs that
pass mod-97, IPv4/IPv6 addresses). It does not know where a string sits in an event
(`fields`) nor how text is split across deltas (`assemble`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MARKER = re.compile(r"\[REDACTED:[a-z_]+:\d+\]")
_ONLY_MARKERS = re.compile(r"(?:\[REDACTED:[a-z_]+:\d+\])+")


def marker(kind: str, text: str) -> str:
    """The marker that stands for `text`: its kind and its length in characters."""
    return f"[REDACTED:{kind}:{len(text)}]"


def is_redacted(text: str) -> bool:
    """True for a value there is nothing left to hide in: empty, or only markers."""
    return not text or _ONLY_MARKERS.fullmatch(text) is not None


# --- secrets ----------------------------------------------------------------------------

_SECRET = re.compile(
    r"(?<![A-Za-z0-9_-])(?:ek_[A-Za-z0-9_-]{8,}|sk-[A-Za-z0-9_-]{16,})"  # ephemeral and API keys
    r"|(?<![A-Za-z])(?i:bearer|basic)\s+([A-Za-z0-9._~+/=-]{8,})"  # an Authorization header's value
    r"|(?:(?<=[?&;])(?i:sig|signature|code)|(?<![^?&;\s])(?i:api[-_]?key|key|token|access_token|client_secret"
    r"|secret|password|auth))=([^&#\s\"']+)"  # a key-bearing URL parameter, or key=value in text (the value)
    r"|(?<=://)[^/@\s:]+:([^/@\s]+)(?=@)"  # a URL's user:password (the password only)
)

#: keys whose value is a credential wherever they appear (lower case)
SECRET_KEYS = frozenset({
    "authorization", "proxy-authorization", "api-key", "api_key", "apikey", "x-api-key", "openai-api-key",
    "ocp-apim-subscription-key", "x-goog-api-key", "cookie", "set-cookie", "client_secret", "secret",
    "password", "access_token", "refresh_token", "id_token", "ephemeral_key", "bearer",
})  # fmt: skip
#: header names whose value is a credential (matched as a substring, lower case)
SECRET_HEADER_WORDS = ("auth", "key", "token", "secret", "cookie", "signature", "password")


def find_secrets(text: str) -> Iterator[tuple[int, int]]:
    """Spans of `text` that are secrets (for URL parameters and URL passwords, the value
    only, so the URL stays readable); never one that touches a marker."""
    markers = [m.span() for m in MARKER.finditer(text)] if "[REDACTED:" in text else []
    for m in _SECRET.finditer(text):
        for g in (1, 2, 3):
            if m.group(g) is not None:
                a, b = m.start(g), m.end(g)
                break
        else:
            a, b = m.start(), m.end()
        if not any(a < y and b > x for x, y in markers):
            yield a, b


# --- personal data ----------------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<![\w.])\d(?:[ -]?\d){12,18}(?![\w])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])")
_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w.])"
)
_IPV6 = re.compile(
    r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}(?![\w:])"
)
_PHONE = re.compile(r"(?<![\w+.])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{1,4}){1,6}(?![\w]|\.\d)")


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a card number (digits only)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    """The ISO 13616 mod-97 check of an IBAN (spaces allowed)."""
    s = text.replace(" ", "")
    if not 15 <= len(s) <= 34:
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def find_pii(text: str) -> list[tuple[int, int, str]]:
    """Spans of personal data and secrets in `text` as (start, end, kind), sorted and not
    overlapping (the first kind found wins: secret, email, card, iban, ip, phone)."""
    found: list[tuple[int, int, str]] = [(a, b, "secret") for a, b in find_secrets(text)]
    for m in _EMAIL.finditer(text):
        found.append((m.start(), m.end(), "email"))
    for m in _CARD.finditer(text):
        d = _digits(m.group())
        if 13 <= len(d) <= 19 and luhn_ok(d):
            found.append((m.start(), m.end(), "card"))
    for m in _IBAN.finditer(text):
        if iban_ok(m.group()):
            found.append((m.start(), m.end(), "iban"))
    for rx in (_IPV4, _IPV6):
        for m in rx.finditer(text):
            found.append((m.start(), m.end(), "ip"))
    for m in _PHONE.finditer(text):
        g = m.group()
        n = len(_digits(g))
        if 9 <= n <= 15 or (g.startswith("+") and n >= 7):
            found.append((m.start(), m.end(), "phone"))
    if not found:
        return found
    out: list[tuple[int, int, str]] = []
    order = {"secret": 0, "email": 1, "card": 2, "iban": 3, "ip": 4, "phone": 5}
    for a, b, kind in sorted(found, key=lambda f: (order[f[2]], f[0])):
        if all(b <= x or a >= y for x, y, _ in out):
            out.append((a, b, kind))
    out.sort()
    return out


def scrub(text: str, spans: list[tuple[int, int, str]] | None = None) -> str:
    """`text` with each span of `spans` (default: `find_pii(text)`) replaced by its marker."""
    if spans is None:
        spans = find_pii(text)
    if not spans:
        return text
    parts, at = [], 0
    for a, b, kind in spans:
        parts.append(text[at:a])
        parts.append(marker(kind, text[a:b]))
        at = b
    parts.append(text[at:])
    return "".join(parts)


def scrub_secrets(text: str) -> str:
    """`text` with its secrets replaced by markers (see `find_secrets`)."""
    return scrub(text, [(a, b, "secret") for a, b in find_secrets(text)])
