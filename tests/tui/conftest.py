"""Fixtures for the trainee-app tests: a small stable library and app factory.

The library holds only the test content in ``tests/tui/content`` (so snapshots
do not change when the starter content is edited); everything else is real:
the session engine, the offline analyzer, the scripted client, the SQLite
store in the per-test data dir, and the scoring renderers.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulator.config import load_settings
from simulator.content.library import Library, load_library

CONTENT = Path(__file__).resolve().parent / "content"
TESTS = Path(__file__).resolve().parent.parent
if str(TESTS) not in sys.path:  # for ``support.fake_openai``
    sys.path.insert(0, str(TESTS))


def test_library() -> Library:
    """Only the ``sam-*`` test scenarios, their persona and the default rubric."""
    # Not strict: a starter-content file being edited elsewhere must not break these tests.
    full = load_library([CONTENT], strict=False)
    return Library(
        personas={k: v for k, v in full.personas.items() if k == "sam-test"},
        scenarios={k: v for k, v in full.scenarios.items() if k.startswith("sam-")},
        rubrics={"default": full.rubric("default")},
    )


test_library.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture
def library() -> Library:
    return test_library()


@pytest.fixture
def make_app(library: Library, tmp_path: Path) -> Callable[..., Any]:
    """Build a ``SimulatorApp`` on the test library with a frozen clock."""
    from simulator.tui.app import SimulatorApp

    def factory(**kwargs: Any) -> SimulatorApp:
        kwargs.setdefault("settings", load_settings(engine="scripted"))
        kwargs.setdefault("library", library)
        kwargs.setdefault("clock", lambda: 0.0)
        kwargs.setdefault("export_dir", tmp_path / "exports")
        return SimulatorApp(**kwargs)

    return factory
