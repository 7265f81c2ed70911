"""Between a session and its store: one snapshot per completed turn, and back.

The loop calls :func:`save` with the state it is about to commit; a store
failure becomes a :class:`ClientEngineError` before anything in memory has
changed, so the front end treats it like any failed reply. The store module is
imported lazily: a session without a store never loads SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.clients.base import ClientEngineError
from simulator.content.models import Persona
from simulator.session.records import TurnRecord
from simulator.trust import TrustState

if TYPE_CHECKING:
    from simulator.store import SessionStore, StoredSession


@dataclass(frozen=True)
class SessionIdentity:
    """What a snapshot says about the session apart from its state (it never changes)."""

    id: str
    scenario_id: str
    persona_id: str
    rubric_id: str
    engine: str
    model: str
    mode: str
    seed: int


def save(
    store: SessionStore | None,
    identity: SessionIdentity,
    trust: TrustState,
    turns: Sequence[TurnRecord],
    engine_state: dict[str, Any],
    *,
    finished: bool,
    end_reason: str | None,
) -> None:
    """Write one snapshot of the session (nothing without a store).

    Raises:
        ClientEngineError: the store could not write it (the message says why).
    """
    if store is None:
        return
    from simulator.store import StoreError

    data = snapshot(identity, trust, turns, engine_state, finished=finished, end_reason=end_reason)
    try:
        store.save(data)
    except StoreError as exc:
        raise ClientEngineError(f"the turn could not be saved: {exc}") from exc


def snapshot(
    identity: SessionIdentity,
    trust: TrustState,
    turns: Sequence[TurnRecord],
    engine_state: dict[str, Any],
    *,
    finished: bool,
    end_reason: str | None,
) -> StoredSession:
    """Return the store's record of the session in this state."""
    from simulator.store import StoredSession

    state = trust.to_dict()
    return StoredSession(
        id=identity.id,
        scenario_id=identity.scenario_id,
        persona_id=identity.persona_id,
        rubric_id=identity.rubric_id,
        engine=identity.engine,
        model=identity.model,
        mode=identity.mode,
        seed=identity.seed,
        trust=trust.value,
        client_state=trust.client_state,
        unlocked=state["unlocked"],
        history=state["history"],
        turns=[t.to_row() for t in turns],
        ledger=state["ledger"],
        ruptures=state["ruptures"],
        engine_state=engine_state,
        finished=finished,
        end_reason=end_reason,
    )


def restore_trust(persona: Persona, data: StoredSession) -> TrustState:
    """Rebuild the trust state a stored session had after its last completed turn."""
    return TrustState.from_dict(
        persona,
        {
            "value": data.trust,
            "unlocked": data.unlocked,
            "ledger": data.ledger,
            "ruptures": data.ruptures,
            "history": data.history,
            "client_state": data.client_state,
        },
    )


def restore_turns(data: StoredSession) -> list[TurnRecord]:
    """Rebuild the transcript of a stored session."""
    return [TurnRecord.from_row(t) for t in data.turns]
