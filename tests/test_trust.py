"""The trust model's mechanics, driven with explicit behaviour codes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.content.models import Persona, Scenario, ScenarioEvent
from simulator.trust import TrustState, band_for
from simulator.trust.effects import (
    BASE_EFFECTS,
    REPAIR_RECOVERY_SHARE,
    REPAIR_RESTORE,
    SECONDARY_LOSS_SHARE,
    headroom_factor,
)

FIXTURE = Path(__file__).parent / "fixtures/session/content/personas/test-client.yaml"


def persona(**trust_overrides: object) -> Persona:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    data["trust"].update(trust_overrides)
    return Persona.model_validate(data)


def scenario(**fields: object) -> Scenario:
    base: dict[str, object] = {
        "id": "test-scenario",
        "title": "Test",
        "persona": "test-client",
        "setting": "first session",
        "learning_objectives": ["listen"],
        "opening_line": "Hi.",
    }
    base.update(fields)
    return Scenario.model_validate(base)


def test_start_uses_persona_initial_and_unlocks_surface() -> None:
    state = TrustState.start(persona())
    assert state.value == 20
    assert state.unlocked == ["surface"]
    assert state.history == [20]
    assert state.band == "guarded" and state.client_state == "guarded"
    assert state.rupture is None


def test_scenario_overrides_initial_trust_and_can_open_in_rupture() -> None:
    state = TrustState.start(
        persona(), scenario(initial_trust=10, opens_in_rupture="confrontation")
    )
    assert state.value == 10
    assert state.rupture == "confrontation"
    assert state.ruptures[0].opened_turn == 0
    assert state.client_state == "confrontation"


def test_gain_is_scaled_by_growth_and_capped_per_turn() -> None:
    state = TrustState.start(persona(growth=0.5))
    out = state.apply_turn(1, ["reflection_complex"])
    assert out.delta == pytest.approx(BASE_EFFECTS["reflection_complex"] * 0.5)
    state = TrustState.start(persona(max_gain_per_turn=5))
    out = state.apply_turn(1, ["reflection_complex", "validate", "affirm"])  # 4+3+2 = 9
    assert out.delta == 5
    assert "capped" in state.ledger[-1].reason


def test_loss_is_scaled_by_sensitivity_and_recorded_with_reason() -> None:
    state = TrustState.start(persona(sensitivity=1.5))
    out = state.apply_turn(1, ["advise_without_permission"])
    assert out.delta == pytest.approx(-9)
    entry = state.ledger[-1]
    assert (entry.turn, entry.source, entry.cause) == (1, "code", "advise_without_permission")
    assert entry.amount == pytest.approx(-9) and entry.trust_after == state.value
    assert "costs trust" in entry.reason


def test_persona_code_effects_override_the_base_table() -> None:
    state = TrustState.start(persona())
    out = state.apply_turn(1, ["question_closed"])  # base 0, persona -1, sensitivity 1.5
    assert out.delta == pytest.approx(-1.5)


def test_big_drop_opens_rupture_of_persona_style() -> None:
    state = TrustState.start(persona(sensitivity=1.5, rupture_threshold=12))
    out = state.apply_turn(1, ["confront"])  # -15
    assert out.opened is not None and out.opened.kind == "withdrawal"
    assert state.rupture == "withdrawal" and out.client_state == "withdrawal"


def test_small_drop_does_not_open_a_rupture() -> None:
    state = TrustState.start(persona(sensitivity=1.0))
    out = state.apply_turn(1, ["direct"])  # -6, below the threshold of 12
    assert out.opened is None and state.rupture is None


def test_phrase_trigger_fires_case_insensitively_and_opens_named_rupture() -> None:
    state = TrustState.start(persona())
    out = state.apply_turn(1, ["direct"], "Please CALM DOWN and listen.")
    assert state.rupture == "confrontation"
    causes = [(e.source, e.cause) for e in out.entries]
    assert ("trigger", '"calm down"') in causes
    assert any("last counsellor" in e.reason for e in out.entries)


def test_gains_are_damped_while_a_rupture_is_open() -> None:
    calm = TrustState.start(persona())
    hurt = TrustState.start(persona(), scenario(opens_in_rupture="withdrawal"))
    assert calm.apply_turn(1, ["reflection_complex"]).delta == pytest.approx(4)
    assert hurt.apply_turn(1, ["reflection_complex"]).delta == pytest.approx(1.2)


def test_headroom_damping_gives_diminishing_returns_near_the_top() -> None:
    assert headroom_factor(50) == 1.0
    assert headroom_factor(80) == pytest.approx(0.5)
    assert headroom_factor(99) == pytest.approx(0.2)


def test_reassurance_and_pushing_on_never_resolve_a_rupture() -> None:
    state = TrustState.start(persona(), scenario(opens_in_rupture="withdrawal"))
    for turn in range(1, 8):
        state.apply_turn(turn, ["dismiss", "reflection_complex", "validate", "direct"])
    assert state.rupture == "withdrawal"


def test_repair_moves_resolve_in_proportion_to_difficulty() -> None:
    state = TrustState.start(persona(repair_difficulty=3), scenario(opens_in_rupture="withdrawal"))
    assert state.apply_turn(1, ["apologize"]).resolved is None
    assert state.apply_turn(2, ["invite_feedback"]).resolved is None
    before = state.value
    out = state.apply_turn(3, ["metacommunicate"])
    assert out.resolved is not None and out.resolved.resolved_turn == 3
    assert out.client_state == "accepting_repair"
    assert state.value > before + 1  # the repair restores a little trust
    assert any(e.source == "repair" for e in out.entries)
    # The next turn the client is back in their band.
    assert state.apply_turn(4, ["reflection_simple"]).client_state == state.band


def test_defensiveness_sets_repair_back() -> None:
    state = TrustState.start(persona(repair_difficulty=2), scenario(opens_in_rupture="withdrawal"))
    state.apply_turn(1, ["apologize"])
    state.apply_turn(2, ["defensive"])
    assert state.open_rupture is not None and state.open_rupture.repair_credit == 0
    state.apply_turn(3, ["apologize"])
    assert state.rupture == "withdrawal"
    state.apply_turn(4, ["invite_feedback"])
    assert state.rupture is None


def test_layers_unlock_at_threshold_stay_unlocked_and_wait_for_repair() -> None:
    state = TrustState.start(persona(initial=36))
    out = state.apply_turn(1, ["reflection_complex"])  # 40
    assert out.newly_unlocked == ["middle"]
    state.apply_turn(2, ["confront"])  # drop 15 -> rupture, trust 25
    assert "middle" in state.unlocked  # never locks again
    state.value = 75  # trust high, but the rupture is open: nothing deeper unlocks
    assert state.apply_turn(3, ["reflection_simple"]).newly_unlocked == []
    state.apply_turn(4, ["apologize"])
    out = state.apply_turn(5, ["invite_feedback"])
    assert out.resolved is not None and "deep" in out.newly_unlocked


def test_scenario_event_changes_trust_and_opens_rupture() -> None:
    event = ScenarioEvent(turn=2, trust_delta=-5, rupture="confrontation", note="phone buzzes")
    state = TrustState.start(persona())
    out = state.apply_turn(2, [], event=event)
    assert out.delta == -5 and state.rupture == "confrontation"
    assert any(e.source == "event" and e.cause == "phone buzzes" for e in out.entries)


def test_trust_stays_within_bounds() -> None:
    state = TrustState.start(persona(initial=3))
    state.apply_turn(1, ["confront", "warn"])
    assert state.value == 0
    assert all(0 <= e.trust_after <= 100 for e in state.ledger)


def test_clone_is_independent_and_round_trips_through_dict() -> None:
    state = TrustState.start(persona(), scenario(opens_in_rupture="withdrawal"))
    state.apply_turn(1, ["apologize"])
    copy = state.clone()
    copy.apply_turn(2, ["invite_feedback", "confront"])
    assert len(copy.ledger) > len(state.ledger) and state.history == [20, state.value]
    again = TrustState.from_dict(state.persona, state.to_dict())
    assert again.to_dict() == state.to_dict()


def test_end_records_unresolved_ruptures() -> None:
    state = TrustState.start(persona(), scenario(opens_in_rupture="withdrawal"))
    state.end(3)
    assert state.ruptures[0].resolved_turn is None
    assert "unresolved" in state.ledger[-1].reason


def test_bands() -> None:
    assert [band_for(v) for v in (0, 34.9, 35, 64.9, 65, 100)] == [
        "guarded",
        "guarded",
        "warming",
        "warming",
        "open",
        "open",
    ]


def test_gains_are_halved_in_a_turn_that_also_judges() -> None:
    state = TrustState.start(persona(sensitivity=1.0))
    out = state.apply_turn(1, ["reflection_complex", "advise_without_permission"])
    assert out.delta == pytest.approx(4 * 0.5 - 6)


# --------------------------------------------------------------------------- one bad turn


def test_damaging_codes_in_one_turn_combine_sub_additively() -> None:
    """The hardest blow counts in full, each further one at SECONDARY_LOSS_SHARE."""
    state = TrustState.start(persona(initial=60, sensitivity=1.0, max_loss_per_turn=100))
    out = state.apply_turn(1, ["direct", "dismiss"])  # -6 and -8
    assert out.delta == pytest.approx(-(8 + 6 * SECONDARY_LOSS_SHARE))
    hardest, other = [e for e in out.entries if e.source == "code"]
    assert (hardest.cause, hardest.amount) == ("dismiss", -8)
    assert other.cause == "direct" and "not the turn's hardest blow" in other.reason


def test_one_turn_loses_at_most_max_loss_per_turn() -> None:
    state = TrustState.start(persona(initial=60, sensitivity=3.0, max_loss_per_turn=15))
    out = state.apply_turn(1, ["confront", "dismiss", "warn"], "calm down")
    assert out.delta == pytest.approx(-15)
    assert "capped" in out.entries[-2].reason or "capped" in out.entries[-1].reason
    # The cap is per turn: the next blow costs again.
    assert state.apply_turn(2, ["confront"]).delta == pytest.approx(-15)


def test_the_default_cap_leaves_trust_after_one_judgmental_remark() -> None:
    """The problem this fixes: one 'stop worrying, it's in your head' took trust to ~0."""
    state = TrustState.start(persona(initial=42, sensitivity=2.6))
    out = state.apply_turn(1, ["direct", "dismiss"])
    assert state.value == pytest.approx(42 - 15)
    assert out.opened is not None  # it still hurts enough to open a rupture


def test_a_blow_opens_a_rupture_even_when_little_trust_is_left() -> None:
    """The rupture follows how hard the turn hit, before the cap and the floor at 0."""
    state = TrustState.start(persona(initial=5, max_loss_per_turn=4, rupture_threshold=12))
    out = state.apply_turn(1, ["confront"])  # -15 before the cap; only 4 lost
    assert out.delta == pytest.approx(-4)
    assert out.opened is not None and "15" in out.opened.cause


def test_a_capped_small_blow_does_not_open_a_rupture() -> None:
    state = TrustState.start(persona(initial=50, sensitivity=1.0, rupture_threshold=12))
    assert state.apply_turn(1, ["direct"]).opened is None  # -6: no rupture


def test_repair_gives_back_part_of_what_the_rupture_cost() -> None:
    state = TrustState.start(persona(initial=40, sensitivity=1.0, repair_difficulty=2))
    state.apply_turn(1, ["confront"])  # 40 -> 30, threshold 12 not passed...
    state.apply_turn(2, ["confront", "warn"])  # ...but 13.5 more opens a rupture at 16.5
    record = state.open_rupture
    assert record is not None and record.opened_turn == 2
    state.apply_turn(3, ["apologize"])
    low = state.value
    out = state.apply_turn(4, ["invite_feedback"])
    assert out.resolved is not None
    lost = 30 - (low + 2 * 0.3)  # trust before turn 2, minus trust when the repair lands
    restored = [e for e in out.entries if e.source == "repair"][0]
    assert restored.amount == pytest.approx(REPAIR_RESTORE + REPAIR_RECOVERY_SHARE * lost, abs=0.02)
    assert "of the" in restored.reason and "come back" in restored.reason
    assert state.value < 30  # hardest to regain: less than before the rupture
