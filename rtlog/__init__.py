"""rtlog: inspect recorded realtime voice session logs (OpenAI Realtime API and compatibles).

The library: `rtlog.load(path)` folds one log into a `Conversation` (see
`rtlog.conversation.model`); `rtlog.load_all(paths)` yields one per file. The command line
(`rtlog.cli`) is one user of the same model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["load", "load_all", "__version__"]

if TYPE_CHECKING:
    from rtlog.conversation.load import load, load_all


def __getattr__(name: str) -> Any:
    # imported on first use: `rtlog --version` and the commands that do not fold a
    # conversation (filter) do not pay for the model's imports
    if name in ("load", "load_all"):
        from rtlog.conversation import load as _load

        return getattr(_load, name)
    raise AttributeError(f"module 'rtlog' has no attribute {name!r}")
