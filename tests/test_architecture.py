"""The layout's promises, checked: the engine imports nothing of its interfaces, files stay
small, and no read of the engine can be made without saying who reads."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from rag.assistant import Assistant

ROOT = Path(__file__).resolve().parent.parent
# Engine methods that change or check the installation rather than read documents for an audience.
NOT_READS = {"start", "ingest", "import_from", "delete", "reindex", "rebuild_vectors", "doctor", "scope_for"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_engine_imports_nothing_of_its_interfaces() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imports(path) if name.split(".")[0] in {"bot", "trolyxa", "bench", "tests"}
        )
        for path in (ROOT / "rag").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_file_is_over_400_lines_and_the_facade_is_small() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for folder in ("rag", "bot", "trolyxa")
        for path in (ROOT / folder).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}
    assert len((ROOT / "rag" / "assistant.py").read_text(encoding="utf-8").splitlines()) <= 200


def test_every_read_of_the_facade_takes_a_scope_without_default() -> None:
    public = {
        name: member for name, member in inspect.getmembers(Assistant, inspect.isfunction) if not name.startswith("_")
    }
    reads = set(public) - NOT_READS
    assert reads >= {
        "ask",
        "ask_stream",
        "tasks",
        "directive",
        "passage",
        "documents",
        "figures",
        "units_list",
        "export",
    }
    for name in sorted(reads):
        parameter = inspect.signature(public[name]).parameters.get("scope")
        assert parameter is not None, f"Assistant.{name} reads without a scope"
        assert parameter.default is inspect.Parameter.empty, f"Assistant.{name} has a default scope"
