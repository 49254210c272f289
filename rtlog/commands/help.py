"""`rtlog help [COMMAND]`: the help of a command (as `rtlog COMMAND -h`), or of rtlog."""

from __future__ import annotations

from typing import Annotated

import typer

from rtlog.errors import UsageError


def help_command(
    ctx: typer.Context,
    command: Annotated[str | None, typer.Argument(metavar="[COMMAND]", show_default=False, help="The command to explain.")] = None,
) -> None:
    """Show the help of a command, or of rtlog."""
    root = ctx.find_root()
    group = root.command
    if command is None:
        group.main(["--help"], prog_name=root.info_name, standalone_mode=False)
        return
    sub = group.get_command(root, command)  # type: ignore[attr-defined]
    if sub is None:
        names = ", ".join(group.list_commands(root))  # type: ignore[attr-defined]
        raise UsageError(f"help: no such command: {command} (the commands: {names})")
    sub.main(["--help"], prog_name=f"{root.info_name} {command}", standalone_mode=False)
