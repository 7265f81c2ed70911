"""Realism (issue 3): trust is earned slowly and lost quickly, for the three required profiles.

End to end: the shipped personas and scenarios, the real offline analyzer labelling the
trainee scripts in ``tests/trainees/``, the scripted client and the session loop.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.clients.scripted import ScriptedEngine
from simulator.content.library import Library, load_library
from simulator.content.models import REQUIRED_PROFILES
from simulator.session import Session
from simulator.trust import TrustState

TRAINEES = Path(__file__).parent / "trainees"


def script(name: str) -> list[str]:
    lines = (TRAINEES / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def scenarios_for(library: Library, profile: str) -> list[str]:
    return sorted(
        sid for sid, sc in library.scenarios.items() if profile in library.persona(sc.persona).tags
    )


async def play(library: Library, scenario_id: str, trainee: str) -> Session:
    session = Session.start(scenario_id, library=library, engine=ScriptedEngine())
    for line in script(trainee):
        if session.finished:
            break
        async for _ in session.respond(line):
            pass
    return session


def session_end(session: Session) -> int:
    return session.trainee_turns + 1


def first_turn_unlocking(session: Session, layer: str) -> int | None:
    for turn in session.turns:
        if layer in turn.disclosed:
            return turn.turn
    return None


def test_every_required_profile_has_a_shipped_scenario(library: Library) -> None:
    for profile in REQUIRED_PROFILES:
        assert scenarios_for(library, profile), profile


@pytest.mark.parametrize("profile", ["skeptical", "previously-hurt"])
async def test_skilled_trainee_reaches_the_deepest_layer_no_sooner_than_turn_8(
    library: Library, profile: str
) -> None:
    for scenario_id in scenarios_for(library, profile):
        session = await play(library, scenario_id, "skilled")
        deepest = session.persona.disclosure[-1].id
        reached = first_turn_unlocking(session, deepest)
        assert reached is None or reached >= 8, (scenario_id, reached)
        # Not vacuous: skilled work does build trust and opens the client up.
        assert session.trust.value > session.trust.history[0], scenario_id
        assert len(session.trust.unlocked) >= 2, scenario_id


@pytest.mark.parametrize("profile", REQUIRED_PROFILES)
async def test_judgmental_trainee_never_reaches_the_deepest_layer_and_ruptures(
    library: Library, profile: str
) -> None:
    for scenario_id in scenarios_for(library, profile):
        session = await play(library, scenario_id, "judgmental")
        deepest = session.persona.disclosure[-1].id
        assert deepest not in session.trust.unlocked, scenario_id
        assert first_turn_unlocking(session, deepest) is None
        assert len(session.trust.ruptures) >= 1, scenario_id
        assert session.trainee_turns >= 8  # the judgmental run was long enough to matter


@pytest.mark.parametrize("profile", REQUIRED_PROFILES)
async def test_skilled_beats_judgmental_and_repair_recovers(library: Library, profile: str) -> None:
    for scenario_id in scenarios_for(library, profile):
        skilled = await play(library, scenario_id, "skilled")
        judgmental = await play(library, scenario_id, "judgmental")
        repairing = await play(library, scenario_id, "repairing")
        assert repairing.trust.value > judgmental.trust.value, scenario_id
        scenario = library.scenario(scenario_id)
        event_rupture = any(event.rupture for event in scenario.events)
        if scenario.opens_in_rupture is None and not event_rupture:
            assert skilled.trust.value > repairing.trust.value, scenario_id
        elif scenario.opens_in_rupture is None:
            # A scripted event breaks the bond mid-session (e.g. the intake form shows Ash's
            # old name). The generic skilled script never names it, so the trainee who repairs
            # may legitimately end higher; what must hold is checked below: the repairing
            # trainee repairs every rupture, the event's included.
            assert any(r.resolved_turn is not None for r in repairing.trust.ruptures)
        else:
            # The client arrives in a rupture. The generic skilled script pushes on with the
            # work and repairs late (pushing on deepens a rupture, DOMAIN.md); the trainee who
            # apologises and asks about the relationship repairs sooner, so its final trust
            # may end above the skilled script's. What must hold: repair comes sooner.
            late = skilled.trust.ruptures[0].resolved_turn or session_end(skilled)
            assert repairing.trust.ruptures[0].resolved_turn is not None
            assert repairing.trust.ruptures[0].resolved_turn < late, scenario_id
        # The repairing trainee's ruptures are all repaired; the judgmental one's are not.
        assert repairing.trust.ruptures and all(
            r.resolved_turn is not None for r in repairing.trust.ruptures
        ), scenario_id
        assert any(r.resolved_turn is None for r in judgmental.trust.ruptures), scenario_id


@pytest.mark.parametrize("profile", ["skeptical", "previously-hurt"])
def test_even_a_flawless_trainee_needs_eight_turns_for_the_deepest_layer(
    library: Library, profile: str
) -> None:
    """The bound holds for any trainee, not just our script: every turn at the maximum gain."""
    best = ["reflection_complex", "validate", "affirm", "transparency", "seek_collaboration"]
    for scenario_id in scenarios_for(library, profile):
        scenario = library.scenario(scenario_id)
        trust = TrustState.start(library.persona(scenario.persona), scenario)
        deepest = trust.deepest_layer
        for turn in range(1, 8):
            trust.apply_turn(turn, best)
            assert deepest not in trust.unlocked, (scenario_id, turn, trust.value)
