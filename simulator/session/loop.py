"""The turn loop every front end uses (the trainee app, the CLI, the exam runner).

One trainee turn: the analyzer labels it, the trust model updates a copy of the
state, the client engine voices the new state (streamed), the analyzer labels
the client's reply, and the turn is committed to the store in one transaction.
Only then does the session take the new state, so a failure anywhere in between
(engine error, cancelled stream, database error) leaves the session, the
transcript and the store exactly as they were: the front end can give the
trainee their words back and let them try again.

No Textual import here: see ``tests/test_boundaries.py``.
"""

from __future__ import annotations

import copy
import importlib
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from simulator.analysis.base import Analyzer, TurnLabel, Utterance
from simulator.analysis.codes import move_for
from simulator.clients.base import ClientEngine, ClientEngineError
from simulator.clients.scripted import render_line
from simulator.content.models import Persona, Rubric, Scenario
from simulator.session import persistence
from simulator.session.records import (
    ClientChunk,
    ContentLibrary,
    Mode,
    SessionEnded,
    SessionEvent,
    SessionFinishedError,
    TraineeAnalysed,
    TurnCompleted,
    TurnRecord,
)
from simulator.session.reply import client_context, stream_reply
from simulator.session.report import rupture_rows, score_session
from simulator.trust import TrustState
from simulator.trust.hints import hint_for

if TYPE_CHECKING:
    from simulator.store import SessionStore


def _utterances(turns: Sequence[TurnRecord]) -> list[Utterance]:
    return [Utterance("therapist" if t.speaker == "trainee" else "client", t.text) for t in turns]


class Session:
    """A conversation between a trainee and a simulated client. Build with :meth:`start`."""

    def __init__(
        self,
        *,
        id: str,
        scenario: Scenario,
        persona: Persona,
        rubric: Rubric,
        engine: ClientEngine,
        analyzer: Analyzer,
        store: SessionStore | None,
        seed: int,
        mode: Mode,
        trust: TrustState,
        turns: list[TurnRecord],
        engine_state: dict[str, Any] | None = None,
        finished: bool = False,
        end_reason: str | None = None,
    ) -> None:
        self.id = id
        self.scenario = scenario
        self.persona = persona
        self.rubric = rubric
        self.engine = engine
        self.analyzer = analyzer
        self.store = store
        self.seed = seed
        self.mode: Mode = mode
        self.trust = trust
        self.turns = turns
        self.finished = finished
        self.end_reason = end_reason
        self.last_label: TurnLabel | None = None
        self._engine_state: dict[str, Any] = engine_state or {}
        self._busy = False

    # ------------------------------------------------------------------ construction

    @classmethod
    def start(
        cls,
        scenario_id: str,
        *,
        library: ContentLibrary,
        engine: ClientEngine,
        analyzer: Analyzer | None = None,
        store: SessionStore | None = None,
        seed: int = 0,
        mode: Mode = "practice",
    ) -> Session:
        """Start a session on ``scenario_id``; the client's opening line is turn 0.

        A locked (assessed) scenario always runs in ``exam`` mode.

        Raises:
            KeyError: the scenario, its persona or its rubric is unknown (the library's
                ``UnknownContentError`` has a did-you-mean message).
            ClientEngineError: the opening line does not render.
        """
        scenario = library.scenario(scenario_id)
        persona = library.persona(scenario.persona)
        rubric = library.rubric(scenario.rubric)
        analyzer = analyzer or _default_analyzer()
        trust = TrustState.start(persona, scenario)
        text = render_line(
            scenario.opening_line, client=persona.name, turn=0, trust=round(trust.value)
        )
        label = analyzer.label(Utterance("client", text), ())
        opening = _client_turn(0, text, label.codes, trust, trust.unlocked)
        session = cls(
            id=uuid.uuid4().hex,
            scenario=scenario,
            persona=persona,
            rubric=rubric,
            engine=engine,
            analyzer=analyzer,
            store=store,
            seed=seed,
            mode="exam" if scenario.locked else mode,
            trust=trust,
            turns=[opening],
        )
        session._save(trust, session.turns, session._engine_state, False, None)
        return session

    @classmethod
    def resume(
        cls,
        session_id: str,
        *,
        library: ContentLibrary,
        engine: ClientEngine,
        store: SessionStore,
        analyzer: Analyzer | None = None,
    ) -> Session:
        """Rebuild a stored session exactly as it was after its last completed turn.

        Raises:
            SessionNotFoundError: no session has this id.
            KeyError: its scenario, persona or rubric is no longer in the library.
        """
        data = store.load(session_id)
        persona = library.persona(data.persona_id)
        trust = persistence.restore_trust(persona, data)
        return cls(
            id=data.id,
            scenario=library.scenario(data.scenario_id),
            persona=persona,
            rubric=library.rubric(data.rubric_id),
            engine=engine,
            analyzer=analyzer or _default_analyzer(),
            store=store,
            seed=data.seed,
            mode="exam" if data.mode == "exam" else "practice",
            trust=trust,
            turns=persistence.restore_turns(data),
            engine_state=data.engine_state,
            finished=data.finished,
            end_reason=data.end_reason,
        )

    # ------------------------------------------------------------------ views

    @property
    def trainee_turns(self) -> int:
        """How many trainee turns have been completed."""
        return sum(1 for t in self.turns if t.speaker == "trainee")

    @property
    def turns_left(self) -> int:
        """Trainee turns left before the scenario's turn limit ends the session."""
        return max(0, self.scenario.turn_limit - self.trainee_turns)

    # ------------------------------------------------------------------ the loop

    async def respond(self, text: str) -> AsyncIterator[SessionEvent]:
        """Take one trainee turn and stream the client's reply.

        Yields :class:`TraineeAnalysed`, then :class:`ClientChunk` pieces, then
        :class:`TurnCompleted` once both turns are stored, and :class:`SessionEnded`
        if the turn limit is reached.

        Raises:
            ValueError: ``text`` is blank.
            SessionFinishedError: the session has ended.
            ClientEngineError: the reply could not be produced or stored; nothing changed.
        """
        text = text.strip()
        if not text:
            raise ValueError("say something to the client first")
        if self.finished:
            raise SessionFinishedError("this session has ended")
        if self._busy:
            raise RuntimeError("the client is still replying to the previous turn")
        self._busy = True
        try:
            async for event in self._turn(text):
                yield event
        finally:
            self._busy = False

    async def _turn(self, text: str) -> AsyncIterator[SessionEvent]:
        turn_no = self.trainee_turns + 1
        context = _utterances(self.turns)
        label = self.analyzer.label(Utterance("therapist", text), context)
        move = move_for(label.codes)
        event = next((e for e in self.scenario.events if e.turn == turn_no), None)
        trust = self.trust.clone()
        outcome = trust.apply_turn(turn_no, label.codes, text, event)
        trainee = TurnRecord(
            index=len(self.turns),
            speaker="trainee",
            text=text,
            codes=label.codes,
            trust=trust.value,
            rupture=trust.rupture,
            move=move,
        )
        yield TraineeAnalysed(trainee, label)

        engine_state = copy.deepcopy(self._engine_state)
        transcript = (*context, Utterance("therapist", text))
        ctx = client_context(
            persona=self.persona,
            scenario=self.scenario,
            trust=trust,
            outcome=outcome,
            label=label,
            move=move,
            turn=turn_no,
            transcript=transcript,
            seed=self.seed,
            engine_state=engine_state,
        )
        pieces: list[str] = []
        async for chunk in stream_reply(self.engine, ctx, event):
            pieces.append(chunk)
            yield ClientChunk(chunk)
        reply = "".join(pieces).strip()
        if not reply:
            raise ClientEngineError("the client engine returned an empty reply")

        client_label = self.analyzer.label(Utterance("client", reply), transcript)
        client = _client_turn(
            trainee.index + 1, reply, client_label.codes, trust, outcome.newly_unlocked
        )
        turns = [*self.turns, trainee, client]
        ends = turn_no >= self.scenario.turn_limit
        if ends:
            trust.end(turn_no)
        # Commit: first the store (may raise; then nothing has changed), then memory.
        self._save(trust, turns, engine_state, ends, "turn_limit" if ends else None)
        self.trust, self.turns, self._engine_state = trust, turns, engine_state
        self.last_label = label
        if ends:
            self.finished, self.end_reason = True, "turn_limit"
        yield TurnCompleted(trainee, client)
        if ends:
            yield SessionEnded("turn_limit")

    def end(self, reason: str = "trainee") -> None:
        """End the session now (unresolved ruptures are recorded as such)."""
        if self.finished:
            return
        trust = self.trust.clone()
        trust.end(self.trainee_turns)
        self._save(trust, self.turns, self._engine_state, True, reason)
        self.trust, self.finished, self.end_reason = trust, True, reason

    # ------------------------------------------------------------------ feedback

    def hint(self) -> str:
        """Suggest a better next move from the current state (not in exam mode)."""
        if self.mode == "exam":
            return "Hints are not available in an assessed session."
        return hint_for(self.trust, self.last_label, self.turns)

    def report(self) -> dict[str, Any]:
        """Score the transcript with the scenario's rubric.

        The report carries ``"assessment"``: the scenario's pass criteria checked against
        the scores, the final trust and the ruptures (see :func:`simulator.assessment.assess`).
        """
        return score_session(self.turns, self.trust, self.scenario, self.rubric, self.analyzer)

    def to_dict(self, *, report: bool = True) -> dict[str, Any]:
        """Return the ``simulate --json`` document (``report=False`` skips scoring)."""
        return {
            "scenario": self.scenario.id,
            "persona": self.persona.id,
            "engine": self.engine.name,
            "turns": [t.to_dict() for t in self.turns],
            "ledger": [e.to_dict() for e in self.trust.ledger],
            "ruptures": rupture_rows(self.trust),
            "report": self.report() if report else {},
        }

    # ------------------------------------------------------------------ persistence

    def _save(
        self,
        trust: TrustState,
        turns: list[TurnRecord],
        engine_state: dict[str, Any],
        finished: bool,
        end_reason: str | None,
    ) -> None:
        identity = persistence.SessionIdentity(
            id=self.id,
            scenario_id=self.scenario.id,
            persona_id=self.persona.id,
            rubric_id=self.rubric.id,
            engine=self.engine.name,
            model=self.engine.model,
            mode=self.mode,
            seed=self.seed,
        )
        persistence.save(
            self.store,
            identity,
            trust,
            turns,
            engine_state,
            finished=finished,
            end_reason=end_reason,
        )


def _default_analyzer() -> Analyzer:
    module = importlib.import_module("simulator.analysis")
    analyzer: Analyzer = module.get_analyzer("offline")
    return analyzer


def _client_turn(
    index: int, text: str, codes: tuple[str, ...], trust: TrustState, disclosed: Sequence[str]
) -> TurnRecord:
    """A client turn, stamped with the trust state it was said in."""
    return TurnRecord(
        index=index,
        speaker="client",
        text=text,
        codes=codes,
        trust=trust.value,
        rupture=trust.rupture,
        disclosed=tuple(disclosed),
        state=trust.client_state,
    )
