"""Truncations: where the user stopped hearing an assistant item — one rule for every command.

An item's cut is the `audio_end_ms` of the server's `conversation.item.truncated` when the
log has one (it is what the server did), else of the client's `conversation.item.truncate`
(what it asked for). Several of the same kind: the smallest, since each truncation can
only shorten what is left. A negative value counts as 0. summary (heard seconds),
transcript (the ‖ mark), timeline (subtitle and stereo placement) and extract-audio
(`--heard`) all read cuts from here, so they never disagree.
"""

from __future__ import annotations

from rtlog.protocol.events import Event
from rtlog.protocol.objects import _int, _str

TRUNCATE = "conversation.item.truncate"
TRUNCATED = "conversation.item.truncated"
TRUNCATE_KINDS = frozenset({TRUNCATE, TRUNCATED})


class Truncations:
    """Feed truncation events (others are ignored); ask for an item's cut."""

    def __init__(self) -> None:
        self._cuts: dict[str, tuple[bool, int]] = {}  # item → (confirmed by the server, ms)

    def feed(self, ev: Event) -> str | None:
        """Take a truncation event into account; the item id whose cut it set, else None
        (not a truncation, no item id or ms, or a cut that does not change the rule's answer)."""
        if ev.kind not in TRUNCATE_KINDS:
            return None
        iid = _str(ev.data.get("item_id"))
        ms = _int(ev.data.get("audio_end_ms"))
        if iid is None or ms is None:
            return None
        ms = max(ms, 0)
        confirmed = ev.kind == TRUNCATED
        old = self._cuts.get(iid)
        if old is not None:
            if old[0] and not confirmed:
                return None  # the server's cut stands
            if old[0] == confirmed and old[1] <= ms:
                return None
        self._cuts[iid] = (confirmed, ms)
        return iid

    def cut_ms(self, item_id: str | None) -> int | None:
        """The item's cut in ms (what was heard), or None if it was not truncated."""
        c = self._cuts.get(item_id) if item_id is not None else None
        return None if c is None else c[1]

    def items(self) -> dict[str, int]:
        return {iid: ms for iid, (_, ms) in self._cuts.items()}

    def __len__(self) -> int:
        return len(self._cuts)
