"""docs/ARCHITECTURE.md stays true: the Follow walk names existing files, each once, at
most twelve, and every function, class or constant it names exists in the code."""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("fediserver", "federation", "inbox", "outbox", "media")


def follow_walk() -> str:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    start = text.index("## A Follow, file by file")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def defined_names() -> set[str]:
    """Every name the code defines: packages and modules, functions, classes, constants,
    fields and parameters."""
    names: set[str] = set(ROOMS)
    for room in ROOMS:
        for path in (ROOT / room).rglob("*.py"):
            names.update(path.relative_to(ROOT).with_suffix("").parts)
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(node.name)
                elif isinstance(node, ast.arg):
                    names.add(node.arg)
                elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def test_the_follow_walk_names_each_existing_file_once_and_at_most_twelve():
    paths = re.findall(r"`([\w/]+\.py)`", follow_walk())
    assert [p for p in paths if not (ROOT / p).is_file()] == []
    assert len(paths) == len(set(paths)), "a file named twice"
    assert 0 < len(paths) <= 12


def test_every_name_the_follow_walk_gives_exists():
    code = [token for token in re.findall(r"`([^`]+)`", follow_walk())
            if re.fullmatch(r"[\w.\[\]()]+", token) and not token.endswith(".py")
            and re.search(r"[()._\[]|^[A-Z]", token)]
    known = defined_names() | set(dir(builtins))
    missing = {name for token in code for name in re.findall(r"[A-Za-z_]\w*", token) if name not in known}
    assert missing == set()
