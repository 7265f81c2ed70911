"""Pass criteria: ``simulator.assessment.assess`` alone, in ``Session.report()`` and in
``simulate --json``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from simulator.assessment import assess
from simulator.cli import app
from simulator.clients.scripted import ScriptedEngine
from simulator.content.library import Library, load_library
from simulator.content.models import PassCriteria
from simulator.session import Session

TRAINEES = Path(__file__).parent / "trainees"


def report(**scores: int | None) -> dict[str, Any]:
    """A scorer-shaped report; ``None`` is an unscored ("not observed") dimension."""
    return {
        "dimensions": {
            dim: {"score": score, "level": "not observed" if score is None else "Skilful"}
            for dim, score in scores.items()
        }
    }


def by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in result["criteria"]}


# --------------------------------------------------------------------------- the rules


def test_every_criterion_is_reported_with_required_actual_and_verdict() -> None:
    criteria = PassCriteria(
        min_scores={"empathy": 3, "openness": 4}, min_final_trust=30, ruptures_resolved=True
    )
    result = assess(
        criteria,
        report(empathy=4, openness=3),
        final_trust=41.5,
        ruptures=[{"resolved_turn": 5}],
    )
    rows = by_name(result)
    assert list(rows) == [
        "min_scores.empathy",
        "min_scores.openness",
        "min_final_trust",
        "ruptures_resolved",
    ]
    assert {k: rows["min_scores.empathy"][k] for k in ("required", "actual", "passed")} == {
        "required": 3,
        "actual": 4,
        "passed": True,
    }
    assert rows["min_scores.openness"]["passed"] is False
    assert rows["min_final_trust"]["actual"] == 41.5 and rows["min_final_trust"]["passed"]
    assert rows["ruptures_resolved"]["passed"] and "1 of 1" in rows["ruptures_resolved"]["note"]
    assert result["passed"] is False  # one criterion failed


def test_boundaries_are_inclusive() -> None:
    criteria = PassCriteria(min_scores={"empathy": 3}, min_final_trust=30)
    assert assess(criteria, report(empathy=3), final_trust=30.0, ruptures=[])["passed"]
    assert not assess(criteria, report(empathy=3), final_trust=29.99, ruptures=[])["passed"]


def test_unscored_rupture_repair_is_not_applicable_and_passes() -> None:
    """No rupture, nothing to repair: the trainee is not failed for it."""
    criteria = PassCriteria(min_scores={"rupture_repair": 3})
    result = assess(criteria, report(rupture_repair=None), final_trust=50, ruptures=[])
    row = by_name(result)["min_scores.rupture_repair"]
    assert result["passed"] and row["actual"] is None and "not applicable" in row["note"]


def test_any_other_unscored_dimension_fails() -> None:
    criteria = PassCriteria(min_scores={"empathy": 1})
    result = assess(criteria, report(empathy=None), final_trust=50, ruptures=[])
    assert not result["passed"]
    assert "not shown" in by_name(result)["min_scores.empathy"]["note"]


def test_a_dimension_missing_from_the_report_fails_with_a_reason() -> None:
    result = assess(
        PassCriteria(min_scores={"warmth": 2}), report(empathy=5), final_trust=50, ruptures=[]
    )
    assert not result["passed"]
    assert "no dimension 'warmth'" in result["criteria"][0]["note"]


def test_an_unrepaired_rupture_fails_ruptures_resolved() -> None:
    criteria = PassCriteria(ruptures_resolved=True)
    ruptures = [{"resolved_turn": 3}, {"resolved_turn": None}]
    result = assess(criteria, report(), final_trust=50, ruptures=ruptures)
    assert not result["passed"] and "1 of 2" in result["criteria"][0]["note"]
    none = assess(criteria, report(), final_trust=50, ruptures=[])
    assert none["passed"] and none["criteria"][0]["note"] == "no rupture opened"


def test_a_scenario_without_criteria_passes() -> None:
    assert assess(PassCriteria(), report(), final_trust=0, ruptures=[]) == {
        "passed": True,
        "criteria": [],
    }


# --------------------------------------------------------------------------- in the loop


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def play(library: Library, scenario_id: str, trainee: str, seed: int = 1) -> Session:
    lines = [
        line.strip()
        for line in (TRAINEES / f"{trainee}.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    async def run(session: Session) -> None:
        for line in lines:
            if session.finished:
                break
            async for _ in session.respond(line):
                pass

    session = Session.start(scenario_id, library=library, engine=ScriptedEngine(), seed=seed)
    asyncio.run(run(session))
    return session


@pytest.mark.parametrize("scenario_id", ["rosa-first-session", "rosa-confidentiality"])
def test_a_trainee_who_repairs_a_bad_start_can_still_pass(
    library: Library, scenario_id: str
) -> None:
    """Issue 3 follow-up: two judgmental turns, then repair and skilled work, passes Rosa.

    Several seeds: the client's lines (and so the analyzer's context) vary with the seed.
    """
    for seed in range(5):
        session = play(library, scenario_id, "repairing", seed)
        assessment = session.report()["assessment"]
        assert assessment["passed"], (seed, assessment["criteria"])
        assert session.trust.ruptures and session.trust.ruptures[0].resolved_turn is not None


def test_the_report_assessment_follows_the_session(library: Library) -> None:
    session = play(library, "rosa-first-session", "judgmental")
    assessment = session.report()["assessment"]
    rows = by_name(assessment)
    assert not assessment["passed"]
    assert rows["min_final_trust"]["actual"] == pytest.approx(session.trust.value)
    assert rows["ruptures_resolved"]["passed"] is False


def test_simulate_json_report_carries_the_assessment() -> None:
    result = CliRunner().invoke(
        app,
        ["simulate", "rosa-first-session", "--trainee", str(TRAINEES / "skilled.txt"), "--json"],
    )
    assert result.exit_code == 0, result.stderr
    assessment = json.loads(result.stdout)["report"]["assessment"]
    assert assessment["passed"] is True
    assert {c["name"] for c in assessment["criteria"]} == {
        "min_scores.empathy",
        "min_scores.openness",
        "min_scores.non_judgment",
        "min_final_trust",
        "ruptures_resolved",
    }
    for row in assessment["criteria"]:
        assert set(row) == {"name", "required", "actual", "passed", "note"}
