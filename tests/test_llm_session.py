"""The ``openai`` engine inside the real session loop, against the fake server on 127.0.0.1.

With the real library, offline analyzer, trust model and SQLite store: what each
request carries follows the trust model turn by turn (a disclosure layer's
content reaches the model only once it has unlocked), and a failed call leaves
the session and the store exactly as they were.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.fake_openai import FakeOpenAI, Reply

from simulator.clients.base import ClientEngineError, create_engine
from simulator.clients.llm import OpenAIChatProvider
from simulator.config import EngineSettings
from simulator.content.library import Library, load_library
from simulator.session import Session, TurnCompleted
from simulator.store import SessionStore

SKILLED = [
    line for line in (Path(__file__).parent / "trainees" / "skilled.txt")
    .read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
]


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as running:
        yield running


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def open_session(library: Library, server: FakeOpenAI, store: SessionStore | None,
                 **settings: object) -> Session:
    engine = create_engine(EngineSettings(engine="openai", base_url=server.base_url,
                                          model="client-model", **settings))  # type: ignore[arg-type]
    provider = engine.provider  # type: ignore[attr-defined]
    assert isinstance(provider, OpenAIChatProvider)
    fast = dataclasses.replace(provider.config.retry, base_delay=0.02, max_delay=0.05)
    provider.config = dataclasses.replace(provider.config, retry=fast)
    return Session.start("dale-first-session", library=library, engine=engine, store=store)


def snapshot(session: Session) -> dict[str, object]:
    return {**session.to_dict(report=False), "state": session.trust.to_dict()}


async def test_requests_follow_the_trust_model(library: Library, server: FakeOpenAI) -> None:
    session = open_session(library, server, None)
    layers = session.persona.disclosure
    seen_locked = seen_unlocked_later = False
    for turn, text in enumerate(SKILLED[:12], start=1):
        server.queue(Reply.say(f"Client reply {turn}."))
        events = [event async for event in session.respond(text)]
        assert isinstance(events[-1], TurnCompleted)
        request = server.requests[-1]
        system = request.messages[0]["content"]
        for layer in layers:
            unlocked = layer.id in session.trust.unlocked
            assert (layer.summary.strip() in system) == unlocked, (turn, layer.id)
            # Nowhere in the request body either (as JSON-escaped on the wire).
            wire = json.dumps(layer.summary.strip(), ensure_ascii=False)[1:-1]
            assert (wire in request.text) == unlocked, (turn, layer.id)
            seen_locked |= not unlocked
            seen_unlocked_later |= unlocked and layer.threshold > 0
        # The transcript so far, in order, ends with this trainee turn as the user's words.
        roles = [m["role"] for m in request.messages[1:]]
        assert roles == ["assistant", "user"] * turn
        assert request.messages[-1]["content"] == text
        assert request.messages[-2]["content"] == session.turns[-3].text
        assert f"Trust: {session.trust.band} ({round(session.trust.value)} out of 100)" in system
    assert seen_locked and seen_unlocked_later  # the run exercised both sides of the rule
    assert session.turns[-1].text == "Client reply 12."


@pytest.mark.parametrize(
    ("replies", "settings", "message"),
    [
        ([Reply.error(429, retry_after=0.01)] * 3, {"max_retries": 2}, "HTTP 429"),
        ([Reply.error(502)] * 2, {"max_retries": 1}, "HTTP 502"),
        ([Reply.say("late", delay=2)], {"timeout": 0.4}, "did not answer"),
        ([Reply.cut("Look, I don't know what you want", after=2)], {}, "broke off"),
    ],
)
async def test_failed_call_leaves_session_and_store_unchanged(
    library: Library, server: FakeOpenAI, tmp_path: Path, replies: list[Reply],
    settings: dict[str, object], message: str,
) -> None:
    store = SessionStore(tmp_path / "sessions.sqlite3")
    session = open_session(library, server, store, **settings)
    server.queue(Reply.say("Doctor sent me."))
    [event async for event in session.respond(SKILLED[0])]
    before, stored = snapshot(session), store.load(session.id)
    server.queue(*replies)
    with pytest.raises(ClientEngineError, match=message):
        async for _ in session.respond(SKILLED[1]):
            pass
    assert snapshot(session) == before
    after = store.load(session.id)
    assert (after.turns, after.ledger, after.trust) == (stored.turns, stored.ledger, stored.trust)
    # The trainee's words can simply be sent again once the model answers.
    server.queue(Reply.say("Maybe."))
    events = [event async for event in session.respond(SKILLED[1])]
    assert isinstance(events[-1], TurnCompleted) and events[-1].client.text == "Maybe."
    assert len(store.load(session.id).turns) == len(stored.turns) + 2
