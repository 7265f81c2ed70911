"""The client-engine seam: one small protocol that streams the client's reply.

Engines voice the state the trust model owns; they never decide it. Three
implementations are registered by name and imported lazily (langchain costs
about 2 s to import, so nothing imports it until an LLM engine is created).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from simulator.analysis.base import Utterance

if TYPE_CHECKING:
    from simulator.config import EngineSettings
    from simulator.content.models import DisclosureLayer, Persona, RuptureKind, Scenario


class ClientEngineError(RuntimeError):
    """A client reply could not be produced. The message is shown to the trainee as is."""


@dataclass(frozen=True)
class ClientContext:
    """Everything an engine may use to voice the client for one reply.

    ``unlocked`` holds only the disclosure layers the trust model has unlocked;
    an engine must take disclosure content from here and never from
    ``persona.disclosure`` (which also holds the locked layers).
    """

    persona: Persona
    scenario: Scenario
    #: One of ``simulator.content.models.CLIENT_STATES``.
    state: str
    trust: float
    #: ``guarded``, ``warming`` or ``open``: the trust band regardless of any rupture.
    trust_band: str
    rupture: RuptureKind | None
    unlocked: tuple[DisclosureLayer, ...]
    #: Layers unlocked by the turn being answered (the client may now disclose them).
    newly_unlocked: tuple[DisclosureLayer, ...]
    #: The trainee's move category (``simulator.content.models.MOVES``) or ``None``.
    move: str | None
    #: Analyzer codes of the trainee turn being answered.
    codes: tuple[str, ...]
    #: Trainee turn number being answered (1-based; 0 for the opening line).
    turn: int
    #: The conversation so far, oldest first, ending with the trainee's turn.
    transcript: tuple[Utterance, ...]
    #: Seed for engines that sample, so runs repeat.
    seed: int = 0
    extra: dict[str, object] = field(default_factory=dict)


@runtime_checkable
class ClientEngine(Protocol):
    """Produces the client's reply as a stream of text chunks."""

    #: Registry name: ``scripted``, ``openai``, ``local``...
    name: str
    #: Model name shown in the status line (``scripted`` for the offline engine).
    model: str

    def stream(self, ctx: ClientContext) -> AsyncIterator[str]:
        """Yield the reply in chunks. Raise :class:`ClientEngineError` on failure."""
        ...


#: name -> "module:factory"; factories take an ``EngineSettings`` and return an engine.
REGISTRY: dict[str, str] = {
    "scripted": "simulator.clients.scripted:create",
    "openai": "simulator.clients.openai_engine:create",
    "local": "simulator.clients.local:create",
}


def create_engine(settings: EngineSettings) -> ClientEngine:
    """Create the engine ``settings.engine`` names, importing it only now."""
    try:
        target = REGISTRY[settings.engine]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise ClientEngineError(f"unknown engine {settings.engine!r} (known: {known})") from None
    module_name, _, factory = target.partition(":")
    module = importlib.import_module(module_name)
    engine: ClientEngine = getattr(module, factory)(settings)
    return engine
