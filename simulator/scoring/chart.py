"""The trust-over-time chart as inline SVG (no scripts, no external resources)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 16, 32


@dataclass(frozen=True)
class Mark:
    """A vertical mark on the chart: a rupture opening or its repair."""

    x: float
    kind: str  # "opened" or "resolved"
    label: str


@dataclass(frozen=True)
class TrustChart:
    """Geometry of the chart, ready for the template."""

    width: int
    height: int
    polyline: str
    points: list[tuple[float, float, float, int]]  # x, y, trust value, trainee turn number
    marks: list[Mark]
    gridlines: list[tuple[float, int]]  # y, trust level
    x_ticks: list[tuple[float, int]]  # x, trainee turn number
    plot: tuple[int, int, int, int]  # left, top, right, bottom


def trust_chart(
    trust: list[float], ruptures: list[dict[str, Any]], trainee_turns: int
) -> TrustChart:
    """Lay out the trust history with rupture opened/resolved marks.

    Args:
        trust: Trust values; either one per trainee turn, or the initial value followed by one
            per trainee turn.
        ruptures: The report's rupture entries (``opened_turn``/``resolved_turn`` in trainee
            turns).
        trainee_turns: How many trainee turns the transcript has.
    """
    # Value k belongs to trainee turn k (when the initial value leads) or k + 1.
    first_turn = 1 if len(trust) == trainee_turns and trainee_turns > 0 else 0
    last_turn = first_turn + max(len(trust) - 1, 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def x_of(turn: float) -> float:
        return round(LEFT + plot_w * (turn - first_turn) / (last_turn - first_turn), 1)

    def y_of(value: float) -> float:
        return round(TOP + plot_h * (1 - max(0.0, min(100.0, value)) / 100.0), 1)

    points = [(x_of(first_turn + k), y_of(v), v, first_turn + k) for k, v in enumerate(trust)]
    marks: list[Mark] = []
    for r in ruptures:
        opened = max(first_turn, min(last_turn, r["opened_turn"]))
        marks.append(Mark(x_of(opened), "opened", f"{r['kind']} opened (turn {r['opened_turn']})"))
        if r.get("resolved_turn") is not None:
            resolved = max(first_turn, min(last_turn, r["resolved_turn"]))
            marks.append(Mark(x_of(resolved), "resolved", f"repaired (turn {r['resolved_turn']})"))
    step = max(1, (last_turn - first_turn) // 10)
    ticks = [(x_of(t), t) for t in range(first_turn, last_turn + 1, step)]
    return TrustChart(
        width=WIDTH,
        height=HEIGHT,
        polyline=" ".join(f"{x},{y}" for x, y, _, _ in points),
        points=points,
        marks=marks,
        gridlines=[(y_of(level), level) for level in (0, 25, 50, 75, 100)],
        x_ticks=ticks,
        plot=(LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM),
    )
