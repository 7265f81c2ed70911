"""The session loop with the real analyzer, library, scripted engine and SQLite store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support.fake_openai import FakeOpenAI, Reply, fake_openai  # noqa: F401

from simulator.analysis import get_analyzer
from simulator.clients.base import ClientContext, ClientEngineError, create_engine
from simulator.clients.scripted import ScriptedEngine
from simulator.config import EngineSettings
from simulator.content.library import Library, load_library
from simulator.session import (
    ClientChunk,
    Session,
    SessionEnded,
    SessionEvent,
    SessionFinishedError,
    TraineeAnalysed,
    TurnCompleted,
)
from simulator.store import SessionStore

CONTENT = Path(__file__).parent / "fixtures" / "session" / "content"


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([CONTENT])


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions.sqlite3")


def start(
    library: Library,
    store: SessionStore | None,
    scenario: str = "dale-first-session",
    engine: object | None = None,
    **kw: object,
) -> Session:
    return Session.start(
        scenario,
        library=library,
        engine=engine or ScriptedEngine(),  # type: ignore[arg-type]
        store=store,
        **kw,
    )  # type: ignore[arg-type]


async def say(session: Session, text: str) -> list[SessionEvent]:
    return [event async for event in session.respond(text)]


def snapshot(session: Session) -> dict[str, object]:
    document = session.to_dict(report=False)
    del document["engine"]  # the tests swap engines; everything else must match
    return {**document, "state": session.trust.to_dict(), "trainee_turns": session.trainee_turns}


async def test_start_opens_with_the_client_and_is_stored(
    library: Library, store: SessionStore
) -> None:
    session = start(library, store)
    (opening,) = session.turns
    assert opening.index == 0 and opening.speaker == "client"
    assert opening.text == library.scenario("dale-first-session").opening_line
    assert opening.trust == 20 and opening.disclosed == ("surface",)
    assert [s.id for s in store.list_unfinished()] == [session.id]
    assert store.load(session.id).turns[0]["text"] == opening.text


async def test_a_turn_yields_analysis_chunks_then_completion(
    library: Library, store: SessionStore
) -> None:
    session = start(library, store)
    events = await say(
        session, "It sounds like coming here wasn't your idea, and you doubt it helps."
    )
    assert isinstance(events[0], TraineeAnalysed)
    assert (
        "reflection_simple" in events[0].label.codes
        or "reflection_complex" in events[0].label.codes
    )
    chunks = [e.text for e in events if isinstance(e, ClientChunk)]
    assert len(chunks) > 1
    done = events[-1]
    assert isinstance(done, TurnCompleted)
    assert done.client.text == "".join(chunks).strip()
    assert done.trainee.trust > 20 and done.trainee.move == "reflection"
    assert [t.speaker for t in session.turns] == ["client", "trainee", "client"]
    assert session.trainee_turns == 1 and session.trust.history == [20, done.trainee.trust]
    assert len(store.load(session.id).turns) == 3  # committed before the next prompt
    assert session.last_label is events[0].label


class BrokenEngine:
    """Streams two words and then fails, as a dropped connection would."""

    name = "broken"
    model = "broken"

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def stream(self, ctx: ClientContext) -> AsyncIterator[str]:
        yield "I "
        yield "just "
        raise self.exc


@pytest.mark.parametrize("exc", [ClientEngineError("connection lost"), RuntimeError("boom")])
async def test_engine_failure_mid_stream_changes_nothing(
    library: Library, store: SessionStore, exc: Exception
) -> None:
    session = start(library, store)
    await say(session, "What brings you here today?")
    before, stored_before = snapshot(session), store.load(session.id)
    session.engine = BrokenEngine(exc)
    seen: list[SessionEvent] = []
    with pytest.raises(ClientEngineError):
        async for event in session.respond("You need to calm down."):
            seen.append(event)
    assert any(isinstance(e, ClientChunk) for e in seen)  # it failed mid-reply
    assert snapshot(session) == before
    assert store.load(session.id).turns == stored_before.turns
    assert store.load(session.id).ledger == stored_before.ledger
    session.engine = ScriptedEngine()
    await say(session, "You need to calm down.")  # the same words can be sent again
    assert session.trainee_turns == 2


async def test_openai_stream_cut_mid_reply_rolls_back(
    library: Library,
    store: SessionStore,
    fake_openai: FakeOpenAI,  # noqa: F811
) -> None:
    engine = create_engine(
        EngineSettings(
            engine="openai",
            base_url=fake_openai.base_url,
            api_key="test",
            model="fake",
            max_retries=0,
        )
    )
    session = start(library, store, engine=engine)
    before = snapshot(session)
    fake_openai.queue(Reply.cut("Look, I don't really know what you want from me here.", after=3))
    with pytest.raises(ClientEngineError):
        await say(session, "What brings you here today?")
    assert snapshot(session) == before and len(store.load(session.id).turns) == 1
    fake_openai.queue(Reply.say("My doctor sent me."))
    events = await say(session, "What brings you here today?")
    assert isinstance(events[-1], TurnCompleted)
    assert events[-1].client.text == "My doctor sent me."


async def test_blank_turn_is_refused(library: Library) -> None:
    session = start(library, None)
    with pytest.raises(ValueError, match="say something"):
        await say(session, "   ")
    assert session.trainee_turns == 0


async def test_turn_limit_and_scenario_event(library: Library, store: SessionStore) -> None:
    session = start(library, store, scenario="test-short")
    assert session.turns[0].text == "Hi. I'm Sam Test. Trust is 20."
    await say(session, "What brings you in?")
    events = await say(session, "That sounds hard.")
    assert events[-1].client.text == "Sorry, my phone. (Sam Test puts it away.)"  # type: ignore[union-attr]
    assert any(e.source == "event" and e.amount == -2 for e in session.trust.ledger)
    events = await say(session, "What would help most today?")
    assert isinstance(events[-1], SessionEnded) and events[-1].reason == "turn_limit"
    assert session.finished and store.load(session.id).finished
    assert store.list_unfinished() == []
    with pytest.raises(SessionFinishedError):
        await say(session, "One more thing.")


async def test_judgment_opens_rupture_hint_names_it_and_end_records_it(
    library: Library, store: SessionStore
) -> None:
    session = start(library, store)
    await say(session, "Don't worry, everything will be fine.")  # Dale's 'dismiss' trigger
    assert session.trust.rupture == "confrontation"
    assert session.turns[-1].state == "confrontation"
    assert (
        session.turns[-1].text
        in library.persona("dale-kowalski").lines.confrontation.any
        + library.persona("dale-kowalski").lines.confrontation.judgment
    )
    assert "acknowledge" in session.hint()
    session.end("trainee")
    assert session.finished and session.end_reason == "trainee"
    assert session.to_dict(report=False)["ruptures"][0]["resolved_turn"] is None
    assert "unresolved" in session.trust.ledger[-1].reason
    assert store.load(session.id).end_reason == "trainee"


async def test_repair_resolves_rupture_with_accepting_repair_voice(library: Library) -> None:
    session = start(library, None)
    await say(session, "Don't worry, everything will be fine.")
    await say(session, "I'm sorry, I think I rushed you there. That wasn't fair to you.")
    assert session.trust.rupture == "confrontation"
    await say(
        session, "I notice something shifted between us. How is this going for you, between us?"
    )
    assert session.trust.rupture is None
    assert session.turns[-1].state == "accepting_repair"
    assert session.to_dict(report=False)["ruptures"][0]["resolved_turn"] == 3


async def test_resume_rebuilds_exactly_and_continues_identically(
    library: Library, tmp_path: Path
) -> None:
    script = [
        line
        for line in (Path(__file__).parent / "trainees" / "repairing.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ][:8]
    whole = start(library, SessionStore(tmp_path / "a.db"), seed=5)
    for line in script:
        await say(whole, line)

    store = SessionStore(tmp_path / "b.db")
    first = start(library, store, seed=5)
    for line in script[:4]:
        await say(first, line)
    resumed = Session.resume(first.id, library=library, engine=ScriptedEngine(), store=store)
    assert snapshot(resumed) == snapshot(first)
    for line in script[4:]:
        await say(resumed, line)
    # Same seed, same words: the resumed run says exactly what the uninterrupted one did.
    assert snapshot(resumed) == snapshot(whole)


async def test_exam_mode_has_no_hints(library: Library) -> None:
    session = start(library, None, mode="exam")
    assert "not available" in session.hint()


async def test_report_scores_the_transcript(library: Library) -> None:
    session = start(library, None)
    await say(session, "It sounds like coming here wasn't your idea.")
    report = session.report()
    assert set(report["dimensions"]) >= {"empathy", "openness", "non_judgment", "rupture_repair"}
    assert session.to_dict()["report"] == report


def test_default_analyzer_is_the_offline_one(library: Library) -> None:
    session = start(library, None)
    assert session.analyzer is get_analyzer("offline")
