"""The ``openai`` engine against a real HTTP server on 127.0.0.1 (tests/support/server.py).

The real ``langchain_openai`` / ``openai`` / ``httpx`` stack does the talking: streaming
SSE, retries on 429 and 5xx, timeouts and a connection dropped mid-reply.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.contexts import dale_first_turn
from support.fake_openai import FakeOpenAI, Reply

from simulator.clients.base import ClientContext, ClientEngineError, create_engine
from simulator.clients.llm import OpenAIChatProvider, retry_after_seconds
from simulator.clients.openai_engine import ChatClientEngine, ReplyShaper, create
from simulator.config import EngineSettings, load_settings


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as running:
        yield running


@pytest.fixture(scope="module")
def ctx() -> ClientContext:
    return dale_first_turn()


def engine_for(server: FakeOpenAI, *, max_retries: int = 3, timeout: float = 60.0
               ) -> ChatClientEngine:
    settings = EngineSettings(engine="openai", base_url=server.base_url, model="test-model",
                              max_retries=max_retries, timeout=timeout)
    engine = create(settings)
    provider = engine.provider
    assert isinstance(provider, OpenAIChatProvider)
    assert provider.config.retry.max_retries == max_retries
    assert provider.config.timeout == timeout
    # Short backoff keeps the suite fast; the bounds are what is under test.
    fast = dataclasses.replace(provider.config.retry, base_delay=0.05, max_delay=0.2,
                               max_retry_after=5)
    provider.config = dataclasses.replace(provider.config, retry=fast)
    return engine


async def collect(engine: ChatClientEngine, ctx: ClientContext) -> list[str]:
    return [chunk async for chunk in engine.stream(ctx)]


async def test_streams_a_reply_in_chunks(server: FakeOpenAI, ctx: ClientContext) -> None:
    server.queue(Reply.say("My wife made the appointment.",
                                chunks=["My wife", " made the", " appointment."]))
    chunks = await collect(engine_for(server), ctx)
    assert chunks == ["My wife", " made the", " appointment."]
    (request,) = server.requests
    assert request.body["stream"] is True
    assert request.body["model"] == "test-model"
    assert [m["role"] for m in request.messages] == ["system", "assistant", "user"]
    assert request.messages[2]["content"] == "What brings you here today?"


async def test_locked_layers_never_reach_the_server(server: FakeOpenAI,
                                                    ctx: ClientContext) -> None:
    server.queue(Reply.say("Fine."))
    await collect(engine_for(server), ctx)
    sent = server.requests[0].text
    assert ctx.persona.disclosure[0].summary.strip() in server.requests[0].messages[0][
        "content"]
    for layer in ctx.persona.disclosure[1:]:
        assert layer.summary.strip()[:60] not in sent, layer.id


async def test_retries_429_honouring_retry_after(server: FakeOpenAI,
                                                 ctx: ClientContext) -> None:
    server.queue(Reply.error(429, "slow down", retry_after=0.6), Reply.say("Okay."))
    assert "".join(await collect(engine_for(server), ctx)) == "Okay."
    first, second = server.requests
    assert second.at - first.at >= 0.55  # waited as asked, not the 0.05 s backoff


async def test_retries_5xx_then_succeeds(server: FakeOpenAI, ctx: ClientContext) -> None:
    server.queue(Reply.error(500), Reply.error(503), Reply.say("Whatever."))
    assert "".join(await collect(engine_for(server), ctx)) == "Whatever."
    assert len(server.requests) == 3


async def test_gives_up_after_the_bound(server: FakeOpenAI, ctx: ClientContext) -> None:
    server.queue(*[Reply.error(429, retry_after=0.01)] * 5)
    with pytest.raises(ClientEngineError, match=r"HTTP 429.*gave up after 3 attempts"):
        await collect(engine_for(server, max_retries=2), ctx)
    assert len(server.requests) == 3
    assert len(server.replies) == 2  # the rest were never asked for


async def test_long_retry_after_is_not_waited_for(server: FakeOpenAI,
                                                  ctx: ClientContext) -> None:
    server.queue(Reply.error(429, retry_after=120), Reply.say("never"))
    started = time.monotonic()
    with pytest.raises(ClientEngineError, match="asks to wait 120 s"):
        await collect(engine_for(server), ctx)
    assert time.monotonic() - started < 2
    assert len(server.requests) == 1


async def test_client_errors_are_not_retried(server: FakeOpenAI, ctx: ClientContext) -> None:
    server.queue(Reply.error(401, "bad key"), Reply.say("never"))
    with pytest.raises(ClientEngineError, match="refused the API key.*OPENAI_API_KEY"):
        await collect(engine_for(server), ctx)
    server.queue(Reply.error(404, "no such model"))
    server.replies.popleft()
    with pytest.raises(ClientEngineError, match="'test-model' was not found"):
        await collect(engine_for(server), ctx)
    assert len(server.requests) == 2


async def test_timeout_gives_a_clear_error(server: FakeOpenAI, ctx: ClientContext) -> None:
    server.queue(Reply.say("too late", delay=3))
    started = time.monotonic()
    with pytest.raises(ClientEngineError, match=r"did not answer within 0.5 s.*words were kept"):
        await collect(engine_for(server, timeout=0.5), ctx)
    assert time.monotonic() - started < 2.5
    assert len(server.requests) == 1  # a timeout is not retried


async def test_stall_mid_reply_times_out(server: FakeOpenAI, ctx: ClientContext) -> None:
    server.queue(Reply.say("Fine. I guess. Whatever.", chunks=["Fine.", " I guess.", " Whatever."],
                           chunk_delay=0.05),
                 Reply.say("Well I was going to say something", chunk_delay=1.5))
    assert await collect(engine_for(server, timeout=0.5), ctx) == ["Fine.", " I guess.",
                                                                   " Whatever."]
    with pytest.raises(ClientEngineError, match="did not answer within 0.5 s"):
        await collect(engine_for(server, timeout=0.5), ctx)


async def test_stream_cut_mid_reply_raises(server: FakeOpenAI, ctx: ClientContext) -> None:
    server.queue(Reply.cut("I told you already that I am fine", after=3), Reply.say("x"))
    received: list[str] = []
    with pytest.raises(ClientEngineError, match="broke off mid-reply"):
        async for chunk in engine_for(server).stream(ctx):
            received.append(chunk)
    assert received == ["I", " told", " you"]
    assert len(server.requests) == 1  # text was already shown: never silently retried


async def test_stream_ending_without_finish_raises(server: FakeOpenAI,
                                                   ctx: ClientContext) -> None:
    server.queue(Reply.cut("Maybe I should just go home now", after=4, cleanly=True))
    received: list[str] = []
    with pytest.raises(ClientEngineError, match="cut off before it finished"):
        async for chunk in engine_for(server).stream(ctx):
            received.append(chunk)
    assert "".join(received) == "Maybe I should just"


async def test_unreachable_server(ctx: ClientContext) -> None:
    with FakeOpenAI() as stopped:
        url = stopped.base_url
    engine = create(EngineSettings(engine="openai", base_url=url, max_retries=0))
    with pytest.raises(ClientEngineError, match="Could not reach the model"):
        await collect(engine, ctx)


def test_needs_a_key_or_a_base_url() -> None:
    with pytest.raises(ClientEngineError, match="OPENAI_API_KEY"):
        create(EngineSettings(engine="openai"))
    with pytest.raises(ClientEngineError, match="timeout"):
        create(EngineSettings(engine="openai", api_key="k", timeout=0))


async def test_configured_from_environment(server: FakeOpenAI, ctx: ClientContext,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("SIMULATOR_MODEL", "env-model")
    engine = create_engine(load_settings(engine="openai"))
    assert (engine.name, engine.model) == ("openai", "env-model")
    server.queue(Reply.say("Sure."))
    assert [c async for c in engine.stream(ctx)] == ["Sure."]
    request = server.requests[0]
    assert request.headers["authorization"] == "Bearer sk-from-env"
    assert request.body["model"] == "env-model"


async def test_configured_from_file_and_flags(server: FakeOpenAI, ctx: ClientContext,
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[engine]\nname = "openai"\nmodel = "file-model"\nbase_url = "{server.base_url}"\n'
        "max_tokens = 80\ntemperature = 0.2\n", encoding="utf-8")
    monkeypatch.setenv("SIMULATOR_CONFIG", str(config))
    engine = create_engine(load_settings(model="flag-model"))
    server.queue(Reply.say("Mm."))
    await collect(engine, ctx)  # type: ignore[arg-type]
    body = server.requests[0].body
    assert body["model"] == "flag-model"  # the flag beats the file
    assert body["max_tokens"] == 80
    assert body["temperature"] == 0.2


def test_retry_after_header_forms() -> None:
    assert retry_after_seconds({"retry-after": "2"}) == 2
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


async def test_reply_stops_at_narration_or_the_therapist_line(server: FakeOpenAI,
                                                              ctx: ClientContext) -> None:
    server.queue(Reply.say("I'm fine. Really.\nTherapist: How are you?\nHe smiled warmly."))
    assert "".join(await collect(engine_for(server), ctx)) == "I'm fine. Really."
    server.queue(Reply.say("One. Two! Three? Four. Five. Six."))
    assert "".join(await collect(engine_for(server), ctx)) == "One. Two! Three? Four."


@pytest.mark.parametrize(
    ("chunks", "shown", "done"),
    [
        (["\n\nWell. ", "I guess.\nHe smiled"], "\n\nWell. I guess.", True),
        (["Dr. Smith said \"no.\" ", "Fine"], "Dr. Smith said \"no.\" Fine", False),
        (["No ", "line break ", "at all"], "No line break at all", False),
        (["A. B. C. D.", " E."], "A. B. C. D.", True),  # the 4th end is seen once a space follows
    ],
)
def test_reply_shaper(chunks: list[str], shown: str, done: bool) -> None:
    shaper = ReplyShaper()
    assert "".join(shaper.feed(c) for c in chunks) == shown
    assert shaper.done is done
