"""The starter content library: every shipped file is valid and meets the product's bar.

These tests read the YAML the package ships (``personas/``, ``scenarios/``, ``rubrics/``) and
check what issue 2 asks of day-one content: validity against the models, the three required
trust profiles, enough authored lines for a 20-turn offline session without repeats, and trust
parameters under which the realism rules of issue 3 can hold.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import TypeVar

import pytest
import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel

from simulator.analysis.codes import ALL_CODES
from simulator.clients.scripted import ScriptedEngine
from simulator.content.library import Library, load_library
from simulator.content.models import (
    CLIENT_STATES,
    MOVES,
    REQUIRED_PROFILES,
    Persona,
    Rubric,
    Scenario,
)
from simulator.session import Session

M = TypeVar("M", bound=BaseModel)
REPO = Path(__file__).resolve().parent.parent
DEFAULT_DIMENSIONS = ["empathy", "openness", "non_judgment", "rupture_repair"]

# Per-state line counts (issue 2, item 6: enough for a 20-turn session without repeats).
MIN_ANY = {
    "guarded": 10,
    "warming": 10,
    "open": 10,
    "withdrawal": 8,
    "confrontation": 8,
    "accepting_repair": 6,
}
MOVE_POOLS = {
    "guarded": MOVES,
    "warming": MOVES,
    "open": MOVES,
    "withdrawal": ("judgment", "repair"),
    "confrontation": ("judgment", "repair"),
    "accepting_repair": (),
}
MIN_MOVE_LINES = 3
MIN_LAYER_LINES = 3
# A skilled trainee must not reach the deepest layer of these before turn 8, even at the cap.
SLOW_PROFILES = ("skeptical", "previously-hurt")
MIN_TURNS_TO_DEEPEST = 8


def _load(folder: str, model: type[M]) -> dict[str, M]:
    items: dict[str, M] = {}
    for path in sorted((REPO / folder).glob("*.yaml")):
        items[path.name] = model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    return items


PERSONAS = _load("personas", Persona)
SCENARIOS = _load("scenarios", Scenario)
RUBRICS = _load("rubrics", Rubric)
BY_ID = {p.id: p for p in PERSONAS.values()}


def _all_lines(persona: Persona) -> list[str]:
    lines: list[str] = []
    for state in CLIENT_STATES:
        pools = getattr(persona.lines, state)
        for pool in ("any", *MOVES):
            lines.extend(getattr(pools, pool))
    for layer in persona.disclosure:
        lines.extend(layer.lines)
    return lines


def _normalise(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip().lower())


# --------------------------------------------------------------------------- validity


def test_library_has_enough_content() -> None:
    assert len(PERSONAS) >= 6
    assert len(SCENARIOS) >= 8
    assert "default" in {r.id for r in RUBRICS.values()}


def test_file_names_match_ids() -> None:
    """An instructor looking for ``rosa-delgado`` finds ``personas/rosa-delgado.yaml``."""
    ids = {name: p.id for name, p in PERSONAS.items()}
    ids.update({name: s.id for name, s in SCENARIOS.items()})
    ids.update({name: r.id for name, r in RUBRICS.items()})
    for name, item_id in ids.items():
        assert name == f"{item_id}.yaml"


def test_ids_are_unique_and_references_resolve() -> None:
    for ids in (
        [p.id for p in PERSONAS.values()],
        [s.id for s in SCENARIOS.values()],
        [r.id for r in RUBRICS.values()],
    ):
        assert len(ids) == len(set(ids))
    rubric_ids = {r.id for r in RUBRICS.values()}
    for scenario in SCENARIOS.values():
        assert scenario.persona in BY_ID, scenario.id
        assert scenario.rubric in rubric_ids, scenario.id


def test_every_persona_has_a_scenario() -> None:
    used = {s.persona for s in SCENARIOS.values()}
    assert set(BY_ID) <= used


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_lines_render_as_jinja2(name: str) -> None:
    """Every authored line renders with only the three documented variables."""
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    persona = PERSONAS[name]
    for line in _all_lines(persona):
        rendered = env.from_string(line).render(client=persona.name, turn=3, trust=40)
        assert rendered.strip(), line
        assert "{" not in rendered and "}" not in rendered, line


# --------------------------------------------------------------------------- personas


def test_required_profiles_are_covered() -> None:
    tags = {tag for p in PERSONAS.values() for tag in p.tags}
    for profile in REQUIRED_PROFILES:
        assert profile in tags, profile
    for extra in ("mandated", "appeasing", "intellectualising"):
        assert extra in tags, extra


def test_personas_are_varied() -> None:
    ages = sorted(p.age for p in PERSONAS.values())
    assert ages[-1] - ages[0] >= 30
    assert len({p.pronouns for p in PERSONAS.values()}) >= 2
    assert len({p.presenting_problem for p in PERSONAS.values()}) == len(PERSONAS)


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_line_pools_are_full_enough(name: str) -> None:
    persona = PERSONAS[name]
    for state in CLIENT_STATES:
        pools = getattr(persona.lines, state)
        assert len(pools.any) >= MIN_ANY[state], f"{state}.any"
        for move in MOVE_POOLS[state]:
            assert len(getattr(pools, move)) >= MIN_MOVE_LINES, f"{state}.{move}"
    for layer in persona.disclosure:
        assert len(layer.lines) >= MIN_LAYER_LINES, layer.id


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_rupture_pools_outlast_a_judgmental_session(name: str) -> None:
    """A trainee who judges every turn is answered from a rupture state's judgment pool and
    then its ``any`` pool: together they must last a 20-turn session."""
    persona = PERSONAS[name]
    for state in ("withdrawal", "confrontation"):
        pools = getattr(persona.lines, state)
        assert len(pools.judgment) + len(pools.any) >= 20, state


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_no_line_repeats_within_a_persona(name: str) -> None:
    counts = Counter(_normalise(line) for line in _all_lines(PERSONAS[name]))
    assert [line for line, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_disclosure_goes_from_surface_to_old_hurt(name: str) -> None:
    persona = PERSONAS[name]
    assert 3 <= len(persona.disclosure) <= 4
    surface = persona.disclosure[0].threshold
    assert surface in (0, persona.trust.initial), "the surface layer must be open from the start"
    assert persona.disclosure[-1].threshold > persona.trust.initial


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_triggers_cover_codes_and_phrases(name: str) -> None:
    triggers = PERSONAS[name].trust.triggers
    assert any(t.code for t in triggers), "no trigger by behaviour code"
    assert any(t.phrase for t in triggers), "no trigger by phrase"
    assert any(t.rupture for t in triggers), "no trigger opens a rupture"
    for trigger in triggers:
        assert trigger.trust_delta < 0
        if trigger.phrase:
            # Matching is case-insensitive; lower case keeps the files consistent.
            assert trigger.phrase == trigger.phrase.lower()


# Honest, careful things a good trainee says. Phrase triggers match anywhere in the words
# (negations included), so none may fire on these.
CONSTRUCTIVE_TURNS = (
    "Is this too much? We can slow down.",
    "I only report your attendance to your probation officer, not what you say.",
    "I have to report only if a child or someone else is at risk; everything else stays here.",
    "I won't write that down unless you want me to.",
    "I would never contact your manager or your employer.",
    "We can move on to something else if you like, or stay here.",
    "How much have you been drinking lately, if you're okay telling me?",
    "What do you make of the idea that feelings come and go in phases?",
    "How does it feel to say that out loud?",
)


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_phrase_triggers_do_not_fire_on_constructive_turns(name: str) -> None:
    phrases = [t.phrase for t in PERSONAS[name].trust.triggers if t.phrase]
    turns = [*CONSTRUCTIVE_TURNS, *_trainee_lines("skilled"), *_trainee_lines("repairing")[2:]]
    fired = [(p, turn) for p in phrases for turn in turns if p.lower() in turn.lower()]
    assert fired == []


@pytest.mark.parametrize("profile", SLOW_PROFILES)
def test_slow_profiles_cannot_reach_the_deepest_layer_before_turn_8(profile: str) -> None:
    """Even gaining the maximum every turn, the deepest layer stays locked for 8 turns."""
    personas = [p for p in PERSONAS.values() if profile in p.tags]
    assert personas
    for persona in personas:
        trust = persona.trust
        assert 15 <= trust.initial <= 30
        turns = (persona.disclosure[-1].threshold - trust.initial) / trust.max_gain_per_turn
        assert turns >= MIN_TURNS_TO_DEEPEST, persona.id


def test_highly_sensitive_parameters() -> None:
    personas = [p for p in PERSONAS.values() if "highly-sensitive" in p.tags]
    assert personas
    for persona in personas:
        assert 35 <= persona.trust.initial <= 50
        assert 2 <= persona.trust.sensitivity <= 3
        assert persona.trust.rupture_threshold <= 8


def test_previously_hurt_parameters() -> None:
    personas = [p for p in PERSONAS.values() if "previously-hurt" in p.tags]
    assert personas
    for persona in personas:
        assert 3 <= persona.trust.repair_difficulty <= 4
        assert sum(1 for t in persona.trust.triggers if t.rupture) >= 2
        assert persona.therapy_history


# --------------------------------------------------------------------------- scenarios


def test_first_session_for_each_required_profile() -> None:
    for profile in REQUIRED_PROFILES:
        firsts = [
            s
            for s in SCENARIOS.values()
            if "first session" in s.setting.lower() and profile in BY_ID[s.persona].tags
        ]
        assert firsts, profile


def test_a_scenario_opens_in_rupture_over_a_cancelled_appointment() -> None:
    matches = [
        s
        for s in SCENARIOS.values()
        if s.opens_in_rupture == "confrontation"
        and "cancel" in (s.setting + s.description).lower()
        and s.initial_trust is not None
        and s.initial_trust < BY_ID[s.persona].trust.initial
    ]
    assert matches


def test_confidentiality_and_missed_appointment_scenarios() -> None:
    text = {s.id: (s.title + s.setting + s.description).lower() for s in SCENARIOS.values()}
    assert any("confidential" in t for t in text.values())
    assert any("missed" in s.setting.lower() for s in SCENARIOS.values())


def test_scenarios_are_usable() -> None:
    for scenario in SCENARIOS.values():
        assert 10 <= scenario.turn_limit <= 25, scenario.id
        assert scenario.rubric == "default"
        assert scenario.learning_objectives and scenario.tags and scenario.description
        for event in scenario.events:
            assert event.turn <= scenario.turn_limit
    assert sum(1 for s in SCENARIOS.values() if s.events) >= 2
    locked = [s for s in SCENARIOS.values() if s.locked]
    assert len(locked) >= 2
    for scenario in locked:
        assert scenario.pass_criteria.min_scores, scenario.id
    assert len({s.difficulty for s in SCENARIOS.values()}) == 3


def test_pass_criteria_name_real_dimensions() -> None:
    rubrics = {r.id: r for r in RUBRICS.values()}
    for scenario in SCENARIOS.values():
        dims = {d.id for d in rubrics[scenario.rubric].dimensions}
        assert set(scenario.pass_criteria.min_scores) <= dims, scenario.id


# --------------------------------------------------------------------------- rubric


def test_default_rubric_has_the_four_dimensions() -> None:
    rubric = RUBRICS["default.yaml"]
    assert [d.id for d in rubric.dimensions] == DEFAULT_DIMENSIONS
    for dim in rubric.dimensions:
        assert [lvl.score for lvl in dim.levels] == [1, 2, 3, 4, 5]
        assert len({lvl.description for lvl in dim.levels}) == 5
        assert dim.evidence_for and dim.evidence_against and dim.judge_criteria
        assert set(dim.evidence_for) <= ALL_CODES
        assert not set(dim.evidence_for) & set(dim.evidence_against)


def test_default_rubric_weights_follow_the_domain() -> None:
    dims = {d.id: d for d in RUBRICS["default.yaml"].dimensions}
    empathy = dims["empathy"].evidence_for
    assert empathy["reflection_complex"] > empathy["reflection_simple"]
    assert "dismiss" in dims["empathy"].evidence_against
    openness = set(dims["openness"].evidence_for)
    assert {"transparency", "invite_feedback", "metacommunicate"} <= openness
    assert "defensive" in dims["openness"].evidence_against
    assert {"confront", "warn", "direct", "advise_without_permission"} <= set(
        dims["non_judgment"].evidence_against
    )
    assert {"apologize", "invite_feedback", "metacommunicate", "renegotiate"} <= set(
        dims["rupture_repair"].evidence_for
    )
    assert "defensive" in dims["rupture_repair"].evidence_against


# --------------------------------------------------------------------------- library and CLI


def test_library_loader_accepts_the_starter_content() -> None:
    library = load_library()
    assert {p.id for p in PERSONAS.values()} <= set(library.personas)
    assert {s.id for s in SCENARIOS.values()} <= set(library.scenarios)
    assert "default" in library.rubrics


def test_cli_validate_exits_zero_on_the_starter_content() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "validate"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- in the loop
# The shipped scenarios played through the real session loop (offline analyzer, trust model,
# scripted client) with the shared trainee scripts in tests/trainees/.

TRAINEES = REPO / "tests" / "trainees"
SLOW_SCENARIOS = sorted(
    s.id for s in SCENARIOS.values() if set(SLOW_PROFILES) & set(BY_ID[s.persona].tags)
)


def _trainee_lines(name: str) -> list[str]:
    text = (TRAINEES / f"{name}.txt").read_text(encoding="utf-8")
    return [t.strip() for t in text.splitlines() if t.strip() and not t.startswith("#")]


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


_PLAYED: dict[tuple[str, str], Session] = {}


def _play(library: Library, scenario_id: str, trainee: str) -> Session:
    """Play a trainee script against a scenario; return the finished session (cached)."""
    key = (scenario_id, trainee)
    if key not in _PLAYED:
        _PLAYED[key] = _play_once(library, scenario_id, trainee)
    return _PLAYED[key]


def _play_once(library: Library, scenario_id: str, trainee: str) -> Session:
    async def run(session: Session) -> None:
        for line in _trainee_lines(trainee):
            if session.finished:
                break
            async for _ in session.respond(line):
                pass

    session = Session.start(scenario_id, library=library, engine=ScriptedEngine(), seed=1)
    asyncio.run(run(session))
    return session


def _unlocked_at(session: Session) -> dict[str, int]:
    """Layer id -> trainee turn at which it unlocked (0 = from the start)."""
    unlocked: dict[str, int] = {}
    trainee_turns = 0
    for record in session.turns:
        trainee_turns += record.speaker == "trainee"
        for layer in record.disclosed:
            unlocked.setdefault(layer, trainee_turns)
    return unlocked


@pytest.mark.parametrize("scenario_id", sorted(s.id for s in SCENARIOS.values()))
def test_judgmental_trainee_never_reaches_the_deepest_layer(
    library: Library, scenario_id: str
) -> None:
    session = _play(library, scenario_id, "judgmental")
    deepest = session.persona.disclosure[-1].id
    assert deepest not in session.trust.unlocked
    assert session.trust.ruptures, "a judgmental trainee must provoke a rupture"
    assert session.trust.value < session.trust.history[0] + 1


@pytest.mark.parametrize("scenario_id", sorted(s.id for s in SCENARIOS.values()))
def test_skilled_trainee_builds_trust_and_gets_past_the_surface(
    library: Library, scenario_id: str
) -> None:
    session = _play(library, scenario_id, "skilled")
    start = session.trust.history[0]
    assert session.trust.value >= start + 15, session.trust.history
    assert len(session.trust.unlocked) >= 2, "only the surface layer was ever reached"
    # A skilled trainee causes no rupture it cannot repair (scenario events may open others).
    caused = [
        r
        for r in session.trust.ruptures
        if r.opened_turn > 0 and not r.cause.startswith("scenario event")
    ]
    assert all(r.resolved_turn is not None for r in caused)


@pytest.mark.parametrize("scenario_id", SLOW_SCENARIOS)
def test_skilled_trainee_reaches_the_deepest_layer_no_earlier_than_turn_8(
    library: Library, scenario_id: str
) -> None:
    session = _play(library, scenario_id, "skilled")
    deepest = session.persona.disclosure[-1].id
    turn = _unlocked_at(session).get(deepest)
    assert turn is None or turn >= MIN_TURNS_TO_DEEPEST


@pytest.mark.parametrize("scenario_id", sorted(s.id for s in SCENARIOS.values()))
def test_a_repairing_trainee_resolves_the_rupture(library: Library, scenario_id: str) -> None:
    session = _play(library, scenario_id, "repairing")
    assert session.trust.ruptures
    assert session.trust.ruptures[0].resolved_turn is not None
    assert session.trust.value > min(session.trust.history)


@pytest.mark.parametrize("trainee", ["skilled", "repairing", "judgmental"])
@pytest.mark.parametrize("scenario_id", sorted(s.id for s in SCENARIOS.values()))
def test_client_never_repeats_itself_in_a_whole_session(
    library: Library, scenario_id: str, trainee: str
) -> None:
    """Enough authored lines that a whole session has no repeat, whoever the trainee is.

    A trainee who judges every turn keeps the client in one rupture state: the scripted
    client goes on from the exhausted judgment pool to the state's ``any`` pool, and the two
    together hold more than 20 lines, so a 20-turn judgmental session repeats nothing.
    """
    session = _play(library, scenario_id, trainee)
    layer_lines = [line for layer in session.persona.disclosure for line in layer.lines]
    said: list[str] = []
    for record in session.turns[1:]:
        if record.speaker != "client":
            continue
        text = record.text
        # A reply is a state line, sometimes followed by a disclosure line: compare both parts.
        for line in layer_lines:
            if text.endswith(" " + line):
                said.append(_normalise(line))
                text = text[: -len(line) - 1]
                break
        said.append(_normalise(text))
    assert len(said) >= min(session.scenario.turn_limit, len(_trainee_lines(trainee)))
    repeated = [text for text, n in Counter(said).items() if n > 1]
    assert repeated == []


def _passes(session: Session) -> bool:
    """Whether a finished session meets its scenario's pass criteria (``simulator.assessment``)."""
    return bool(session.report()["assessment"]["passed"])


@pytest.mark.parametrize("scenario_id", sorted(s.id for s in SCENARIOS.values()))
def test_pass_criteria_separate_skilled_from_judgmental(library: Library, scenario_id: str) -> None:
    assert SCENARIOS[f"{scenario_id}.yaml"].pass_criteria.min_scores
    assert _passes(_play(library, scenario_id, "skilled"))
    assert not _passes(_play(library, scenario_id, "judgmental"))
