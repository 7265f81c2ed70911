"""MITI-style summary indicators of a session (after MITI 4.2.1's behaviour counts).

Counts are per trainee turn: a turn coded ``reflection_complex`` counts once as a reflection
and once as complex, whatever else it holds. The thresholds are MITI's expert "fair" and
"good" levels quoted in DOMAIN.md.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from simulator.scoring.transcript import Turn

MI_ADHERENT = ("affirm", "emphasize_autonomy", "seek_collaboration", "advise_with_permission")
MI_NON_ADHERENT = ("confront", "warn", "direct", "advise_without_permission")

#: MITI 4.2.1 thresholds (fair, good).
THRESHOLDS: dict[str, dict[str, float]] = {
    "percent_complex_reflections": {"fair": 40.0, "good": 50.0},
    "reflection_to_question_ratio": {"fair": 1.0, "good": 2.0},
}


def rate(name: str, value: float | None) -> str:
    """Rate an indicator against its thresholds: ``good``, ``fair``, ``below fair`` or ``n/a``."""
    if value is None:
        return "n/a"
    limits = THRESHOLDS[name]
    if value >= limits["good"]:
        return "good"
    if value >= limits["fair"]:
        return "fair"
    return "below fair"


def indicators(turns: list[Turn]) -> dict[str, Any]:
    """Compute the indicators over the trainee turns of a labelled transcript.

    Returns:
        ``trainee_turns``, ``reflections``, ``complex_reflections``, ``questions``,
        ``open_questions``, ``percent_complex_reflections`` (None without reflections),
        ``reflection_to_question_ratio`` (None without questions), ``mi_adherent`` and
        ``mi_non_adherent`` counts (with per-code breakdowns), ``code_counts``, ``thresholds``
        and ``ratings``.
    """
    trainee = [t for t in turns if t.is_trainee]
    per_code: Counter[str] = Counter()
    for turn in trainee:
        per_code.update(set(turn.codes))
    complex_ = sum(1 for t in trainee if "reflection_complex" in t.codes)
    reflections = sum(
        1 for t in trainee if {"reflection_simple", "reflection_complex"} & set(t.codes)
    )
    questions = sum(1 for t in trainee if {"question_open", "question_closed"} & set(t.codes))
    pct = round(100.0 * complex_ / reflections, 1) if reflections else None
    ratio = round(reflections / questions, 2) if questions else None
    return {
        "trainee_turns": len(trainee),
        "reflections": reflections,
        "complex_reflections": complex_,
        "questions": questions,
        "open_questions": per_code["question_open"],
        "percent_complex_reflections": pct,
        "reflection_to_question_ratio": ratio,
        "mi_adherent": sum(per_code[c] for c in MI_ADHERENT),
        "mi_non_adherent": sum(per_code[c] for c in MI_NON_ADHERENT),
        "mi_adherent_codes": {c: per_code[c] for c in MI_ADHERENT},
        "mi_non_adherent_codes": {c: per_code[c] for c in MI_NON_ADHERENT},
        "code_counts": dict(sorted(per_code.items())),
        "thresholds": THRESHOLDS,
        "ratings": {
            "percent_complex_reflections": rate("percent_complex_reflections", pct),
            "reflection_to_question_ratio": rate("reflection_to_question_ratio", ratio),
        },
    }
