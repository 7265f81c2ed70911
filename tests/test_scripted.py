"""The offline scripted client: lines by state and move, disclosure, no repeats, streaming."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from simulator.clients.base import ClientContext, ClientEngineError, create_engine
from simulator.clients.scripted import ScriptedEngine, render_line, split_chunks
from simulator.config import EngineSettings
from simulator.content.models import Persona, Scenario

FIXTURE = Path(__file__).parent / "fixtures/session/content/personas/test-client.yaml"


@pytest.fixture
def persona() -> Persona:
    return Persona.model_validate(yaml.safe_load(FIXTURE.read_text(encoding="utf-8")))


@pytest.fixture
def scenario() -> Scenario:
    return Scenario.model_validate(
        {
            "id": "s",
            "title": "S",
            "persona": "test-client",
            "setting": "first session",
            "learning_objectives": ["listen"],
            "opening_line": "Hi.",
        }
    )


def ctx(
    persona: Persona,
    scenario: Scenario,
    *,
    state: str = "guarded",
    move: str | None = None,
    unlocked: tuple[str, ...] = ("surface",),
    new: tuple[str, ...] = (),
    turn: int = 1,
    seed: int = 0,
    engine_state: dict[str, object] | None = None,
) -> ClientContext:
    layers = {layer.id: layer for layer in persona.disclosure}
    return ClientContext(
        persona=persona,
        scenario=scenario,
        state=state,
        trust=30.0,
        trust_band="guarded",
        rupture=state if state in ("withdrawal", "confrontation") else None,  # type: ignore[arg-type]
        unlocked=tuple(layers[i] for i in unlocked),
        newly_unlocked=tuple(layers[i] for i in new),
        move=move,
        codes=(),
        turn=turn,
        transcript=(),
        seed=seed,
        extra={"engine_state": engine_state if engine_state is not None else {}},
    )


async def reply(engine: ScriptedEngine, context: ClientContext) -> str:
    return "".join([chunk async for chunk in engine.stream(context)])


async def test_move_pool_is_used_and_falls_back_to_any(
    persona: Persona, scenario: Scenario
) -> None:
    engine = ScriptedEngine()
    state: dict[str, object] = {}
    asked = await reply(engine, ctx(persona, scenario, move="question", engine_state=state))
    # (a line from the unlocked surface layer may follow the pool line)
    assert asked.startswith(tuple(persona.lines.guarded.question))
    # guarded has no 'judgment' pool: the 'any' pool answers.
    other = await reply(engine, ctx(persona, scenario, move="judgment", engine_state={}))
    assert other.startswith(tuple(persona.lines.guarded.any))


async def test_rupture_state_lines_and_no_disclosure(persona: Persona, scenario: Scenario) -> None:
    engine = ScriptedEngine()
    text = await reply(
        engine, ctx(persona, scenario, state="withdrawal", move="reflection", new=("middle",))
    )
    assert text in persona.lines.withdrawal.any  # no layer line woven in during a rupture


async def test_no_line_repeats_until_pool_exhausted(persona: Persona, scenario: Scenario) -> None:
    engine = ScriptedEngine()
    state: dict[str, object] = {}
    pool = persona.lines.withdrawal.any
    said = [
        await reply(engine, ctx(persona, scenario, state="withdrawal", turn=t, engine_state=state))
        for t in range(1, len(pool) * 2 + 1)
    ]
    first, second = said[: len(pool)], said[len(pool) :]
    assert sorted(first) == sorted(pool) and sorted(second) == sorted(pool)
    assert first[-1] != second[0]  # a new round does not start with the last line


async def test_deterministic_for_seed_and_varies_with_seed(
    persona: Persona, scenario: Scenario
) -> None:
    def run(seed: int) -> list[str]:
        engine, state = ScriptedEngine(), {}
        return [
            engine.compose(
                ctx(persona, scenario, state="withdrawal", turn=t, seed=seed, engine_state=state)
            )
            for t in range(1, 4)
        ]

    assert run(1) == run(1)
    assert any(run(1) != run(s) for s in range(2, 8))


async def test_newly_unlocked_layer_is_disclosed_and_rendered(
    persona: Persona, scenario: Scenario
) -> None:
    engine = ScriptedEngine()
    text = await reply(
        engine,
        ctx(
            persona,
            scenario,
            state="open",
            move="reflection",
            unlocked=("surface", "middle", "deep"),
            new=("deep",),
        ),
    )
    assert "My dad died in April. Sam Test hasn't said that out loud before." in text


async def test_locked_layers_never_appear(persona: Persona, scenario: Scenario) -> None:
    engine = ScriptedEngine()
    state: dict[str, object] = {}
    deep_lines = [line for layer in persona.disclosure[1:] for line in layer.lines]
    for turn in range(1, 30):
        text = await reply(
            engine,
            ctx(persona, scenario, state="open", move="reflection", turn=turn, engine_state=state),
        )
        assert not any(line[:20] in text for line in deep_lines)


async def test_streams_word_by_word_with_optional_delay(
    persona: Persona, scenario: Scenario
) -> None:
    context = ctx(persona, scenario, state="confrontation", turn=7)
    chunks = [c async for c in ScriptedEngine().stream(context)]
    assert len(chunks) > 2 and all(len(c.split()) == 1 for c in chunks)
    slow = ScriptedEngine(delay=0.02)
    started = time.perf_counter()
    text = "".join(
        [c async for c in slow.stream(ctx(persona, scenario, state="confrontation", turn=7))]
    )
    assert time.perf_counter() - started >= 0.02 * (len(text.split()) - 1)


def test_split_chunks_joins_back() -> None:
    text = "  Well.  I don't   know, really. "
    assert "".join(split_chunks(text)) == text


def test_render_is_sandboxed_and_strict() -> None:
    assert render_line("Hi {{ client }}, turn {{ turn }}", client="Ann", turn=2) == "Hi Ann, turn 2"
    with pytest.raises(ClientEngineError, match="nickname"):
        render_line("{{ nickname }}", client="Ann")
    with pytest.raises(ClientEngineError):
        render_line("{{ client.__class__.__mro__[1].__subclasses__() }}", client="Ann")


def test_registered_as_scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(EngineSettings(engine="scripted"))
    assert engine.name == "scripted" and isinstance(engine, ScriptedEngine)
    monkeypatch.setenv("SIMULATOR_STREAM_DELAY", "0.01")
    assert create_engine(EngineSettings()).delay == 0.01  # type: ignore[attr-defined]
    monkeypatch.setenv("SIMULATOR_STREAM_DELAY", "fast")
    with pytest.raises(ClientEngineError, match="SIMULATOR_STREAM_DELAY"):
        create_engine(EngineSettings())


async def test_exhausted_move_pool_gives_way_to_the_any_pool_before_recycling(
    persona: Persona, scenario: Scenario
) -> None:
    """A trainee who keeps making one move hears every line for the state before a repeat."""
    engine = ScriptedEngine()
    state: dict[str, object] = {}
    move_pool, any_pool = persona.lines.guarded.question, persona.lines.guarded.any
    total = len(move_pool) + len(any_pool)
    said = [
        engine.compose(
            ctx(persona, scenario, move="question", unlocked=(), turn=t, engine_state=state)
        )
        for t in range(1, total + 2)
    ]
    assert sorted(said[: len(move_pool)]) == sorted(move_pool)
    assert sorted(said[len(move_pool) : total]) == sorted(any_pool)
    assert len(set(said[:total])) == total
    assert said[total] in move_pool  # only now does the move's pool start over


async def test_layer_lines_come_in_authored_order(persona: Persona, scenario: Scenario) -> None:
    """Disclosure builds up: a layer's lines are never shuffled, whatever the seed."""
    middle = next(layer for layer in persona.disclosure if layer.id == "middle")
    for seed in range(6):
        engine = ScriptedEngine()
        state: dict[str, object] = {}
        said: list[str] = []
        for turn in range(1, 12):
            text = engine.compose(
                ctx(
                    persona,
                    scenario,
                    state="warming",
                    move="reflection",
                    unlocked=("surface", "middle"),
                    new=("middle",) if turn == 1 else (),
                    turn=turn,
                    seed=seed,
                    engine_state=state,
                )
            )
            said.extend(line for line in middle.lines if text.endswith(line))
        assert said == middle.lines, seed
