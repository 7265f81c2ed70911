"""The app against the OpenAI-compatible test server (real HTTP), failures, and resume."""

from __future__ import annotations

import pytest
from helpers import open_session, say, wait_until
from support.fake_openai import FakeOpenAI, Reply
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from simulator.config import load_settings
from simulator.tui.messages import ClientReplyChunk, ClientReplyFailed
from simulator.tui.screens.home import HomeScreen
from simulator.tui.screens.session import SessionScreen
from simulator.tui.widgets.status import StatusLine
from simulator.tui.widgets.transcript import TurnView


def _openai_settings(server: FakeOpenAI):  # type: ignore[no-untyped-def]
    return load_settings(engine="openai", model="test-model", base_url=server.base_url,
                         api_key="test", max_retries=0, timeout=5)


async def test_reply_streams_from_openai_compatible_server(make_app) -> None:
    seen: list[Message] = []
    with FakeOpenAI() as server:
        chunks = ["Fine. ", "I guess ", "I can tell you ", "about the nights."]
        server.queue(Reply.say("".join(chunks), chunks=chunks))
        app = make_app(settings=_openai_settings(server))
        async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
            app.start_session("sam-practice")
            await open_session(pilot)
            screen = app.screen
            assert isinstance(screen, SessionScreen)
            status = str(screen.query_one(StatusLine).render())
            assert "openai" in status and "test-model" in status and "turn 0/6" in status
            await say(pilot, "It sounds like nights are the hardest part.")
            chunks = [m.text for m in seen if isinstance(m, ClientReplyChunk)]
            assert len(chunks) >= 2 and "".join(chunks).strip().endswith("about the nights.")
            assert screen.session.turns[-1].text == "Fine. I guess I can tell you about the nights."
            last_view = screen.query(TurnView).last()
            assert "about the nights" in last_view.markdown.source
            assert "turn 1/6" in str(screen.query_one(StatusLine).render())
            # The server received the trainee's words.
            assert "nights are the hardest part" in server.requests[-1].text


async def test_failed_call_restores_the_trainee_words(make_app) -> None:
    seen: list[Message] = []
    with FakeOpenAI() as server:
        server.queue(Reply.error(500, "the model is overloaded"))
        app = make_app(settings=_openai_settings(server))
        async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
            app.start_session("sam-practice")
            await open_session(pilot)
            screen = app.screen
            assert isinstance(screen, SessionScreen)
            before_turns = list(screen.session.turns)
            before_trust = screen.session.trust.value
            words = "What would make this worth your time?"
            screen.query_one("#message", Input).insert_text_at_cursor(words)
            await pilot.press("enter")
            await wait_until(pilot, lambda: any(isinstance(m, ClientReplyFailed) for m in seen))
            await wait_until(pilot, lambda: not screen.replying)
            box = screen.query_one("#message", Input)
            assert box.value == words  # the words are back, ready to send again
            assert app.focused is box
            error = screen.query_one("#error", Static)
            assert error.display and "could not answer" in str(error.render())
            # Nothing changed in the session, and the failed turn left no trace on screen.
            assert screen.session.turns == before_turns
            assert screen.session.trust.value == before_trust
            assert len(screen.query(TurnView)) == len(before_turns)

            server.queue(Reply.say("My time? Nobody asks that."))
            await pilot.press("enter")
            await wait_until(pilot, lambda: screen.session.trainee_turns == 1)
            await wait_until(pilot, lambda: not screen.replying)
            assert not error.display
            assert screen.session.turns[-1].text == "My time? Nobody asks that."
            assert len(screen.query(TurnView)) == 3


async def test_cut_stream_restores_input(make_app) -> None:
    with FakeOpenAI() as server:
        server.queue(Reply.cut("I was going to say something about my kids", after=3))
        app = make_app(settings=_openai_settings(server))
        async with app.run_test(size=(100, 30)) as pilot:
            app.start_session("sam-practice")
            await open_session(pilot)
            screen = app.screen
            screen.query_one("#message", Input).insert_text_at_cursor("Go on.")
            await pilot.press("enter")
            await wait_until(pilot, lambda: screen.query_one("#error").display)
            await wait_until(pilot, lambda: not screen.replying)
            assert screen.query_one("#message", Input).value == "Go on."
            assert screen.session.trainee_turns == 0
            assert len(screen.query(TurnView)) == 1  # the half reply was taken away


async def test_resume_after_interruption(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.start_session("sam-practice")
        await open_session(pilot)
        for line in ("What brings you in?", "It sounds like sleep has been hard lately."):
            await say(pilot, line)
        first = app.screen.session
        texts = [t.text for t in first.turns]
        trust = first.trust.value
    # The app is gone (as after a closed terminal); a new one finds the session.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        home = app.screen
        assert isinstance(home, HomeScreen)
        resume = home.query_one("#resume", DataTable)
        await wait_until(pilot, lambda: resume.display and resume.row_count == 1)
        assert "Sam: first session" in str(resume.get_row_at(0)[0])
        await pilot.press("r")
        assert app.focused is resume
        await pilot.press("enter")
        await open_session(pilot)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        assert screen.session.id == first.id
        assert [v.text for v in screen.query(TurnView)] == texts  # every completed turn
        assert screen.session.trust.value == pytest.approx(trust)
        assert app.focused is screen.query_one("#message", Input)
        await say(pilot, "What would help most today?")
        assert screen.session.trainee_turns == 3


async def test_unknown_scenario_is_a_clear_message(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.start_session("sam-practise")
        await pilot.pause()
        message = str(app.screen.query_one("#home-message").render())
        assert "sam-practice" in message  # the did-you-mean suggestion
        assert isinstance(app.screen, HomeScreen)
