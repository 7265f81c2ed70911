"""Command-line front end: a thin layer over the library.

Each module below registers its commands on :data:`simulator.cli.app.app`.
"""

from __future__ import annotations

from simulator.cli import (  # noqa: F401  (imported to register their commands)
    analysis_cmds,
    app_cmds,
    content_cmds,
    simulate_cmd,
)
from simulator.cli.app import app


def main() -> None:
    """Console-script entry point."""
    app()
