"""Pass or fail: a scenario's ``pass_criteria`` checked against a finished session.

The scorer says how well the trainee did on each rubric dimension; this module
says whether that, the final trust and the fate of the ruptures meet the bar
the instructor set in the scenario file. Every criterion is reported with what
was required, what the session reached and whether it passed, so a trainee
who fails can see why.

How unscored dimensions count (a deliberate choice, documented in the README):

- ``rupture_repair`` left unscored ("not observed": no rupture opened, or the
  session ended as one opened) is *not applicable* and passes. A trainee who
  never strained the relationship has nothing to repair; whether every rupture
  was repaired is what ``ruptures_resolved`` is for.
- Any other dimension left unscored (the trainee did not speak; an LLM judge
  could not grade it) fails: the attempt was not shown to meet the bar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from simulator.content.models import PassCriteria

#: The one dimension whose absence of evidence means "nothing to assess" rather than
#: "not shown": it is scored only when a rupture opens (see ``simulator.scoring``).
NOT_APPLICABLE_WHEN_UNSCORED = frozenset({"rupture_repair"})


def assess(
    criteria: PassCriteria,
    report: Mapping[str, Any],
    *,
    final_trust: float,
    ruptures: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """Check a session against its scenario's pass criteria.

    Args:
        criteria: The scenario's ``pass_criteria``.
        report: The scorer's report (its ``dimensions`` are read).
        final_trust: Trust at the end of the session, 0-100.
        ruptures: The session's ruptures, each with ``resolved_turn`` (``None`` when unrepaired).

    Returns:
        ``{"passed": bool, "criteria": [{"name", "required", "actual", "passed", "note"}]}``.
        ``name`` is the criterion's key in the scenario file (``min_scores.empathy``,
        ``min_final_trust``, ``ruptures_resolved``). A scenario without criteria passes.
    """
    dimensions: Mapping[str, Any] = report.get("dimensions") or {}
    results = [
        _min_score(dim, minimum, dimensions.get(dim))
        for dim, minimum in criteria.min_scores.items()
    ]
    if criteria.min_final_trust is not None:
        actual = round(float(final_trust), 2)
        results.append(
            _result(
                "min_final_trust",
                criteria.min_final_trust,
                actual,
                actual >= criteria.min_final_trust,
                f"trust ended at {actual:g}/100",
            )
        )
    if criteria.ruptures_resolved:
        unresolved = [r for r in ruptures if r.get("resolved_turn") is None]
        note = (
            "no rupture opened"
            if not ruptures
            else f"{len(ruptures) - len(unresolved)} of {len(ruptures)} rupture(s) repaired"
        )
        results.append(_result("ruptures_resolved", True, not unresolved, not unresolved, note))
    return {"passed": all(r["passed"] for r in results), "criteria": results}


def _min_score(dim: str, minimum: int, entry: Mapping[str, Any] | None) -> dict[str, Any]:
    name = f"min_scores.{dim}"
    if entry is None:
        return _result(name, minimum, None, False, f"the rubric has no dimension {dim!r}")
    score = entry.get("score")
    if score is None:
        level = str(entry.get("level") or "unscored")
        if dim in NOT_APPLICABLE_WHEN_UNSCORED:
            return _result(name, minimum, None, True, f"{level}: not applicable")
        return _result(name, minimum, None, False, f"{level}: not shown to meet the bar")
    return _result(name, minimum, score, score >= minimum, f"scored {score}/5")


def _result(name: str, required: Any, actual: Any, passed: bool, note: str) -> dict[str, Any]:
    return {"name": name, "required": required, "actual": actual, "passed": passed, "note": note}
