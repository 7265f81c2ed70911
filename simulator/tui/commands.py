"""Command-palette entries: start a scenario, toggle the panel, hint, end, theme."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from simulator.tui.app import SimulatorApp


class SimulatorCommands(Provider):
    """The app's own commands, next to Textual's built-in ones."""

    def _commands(self) -> list[tuple[str, str, Callable[[], None]]]:
        app: SimulatorApp = self.app  # type: ignore[assignment]
        commands: list[tuple[str, str, Callable[[], None]]] = [
            ("Toggle practice panel", "Show or hide trust, rupture and analysis (F2)",
             partial(app.screen_action, "toggle_panel")),
            ("Hint", "Suggest a better next move (F3)", partial(app.screen_action, "hint")),
            ("End session", "Finish and see the report (F8)",
             partial(app.screen_action, "end_session")),
            ("Toggle light/dark theme", "Switch between the light and dark theme (Ctrl+T)",
             app.action_toggle_theme),
        ]
        for scenario in app.scenarios_in_order():
            commands.append((
                f"Start scenario: {scenario.title}",
                f"{scenario.difficulty} · {scenario.setting}",
                partial(app.start_session, scenario.id),
            ))
        return commands

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)
