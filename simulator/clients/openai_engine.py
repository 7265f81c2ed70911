"""The ``openai`` client engine: any OpenAI-compatible endpoint voices the client.

Works with the hosted OpenAI API and with local servers that speak the same
protocol (Ollama, vLLM, LM Studio, llama.cpp's server). Configuration comes
from :class:`~simulator.config.EngineSettings`: ``OPENAI_API_KEY`` /
``OPENAI_BASE_URL``, the ``[engine]`` table of the config file, and the
``--engine``, ``--model`` and ``--base-url`` flags.
"""

from __future__ import annotations

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
        async for chunk in self.provider.stream(client_messages(ctx)):
            yield chunk


def create(settings: EngineSettings) -> ChatClientEngine:
    """Create the ``openai`` engine from ``settings`` (imports langchain now)."""
    return ChatClientEngine("openai", OpenAIChatProvider(endpoint_config(settings)))
