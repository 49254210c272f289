"""The layout is the pipeline (README, Architecture): data flows one way, so a lower stage
never imports a higher one, the core knows nothing of typer or rich, and no module imports
itself back through another (no cycles)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PKG = REPO / "rtlog"
#: stage → the stages it may import (besides itself and the shared leaves)
ALLOWED = {
    "io": {"protocol"},
    "protocol": set(),
    "conversation": {"io", "protocol"},
    "metrics": {"io", "protocol", "conversation"},
    "transcript": {"io", "protocol", "conversation"},
    "audio": {"io", "protocol", "conversation"},
    "selection": {"io", "protocol", "conversation"},
    "report": {"io", "protocol", "conversation", "metrics", "transcript", "audio"},
    "diff": {"io", "protocol", "conversation", "metrics", "transcript"},
    "redact": {"io", "protocol", "conversation", "audio"},
    "export": {"io", "protocol", "conversation", "metrics"},
}
LEAVES = {"errors", "units", "escape", "records", "__init__"}  # imported from anywhere (they import nothing of rtlog's stages)
CORE = set(ALLOWED)


def _module(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """rtlog modules `path` imports (at module level only, or anywhere)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If) and top_level_only:  # `if TYPE_CHECKING:` imports are for annotations
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rtlog"):
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("rtlog"))
    return out


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _files() -> dict[str, Path]:
    return {_module(p): p for p in PKG.rglob("*.py")}


def test_a_stage_imports_only_the_stages_below_it() -> None:
    files = _files()
    wrong = []
    for mod, path in files.items():
        stage = _stage(mod)
        if stage not in CORE:
            continue
        for imp in _imports(path, top_level_only=False):
            other = _stage(imp)
            if other and other != stage and other not in LEAVES and imp in files and other not in ALLOWED[stage]:
                wrong.append(f"{mod} imports {imp}")
    assert wrong == []


def test_the_core_knows_nothing_of_typer_or_rich() -> None:
    wrong = []
    for mod, path in _files().items():
        if _stage(mod) not in CORE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            wrong += [f"{mod} imports {n}" for n in names if n.split(".")[0] in ("typer", "rich", "click")]
    assert wrong == []


def test_no_import_cycles() -> None:
    # every import counts, a lazy one inside a function too (the old reader <-> parts cycle was one)
    files = _files()
    graph = {m: {i for i in _imports(p, top_level_only=False) if i in files and i != m} for m, p in files.items()}
    # a package's __init__ is imported with any of its modules: not an edge worth a cycle
    graph = {m: {i for i in deps if not m.startswith(i + ".")} for m, deps in graph.items()}
    cycles = []
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append(" -> ".join(stack[stack.index(n):] + [m, n]) if n in stack else f"{m} -> {n}")
            elif n not in state:
                visit(n, stack + [m])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
    assert cycles == []


def test_every_core_module_says_what_it_owns() -> None:
    missing = [mod for mod, path in _files().items() if _stage(mod) in CORE and not ast.get_docstring(ast.parse(path.read_text()))]
    assert missing == []
