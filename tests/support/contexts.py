"""A ready client context for tests of the LLM engines (one place, shared by the fake- and
real-server tests)."""

from __future__ import annotations

from simulator.analysis.base import Utterance
from simulator.clients.base import ClientContext
from simulator.content.library import load_library


def dale_first_turn() -> ClientContext:
    """Dale, guarded, answering the trainee's first open question (surface layer only)."""
    lib = load_library()
    scenario = lib.scenario("dale-first-session")
    persona = lib.persona(scenario.persona)
    return ClientContext(
        persona=persona, scenario=scenario, state="guarded", trust=20.0, trust_band="guarded",
        rupture=None, unlocked=(persona.disclosure[0],), newly_unlocked=(), move="question",
        codes=("question_open",), turn=1,
        transcript=(Utterance("client", "Let's get this over with."),
                    Utterance("therapist", "What brings you here today?")),
    )
