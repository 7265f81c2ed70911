"""Practice hints follow the state: rupture first, then the last move, then the band."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from simulator.analysis.base import TurnLabel
from simulator.content.models import Persona
from simulator.trust import TrustState
from simulator.trust.hints import hint_for

FIXTURE = Path(__file__).parent / "fixtures/session/content/personas/test-client.yaml"


@dataclass(frozen=True)
class Turn:
    speaker: str
    codes: tuple[str, ...]


def state(initial: float = 20) -> TrustState:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    data["trust"]["initial"] = initial
    return TrustState.start(Persona.model_validate(data))


def test_rupture_hints_name_the_repair_move() -> None:
    trust = state()
    trust.apply_turn(1, ["confront"])  # a big drop: withdrawal (the persona's style)
    assert hint_for(trust, None, []).startswith("The client has pulled back. Name what just")
    trust.apply_turn(2, ["apologize"])
    assert "started repairing" in hint_for(trust, None, [])
    other = state()
    other.apply_turn(1, [], "please calm down")  # trigger: confrontation
    assert "Don't defend" in hint_for(other, None, [])


def test_damaging_last_move_is_named() -> None:
    hint = hint_for(state(), TurnLabel(codes=("advise_without_permission",)), [])
    assert "advice without permission" in hint and "ask first" in hint


def test_two_questions_in_a_row_suggest_a_reflection() -> None:
    turns = [
        Turn("trainee", ("question_closed",)),
        Turn("client", ()),
        Turn("trainee", ("question_open",)),
    ]
    assert "Two questions in a row" in hint_for(state(), TurnLabel(codes=("question_open",)), turns)


def test_band_hints() -> None:
    assert "Trust is low (20/100)" in hint_for(state(20), None, [])
    assert "warming up" in hint_for(state(50), None, [])
    assert "The client is open" in hint_for(state(80), None, [])
