"""The practice panel: what the trainee's words did to the relationship.

It only displays state the session engine owns (trust, rupture, unlocked
layers, the analyzer's codes); it never computes any of it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, ProgressBar, Sparkline, Static

from simulator.analysis.codes import describe


class PracticePanel(VerticalScroll):
    """Trust meter, trust sparkline, open rupture, unlocked layers, last analysis."""

    can_focus = False

    def compose(self) -> ComposeResult:
        yield Label("Trust", classes="panel-title")
        yield ProgressBar(total=100, show_eta=False, show_percentage=True, id="trust-meter")
        yield Static("", id="trust-band")
        yield Sparkline([], id="trust-spark")
        yield Label("Rupture", classes="panel-title")
        yield Static("none", id="rupture")
        yield Label("Unlocked", classes="panel-title")
        yield Static("", id="unlocked")
        yield Label("Last turn", classes="panel-title")
        yield Static("", id="last-turn")

    def show(
        self,
        *,
        trust: float,
        band: str,
        history: Sequence[float],
        rupture: str | None,
        unlocked: Sequence[str],
        last_codes: Sequence[str] | None,
    ) -> None:
        """Redraw the panel from the session's current state."""
        self.query_one("#trust-meter", ProgressBar).update(progress=round(trust, 1))
        self.query_one("#trust-band", Static).update(f"{trust:.0f}/100 · {band}")
        # A sparkline of one point draws nothing useful; repeat it so the level shows.
        points = list(history) or [trust]
        self.query_one("#trust-spark", Sparkline).data = points if len(points) > 1 else points * 2
        rupture_widget = self.query_one("#rupture", Static)
        rupture_widget.update(f"{rupture} (open)" if rupture else "none")
        rupture_widget.set_class(bool(rupture), "-open")
        self.query_one("#unlocked", Static).update(", ".join(unlocked) or "nothing yet")
        last = "—" if last_codes is None else describe(tuple(last_codes))
        self.query_one("#last-turn", Static).update(Text(last))
