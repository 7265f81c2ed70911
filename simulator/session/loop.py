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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from simulator.analysis.base import Analyzer, TurnLabel, Utterance
from simulator.analysis.codes import move_for
from simulator.assessment import assess
from simulator.clients.base import ClientContext, ClientEngine, ClientEngineError
from simulator.clients.scripted import render_line, split_chunks
from simulator.content.models import Persona, Rubric, Scenario
from simulator.trust import TrustState
from simulator.trust.hints import hint_for

if TYPE_CHECKING:
    from simulator.store import SessionStore, StoredSession

Mode = Literal["practice", "exam"]


class ContentLibrary(Protocol):
    """What a session needs from the content library."""

    def scenario(self, scenario_id: str) -> Scenario: ...  # noqa: D102
    def persona(self, persona_id: str) -> Persona: ...  # noqa: D102
    def rubric(self, rubric_id: str) -> Rubric: ...  # noqa: D102


class SessionFinishedError(RuntimeError):
    """The session has ended; it takes no more turns."""


@dataclass(frozen=True)
class TurnRecord:
    """One turn of the transcript.

    ``trust`` and ``rupture`` are the state after the turn. ``disclosed`` (client turns
    only) lists the disclosure layers unlocked by the trainee turn this one answers, or at
    the start for the opening line. ``state`` is the client state voiced (client turns);
    ``move`` the trainee's move category (trainee turns).
    """

    index: int
    speaker: Literal["trainee", "client"]
    text: str
    codes: tuple[str, ...]
    trust: float
    rupture: str | None
    disclosed: tuple[str, ...] = ()
    state: str | None = None
    move: str | None = None

    @property
    def turn(self) -> int:
        """Trainee turn number this record belongs to (0 for the opening line)."""
        return (self.index + 1) // 2

    def to_dict(self) -> dict[str, Any]:
        """The turn as in ``simulate --json``."""
        return {
            "index": self.index,
            "speaker": self.speaker,
            "text": self.text,
            "codes": list(self.codes),
            "trust": self.trust,
            "rupture": self.rupture,
            "disclosed": list(self.disclosed),
        }

    def to_row(self) -> dict[str, Any]:
        """The turn as the store keeps it."""
        return {**self.to_dict(), "state": self.state, "move": self.move}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TurnRecord:
        """Rebuild a record from :meth:`to_row` output."""
        return cls(
            index=row["index"],
            speaker=row["speaker"],
            text=row["text"],
            codes=tuple(row["codes"]),
            trust=row["trust"],
            rupture=row["rupture"],
            disclosed=tuple(row["disclosed"]),
            state=row.get("state"),
            move=row.get("move"),
        )


@dataclass(frozen=True)
class TraineeAnalysed:
    """The trainee's turn was labelled (not yet committed)."""

    record: TurnRecord
    label: TurnLabel


@dataclass(frozen=True)
class ClientChunk:
    """A piece of the client's reply as it streams in."""

    text: str


@dataclass(frozen=True)
class TurnCompleted:
    """Both turns are committed to the store and the session."""

    trainee: TurnRecord
    client: TurnRecord


@dataclass(frozen=True)
class SessionEnded:
    """The session ended (``turn_limit``, ``trainee``...)."""

    reason: str


SessionEvent = TraineeAnalysed | ClientChunk | TurnCompleted | SessionEnded


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
        opening = TurnRecord(
            index=0,
            speaker="client",
            text=text,
            codes=label.codes,
            trust=trust.value,
            rupture=trust.rupture,
            disclosed=tuple(trust.unlocked),
            state=trust.client_state,
        )
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
        trust = TrustState.from_dict(
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
            turns=[TurnRecord.from_row(t) for t in data.turns],
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
        variables = {"client": self.persona.name, "turn": turn_no, "trust": round(trust.value)}
        pieces: list[str] = []
        if event is not None and event.client_line:
            for chunk in split_chunks(render_line(event.client_line, **variables)):
                pieces.append(chunk)
                yield ClientChunk(chunk)
        else:
            layers = {layer.id: layer for layer in self.persona.disclosure}
            ctx = ClientContext(
                persona=self.persona,
                scenario=self.scenario,
                state=trust.client_state,
                trust=trust.value,
                trust_band=trust.band,
                rupture=trust.rupture,
                unlocked=tuple(layers[i] for i in trust.unlocked),
                newly_unlocked=tuple(layers[i] for i in outcome.newly_unlocked),
                move=move,
                codes=label.codes,
                turn=turn_no,
                transcript=(*context, Utterance("therapist", text)),
                seed=self.seed,
                extra={"engine_state": engine_state},
            )
            try:
                async for chunk in self.engine.stream(ctx):
                    pieces.append(chunk)
                    yield ClientChunk(chunk)
            except ClientEngineError:
                raise
            except Exception as exc:
                raise ClientEngineError(f"the client engine failed: {exc}") from exc
        reply = "".join(pieces).strip()
        if not reply:
            raise ClientEngineError("the client engine returned an empty reply")

        client_label = self.analyzer.label(
            Utterance("client", reply), (*context, Utterance("therapist", text))
        )
        client = TurnRecord(
            index=trainee.index + 1,
            speaker="client",
            text=reply,
            codes=client_label.codes,
            trust=trust.value,
            rupture=trust.rupture,
            disclosed=tuple(outcome.newly_unlocked),
            state=trust.client_state,
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
        """Score the transcript with the scenario's rubric (``{}`` until scoring exists).

        The report carries ``"assessment"``: the scenario's pass criteria checked against
        the scores, the final trust and the ruptures (see :func:`simulator.assessment.assess`).
        """
        # The scoring package is written alongside this one; until it provides
        # score_transcript the report is empty rather than an error.
        score_transcript = getattr(
            importlib.import_module("simulator.scoring"), "score_transcript", None
        )
        if score_transcript is None:
            return {}
        ruptures = [self._rupture_dict(r.to_dict()) for r in self.trust.ruptures]
        report: dict[str, Any] = score_transcript(
            [t.to_dict() for t in self.turns],
            self.rubric,
            ruptures=ruptures,
            trust=list(self.trust.history),
            analyzer=self.analyzer,
        )
        report["assessment"] = assess(
            self.scenario.pass_criteria, report, final_trust=self.trust.value, ruptures=ruptures
        )
        return report

    @staticmethod
    def _rupture_dict(data: dict[str, Any]) -> dict[str, Any]:
        return {k: data[k] for k in ("kind", "opened_turn", "resolved_turn", "cause")}

    def to_dict(self, *, report: bool = True) -> dict[str, Any]:
        """Return the ``simulate --json`` document (``report=False`` skips scoring)."""
        return {
            "scenario": self.scenario.id,
            "persona": self.persona.id,
            "engine": self.engine.name,
            "turns": [t.to_dict() for t in self.turns],
            "ledger": [e.to_dict() for e in self.trust.ledger],
            "ruptures": [self._rupture_dict(r.to_dict()) for r in self.trust.ruptures],
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
        if self.store is None:
            return
        from simulator.store import StoreError

        try:
            self.store.save(self._snapshot(trust, turns, engine_state, finished, end_reason))
        except StoreError as exc:
            raise ClientEngineError(f"the turn could not be saved: {exc}") from exc

    def _snapshot(
        self,
        trust: TrustState,
        turns: list[TurnRecord],
        engine_state: dict[str, Any],
        finished: bool,
        end_reason: str | None,
    ) -> StoredSession:
        from simulator.store import StoredSession

        state = trust.to_dict()
        return StoredSession(
            id=self.id,
            scenario_id=self.scenario.id,
            persona_id=self.persona.id,
            rubric_id=self.rubric.id,
            engine=self.engine.name,
            model=self.engine.model,
            mode=self.mode,
            seed=self.seed,
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


def _default_analyzer() -> Analyzer:
    module = importlib.import_module("simulator.analysis")
    analyzer: Analyzer = module.get_analyzer("offline")
    return analyzer
