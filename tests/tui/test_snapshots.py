"""Snapshots of home, session and report at 80x24 and 120x40.

Deterministic: the test library, seed 0, the scripted client, a frozen clock
(elapsed time shows 00:00), a fixed export folder and no blinking cursor.
Update after an intended visual change with ``pytest tests/tui --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import open_session, say, wait_until
from textual.pilot import Pilot
from textual.widgets import Input

from simulator.tui.screens.report import ReportScreen

SIZES = [(80, 24), (120, 40)]


@pytest.fixture(autouse=True)
def _no_stream_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMULATOR_STREAM_DELAY", "0")


def _still(pilot: Pilot) -> None:
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False


async def _two_turns(pilot: Pilot) -> None:
    pilot.app.start_session("sam-practice")  # type: ignore[attr-defined]
    await open_session(pilot)
    await say(pilot, "It sounds like coming here wasn't your idea.")
    await say(pilot, "You should just think positive.")
    _still(pilot)
    await pilot.pause()


async def _report(pilot: Pilot) -> None:
    await _two_turns(pilot)
    await say(pilot, "I'm sorry, that was advice you didn't ask for. How is this for you?")
    await pilot.press("f8")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ReportScreen))
    _still(pilot)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(snap_compare, make_app, size) -> None:
    app = make_app(export_dir=Path("/nonexistent/reports"))
    assert snap_compare(app, terminal_size=size, run_before=_still)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_session(snap_compare, make_app, size) -> None:
    app = make_app(export_dir=Path("/nonexistent/reports"))
    assert snap_compare(app, terminal_size=size, run_before=_two_turns)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_report(snap_compare, make_app, size) -> None:
    app = make_app(export_dir=Path("/nonexistent/reports"))
    assert snap_compare(app, terminal_size=size, run_before=_report)
