"""Markdown and HTML reports: content, self-containment, the trust chart."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.content.models import Rubric
from simulator.scoring import render_html, render_markdown, score_transcript

FIXTURE = Path(__file__).parent / "fixtures" / "scoring" / "rubric.yaml"

TURNS: list[dict[str, Any]] = [
    {"speaker": "client", "text": "I don't see the point of this.", "codes": ["confrontation"]},
    {"speaker": "trainee", "text": "You'd have to be <crazy> not to try.", "codes": ["confront"]},
    {"speaker": "client", "text": "Whatever.", "codes": ["withdrawal"]},
    {
        "speaker": "trainee",
        "text": "I'm sorry, that came out wrong. How was that for you?",
        "codes": ["apologize", "invite_feedback", "question_open"],
    },
    {"speaker": "client", "text": "Better.", "codes": ["neutral"]},
    {
        "speaker": "trainee",
        "text": "Part of you doubts this can help, and part of you came anyway.",
        "codes": ["reflection_complex"],
    },
]
RUPTURES = [{"kind": "confrontation", "opened_turn": 0, "resolved_turn": 2}]


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    rubric = Rubric.model_validate(yaml.safe_load(FIXTURE.read_text()))
    return score_transcript(TURNS, rubric, ruptures=RUPTURES, trust=[20.0, 8.0, 14.0, 19.0])


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def test_markdown_has_scores_evidence_feedback_indicators(report: dict[str, Any]) -> None:
    md = render_markdown(report)
    assert "| Empathy | " in md
    # Repaired, but after a confronting turn inside the rupture: partial.
    assert "## Rupture repair: 3/5, Partial" in md
    assert "turn 5 (complex reflection)" in md
    assert "Help me understand what was going on for you then." in md  # the confront turn
    assert "| Complex reflections | 100.0% | 40% / 50% | good |" in md
    assert "Confrontation after trainee turn 0: repaired at trainee turn 2 (session)" in md
    assert "20 -> 8 -> 14 -> 19" in md


def test_html_is_self_contained_with_bars_and_escaped_text(report: dict[str, Any]) -> None:
    html = render_html(report)
    assert not re.search(r"https?://", html)
    parser = _Collector()
    parser.feed(html)
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    assert not any(name == "src" for name, _ in parser.attrs)
    assert "<style>" in html
    # One bar per dimension, its width from the continuous value.
    value = report["dimensions"]["empathy"]["value"]
    assert f'style="width: {round(value / 5 * 100, 1)}%"' in html
    assert html.count('class="bar"') == len(report["dimensions"])
    # Trainee words are data: escaped, never markup.
    assert "&lt;crazy&gt;" in html and "<crazy>" not in html


def test_html_trust_chart_with_rupture_marks(report: dict[str, Any]) -> None:
    html = render_html(report)
    assert '<svg id="trust-chart"' in html
    points = re.search(r'<polyline points="([^"]+)"', html)
    assert points is not None and len(points.group(1).split()) == 4
    assert html.count('class="mark-opened"') == 1
    assert html.count('class="mark-resolved"') == 1
    # Lower trust is drawn lower (larger y): 20 then 8.
    ys = [float(p.split(",")[1]) for p in points.group(1).split()]
    assert ys[1] > ys[0] and ys[3] < ys[1]


def test_html_without_trust_has_no_chart_and_marks_not_observed() -> None:
    rubric = Rubric.model_validate(yaml.safe_load(FIXTURE.read_text()))
    quiet = score_transcript([{"speaker": "trainee", "text": "Hello.", "codes": ["other"]}], rubric)
    html = render_html(quiet)
    assert "<svg" not in html
    assert "not observed" in html
    assert "Rupture repair | not observed |" in render_markdown(quiet)
