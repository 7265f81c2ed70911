"""Score a whole transcript against a rubric: the entry point the session engine and CLI use."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from simulator.analysis.base import Analyzer
from simulator.analysis.codes import REPAIR_CODES
from simulator.content.models import Rubric
from simulator.scoring.dimensions import Tuning, score_dimension
from simulator.scoring.indicators import indicators
from simulator.scoring.ruptures import describe, detect, from_session, score_ruptures
from simulator.scoring.transcript import TranscriptError, label_turns

#: The dimension scored from ruptures rather than from code rates.
RUPTURE_DIMENSION = "rupture_repair"


def _trust(values: Sequence[Any] | None) -> list[float]:
    if values is None:
        return []
    result = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise TranscriptError(f"trust {i}: expected a number, got {v!r}")
        result.append(float(v))
    return result


def score_transcript(
    turns: Sequence[Mapping[str, Any]],
    rubric: Rubric,
    *,
    ruptures: Sequence[Mapping[str, Any]] | None = None,
    trust: Sequence[float] | None = None,
    analyzer: Analyzer | None = None,
    tuning: Tuning | None = None,
) -> dict[str, Any]:
    """Score a transcript on every dimension of ``rubric``.

    Args:
        turns: ``{"speaker": "trainee"|"therapist"|"client", "text", "codes"?}`` in order. Turns
            with ``codes`` are not re-analysed.
        rubric: The rubric whose dimensions are scored.
        ruptures: Ruptures the session engine recorded (``{"kind", "opened_turn",
            "resolved_turn"}``, turns counted in trainee turns); ``None`` detects them from the
            client turns' codes.
        trust: Trust history (one value per trainee turn, optionally preceded by the initial
            value), drawn as a chart in the HTML report.
        analyzer: Labels turns without codes (default: the offline analyzer).
        tuning: The formula's constants (default: the documented ones).

    Returns:
        ``{"rubric", "dimensions": {id: {"score" (int or None), "value", "level",
        "level_description", "evidence": [{"index", "text", "codes", "direction", "weight"}],
        "suggestions", "feedback"}}, "indicators", "ruptures", "trust", "transcript"}``.

    Raises:
        TranscriptError: A turn, rupture or trust value is malformed.
    """
    labelled = label_turns(turns, analyzer)
    tuning = tuning or Tuning()
    dimensions: dict[str, dict[str, Any]] = {}
    rupture_entries: list[dict[str, Any]] | None = None
    for dim in rubric.dimensions:
        if dim.id == RUPTURE_DIMENSION:
            dimensions[dim.id], rupture_entries = score_ruptures(dim, labelled, ruptures)
        else:
            dimensions[dim.id] = score_dimension(dim, labelled, tuning)
    if rupture_entries is None:
        # No repair dimension in this rubric: still list the ruptures for the report.
        found = from_session(ruptures) if ruptures is not None else detect(labelled, REPAIR_CODES)
        rupture_entries = [describe(r, None, REPAIR_CODES) for r in found]
    return {
        "rubric": {"id": rubric.id, "title": rubric.title},
        "dimensions": dimensions,
        "indicators": indicators(labelled),
        "ruptures": rupture_entries,
        "trust": _trust(trust),
        "transcript": [
            {
                "index": t.index,
                "speaker": t.role,
                "text": t.text,
                "codes": list(t.codes),
            }
            for t in labelled
        ],
    }
