"""Report exports: Markdown and HTML from the scoring renderers, JSON of session and report.

No Textual here: exporting is plain file writing over the library's renderers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def export_report(
    session: Any, report: dict[str, Any], folder: Path, formats: Sequence[str]
) -> list[Path]:
    """Write the report as Markdown, HTML and/or JSON into ``folder``; return the paths.

    Args:
        session: the finished ``Session``.
        report: its report (``Session.report()``).
        folder: where to write; created if missing.
        formats: any of ``md``, ``html``, ``json``.

    Raises:
        OSError: the folder or a file cannot be written.
        ValueError: an unknown format.
    """
    from simulator.scoring import render_html, render_markdown

    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{session.scenario.id}-{session.id}"
    written = []
    for fmt in formats:
        path = folder / f"{stem}.{fmt}"
        if fmt == "md":
            path.write_text(render_markdown(report), encoding="utf-8")
        elif fmt == "html":
            path.write_text(render_html(report), encoding="utf-8")
        elif fmt == "json":
            # The ``simulate --json`` document, with the report already shown on screen.
            document = session.to_dict(report=False)
            document["report"] = report
            path.write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")
        else:
            raise ValueError(f"unknown export format {fmt!r}")
        written.append(path)
    return written
