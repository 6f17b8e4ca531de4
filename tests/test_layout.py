"""The layout shows the architecture: no import cycles, imports only go down the floors, long modules say why.

Imports are read with ast from every module of assistant/ and skills/, at module level and inside functions
(a lazy import is still a dependency). A new top-level module or stage package needs a floor in FLOORS.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
FLOORS = {
    "assistant.cli": 7,
    "assistant.evaluation": 6,
    "assistant.service": 5,  # the Wyoming server and the hub: they run whole turns, evaluation may drive them
    "assistant.voice": 4,
    "assistant.pipeline": 3,
    "assistant.testing": 3,  # SkillTester builds an Assistant
    "assistant.routing": 2,
    "assistant": 1,  # the package re-exports @skill and friends from the registry
    "assistant.registry": 1,
    "assistant.config": 1,
    "assistant.errors": 0,
    "assistant.trace": 0,
    "assistant.i18n": 0,
    "assistant.numbers": 0,
    "assistant.calls": 0,
    "assistant.models": 0,
    "assistant.http": 0,
    "skills": 0,  # only the BUILTIN list; Registry.load imports the skills by name
}
"""Module or stage package -> floor. An import may stay on its floor or go down, never up."""
SKILL_FLOOR_MAX = 1
"""Skills import top-level assistant modules up to the registry and config: never routing, voice or the pipeline."""
SHARED_SKILL_ENGINES = {
    "skills.music.player": "the assistant's one audio output: the clock's timers and alarms ring over the music "
    "(the music ducks, and 'stop' ends the ring before the music)",
    "skills.clock.spoken": "spoken durations in nine languages, read in one place: the weather skill tells a while "
    "from now that the model copied as the place ('ten minutes') from a town",
}
"""Another skill package's module that a skill may use, and why: an engine shared by skills, not a helper."""
MAX_LINES = 500
"""Longer modules say why in their docstring, in a sentence that starts with LONG_MARKER."""
LONG_MARKER = re.compile(r"(^|\s)Long: \S")
"""'Long: the call space and its decoder share one invariant ...'."""


def modules() -> dict[str, Path]:
    """Every module of assistant/ and skills/ by dotted name (a package by its own name)."""
    found = {}
    for path in sorted([*(ROOT / "assistant").rglob("*.py"), *(ROOT / "skills").rglob("*.py")]):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(name: str, source: str, known: set[str], is_package: bool = False) -> set[str]:
    """The known modules a module's source imports, anywhere in it; relative imports resolved."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # "from assistant.voice import stt"
    return {target for target in found if target in known and target != name}


def graph() -> dict[str, set[str]]:
    """Module -> the modules it imports."""
    known = modules()
    return {
        name: imports_of(name, path.read_text(encoding="utf-8"), set(known), path.name == "__init__.py")
        for name, path in known.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Import circles found by a depth-first walk, each as [a, b, ..., a]."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                found.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def floor(name: str) -> int | None:
    """The floor of a core module: its own entry or its stage package's."""
    while name:
        if name in FLOORS:
            return FLOORS[name]
        name = name.rpartition(".")[0]
    return None


def test_the_checker_reads_lazy_and_relative_imports():
    source = "import json\nfrom . import prompt\nfrom .grounding import ground\n"
    source += "def f():\n    from assistant import calls\n"
    known = {"assistant.calls", "assistant.routing.prompt", "assistant.routing.grounding", "assistant.routing.llm"}
    assert imports_of("assistant.routing.llm", source, known) == known - {"assistant.routing.llm"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_every_core_module_has_a_floor():
    missing = [name for name in modules() if name.startswith("assistant") and floor(name) is None]
    assert missing == [], "give each new module or stage package a floor in FLOORS (tests/test_layout.py)"


def test_core_imports_go_down_the_floors():
    upward = [
        f"{name} (floor {floor(name)}) imports {target} (floor {floor(target)})"
        for name, targets in graph().items()
        if name.startswith("assistant")
        for target in sorted(targets)
        if target.startswith("assistant") and (floor(target) or 0) > (floor(name) or 0)
    ]
    assert upward == []


def test_the_core_holds_no_skill():
    """The core reaches skills through the registry (by name), never by importing one: no skill's helpers in it."""
    reaching = [
        f"{name} imports {target}"
        for name, targets in graph().items()
        if name.startswith("assistant")
        for target in sorted(targets)
        if target.startswith("skills.")
    ]
    assert reaching == []


def test_skills_import_only_top_level_assistant_modules_and_their_own_package():
    wrong = []
    for name, targets in graph().items():
        if not name.startswith("skills."):
            continue
        own = ".".join(name.split(".")[:2])  # skills.music for skills.music.player
        for target in sorted(targets):
            if target.startswith("skills"):
                ok = target == own or target.startswith(own + ".") or target in SHARED_SKILL_ENGINES
            else:
                ok = target.count(".") <= 1 and (floor(target) or 0) <= SKILL_FLOOR_MAX
            if not ok:
                wrong.append(f"{name} imports {target}")
    assert wrong == [], "a skill uses assistant's top-level modules (registry, errors, i18n, http, numbers ...)"


@pytest.mark.parametrize("name", sorted(modules()))
def test_a_long_module_says_why(name):
    path = modules()[name]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if lines > MAX_LINES:
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert LONG_MARKER.search(docstring), (
            f"{path.relative_to(ROOT)} has {lines} lines: split it, or say why in its docstring ('Long: ...')"
        )


def test_the_readme_module_table_names_files_that_exist():
    """Each path in README's module table exists: `assistant/routing/prompt.py`, `llm.py` are siblings."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| module | stage |") :].split("\n\n")[0]
    missing = []
    for row in table.splitlines()[2:]:
        first = ""
        for name in re.findall(r"`([^`]+)`", row.split("|")[1]):
            path = name if "/" in name else f"{first.rsplit('/', 1)[0]}/{name}"
            first = first or path
            if not list(ROOT.glob(path.rstrip("/"))):
                missing.append(path)
    assert missing == []
