"""The ``openai`` client engine: any OpenAI-compatible endpoint voices the client.

Works with the hosted OpenAI API and with local servers that speak the same
protocol (Ollama, vLLM, LM Studio, llama.cpp's server). Configuration comes
from :class:`~simulator.config.EngineSettings`: ``OPENAI_API_KEY`` /
``OPENAI_BASE_URL``, the ``[engine]`` table of the config file, and the
``--engine``, ``--model`` and ``--base-url`` flags.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from simulator.clients.base import ClientContext, ClientEngineError
from simulator.clients.llm import ChatProvider, EndpointConfig, OpenAIChatProvider, RetryPolicy
from simulator.prompts.client import client_messages

if TYPE_CHECKING:
    from simulator.config import EngineSettings

#: Used when no model is configured: small, cheap and good enough at role-play.
DEFAULT_MODEL = "gpt-4o-mini"


def endpoint_config(settings: EngineSettings, *, purpose: str = "The openai engine"
                    ) -> EndpointConfig:
    """Map engine settings to an endpoint, checking that it can be reached at all.

    Args:
        settings: Merged flags, environment and config file.
        purpose: Who needs the endpoint, for the error message.

    Raises:
        ClientEngineError: Neither an API key nor a base URL is configured, or a value
            is out of range.
    """
    if not settings.base_url and not settings.api_key:
        raise ClientEngineError(
            f"{purpose} needs an API key for the hosted OpenAI API: set OPENAI_API_KEY "
            "(or api_key in the config file), or point --base-url / OPENAI_BASE_URL at a local "
            "OpenAI-compatible server such as http://127.0.0.1:11434/v1 (Ollama)."
        )
    if settings.timeout <= 0:
        raise ClientEngineError(f"timeout must be above 0 seconds, not {settings.timeout:g}")
    if settings.max_retries < 0:
        raise ClientEngineError(f"max_retries must be 0 or more, not {settings.max_retries}")
    if settings.max_tokens < 1:
        raise ClientEngineError(f"max_tokens must be 1 or more, not {settings.max_tokens}")
    return EndpointConfig(
        model=settings.model or DEFAULT_MODEL,
        base_url=settings.base_url,
        api_key=settings.api_key,
        timeout=float(settings.timeout),
        temperature=float(settings.temperature),
        max_tokens=int(settings.max_tokens),
        seed=settings.seed,
        retry=RetryPolicy(max_retries=int(settings.max_retries)),
    )


#: Sentence ends: terminal punctuation, optional closing quotes/brackets, then whitespace.
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)")


class ReplyShaper:
    """Keeps a streamed reply to words the client says aloud, in one short paragraph.

    The prompt asks for 1-3 sentences; small models ignore it and run on into
    narration ("He smiled and said...") or speak as the therapist on a new line.
    The shaper ends the reply at the first line break after some text, or after
    ``max_sentences`` sentences (one of slack over the prompt's limit), so no
    model can fill the transcript with a page of prose.
    """

    def __init__(self, max_sentences: int = 4) -> None:
        self.max_sentences = max_sentences
        self.text = ""
        self.done = False

    def _cut(self) -> int | None:
        body_start = len(self.text) - len(self.text.lstrip())
        newline = self.text.find("\n", body_start)
        cut = newline if newline >= 0 else None
        for count, match in enumerate(_SENTENCE_END.finditer(self.text), start=1):
            if count == self.max_sentences:
                cut = match.end() if cut is None else min(cut, match.end())
                break
        return cut

    def feed(self, chunk: str) -> str:
        """Take the next chunk; return the part of it to show (``""`` once done)."""
        if self.done:
            return ""
        start = len(self.text)
        self.text += chunk
        cut = self._cut()
        if cut is None:
            return chunk
        self.done = True
        self.text = self.text[:cut]
        return self.text[start:]


class ChatClientEngine:
    """Voices the client with any :class:`ChatProvider` (shared by ``openai`` and ``local``)."""

    def __init__(self, name: str, provider: ChatProvider) -> None:
        self.name = name
        self.provider = provider
        self.model = provider.model

    async def stream(self, ctx: ClientContext) -> AsyncIterator[str]:
        """Render the prompt for ``ctx`` and stream the model's reply.

        Raises:
            ClientEngineError: The model failed; nothing about the session has changed.
        """
        shaper = ReplyShaper()
        chunks = self.provider.stream(client_messages(ctx))
        try:
            async for chunk in chunks:
                shown = shaper.feed(chunk)
                if shown:
                    yield shown
                if shaper.done:
                    return
        finally:
            # When the shaper ends the reply early, close the request now (the server
            # stops generating) rather than whenever the generator is collected.
            close = getattr(chunks, "aclose", None)
            if close is not None:
                await close()


def create(settings: EngineSettings) -> ChatClientEngine:
    """Create the ``openai`` engine from ``settings`` (imports langchain now)."""
    return ChatClientEngine("openai", OpenAIChatProvider(endpoint_config(settings)))
