"""The app's light and dark themes (calm colours; ``ctrl+t`` switches)."""

from __future__ import annotations

from textual.theme import Theme

DARK, LIGHT = "simulator-dark", "simulator-light"
THEMES = (
    Theme(name=DARK, primary="#5fa8d3", secondary="#9a8fc9", accent="#e0a458",
          success="#6bbf73", warning="#e0a458", error="#e06c75",
          background="#1b1f24", surface="#23282f", panel="#2c333b", dark=True),
    Theme(name=LIGHT, primary="#1f6f9f", secondary="#6a5aa8", accent="#b86e12",
          success="#2e7d32", warning="#b86e12", error="#c62828",
          background="#f7f5f0", surface="#ffffff", panel="#e8e4da", dark=False),
)

