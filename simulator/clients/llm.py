"""The provider seam for LLM calls: one small protocol and its OpenAI-compatible implementation.

This is the only module that imports ``langchain_openai`` / ``openai``, and it
does so lazily (importing langchain costs about 2 s, which the TUI must not pay
at start-up). Everything above it deals in :class:`ChatMessage` lists and text
chunks; every failure leaves here as a :class:`ClientEngineError` whose message
can be shown to the trainee as is.

Retries are done here rather than by the ``openai`` client (which is created
with ``max_retries=0``) so that the policy is explicit and tested: 429 and 5xx
answers are retried with exponential backoff, honouring the server's
``retry-after`` / ``retry-after-ms`` header, a bounded number of times. A
stream that fails after it has produced text is never retried (the caller
already showed the text); it raises, and the session rolls the turn back.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from simulator.clients.base import ClientEngineError

Role = Literal["system", "user", "assistant"]
T = TypeVar("T")


@dataclass(frozen=True)
class ChatMessage:
    """One message of a chat request."""

    role: Role
    content: str

    def as_dict(self) -> dict[str, str]:
        """The OpenAI wire form (also used in judge audit records)."""
        return {"role": self.role, "content": self.content}


@runtime_checkable
class ChatProvider(Protocol):
    """Streams a chat model's reply to a list of messages."""

    #: Model name, for status lines and audit records.
    model: str

    def stream(self, messages: Sequence[ChatMessage]) -> AsyncIterator[str]:
        """Yield the reply as text chunks; raise :class:`ClientEngineError` on failure."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a rate-limited or failing server."""

    #: Retries after the first attempt (so at most ``max_retries + 1`` requests).
    max_retries: int = 3
    #: First backoff in seconds; doubles with every retry, plus up to 25% jitter.
    base_delay: float = 0.5
    #: Longest backoff between two attempts when the server gives no ``retry-after``.
    max_delay: float = 8.0
    #: A ``retry-after`` longer than this is not waited for: the call gives up at once.
    max_retry_after: float = 30.0


@dataclass(frozen=True)
class EndpointConfig:
    """Where and how to reach an OpenAI-compatible chat endpoint."""

    model: str
    #: ``None`` means the hosted OpenAI API.
    base_url: str | None = None
    api_key: str | None = None
    #: Seconds to wait for the server to connect or send the next bytes.
    timeout: float = 60.0
    temperature: float = 0.7
    max_tokens: int = 300
    seed: int | None = None
    retry: RetryPolicy = RetryPolicy()

    @property
    def where(self) -> str:
        """The endpoint as people know it, for error messages."""
        return self.base_url or "the OpenAI API"


def chat_model(config: EndpointConfig, *, streaming: bool = True) -> Any:
    """Create a ``langchain_openai.ChatOpenAI`` for ``config`` (imports langchain now).

    The ``openai`` client's own retries are switched off: :func:`call_with_retries`
    and :class:`OpenAIChatProvider` apply :class:`RetryPolicy` instead.
    """
    from langchain_openai import ChatOpenAI

    kwargs: dict[str, Any] = {
        "model": config.model,
        # Local servers (llama.cpp, Ollama, vLLM, LM Studio) ignore the key but the
        # client insists on one.
        "api_key": config.api_key or "not-needed",
        "timeout": config.timeout,
        "max_retries": 0,
        "temperature": config.temperature,
        "streaming": streaming,
    }
    if config.base_url:
        kwargs["base_url"] = config.base_url
        # ChatOpenAI sends OpenAI's newer ``max_completion_tokens``, which llama.cpp's
        # server and other compatible servers ignore: send the classic field instead.
        kwargs["extra_body"] = {"max_tokens": config.max_tokens}
    else:
        kwargs["max_tokens"] = config.max_tokens
    if config.seed is not None:
        kwargs["seed"] = config.seed
    return ChatOpenAI(**kwargs)


def to_langchain(messages: Sequence[ChatMessage]) -> list[Any]:
    """Convert messages to langchain message objects."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m.role](content=m.content) for m in messages]


# --------------------------------------------------------------------------- errors


def retry_after_seconds(headers: Any) -> float | None:
    """Read ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date) from ``headers``."""
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def retry_delay(exc: BaseException, attempt: int, policy: RetryPolicy) -> float | None:
    """Seconds to wait before retrying after ``exc``, or ``None`` if it must not be retried.

    Args:
        exc: What the failed attempt raised.
        attempt: How many retries were already made (0 after the first failure).
        policy: The bounds.
    """
    import openai

    if attempt >= policy.max_retries:
        return None
    if not isinstance(exc, openai.APIStatusError):
        return None
    status = exc.status_code
    if status != 429 and status < 500:
        return None
    backoff = min(policy.max_delay, policy.base_delay * 2**attempt)
    backoff *= 1 + random.random() / 4
    asked = retry_after_seconds(getattr(exc.response, "headers", None))
    if asked is None:
        return backoff
    if asked > policy.max_retry_after:
        return None
    return asked


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if body.get("message"):
            return str(body["message"])
    return str(getattr(exc, "message", "") or exc)


#: Appended to errors in the live session: the session rolled the turn back.
KEPT = " Your words were kept; try again."


def engine_error(
    exc: BaseException, config: EndpointConfig, attempts: int, *, midway: bool = False,
    suffix: str = KEPT,
) -> ClientEngineError:
    """Turn a client-library exception into a message a trainee can act on.

    Args:
        exc: What the client library raised.
        config: The endpoint, named in the message.
        attempts: How many requests were made.
        midway: Part of the reply had already arrived when ``exc`` happened.
        suffix: Appended to the message (what happens next for the reader).
    """
    import httpx
    import openai

    where = config.where
    tries = f" (gave up after {attempts} attempts)" if attempts > 1 else ""
    if midway and not isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        text = f"The connection to the model at {where} broke off mid-reply."
    elif isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        text = f"The model at {where} did not answer within {config.timeout:g} s."
    elif isinstance(exc, openai.APIConnectionError):
        check = "is the server running and the URL right?" if config.base_url else (
            "check the network connection."
        )
        text = f"Could not reach the model at {where}: {check}"
    elif isinstance(exc, openai.RateLimitError):
        asked = retry_after_seconds(getattr(exc.response, "headers", None))
        wait = f"; it asks to wait {asked:g} s" if asked else ""
        text = f"The model at {where} is rate-limiting requests (HTTP 429){wait}{tries}."
    elif isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        text = (
            f"The model at {where} refused the API key (HTTP {exc.status_code}): "
            "check OPENAI_API_KEY or the api_key in the config file."
        )
    elif isinstance(exc, openai.NotFoundError):
        text = (
            f"The model {config.model!r} was not found at {where} (HTTP 404): "
            "check --model and --base-url."
        )
    elif isinstance(exc, openai.APIStatusError):
        detail = _server_message(exc).rstrip()
        if not detail.endswith((".", "!", "?")):
            detail += "."
        text = f"The model at {where} answered HTTP {exc.status_code}{tries}: {detail}"
    elif isinstance(exc, httpx.HTTPError | openai.APIError):
        text = f"The connection to the model at {where} broke off mid-reply."
    else:
        text = f"The model at {where} failed: {type(exc).__name__}: {exc}"
    return ClientEngineError(text + suffix)


def call_with_retries(fn: Callable[[], T], config: EndpointConfig, *, suffix: str = "") -> T:
    """Call ``fn`` (a blocking request), retrying per ``config.retry``.

    Args:
        fn: Makes the request.
        config: Endpoint and retry policy.
        suffix: Appended to the error message.

    Raises:
        ClientEngineError: The call failed for good.
    """
    attempt = 0
    while True:
        try:
            return fn()
        except ClientEngineError:
            raise
        except Exception as exc:
            delay = retry_delay(exc, attempt, config.retry)
            if delay is None:
                raise engine_error(exc, config, attempt + 1, suffix=suffix) from exc
            attempt += 1
            time.sleep(delay)


# --------------------------------------------------------------------------- provider


class OpenAIChatProvider:
    """Streams replies from any OpenAI-compatible endpoint through ``ChatOpenAI``."""

    def __init__(self, config: EndpointConfig) -> None:
        self.config = config
        self.model = config.model
        self._chat = chat_model(config, streaming=True)

    async def stream(self, messages: Sequence[ChatMessage]) -> AsyncIterator[str]:
        """Yield the reply's text chunks.

        Retries 429/5xx per the policy while nothing has been yielded yet. A reply
        that ends without a ``finish_reason`` (the connection closed early) counts
        as a failure, not as a short reply.

        Raises:
            ClientEngineError: On timeout, connection loss, refusal or exhausted retries.
        """
        request = to_langchain(messages)
        attempt = 0
        while True:
            produced = False
            try:
                finished = False
                async for chunk in self._chat.astream(request):
                    if chunk.response_metadata.get("finish_reason"):
                        finished = True
                    text = chunk.content if isinstance(chunk.content, str) else ""
                    if text:
                        produced = True
                        yield text
                if not finished:
                    raise ClientEngineError(
                        f"The reply from the model at {self.config.where} was cut off before "
                        "it finished." + KEPT
                    )
                return
            except ClientEngineError:
                raise
            except Exception as exc:
                delay = None if produced else retry_delay(exc, attempt, self.config.retry)
                if delay is None:
                    raise engine_error(exc, self.config, attempt + 1, midway=produced) from exc
                attempt += 1
                await asyncio.sleep(delay)
