"""The `summary` subcommand (being built: see its issue)."""

from __future__ import annotations

from rtlog.commands.common import Files, Strict
from rtlog.errors import UsageError


def summary_command(files: Files = None, strict: Strict = False) -> None:
    """Not built yet."""
    raise UsageError("summary: not implemented yet")
