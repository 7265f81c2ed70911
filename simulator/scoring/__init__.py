"""Session scoring: rubric dimensions, MITI-style indicators, feedback and reports.

``score_transcript`` turns a transcript (with or without behaviour codes) into a report
dict; ``render_markdown`` and ``render_html`` turn that dict into a document.
"""

from __future__ import annotations

from simulator.scoring.render import render_html, render_markdown
from simulator.scoring.scorer import score_transcript
from simulator.scoring.transcript import TranscriptError

__all__ = ["TranscriptError", "render_html", "render_markdown", "score_transcript"]
