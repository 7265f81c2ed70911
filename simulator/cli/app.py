"""The Typer application every command module registers on.

Command modules import heavy libraries inside their functions, never at the
top, so that ``simulator`` starts fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="simulator",
    help="Practise earning a simulated client's trust, and get scored on it.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
