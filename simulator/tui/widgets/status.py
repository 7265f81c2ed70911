"""The status line: engine and model, turn count against the limit, elapsed time."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static


def format_elapsed(seconds: float) -> str:
    """Return ``seconds`` as ``MM:SS`` (or ``H:MM:SS`` past an hour)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class StatusLine(Static):
    """One line under the transcript. Elapsed time comes from the app's clock."""

    engine: reactive[str] = reactive("")
    model: reactive[str] = reactive("")
    turn: reactive[int] = reactive(0)
    limit: reactive[int] = reactive(0)
    elapsed: reactive[float] = reactive(0.0)
    state: reactive[str] = reactive("")

    def render(self) -> str:
        parts = [f"{self.engine} · {self.model}", f"turn {self.turn}/{self.limit}"]
        parts.append(format_elapsed(self.elapsed))
        if self.state:
            parts.append(self.state)
        return "  │  ".join(parts)
