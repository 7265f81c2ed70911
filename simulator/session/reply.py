"""The client's side of one turn: what the engine is told, and the reply it streams.

The trust model has already decided the client's state; this module turns that
state into a :class:`ClientContext` for the engine (only unlocked disclosure
layers go in, so a model can never leak a locked one) and streams the reply.
A scenario event with its own line speaks instead of the engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from simulator.analysis.base import TurnLabel, Utterance
from simulator.clients.base import ClientContext, ClientEngine, ClientEngineError
from simulator.clients.scripted import render_line, split_chunks
from simulator.content.models import Persona, Scenario, ScenarioEvent
from simulator.trust import TrustState, TurnOutcome


def client_context(
    *,
    persona: Persona,
    scenario: Scenario,
    trust: TrustState,
    outcome: TurnOutcome,
    label: TurnLabel,
    move: str | None,
    turn: int,
    transcript: Sequence[Utterance],
    seed: int,
    engine_state: dict[str, Any],
) -> ClientContext:
    """Return what the client engine needs to voice ``trust`` after the trainee's turn."""
    layers = {layer.id: layer for layer in persona.disclosure}
    return ClientContext(
        persona=persona,
        scenario=scenario,
        state=trust.client_state,
        trust=trust.value,
        trust_band=trust.band,
        rupture=trust.rupture,
        unlocked=tuple(layers[i] for i in trust.unlocked),
        newly_unlocked=tuple(layers[i] for i in outcome.newly_unlocked),
        move=move,
        codes=label.codes,
        turn=turn,
        transcript=tuple(transcript),
        seed=seed,
        extra={"engine_state": engine_state},
    )


async def stream_reply(
    engine: ClientEngine, ctx: ClientContext, event: ScenarioEvent | None
) -> AsyncIterator[str]:
    """Yield the client's reply in chunks: the event's line if it has one, else the engine's.

    Raises:
        ClientEngineError: the engine failed in any way (other exceptions are wrapped, so
            the front end has one error to handle and the trainee's words are kept).
    """
    if event is not None and event.client_line:
        variables = {"client": ctx.persona.name, "turn": ctx.turn, "trust": round(ctx.trust)}
        for chunk in split_chunks(render_line(event.client_line, **variables)):
            yield chunk
        return
    try:
        async for chunk in engine.stream(ctx):
            yield chunk
    except ClientEngineError:
        raise
    except Exception as exc:
        raise ClientEngineError(f"the client engine failed: {exc}") from exc
