"""The trainee app: a thin Textual front end over the session engine.

Nothing here decides trust, labels turns or scores: the app asks the library
(``simulator.session``, ``simulator.scoring``, ``simulator.store``) and shows
the answers. Heavy imports (the store's SQLAlchemy, LLM engines) happen in
worker threads after the home screen is up, so the app starts fast.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.widgets import DataTable

from simulator.tui.commands import SimulatorCommands
from simulator.tui.themes import DARK, LIGHT, THEMES

if TYPE_CHECKING:
    from simulator.config import EngineSettings
    from simulator.content.models import Scenario

#: A file path: write start-up timings there and exit once the home screen is complete
#: (used by ``bench/startup.py``).
EXIT_ON_READY_ENV = "SIMULATOR_TUI_EXIT_ON_READY"

STREAM_DELAY_ENV = "SIMULATOR_STREAM_DELAY"
#: Seconds per word for the scripted client in the app (about 25 words a second).
SCRIPTED_WORD_DELAY = 0.04


class SimulatorApp(App[None]):
    """Practise earning a simulated client's trust."""

    CSS_PATH = "simulator.tcss"
    TITLE = "Trust simulator"
    COMMANDS = App.COMMANDS | {SimulatorCommands}
    BINDINGS = [
        Binding("ctrl+t", "toggle_theme", "Theme"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        *,
        settings: EngineSettings | None = None,
        library: Any = None,
        content_dirs: Sequence[Path] = (),
        engine: Any = None,
        analyzer: Any = None,
        store: Any = None,
        start_scenario: str | None = None,
        mode: Literal["practice", "exam"] = "practice",
        seed: int = 0,
        export_dir: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create the app.

        Args:
            settings: engine settings (default: ``load_settings()``).
            library: a loaded content ``Library`` (default: ``load_library(content_dirs)``).
            content_dirs: extra content folders (``--content DIR``).
            engine: a ready client engine (default: ``create_engine(settings)`` on first use).
            analyzer: the turn analyzer (default: the session's offline analyzer).
            store: a ``SessionStore`` (default: the one in the data dir, opened on first use).
            start_scenario: open this scenario straight away (``simulator practice ID``).
            mode: ``practice`` or ``exam``.
            seed: seed for the session, so runs repeat.
            export_dir: default folder for report exports (default: ``<data dir>/reports``).
            clock: time source for the elapsed-time display (tests freeze it).
        """
        super().__init__()
        if settings is None:
            from simulator.config import load_settings

            settings = load_settings()
        if library is None:
            from simulator.content.library import load_library

            library = load_library(content_dirs)
        self.settings = settings
        self.library = library
        self._engine = engine
        self._store = store
        self.analyzer = analyzer
        self._parts_lock = threading.Lock()
        self.start_scenario = start_scenario
        self.mode = mode
        self.seed = seed
        self.clock = clock
        if export_dir is None:
            from simulator.config import data_dir

            export_dir = data_dir() / "reports"
        self.export_dir = export_dir
        self.sessions: list[Any] = []
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = DARK

    # ------------------------------------------------------------------ start-up

    def on_mount(self) -> None:
        from simulator.tui.screens.home import HomeScreen

        # The home screen starts ``start_scenario`` itself once it is composed.
        self.push_screen(HomeScreen())
        self._watch_terminal()

    def _watch_terminal(self) -> None:
        """Quit when the terminal the app runs in goes away.

        Closing a terminal window (or tmux pane) hangs up its tty. When the app is not the
        session leader (``make run`` is), no SIGHUP reaches it, and Textual's input thread then
        reads end-of-file in a loop forever: an orphan burning a core. A hung-up tty fails
        ``isatty``, so a once-a-second check ends the app cleanly (completed turns are stored
        as they happen). Under textual-serve or Pilot stdin is no terminal, and nothing runs.
        """
        import sys

        stdin = sys.__stdin__
        try:
            fd = stdin.fileno() if stdin is not None else -1
        except (OSError, ValueError):
            return
        if fd < 0 or not os.isatty(fd):
            return

        def check() -> None:
            if not os.isatty(fd):
                self.exit(return_code=129)  # 128 + SIGHUP, as a shell reports a hangup

        self.set_interval(1.0, check)

    def on_ready(self) -> None:
        self._ready_at = time.time()
        # Open the store only once the home screen is up: importing SQLAlchemy would
        # otherwise compete with the first paint for the interpreter.
        home = self._home()
        if home is not None:
            home.load_resumable()

    def home_complete(self) -> None:
        """Called by the home screen once the interrupted-sessions list has loaded."""
        marker = os.environ.get(EXIT_ON_READY_ENV)
        if not marker:
            return
        # The start-up benchmark's proof that the home screen was up, with its scenarios.
        from simulator.tui.screens.home import HomeScreen

        screen = self.screen
        info: dict[str, Any] = {"screen": type(screen).__name__,
                                "ready_at": getattr(self, "_ready_at", None),
                                "complete_at": time.time()}
        if isinstance(screen, HomeScreen):
            info["scenarios"] = screen.query_one("#scenarios", DataTable).row_count
        Path(marker).write_text(json.dumps(info), encoding="utf-8")
        self.exit()

    def scenarios_in_order(self) -> list[Scenario]:
        """Scenarios sorted by difficulty, then title (the home table's order)."""
        order = {"introductory": 0, "intermediate": 1, "advanced": 2}
        return sorted(
            self.library.scenarios.values(), key=lambda s: (order.get(s.difficulty, 9), s.title)
        )

    # ------------------------------------------------------------------ engine parts

    @property
    def engine(self) -> Any:
        """The client engine, created on first use (an LLM engine imports langchain)."""
        with self._parts_lock:
            if self._engine is None:
                from simulator.clients.base import create_engine

                engine = create_engine(self.settings)
                # The scripted client answers instantly; in the app a short pause per
                # word makes the reply arrive like speech (SIMULATOR_STREAM_DELAY overrides).
                if getattr(engine, "delay", None) == 0 and STREAM_DELAY_ENV not in os.environ:
                    engine.delay = SCRIPTED_WORD_DELAY  # type: ignore[attr-defined]
                self._engine = engine
            return self._engine

    @property
    def store(self) -> Any:
        """The session store, opened on first use (imports SQLAlchemy)."""
        # Two workers (the resumable list and a session start) may ask at once.
        with self._parts_lock:
            if self._store is None:
                from simulator.store import SessionStore

                self._store = SessionStore()
            return self._store

    def list_unfinished(self) -> list[dict[str, Any]]:
        """Interrupted sessions as rows for the home screen, newest first."""
        rows = []
        for item in self.store.list_unfinished():
            get = item.get if isinstance(item, dict) else lambda k, _i=item: getattr(_i, k, None)
            scenario_id = get("scenario_id") or get("scenario")
            title = scenario_id
            if scenario_id in self.library.scenarios:
                title = self.library.scenario(scenario_id).title
            when = get("updated_at") or get("started_at") or ""
            rows.append({
                "id": get("id") or get("session_id"),
                "title": str(title),
                "turns": get("trainee_turns") or get("turns") or 0,
                "when": str(when)[:16].replace("T", " "),
            })
        return rows

    # ------------------------------------------------------------------ navigation

    def _home(self) -> Any:
        from simulator.tui.screens.home import HomeScreen

        return next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)

    def _say(self, text: str, *, error: bool = False) -> None:
        home = self._home()
        if home is not None:
            home.set_message(text, error=error)
        if error:
            self.notify(text, severity="error", timeout=8)

    def start_session(self, scenario_id: str) -> None:
        """Start ``scenario_id`` and open the session screen."""
        if scenario_id not in self.library.scenarios:
            try:
                self.library.scenario(scenario_id)  # raises with a did-you-mean message
            except KeyError as exc:
                self._say(str(exc.args[0] if exc.args else exc), error=True)
                return
        self._say("Starting...")
        self._open_session(scenario_id, None)

    def resume_session(self, session_id: str) -> None:
        """Reopen an interrupted session where it stopped."""
        self._say("Resuming...")
        self._open_session(None, session_id)

    @work(thread=True, exclusive=True, group="open-session")
    def _open_session(self, scenario_id: str | None, session_id: str | None) -> None:
        """Create engine, store and session off the UI thread, then show the session."""
        from simulator.session import Session

        try:
            if session_id is not None:
                session = Session.resume(
                    session_id, library=self.library, engine=self.engine, store=self.store,
                    analyzer=self.analyzer,
                )
            else:
                session = Session.start(
                    str(scenario_id), library=self.library, engine=self.engine,
                    store=self.store, analyzer=self.analyzer, seed=self.seed, mode=self.mode,
                )
        except Exception as exc:  # engine, store or content trouble: say so on the home screen
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            self.call_from_thread(self._say, f"Could not open the session: {message}", error=True)
            return
        self.call_from_thread(self._show_session, session)

    def _show_session(self, session: Any) -> None:
        from simulator.tui.screens.session import SessionScreen

        self._say("")
        self.sessions.append(session)
        self.push_screen(SessionScreen(session))

    def show_report(self, session: Any, reason: str) -> None:
        """Replace the session screen with its report."""
        from simulator.tui.screens.report import ReportScreen
        from simulator.tui.screens.session import SessionScreen

        try:
            report = session.report()
        except Exception as exc:  # show the transcript's end and trust anyway, and say why
            self.notify(f"The session could not be scored: {exc}", severity="error", timeout=10)
            report = {}
        screen = ReportScreen(session, reason, report)
        if isinstance(self.screen, SessionScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def go_home(self) -> None:
        """Back to the scenario library (refreshing the resumable list)."""
        home = self._home()
        while self.screen is not home and len(self.screen_stack) > 1:
            self.pop_screen()
        if home is not None:
            home.load_resumable()

    # ------------------------------------------------------------------ exports

    def export_report(
        self, session: Any, report: dict[str, Any], folder: Path, formats: Sequence[str]
    ) -> list[Path]:
        """Write the report into ``folder`` (see :func:`simulator.tui.exports.export_report`)."""
        from simulator.tui.exports import export_report

        return export_report(session, report, folder, formats)

    # ------------------------------------------------------------------ actions

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def screen_action(self, name: str) -> None:
        """Run ``name`` on the current screen if it has it (used by the command palette)."""
        method = getattr(self.screen, f"action_{name}", None)
        if method is None:
            self.notify("Not available on this screen.", severity="warning")
        else:
            method()
