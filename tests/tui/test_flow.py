"""The whole trainee flow through the real app: home, session, report, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import open_session, say, wait_until
from textual.message import Message
from textual.widgets import DataTable, Input, ProgressBar, Sparkline, Static

from simulator.analysis.codes import describe
from simulator.tui.messages import (
    ClientReplyChunk,
    ClientReplyFinished,
    ClientReplyStarted,
    SessionFinished,
    TraineeTurnAnalysed,
)
from simulator.tui.screens.home import HomeScreen
from simulator.tui.screens.report import ReportScreen
from simulator.tui.screens.session import SessionScreen
from simulator.tui.widgets.practice_panel import PracticePanel
from simulator.tui.widgets.transcript import TurnView


@pytest.fixture(autouse=True)
def _fast_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keep word-by-word streaming (many chunks) but without the reading pause.
    monkeypatch.setenv("SIMULATOR_STREAM_DELAY", "0.002")


def _panel_text(screen: SessionScreen, widget_id: str) -> str:
    return str(screen.query_one(f"#{widget_id}", Static).render())


async def test_home_lists_scenarios_first_highlighted(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one("#scenarios", DataTable)
        assert table.row_count == 3
        assert table.cursor_row == 0 and app.focused is table
        first = app.scenarios_in_order()[0]
        details = str(app.screen.query_one("#details-text", Static).render())
        assert first.title in details
        assert all(objective in details for objective in first.learning_objectives)
        await pilot.press("down")
        second = app.scenarios_in_order()[1]
        assert second.title in str(app.screen.query_one("#details-text", Static).render())


async def test_whole_session_flow(make_app, tmp_path: Path) -> None:
    seen: list[Message] = []
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # the highlighted (first) scenario
        await open_session(pilot)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        assert screen.session.scenario.id == "sam-practice"
        box = screen.query_one("#message", Input)
        assert app.focused is box  # the trainee can type at once
        assert "Not sure why" in str(screen.query(TurnView).first().text)

        trust_values = [screen.session.trust.value]
        await say(pilot, "It sounds like this wasn't your idea.", type_it=True)
        trust_values.append(screen.session.trust.value)
        kinds = [type(m) for m in seen]
        assert ClientReplyStarted in kinds and TraineeTurnAnalysed in kinds
        assert kinds.count(ClientReplyChunk) > 1, "the reply did not stream in pieces"
        assert kinds.index(ClientReplyStarted) < kinds.index(ClientReplyChunk)
        assert kinds.index(ClientReplyChunk) < kinds.index(ClientReplyFinished)
        last = screen.session.last_label
        assert _panel_text(screen, "last-turn") == describe(last.codes)

        await say(pilot, "You should just think positive and get more exercise.")
        trust_values.append(screen.session.trust.value)
        # Sam's old hurt: the rupture opens and the panel shows it.
        rupture = screen.query_one("#rupture", Static)
        assert screen.session.trust.rupture == "withdrawal"
        assert str(rupture.render()) == "withdrawal (open)" and rupture.has_class("-open")
        await say(pilot, "I'm sorry, that was advice you didn't ask for. "
                         "How is this going for you, between us?")
        trust_values.append(screen.session.trust.value)
        assert screen.session.trust.rupture is None  # repaired, and the panel says so
        assert str(rupture.render()) == "none" and not rupture.has_class("-open")

        # Trust moved, and the panel shows exactly what the engine holds.
        assert len(set(trust_values)) > 1
        meter = screen.query_one("#trust-meter", ProgressBar)
        assert meter.progress == pytest.approx(round(screen.session.trust.value, 1))
        spark = screen.query_one("#trust-spark", Sparkline)
        assert list(spark.data or []) == list(screen.session.trust.history)
        assert screen.session.trust.ledger, "the trust ledger is empty"
        views = screen.query(TurnView)
        assert len(views) == len(screen.session.turns) == 7

        await pilot.press("f3")
        hint = screen.query_one("#hint", Static)
        assert hint.display and str(hint.render()).startswith("Hint: ")

        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, ReportScreen))
        report = app.screen
        assert isinstance(report, ReportScreen)
        assert screen.session.finished
        text = " ".join(str(w.render()) for w in report.query(".dim").results(Static))
        for dim in screen.session.rubric.dimensions:
            assert dim.name in text
        assert "think positive" in text, "the report does not quote the trainee's turn"
        chart = report.query_one("#chart")
        assert chart.render().plain.count("✗") == 1 and chart.render().plain.count("✓") == 1

        await pilot.press("a")
        await pilot.pause()
        paths = report.exported
        assert sorted(p.suffix for p in paths) == [".html", ".json", ".md"]
        assert all(p.parent == tmp_path / "exports" and p.stat().st_size > 0 for p in paths)
        md = next(p for p in paths if p.suffix == ".md").read_text()
        assert "think positive" in md
        doc = json.loads(next(p for p in paths if p.suffix == ".json").read_text())
        assert len(doc["turns"]) == 7 and doc["report"]["dimensions"]
        status = str(report.query_one("#export-status", Static).render())
        assert str(paths[0]) in status

        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_turn_limit_opens_report(make_app) -> None:
    seen: list[Message] = []
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        app.start_session("sam-short")
        await open_session(pilot)
        await say(pilot, "What would be most useful in the minute we have?")
        await say(pilot, "It sounds like time is tight for you.")
        await wait_until(pilot, lambda: isinstance(app.screen, ReportScreen))
        assert any(isinstance(m, SessionFinished) and m.reason == "turn_limit" for m in seen)
        assert "turn limit" in str(app.screen.query_one("#summary", Static).render())


async def test_export_to_bad_folder_shows_error(make_app, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.start_session("sam-practice")
        await open_session(pilot)
        await say(pilot, "What brings you in today?")
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, ReportScreen))
        app.screen.query_one("#export-dir", Input).value = str(blocker / "sub")
        await pilot.press("m")
        status = app.screen.query_one("#export-status", Static)
        assert "Could not write" in str(status.render()) and status.has_class("-error")


async def test_exam_mode_has_no_panel_and_no_hints(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.start_session("sam-exam")
        await open_session(pilot)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        assert screen.session.mode == "exam"
        assert not screen.query(PracticePanel)
        await pilot.press("f2", "f3")
        assert not screen.query(PracticePanel)
        assert not screen.query_one("#hint", Static).display
        await say(pilot, "What brings you here?")
        assert not screen.query(PracticePanel)
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, ReportScreen))
        assessment = str(app.screen.query_one("#assessment", Static).render())
        assert assessment.startswith("Assessment: ") and "min_final_trust" in assessment


async def test_exam_flag_hides_panel_on_practice_scenario(make_app) -> None:
    app = make_app(mode="exam")
    async with app.run_test(size=(100, 30)) as pilot:
        app.start_session("sam-practice")
        await open_session(pilot)
        assert not app.screen.query(PracticePanel)


async def test_panel_toggles(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.start_session("sam-practice")
        await open_session(pilot)
        panel = app.screen.query_one(PracticePanel)
        assert panel.display
        await pilot.press("f2")
        assert not panel.display
        await pilot.press("f2")
        assert panel.display


async def test_input_locked_while_replying_keeps_draft(make_app, monkeypatch) -> None:
    monkeypatch.setenv("SIMULATOR_STREAM_DELAY", "0.25")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.start_session("sam-practice")
        await open_session(pilot)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        screen.query_one("#message", Input).insert_text_at_cursor("How are you sleeping?")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.replying)
        box = screen.query_one("#message", Input)
        assert box.has_class("-locked")
        await pilot.press(*"next")
        await pilot.press("enter")  # refused while the client speaks
        assert box.value == "next" and screen.session.trainee_turns == 0
        await wait_until(pilot, lambda: not screen.replying)
        assert screen.session.trainee_turns == 1 and box.value == "next"
        assert not box.has_class("-locked")


async def test_view_pinned_only_when_reader_at_bottom(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_session("sam-practice")
        await open_session(pilot)
        screen = app.screen
        transcript = screen.query_one("#transcript")
        for line in ("What brings you in?", "It sounds like sleep has been hard.",
                     "Tell me more about the nights."):
            await say(pilot, line)
        await pilot.pause(0.1)
        assert transcript.max_scroll_y > 0
        assert transcript.scroll_y == transcript.max_scroll_y  # followed the conversation
        transcript.scroll_home(animate=False)
        await pilot.pause()
        transcript.release_anchor()
        await say(pilot, "What helps, even a little?")
        await pilot.pause(0.1)
        assert transcript.scroll_y < transcript.max_scroll_y  # the reader stays where they were
        transcript.scroll_end(animate=False)
        await pilot.pause(0.1)
        await say(pilot, "And what makes it worse?")
        await pilot.pause(0.1)
        assert transcript.scroll_y == transcript.max_scroll_y


async def test_practice_command_jumps_straight_in(make_app) -> None:
    app = make_app(start_scenario="sam-short")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_session(pilot)
        assert app.screen.session.scenario.id == "sam-short"
        assert app.focused is app.screen.query_one("#message", Input)
        # Escape leaves the session for the library, where it can be resumed.
        await say(pilot, "What would be most useful in the minute we have?")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        resume = app.screen.query_one("#resume", DataTable)
        await wait_until(pilot, lambda: resume.display and resume.row_count == 1)


async def test_engine_that_cannot_start_is_explained_on_home(make_app) -> None:
    from simulator.config import load_settings

    # The OpenAI engine with neither a key nor a base URL refuses to start.
    app = make_app(settings=load_settings(engine="openai"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        message = app.screen.query_one("#home-message", Static)
        await wait_until(pilot, lambda: "Could not open the session" in str(message.render()))
        assert isinstance(app.screen, HomeScreen) and message.has_class("-error")
