"""The session screen: transcript, message input, status line and practice panel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from simulator.tui.messages import (
    ClientReplyChunk,
    ClientReplyFailed,
    ClientReplyFinished,
    ClientReplyStarted,
    SessionFinished,
    TraineeTurnAnalysed,
)
from simulator.tui.widgets.practice_panel import PracticePanel
from simulator.tui.widgets.status import StatusLine
from simulator.tui.widgets.transcript import Transcript, TurnView

if TYPE_CHECKING:
    from textual.widgets._markdown import MarkdownStream

    from simulator.tui.app import SimulatorApp

PLACEHOLDER = "Type your reply and press Enter"
LOCKED_PLACEHOLDER = "The client is replying... (you can draft; Enter waits)"


def practice_allowed(session: Any) -> bool:
    """The panel and hints are for practice only: never in exam mode or a locked scenario."""
    return session.mode != "exam" and not session.scenario.locked


class SessionScreen(Screen[None]):
    """One conversation with a simulated client."""

    BINDINGS = [
        Binding("f2", "toggle_panel", "Panel"),
        Binding("f3", "hint", "Hint"),
        Binding("f8", "end_session", "End & report"),
        Binding("escape", "leave", "Leave"),
    ]

    def __init__(self, session: Any) -> None:
        super().__init__()
        self.session = session
        self.replying = False
        self.practice = practice_allowed(session)
        self._stream: MarkdownStream | None = None
        self._pending: list[TurnView] = []
        self._started_at = 0.0

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="session"):
            with Vertical(id="conversation"):
                yield Transcript(self.session.persona.name, id="transcript")
                yield Static("", id="hint")
                yield Static("", id="error")
                yield Input(placeholder=PLACEHOLDER, id="message")
            if self.practice:
                yield PracticePanel(id="panel")
        yield StatusLine(id="status")
        yield Footer()

    async def on_mount(self) -> None:
        app: SimulatorApp = self.app  # type: ignore[assignment]
        self.title = self.session.scenario.title
        self.sub_title = "exam" if not self.practice else "practice"
        self._started_at = app.clock()
        transcript = self.query_one(Transcript)
        for record in self.session.turns:
            await transcript.add_turn(record.speaker, record.text, record.index)
        self.query_one("#hint").display = False
        self.query_one("#error").display = False
        status = self.query_one(StatusLine)
        status.engine = getattr(self.session.engine, "name", "?")
        status.model = getattr(self.session.engine, "model", "?")
        status.limit = self.session.scenario.turn_limit
        self._refresh_state()
        self.query_one("#message", Input).focus()
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        app: SimulatorApp = self.app  # type: ignore[assignment]
        self.query_one(StatusLine).elapsed = app.clock() - self._started_at

    def _refresh_state(self) -> None:
        """Update status line and panel from the session (the engine owns every number)."""
        status = self.query_one(StatusLine)
        status.turn = self.session.trainee_turns
        status.state = "client is replying..." if self.replying else ""
        if not self.practice:
            return
        trust = self.session.trust
        label = self.session.last_label
        self.query_one(PracticePanel).show(
            trust=trust.value,
            band=trust.band,
            history=list(trust.history),
            rupture=trust.rupture,
            unlocked=list(trust.unlocked),
            last_codes=None if label is None else label.codes,
        )

    # ------------------------------------------------------------------ sending

    @on(Input.Submitted, "#message")
    async def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self.replying or self.session.finished or not text:
            return
        event.input.value = ""
        self.post_message(ClientReplyStarted(text))
        await self._begin_turn(text)
        self.run_turn(text)

    async def _begin_turn(self, text: str) -> None:
        self.replying = True
        message = self.query_one("#message", Input)
        message.placeholder = LOCKED_PLACEHOLDER
        message.add_class("-locked")
        for widget_id in ("#error", "#hint"):
            self.query_one(widget_id).display = False
        transcript = self.query_one(Transcript)
        self._pending = [await transcript.add_turn("trainee", text)]
        client_view = await transcript.add_turn("client", "")
        client_view.add_class("-streaming")
        self._pending.append(client_view)
        self._stream = client_view.markdown.get_stream(client_view.markdown)
        self._refresh_state()

    @work(exclusive=True, group="turn")
    async def run_turn(self, text: str) -> None:
        """Drive one turn of the engine and translate its events into messages."""
        from simulator.clients.base import ClientEngineError
        from simulator.session import ClientChunk, SessionEnded, TraineeAnalysed, TurnCompleted

        try:
            async for event in self.session.respond(text):
                if isinstance(event, TraineeAnalysed):
                    self.post_message(TraineeTurnAnalysed(event.record, event.label))
                elif isinstance(event, ClientChunk):
                    self.post_message(ClientReplyChunk(event.text))
                elif isinstance(event, TurnCompleted):
                    self.post_message(ClientReplyFinished(event.trainee, event.client))
                elif isinstance(event, SessionEnded):
                    self.post_message(SessionFinished(event.reason))
        except ClientEngineError as exc:
            self.post_message(ClientReplyFailed(str(exc), text))
        except Exception as exc:  # never lose the trainee's words to an unexpected error
            self.post_message(ClientReplyFailed(f"{type(exc).__name__}: {exc}", text))

    # ------------------------------------------------------------------ lifecycle

    def on_trainee_turn_analysed(self, message: TraineeTurnAnalysed) -> None:
        if self._pending:
            self._pending[0].index = getattr(message.record, "index", None)
        self._refresh_state()

    async def on_client_reply_chunk(self, message: ClientReplyChunk) -> None:
        if self._stream is not None:
            await self._stream.write(message.text)

    async def _close_stream(self) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None

    async def on_client_reply_finished(self, message: ClientReplyFinished) -> None:
        await self._close_stream()
        if len(self._pending) == 2:
            client_view = self._pending[1]
            client_view.remove_class("-streaming")
            client_view.index = getattr(message.client, "index", None)
            # The stored text is the truth (an engine may strip or fix up its chunks).
            final = getattr(message.client, "text", None)
            if final is not None:
                await client_view.markdown.update(final)
        self._pending = []
        self._unlock()
        self._refresh_state()

    async def on_client_reply_failed(self, message: ClientReplyFailed) -> None:
        await self._close_stream()
        for view in self._pending:
            await view.remove()
        self._pending = []
        message_input = self.query_one("#message", Input)
        draft = message_input.value.strip()
        # Put the trainee's words back; keep anything drafted meanwhile after them.
        message_input.value = message.trainee_text + (f" {draft}" if draft else "")
        message_input.cursor_position = len(message_input.value)
        error = self.query_one("#error", Static)
        error.update(Text(f"The client could not answer: {message.error}  (your words are back)"))
        error.display = True
        self._unlock()
        self._refresh_state()

    def on_session_finished(self, message: SessionFinished) -> None:
        app: SimulatorApp = self.app  # type: ignore[assignment]
        # Let the last reply land before the report replaces the screen.
        self.call_after_refresh(app.show_report, self.session, message.reason)

    def _unlock(self) -> None:
        self.replying = False
        message_input = self.query_one("#message", Input)
        message_input.placeholder = PLACEHOLDER
        message_input.remove_class("-locked")
        message_input.focus()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the panel and hint keys entirely in exam mode (not even in the footer)."""
        return self.practice or action not in ("toggle_panel", "hint")

    def action_toggle_panel(self) -> None:
        if self.practice:
            panel = self.query_one(PracticePanel)
            panel.display = not panel.display

    def action_hint(self) -> None:
        if not self.practice:
            return
        hint = self.query_one("#hint", Static)
        hint.update(Text(f"Hint: {self.session.hint()}"))
        hint.display = True

    def action_leave(self) -> None:
        """Back to the library; the session stays stored and can be resumed from there."""
        if self.replying:
            self.notify("Wait for the client to finish replying.", severity="warning")
            return
        app: SimulatorApp = self.app  # type: ignore[assignment]
        app.go_home()

    def action_end_session(self) -> None:
        if self.replying:
            self.notify("Wait for the client to finish replying.", severity="warning")
            return
        app: SimulatorApp = self.app  # type: ignore[assignment]
        if not self.session.finished:
            self.session.end("trainee")
        app.show_report(self.session, "trainee")
