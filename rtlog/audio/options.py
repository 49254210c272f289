"""What extract-audio is asked for: the sides, the splits and `AudioOptions`.

Owns the option values and the two rules derived from them (when assistant audio is cut
at truncations, and when the log must be prescanned). Parsing and checking the command
line is `rtlog.commands.extract_audio`'s.
"""

from __future__ import annotations

from rtlog.records import record

ASSISTANT, USER, BOTH = "assistant", "user", "both"
SIDES = (ASSISTANT, USER, BOTH)
SPLITS = ("response", "item", "turn")


@record(slots=True)
class AudioOptions:
    side: str = ASSISTANT
    heard: bool = False
    split: str | None = None
    encoding: str | None = None  # override of the source encoding (canonical name)
    rate: int | None = None  # override of the source rate
    out_rate: int | None = None  # the output's rate (band-limited conversion), else the source's
    keep_encoding: bool = False
    raw: bool = False

    @property
    def cuts_truncations(self) -> bool:
        """Assistant audio is cut at truncations: `--heard`, and always in the stereo mix."""
        return self.heard or (self.side == BOTH and self.split != "item")

    @property
    def needs_prescan(self) -> bool:
        return self.cuts_truncations or self.side == BOTH
