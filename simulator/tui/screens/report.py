"""The report screen: rubric scores with evidence, the trust chart, and exports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Static

from simulator.analysis.codes import describe
from simulator.tui.widgets.trust_chart import REPAIR_MARK, RUPTURE_MARK, TrustChart

if TYPE_CHECKING:
    from simulator.tui.app import SimulatorApp

ENDINGS = {
    "trainee": "you ended the session",
    "turn_limit": "the turn limit was reached",
    "scenario_end": "the scenario came to its end",
}


def score_bar(score: int | None, *, width: int = 5) -> Text:
    """``■■■□□ 3/5`` (or ``not scored``)."""
    if score is None:
        return Text("not scored", style="dim italic")
    bar = Text("■" * score, style="bold green" if score >= 4 else "yellow" if score >= 3 else "red")
    bar.append("□" * (width - score), style="dim")
    bar.append(f" {score}/{width}")
    return bar


def dimension_block(name: str, result: dict[str, Any]) -> Text:
    """One rubric dimension: score bar, level, feedback, evidence quotes."""
    text = Text()
    text.append(f"{name}  ", style="bold")
    text.append_text(score_bar(result.get("score")))
    if result.get("level"):
        text.append(f"  {result['level']}", style="italic")
    text.append("\n")
    feedback = str(result.get("feedback") or "").strip()
    # The scorer's feedback repeats "Name: 3/5 (Level)." which the line above already shows.
    feedback = re.sub(rf"^{re.escape(name)}:\s*(\d/5 \([^)]*\)\.\s*)?", "", feedback)
    if feedback:
        text.append(feedback + "\n")
    for quote in result.get("evidence") or []:
        against = quote.get("direction") == "against"
        text.append("  − " if against else "  + ", style="bold red" if against else "bold green")
        text.append(f"turn {quote.get('index', '?')}: ", style="dim")
        text.append(f"“{quote.get('text', '')}”", style="italic")
        if quote.get("codes"):
            text.append(f"  ({describe(tuple(quote['codes']))})", style="dim")
        text.append("\n")
    text.rstrip()
    return text


def assessment_block(assessment: dict[str, Any] | None) -> Text | None:
    """Pass or not against the scenario's criteria, each criterion with its note."""
    criteria = (assessment or {}).get("criteria") or []
    if not criteria:
        return None
    assert assessment is not None
    text = Text("Assessment: ", style="bold")
    passed = bool(assessment.get("passed"))
    text.append("passed" if passed else "not passed", style="bold green" if passed else "bold red")
    for item in criteria:
        ok = bool(item.get("passed"))
        text.append("\n  ✓ " if ok else "\n  ✗ ", style="green" if ok else "red")
        text.append(str(item.get("name", "")))
        if item.get("note"):
            text.append(f": {item['note']}", style="dim")
    return text


def rupture_marks(ruptures: list[dict[str, Any]], *, first_turn: int) -> dict[int, str]:
    """Chart columns where a rupture opened (✗) and where it was repaired (✓)."""
    marks: dict[int, str] = {}

    def put(turn: Any, mark: str) -> None:
        if isinstance(turn, int):
            column = turn - first_turn
            marks[column] = marks.get(column, "") + mark

    for rupture in ruptures:
        put(_first(rupture, "opened_turn", "opened_at", "opened", "turn"), RUPTURE_MARK)
        put(_first(rupture, "resolved_turn", "resolved_at", "repaired_at", "repaired"), REPAIR_MARK)
    return marks


def _first(mapping: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if mapping.get(key) is not None:
            return mapping[key]
    return None


class ReportScreen(Screen[None]):
    """Feedback the trainee can act on, and the files to keep it."""

    BINDINGS = [
        Binding("m", "export('md')", "Markdown"),
        Binding("h", "export('html')", "HTML"),
        Binding("j", "export('json')", "JSON"),
        Binding("a", "export_all", "Export all"),
        Binding("escape", "home", "Home"),
    ]

    def __init__(self, session: Any, reason: str, report: dict[str, Any]) -> None:
        super().__init__()
        self.session = session
        self.reason = reason
        self.report = report
        self.exported: list[Path] = []

    def compose(self) -> ComposeResult:
        app: SimulatorApp = self.app  # type: ignore[assignment]
        yield Header()
        with VerticalScroll(id="report"):
            yield Static(self._summary(), id="summary")
            assessment = assessment_block(self.report.get("assessment"))
            if assessment is not None:
                yield Static(assessment, id="assessment")
            for dim_id, result in (self.report.get("dimensions") or {}).items():
                yield Static(dimension_block(self._dimension_name(dim_id), result), classes="dim")
            values = self.report.get("trust") or list(self.session.trust.history)
            first = 0 if len(values) > self.session.trainee_turns else 1
            # Number the axis like the quotes: by place in the transcript.
            trainee_at = [t.index for t in self.session.turns if t.speaker == "trainee"]
            ticks = ([0] if first == 0 else []) + trainee_at
            chart = TrustChart(
                values,
                rupture_marks(self.report.get("ruptures") or [], first_turn=first),
                first_turn=first,
                ticks=ticks if len(ticks) == len(values) else None,
                id="chart",
            )
            chart.border_title = (
                f"Trust after each of your turns ({RUPTURE_MARK} rupture, {REPAIR_MARK} repaired)"
            )
            yield chart
        with Vertical(id="export"):
            with Horizontal():
                yield Label("Export to ", id="export-label")
                yield Input(str(app.export_dir), id="export-dir")
            yield Static("m, h, j or a writes the report into this folder.", id="export-status")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Report · {self.session.scenario.title}"
        self.query_one("#report").focus()

    def _dimension_name(self, dim_id: str) -> str:
        try:
            return str(self.session.rubric.dimension(dim_id).name)
        except (KeyError, AttributeError):
            return dim_id

    def _summary(self) -> Text:
        trust = self.session.trust
        text = Text()
        text.append("Session over: ", style="bold")
        text.append(ENDINGS.get(self.reason, self.reason) + ".  ")
        text.append(f"{self.session.trainee_turns} turns, final trust {trust.value:.0f}/100")
        ruptures = self.report.get("ruptures") or []
        if ruptures:
            repaired = sum(1 for r in ruptures if _first(r, "resolved_turn", "resolved_at",
                                                        "repaired_at", "repaired") is not None)
            text.append(f", {len(ruptures)} rupture(s), {repaired} repaired")
        text.append(".")
        return text

    @on(Input.Submitted, "#export-dir")
    def _dir_submitted(self) -> None:
        self.action_export_all()

    def action_export(self, fmt: str) -> None:
        self._write([fmt])

    def action_export_all(self) -> None:
        self._write(["md", "html", "json"])

    def _write(self, formats: list[str]) -> None:
        app: SimulatorApp = self.app  # type: ignore[assignment]
        folder = Path(self.query_one("#export-dir", Input).value.strip() or app.export_dir)
        status = self.query_one("#export-status", Static)
        try:
            paths = app.export_report(self.session, self.report, folder.expanduser(), formats)
        except OSError as exc:
            status.update(Text(f"Could not write to {folder}: {exc.strerror or exc}"))
            status.add_class("-error")
            return
        self.exported.extend(paths)
        status.remove_class("-error")
        status.update(Text("Wrote " + ", ".join(str(p) for p in paths)))

    def action_home(self) -> None:
        app: SimulatorApp = self.app  # type: ignore[assignment]
        app.go_home()
