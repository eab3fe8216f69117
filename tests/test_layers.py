"""The package's rooms: no import circle anywhere in bot/, and no room imports a higher one."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"

# Each room may import the rooms listed for it (and itself); top-level modules count as rooms.
# First the pure and base rooms, then the host's, each above the ones it may use.
_PURE_AND_BASE: dict[str, set[str]] = {
    "engine": set(),
    "language": {"engine"},
    "config": set(),
    "privacy": set(),
    "db": set(),
    "reports": {"engine"},  # aggregate counters: written by turns and cases, read by web and cli
    "content": {"engine", "language"},
}
_HOST = set(_PURE_AND_BASE)  # what every higher room may use
ALLOWED: dict[str, set[str]] = {
    **_PURE_AND_BASE,
    "escalation": _HOST,
    "turn": _HOST | {"escalation"},
    "web": _HOST | {"escalation", "turn"},
    "cli": _HOST | {"escalation", "turn", "web"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in BOT.rglob("*.py"):
        parts = ["bot", *path.relative_to(BOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every bot module this one imports, at any depth of its code (lazy imports too)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                stem = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*stem, *([node.module] if node.module else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                targets.add(candidate if candidate in modules else base)
        elif isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
    return {t for t in targets if t in modules and t != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _room(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def _find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as a path that ends where it began; None when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for child in sorted(graph.get(node, ())):
            if child.startswith(node + "."):  # a package re-exporting its children
                continue
            if state.get(child) == 1:
                return path[path.index(child) :] + [child]
            if child not in state and (found := visit(child, [*path, child])):
                return found
        state[node] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module, [module])):
            return found
    return None


def test_no_import_circle_in_bot() -> None:
    assert _find_circle(_graph()) is None


def test_the_walk_finds_a_planted_circle() -> None:
    planted = {**_graph(), "bot.content.files": {"bot.content.checks"}}
    planted["bot.content.checks"] = {*planted["bot.content.checks"], "bot.content.files"}
    circle = _find_circle(planted)
    assert circle is not None and circle[0] == circle[-1]


def test_no_room_imports_a_higher_one() -> None:
    wrong = []
    for module, imported in _graph().items():
        room = _room(module)
        if room not in ALLOWED:
            continue  # bot/__init__ and bot/__main__ sit above everything
        for target in imported:
            other = _room(target)
            if other and other != room and other not in ALLOWED[room]:
                wrong.append(f"{module} imports {target}")
    assert wrong == []
