"""Trust chart drawing, status line, command palette, themes, keyboard reach."""

from __future__ import annotations

import pytest
from helpers import open_session, wait_until
from textual.widgets import DataTable

from simulator.tui.app import DARK, LIGHT
from simulator.tui.screens.session import SessionScreen
from simulator.tui.widgets.practice_panel import PracticePanel
from simulator.tui.widgets.status import format_elapsed
from simulator.tui.widgets.trust_chart import REPAIR_MARK, RUPTURE_MARK, render_trust_chart


def test_chart_bar_heights_follow_values() -> None:
    text = render_trust_chart([0, 50, 100], height=4, width=40).plain.splitlines()
    bars = text[:4]  # top row first
    column = [row[5:] for row in bars]
    # Columns are 5 wide here. 100 fills every row, 50 the lower half, 0 nothing.
    assert [c[10] for c in column] == ["█"] * 4
    assert [c[5] for c in column] == [" ", " ", "█", "█"]
    assert all(c[0] == " " for c in column)


def test_chart_marks_and_ticks() -> None:
    text = render_trust_chart([30, 10, 25], {1: RUPTURE_MARK, 2: REPAIR_MARK}, width=40,
                              ticks=[0, 1, 3]).plain.splitlines()
    marks, ticks = text[-2], text[-1]
    assert marks.index(RUPTURE_MARK) < marks.index(REPAIR_MARK)
    assert ticks.split() == ["0", "1", "3"]


def test_chart_keeps_latest_turns_when_narrow() -> None:
    values = [float(i) for i in range(100)]
    lines = render_trust_chart(values, width=30, height=2).plain.splitlines()
    assert all(len(line) <= 30 for line in lines)
    # One column per turn fits 25 turns: the newest ones (75-99) are shown.
    top = lines[0][5:]
    assert len(top) == 25 and top[-1] == "█"  # trust 99 reaches the top row
    assert "95" in lines[-1] and "70" not in lines[-1]


def test_empty_chart_says_so() -> None:
    assert render_trust_chart([]).plain == "no turns yet"


@pytest.mark.parametrize(("seconds", "shown"), [(0, "00:00"), (61.9, "01:01"), (3725, "1:02:05")])
def test_elapsed_format(seconds: float, shown: str) -> None:
    assert format_elapsed(seconds) == shown


async def test_elapsed_time_comes_from_the_clock(make_app) -> None:
    now = [100.0]
    app = make_app(clock=lambda: now[0])
    async with app.run_test(size=(100, 30)) as pilot:
        app.start_session("sam-practice")
        await open_session(pilot)
        now[0] = 100.0 + 75
        status = app.screen.query_one("#status")
        await wait_until(pilot, lambda: "01:15" in str(status.render()), timeout=3)


async def test_theme_toggles_with_key(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == DARK
        await pilot.press("ctrl+t")
        assert app.theme == LIGHT
        await pilot.press("ctrl+t")
        assert app.theme == DARK


async def _palette(pilot, query: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*query)
    await pilot.pause(0.5)
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_palette_starts_scenario_and_toggles_panel_and_theme(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await _palette(pilot, "two-turn")
        await open_session(pilot)
        assert isinstance(app.screen, SessionScreen)
        assert app.screen.session.scenario.id == "sam-short"
        panel = app.screen.query_one(PracticePanel)
        await _palette(pilot, "practice panel")
        assert not panel.display
        await _palette(pilot, "light/dark")
        assert app.theme == LIGHT


async def test_palette_end_session_opens_report(make_app) -> None:
    from simulator.tui.screens.report import ReportScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.start_session("sam-practice")
        await open_session(pilot)
        await _palette(pilot, "End session")
        await wait_until(pilot, lambda: isinstance(app.screen, ReportScreen))


async def test_keyboard_only_home_navigation_at_80x24(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#scenarios", DataTable)
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        await pilot.press("enter")
        await open_session(pilot)
        assert app.screen.session.scenario.id == key
        # Everything needed is on screen at 80x24: transcript, input and status.
        for widget_id in ("#transcript", "#message", "#status"):
            region = app.screen.query_one(widget_id).region
            assert region.height > 0 and region.bottom <= 24 and region.right <= 80


def test_dimension_block_shows_score_evidence_and_feedback_once() -> None:
    from simulator.tui.screens.report import dimension_block

    block = dimension_block("Empathy", {
        "score": 3, "level": "Competent", "feedback": "Empathy: 3/5 (Competent). Reflect more.",
        "evidence": [
            {"index": 1, "text": "It sounds hard.", "codes": ["reflection_simple"],
             "direction": "for"},
            {"index": 3, "text": "Calm down.", "codes": ["dismiss"], "direction": "against"},
        ],
    }).plain
    assert block.startswith("Empathy  ■■■□□ 3/5  Competent")
    assert block.count("3/5") == 1 and "Reflect more." in block
    assert "+ turn 1: “It sounds hard.”  (simple reflection)" in block
    assert "− turn 3: “Calm down.”  (dismissing)" in block
    assert "not scored" in dimension_block("Rupture repair", {"score": None}).plain


def test_rupture_marks_by_turn() -> None:
    from simulator.tui.screens.report import rupture_marks

    marks = rupture_marks(
        [{"kind": "withdrawal", "opened_turn": 2, "resolved_turn": 4},
         {"kind": "confrontation", "opened_turn": 4, "resolved_turn": None}],
        first_turn=0,
    )
    assert marks == {2: RUPTURE_MARK, 4: REPAIR_MARK + RUPTURE_MARK}


def test_assessment_block_lists_each_criterion() -> None:
    from simulator.tui.screens.report import assessment_block

    assert assessment_block({"passed": True, "criteria": []}) is None
    text = assessment_block({"passed": False, "criteria": [
        {"name": "min_final_trust", "passed": False, "note": "trust ended at 20/100"},
        {"name": "ruptures_resolved", "passed": True, "note": "every rupture repaired"},
    ]})
    assert text is not None
    assert text.plain.splitlines() == [
        "Assessment: not passed",
        "  ✗ min_final_trust: trust ended at 20/100",
        "  ✓ ruptures_resolved: every rupture repaired",
    ]
