"""A text chart of trust over the session, with rupture and repair marks.

Drawn with block characters so it reads the same in a terminal, in a
browser (textual-serve) and in a snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

_BLOCKS = " ▁▂▃▄▅▆▇█"
RUPTURE_MARK = "✗"
REPAIR_MARK = "✓"


def render_trust_chart(
    values: Sequence[float],
    marks: Mapping[int, str] | None = None,
    *,
    height: int = 6,
    width: int = 76,
    first_turn: int = 0,
    ticks: Sequence[int] | None = None,
) -> Text:
    """Draw ``values`` (0-100, one per turn) as vertical bars.

    Args:
        values: trust after each turn, oldest first.
        marks: column index -> :data:`RUPTURE_MARK` or :data:`REPAIR_MARK`
            (or both, concatenated) shown under the bar.
        height: rows of bars.
        width: the most columns the chart may take.
        first_turn: the turn number the first value belongs to (for the axis).
        ticks: the turn number to print under each value (default: counting from
            ``first_turn``), e.g. transcript indexes so the axis matches quoted turns.
    """
    marks = marks or {}
    out = Text(no_wrap=True, overflow="crop")
    if not values:
        out.append("no turns yet", style="dim")
        return out
    axis = 5  # "100 ┤"
    cell = max(1, min(5, (width - axis) // len(values)))
    shown = list(values)[-max(1, (width - axis) // cell) :]
    offset = len(values) - len(shown)
    for row in range(height, 0, -1):
        top = 100 * row / height
        label = f"{top:>3.0f} ┤" if row in (height, (height + 1) // 2) else "    │"
        out.append(label, style="dim")
        for value in shown:
            eighths = round(max(0.0, min(100.0, value)) / 100 * height * 8) - (row - 1) * 8
            char = _BLOCKS[max(0, min(8, eighths))]
            style = "green" if value >= 60 else "yellow" if value >= 30 else "red"
            out.append(char * max(1, cell - 1) + (" " if cell > 1 else ""), style=style)
        out.append("\n")
    out.append("  0 └" + "─" * (cell * len(shown)) + "\n", style="dim")
    out.append("     ")
    for i in range(len(shown)):
        mark = marks.get(i + offset, "")
        style = "bold red" if RUPTURE_MARK in mark else "bold green"
        out.append(f"{mark[: cell]:<{cell}}" if mark else " " * cell, style=style)
    out.append("\n     ")
    out.append(_tick_row(shown_ticks(ticks, first_turn, offset, len(shown)), cell), style="dim")
    return out


def shown_ticks(ticks: Sequence[int] | None, first: int, offset: int, count: int) -> list[int]:
    """The turn numbers under the ``count`` columns shown (the last ones)."""
    if ticks is not None:
        return list(ticks)[offset : offset + count]
    return [first + offset + i for i in range(count)]


def _tick_row(turns: list[int], cell: int) -> str:
    """Turn numbers under their columns, skipping any that would overlap the previous one."""
    row = [" "] * (len(turns) * cell)
    free_from = 0
    for i, turn in enumerate(turns):
        label, at = str(turn), i * cell
        roomy = cell >= len(label) + 1
        if at >= free_from and at + len(label) <= len(row) and (roomy or turn % 5 == 0):
            row[at : at + len(label)] = label
            free_from = at + len(label) + 1
    return "".join(row)


class TrustChart(Widget):
    """Trust per turn with ✗ where a rupture opened and ✓ where it was repaired."""

    DEFAULT_CSS = "TrustChart { height: auto; }"

    def __init__(
        self,
        values: Sequence[float],
        marks: Mapping[int, str] | None = None,
        *,
        first_turn: int = 0,
        ticks: Sequence[int] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.values = list(values)
        self.marks = dict(marks or {})
        self.first_turn = first_turn
        self.ticks = list(ticks) if ticks is not None else None

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 9 if self.values else 1

    def render(self) -> Text:
        return render_trust_chart(
            self.values, self.marks, width=self.size.width or 76, first_turn=self.first_turn,
            ticks=self.ticks,
        )
