"""Architecture rules that keep the engine a library (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SIMULATOR = Path(__file__).resolve().parent.parent / "simulator"

# Everything the TUI, CLI and exam runner share: none of it may pull in Textual.
ENGINE_MODULES = [
    "simulator.session",
    "simulator.trust",
    "simulator.content.library",
    "simulator.analysis",
    "simulator.scoring",
    "simulator.store",
    "simulator.clients.scripted",
    "simulator.clients.openai_engine",
]


def test_engine_imports_no_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {ENGINE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"engine modules imported textual: {out}"


def test_no_textual_import_outside_tui() -> None:
    offenders = []
    for path in SIMULATOR.rglob("*.py"):
        if "tui" in path.relative_to(SIMULATOR).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "textual" or n.startswith("textual.") for n in names):
                offenders.append(f"{path.relative_to(SIMULATOR)}:{node.lineno}")
    assert not offenders, "textual imported outside simulator/tui/: " + ", ".join(offenders)


def test_langchain_only_in_llm_module() -> None:
    allowed = {Path("clients/llm.py"), Path("analysis/judge.py")}
    offenders = []
    for path in SIMULATOR.rglob("*.py"):
        rel = path.relative_to(SIMULATOR)
        if rel in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        if "langchain" in text and ("import langchain" in text or "from langchain" in text):
            offenders.append(str(rel))
    assert not offenders, "langchain imported outside the LLM modules: " + ", ".join(offenders)
