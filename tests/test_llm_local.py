"""The ``local`` engine's set-up and error paths (the generation itself is in test_llm_llama)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support.llama_server import model_path

from simulator.clients import local
from simulator.clients.base import ClientEngineError, create_engine
from simulator.clients.llm import ChatMessage
from simulator.config import EngineSettings


def test_default_model_is_the_packaged_smollm2() -> None:
    path = model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.is_file() and path.stat().st_size > 50_000_000


def test_missing_model_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "MODEL_PACKAGE", "no-such-model-package")
    with pytest.raises(ClientEngineError, match=r"simulator\[local\]"):
        local.default_model_path()


def test_missing_llama_cpp_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    with pytest.raises(ClientEngineError, match=r"needs llama-cpp-python: install .*local"):
        create_engine(EngineSettings(engine="local"))


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ClientEngineError, match="model file does not exist"):
        create_engine(EngineSettings(engine="local", model_path=str(tmp_path / "none.gguf")))


def test_broken_model_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"not a gguf file at all")
    with pytest.raises(ClientEngineError, match="Could not load the model"):
        create_engine(EngineSettings(engine="local", model_path=str(bad)))


def test_long_transcripts_are_trimmed_to_the_context_window() -> None:
    model_path()
    engine = create_engine(EngineSettings(engine="local", max_tokens=100))
    provider = engine.provider  # type: ignore[attr-defined]
    assert isinstance(provider, local.LlamaCppProvider)
    turn = "I keep going over the same thing again and again and it never gets any better. "
    messages = [ChatMessage("system", "You are a client.")]
    for i in range(120):
        messages.append(ChatMessage("user" if i % 2 else "assistant", f"{i}: " + turn * 3))
    messages.append(ChatMessage("user", "What happened next?"))
    kept = provider._fit(messages)
    assert kept[0] == {"role": "system", "content": "You are a client."}
    assert kept[-1]["content"] == "What happened next?"
    assert 2 < len(kept) < len(messages)
    assert kept[1]["content"].startswith(f"{len(messages) - len(kept)}: ")  # oldest went first
    text = "\n".join(m["content"] for m in kept)
    assert len(provider._llama.tokenize(text.encode())) <= local.N_CTX - 100
