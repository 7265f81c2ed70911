"""Home: the scenario library, its details, and sessions that can be resumed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
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
    text.append(f"  ·  {persona.name}, {persona.age}  ·  {scenario.difficulty}\n", style="dim")
    text.append("Setting: ", style="bold")
    text.append(scenario.setting + "\n")
    if scenario.description:
        text.append(scenario.description.strip() + "\n")
    text.append("You will practise:\n", style="bold")
    for objective in scenario.learning_objectives:
        text.append(f" • {objective}\n")
    if scenario.locked:
        text.append("Assessed: no practice panel and no hints.\n", style="italic")
    return text


class HomeScreen(Screen[None]):
    """The first screen: pick a scenario (Enter) or resume an interrupted session."""

    BINDINGS = [
        Binding("enter", "start", "Start", priority=False),
        Binding("r", "focus_resume", "Resume list", show=True),
        Binding("s", "focus_scenarios", "Scenarios", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            table: DataTable[str] = DataTable(id="scenarios", cursor_type="row", zebra_stripes=True)
            table.border_title = "Scenarios"
            yield table
            details = Static("", id="details")
            details.border_title = "Details"
            yield details
            resume: DataTable[str] = DataTable(id="resume", cursor_type="row")
            resume.border_title = "Interrupted sessions (Enter resumes)"
            resume.display = False
            yield resume
            yield Label("", id="home-message")
        yield Footer()

    def on_mount(self) -> None:
        app: SimulatorApp = self.app  # type: ignore[assignment]
        table = self.query_one("#scenarios", DataTable)
        table.add_columns("Scenario", "Client", "Trust profile", "Difficulty")
        for scenario in app.scenarios_in_order():
            persona = app.library.persona(scenario.persona)
            table.add_row(
                scenario.title,
                persona.name,
                ", ".join(persona.profiles),
                scenario.difficulty + (" · assessed" if scenario.locked else ""),
                key=scenario.id,
            )
        table.focus()
        if table.row_count:
            table.move_cursor(row=0)
            self._show_details(0)
        else:
            self.query_one("#details", Static).update("No scenarios found in the content library.")
        self.load_resumable()

    def _show_details(self, row: int) -> None:
        app: SimulatorApp = self.app  # type: ignore[assignment]
        table = self.query_one("#scenarios", DataTable)
        key = table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
        if key is not None:
            self.query_one("#details", Static).update(scenario_details(app, key))

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
            return
        self.app.call_from_thread(self._fill_resumable, rows)

    def _fill_resumable(self, rows: list[dict[str, Any]]) -> None:
        resume = self.query_one("#resume", DataTable)
        resume.clear(columns=True)
        resume.add_columns("Scenario", "Turns", "Last activity")
        for row in rows:
            resume.add_row(row["title"], str(row["turns"]), row["when"], key=row["id"])
        resume.display = bool(rows)
