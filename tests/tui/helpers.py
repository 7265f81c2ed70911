"""Small helpers for driving the app with Pilot."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot


async def wait_until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.02)


async def say(pilot: Pilot, text: str, *, type_it: bool = False) -> None:
    """Put ``text`` in the message input, press Enter, and wait for the reply to finish.

    ``type_it`` presses every key (slow: each press waits for the app to settle);
    otherwise the text is pasted into the input and only Enter is pressed.
    """
    from textual.widgets import Input

    from simulator.tui.screens.session import SessionScreen

    screen = pilot.app.screen
    assert isinstance(screen, SessionScreen)
    turns = screen.session.trainee_turns
    if type_it:
        await pilot.press(*text)
    else:
        screen.query_one("#message", Input).insert_text_at_cursor(text)
    await pilot.press("enter")
    await wait_until(
        pilot,
        lambda: not isinstance(pilot.app.screen, SessionScreen)
        or (not screen.replying and screen.session.trainee_turns > turns),
    )
    await pilot.pause()


async def open_session(pilot: Pilot) -> None:
    """Wait for the session screen after a start or resume."""
    from simulator.tui.screens.session import SessionScreen

    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SessionScreen))
    await pilot.pause()
