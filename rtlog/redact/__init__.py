"""`rtlog redact`: a log made safe to share, and the check that a log is.

A line-level tool beside `filter`: each line is rewritten on its own, in order, with only
the values that must go replaced; the conversation is needed only to find text split
across deltas (`assemble`) and the session's audio format (`record.Formats`). The field
table is `fields`, the patterns `detect`, silence `audio`, one line `record`, a whole log
`run`.
"""

from rtlog.redact.fields import KEEPABLE
from rtlog.redact.record import Policy, Redactor
from rtlog.redact.run import CheckResult, Finding, RedactStats, check_source, needs_first_pass, redact_source

__all__ = [
    "KEEPABLE", "CheckResult", "Finding", "Policy", "RedactStats", "Redactor", "check_source",
    "needs_first_pass", "redact_source",
]  # fmt: skip
