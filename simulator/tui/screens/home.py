"""Home: the scenario library, its details, and sessions that can be resumed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Static

if TYPE_CHECKING:
    from simulator.tui.app import SimulatorApp


def scenario_details(app: SimulatorApp, scenario_id: str) -> Text:
    """The details pane text: setting, description and learning objectives."""
    scenario = app.library.scenario(scenario_id)
    persona = app.library.persona(scenario.persona)
    text = Text()
    text.append(scenario.title, style="bold")
    text.append("\n")
    about = [f"{persona.name}, {persona.age}", ", ".join(persona.profiles), scenario.difficulty]
    if scenario.locked:
        about.append("assessed")
    text.append("  ·  ".join(about) + "\n", style="dim")
    text.append("Setting: ", style="bold")
    text.append(scenario.setting + "\n")
    if scenario.description:
        text.append(scenario.description.strip() + "\n")
    text.append("You will practise:\n", style="bold")
    for objective in scenario.learning_objectives:
        text.append(f" • {objective}\n")
    if scenario.locked:
        text.append("Assessed: no practice panel and no hints.\n", style="italic")
    text.rstrip()
    return text


class ScenarioTable(DataTable[str]):
    """The scenario list; Enter starts the highlighted scenario."""

    BINDINGS = [Binding("enter", "select_cursor", "Start", show=True)]


class ResumeTable(DataTable[str]):
    """Interrupted sessions; Enter resumes the highlighted one."""

    BINDINGS = [Binding("enter", "select_cursor", "Resume", show=True)]


#: Fixed widths of the client, profile and difficulty columns; the title takes the rest.
_FIXED_COLUMNS = (14, 17, 12)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


class HomeScreen(Screen[None]):
    """The first screen: pick a scenario (Enter) or resume an interrupted session."""

    BINDINGS = [
        Binding("r", "focus_resume", "Interrupted sessions", show=True),
        Binding("s", "focus_scenarios", "Scenarios", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            table = ScenarioTable(id="scenarios", cursor_type="row", zebra_stripes=True)
            table.border_title = "Scenarios"
            yield table
            with VerticalScroll(id="details") as details:
                details.border_title = "Details"
                details.can_focus = False
                yield Static("", id="details-text")
            resume = ResumeTable(id="resume", cursor_type="row")
            resume.border_title = "Interrupted sessions (Enter resumes)"
            resume.display = False
            yield resume
            yield Label("", id="home-message")
        yield Footer()

    def on_mount(self) -> None:
        app: SimulatorApp = self.app  # type: ignore[assignment]
        table = self.query_one("#scenarios", DataTable)
        self._fill_scenarios(self.size.width or 80)
        table.focus()
        if table.row_count:
            table.move_cursor(row=0)
            self._show_details(0)
        else:
            self.query_one("#details-text", Static).update("No scenarios in the content library.")
        # The interrupted sessions are listed once the app is ready (SimulatorApp.on_ready).
        if app.start_scenario:  # ``simulator practice ID``: jump straight in, once
            scenario_id, app.start_scenario = app.start_scenario, None
            app.start_session(scenario_id)

    def _fill_scenarios(self, width: int) -> None:
        """(Re)build the scenario rows; the title column gets whatever width is left."""
        app: SimulatorApp = self.app  # type: ignore[assignment]
        table = self.query_one("#scenarios", DataTable)
        # 2 cells of padding per column, the border and the scrollbar take the rest.
        title_width = max(16, width - sum(_FIXED_COLUMNS) - 2 * 4 - 4)
        if getattr(self, "_title_width", None) == title_width:
            return
        self._title_width = title_width
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column("Scenario", width=title_width)
        for name, col_width in zip(("Client", "Trust profile", "Difficulty"), _FIXED_COLUMNS,
                                   strict=True):
            table.add_column(name, width=col_width)
        for scenario in app.scenarios_in_order():
            persona = app.library.persona(scenario.persona)
            table.add_row(
                _clip(scenario.title, title_width),
                _clip(persona.name, _FIXED_COLUMNS[0]),
                _clip(persona.profiles[0] if persona.profiles else "", _FIXED_COLUMNS[1]),
                scenario.difficulty,
                key=scenario.id,
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))

    def on_resize(self) -> None:
        self._fill_scenarios(self.size.width)

    def _show_details(self, row: int) -> None:
        app: SimulatorApp = self.app  # type: ignore[assignment]
        table = self.query_one("#scenarios", DataTable)
        key = table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
        if key is not None:
            self.query_one("#details-text", Static).update(scenario_details(app, key))

    @on(DataTable.RowHighlighted, "#scenarios")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_details(event.cursor_row)

    @on(DataTable.RowSelected, "#scenarios")
    def _selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app_start(event.row_key.value)

    @on(DataTable.RowSelected, "#resume")
    def _resume_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            app: SimulatorApp = self.app  # type: ignore[assignment]
            app.resume_session(event.row_key.value)

    def app_start(self, scenario_id: str) -> None:
        app: SimulatorApp = self.app  # type: ignore[assignment]
        app.start_session(scenario_id)

    def action_start(self) -> None:
        table = self.query_one("#scenarios", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
            if key is not None:
                self.app_start(key)

    def action_focus_resume(self) -> None:
        resume = self.query_one("#resume", DataTable)
        if resume.display:
            resume.focus()

    def action_focus_scenarios(self) -> None:
        self.query_one("#scenarios", DataTable).focus()

    def set_message(self, text: str, *, error: bool = False) -> None:
        """Show a one-line message (e.g. "starting...", or an error) under the lists."""
        label = self.query_one("#home-message", Label)
        label.update(Text(text))
        label.set_class(error, "-error")

    @work(thread=True, exclusive=True, group="resumable")
    def load_resumable(self) -> None:
        """List interrupted sessions off the UI thread (opening the store imports SQLAlchemy)."""
        app: SimulatorApp = self.app  # type: ignore[assignment]
        try:
            rows = app.list_unfinished()
        except Exception as exc:  # the list is a convenience: show the problem, keep going
            message = f"Could not read sessions: {exc}"
            self.app.call_from_thread(self.set_message, message, error=True)
            rows = []
        self.app.call_from_thread(self._fill_resumable, rows)

    def _fill_resumable(self, rows: list[dict[str, Any]]) -> None:
        resume = self.query_one("#resume", DataTable)
        resume.clear(columns=True)
        resume.add_columns("Scenario", "Turns", "Last activity")
        for row in rows:
            resume.add_row(row["title"], str(row["turns"]), row["when"], key=row["id"])
        resume.display = bool(rows)
        app: SimulatorApp = self.app  # type: ignore[assignment]
        app.home_complete()
