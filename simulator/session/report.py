"""A finished (or running) session, scored: the rubric report plus its pass/fail assessment.

The rubric scorer sees the transcript with the codes the live loop already
assigned (no second analysis), the ruptures the trust model recorded and the
trust history; the scenario's pass criteria are then checked against that
report (:func:`simulator.assessment.assess`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simulator.analysis.base import Analyzer
from simulator.assessment import assess
from simulator.content.models import Rubric, Scenario
from simulator.session.records import TurnRecord
from simulator.trust import TrustState

#: The rupture fields the report and ``simulate --json`` show (repair credit is internal).
RUPTURE_FIELDS = ("kind", "opened_turn", "resolved_turn", "cause")


def rupture_rows(trust: TrustState) -> list[dict[str, Any]]:
    """The session's ruptures as JSON-ready rows, oldest first."""
    return [{k: r.to_dict()[k] for k in RUPTURE_FIELDS} for r in trust.ruptures]


def score_session(
    turns: Sequence[TurnRecord],
    trust: TrustState,
    scenario: Scenario,
    rubric: Rubric,
    analyzer: Analyzer,
) -> dict[str, Any]:
    """Return the scorer's report with ``"assessment"`` added."""
    # Imported here: the scorer (and jinja2 report templates) are not needed to run a turn.
    from simulator.scoring import score_transcript

    ruptures = rupture_rows(trust)
    report: dict[str, Any] = score_transcript(
        [t.to_dict() for t in turns],
        rubric,
        ruptures=ruptures,
        trust=list(trust.history),
        analyzer=analyzer,
    )
    report["assessment"] = assess(
        scenario.pass_criteria, report, final_trust=trust.value, ruptures=ruptures
    )
    return report
