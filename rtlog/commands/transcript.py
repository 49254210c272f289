"""The `transcript` subcommand (being built: see its issue)."""

from __future__ import annotations

from rtlog.commands.common import Files, Strict
from rtlog.errors import UsageError


def transcript_command(files: Files = None, strict: Strict = False) -> None:
    """Not built yet."""
    raise UsageError("transcript: not implemented yet")
