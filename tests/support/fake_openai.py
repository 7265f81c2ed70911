"""A real OpenAI-compatible HTTP server on 127.0.0.1, scripted per test.

The real ``openai`` / ``langchain_openai`` clients talk to it over TCP, so tests
exercise their actual streaming, error and timeout handling instead of a patched
client. Each test queues the replies it wants; the server records every request.

    def test_x(fake_openai):
        fake_openai.queue(Reply.error(429, retry_after=0.1), Reply.text("Fine."))
        ... point a client at fake_openai.base_url ...
        assert len(fake_openai.requests) == 2
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class Reply:
    """One scripted answer to one ``/v1/chat/completions`` request."""

    text: str | None = None
    #: How the text is split into streamed deltas (default: word by word).
    chunks: tuple[str, ...] | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait before answering at all (for timeouts).
    delay: float = 0.0
    #: Seconds to wait before each streamed delta (a slow model; a stall mid-reply).
    chunk_delay: float = 0.0
    #: Close the connection after this many streamed deltas, mid-reply.
    cut_after: int | None = None
    #: Cut by ending the body cleanly (``connection: close``, no chunked framing), so the
    #: client sees a normal end of stream that simply lacks the final ``finish_reason``.
    cut_cleanly: bool = False
    #: A tool call instead of text: the raw JSON string of the arguments.
    tool_args: str | None = None
    tool_name: str | None = None
    error_message: str = ""

    @classmethod
    def say(cls, text: str, *, chunks: list[str] | None = None, delay: float = 0.0,
            chunk_delay: float = 0.0) -> Reply:
        """A normal reply (streamed as ``chunks`` when the client asks for a stream)."""
        return cls(text=text, chunks=tuple(chunks) if chunks else None, delay=delay,
                   chunk_delay=chunk_delay)

    @classmethod
    def error(cls, status: int, message: str = "scripted failure", *,
              retry_after: float | None = None) -> Reply:
        """An HTTP error with an OpenAI-style JSON body (and ``retry-after`` if given)."""
        headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
        return cls(status=status, headers=headers, error_message=message)

    @classmethod
    def cut(cls, text: str, *, after: int = 2, cleanly: bool = False) -> Reply:
        """A stream that sends ``after`` deltas of ``text`` and then drops the connection."""
        return cls(text=text, cut_after=after, cut_cleanly=cleanly)

    @classmethod
    def tool_call(cls, args: dict[str, Any] | str, *, name: str | None = None) -> Reply:
        """A function-calling reply; ``args`` as a dict, or a raw (possibly broken) string.

        ``name`` defaults to the first tool the request offered.
        """
        raw = args if isinstance(args, str) else json.dumps(args)
        return cls(tool_args=raw, tool_name=name)

    def deltas(self) -> list[str]:
        if self.chunks is not None:
            return list(self.chunks)
        words = (self.text or "").split(" ")
        return [w if i == 0 else " " + w for i, w in enumerate(words)]


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def text(self) -> str:
        """Everything the request carried, as one string (for leak checks)."""
        return json.dumps(self.body, ensure_ascii=False)


class FakeOpenAI:
    """The server. Use as a context manager or through the ``fake_openai`` fixture."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def queue(self, *replies: Reply) -> None:
        """Append replies; each request takes the next one."""
        with self._lock:
            self.replies.extend(replies)

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self, request: RecordedRequest) -> Reply | None:
        with self._lock:
            self.requests.append(request)
            return self.replies.popleft() if self.replies else None


def _handler_for(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        _framed = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # keep test output clean

        def do_GET(self) -> None:  # noqa: N802
            if self.path.rstrip("/").endswith("/models"):
                self._json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
            else:
                self._json(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("content-length", 0))
            raw = self.rfile.read(length) if length else b"{}"
            body = json.loads(raw or b"{}")
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            record = RecordedRequest(self.path, headers, body, time.monotonic())
            reply = server._next(record)
            if reply is None:
                self._json(500, {"error": {"message": "fake server: no scripted reply left"}})
                return
            if reply.delay:
                time.sleep(reply.delay)
            try:
                if reply.status != 200:
                    err = {"message": reply.error_message, "type": "scripted", "code": None}
                    self._json(reply.status, {"error": err}, reply.headers)
                elif body.get("stream"):
                    self._stream(reply, body)
                else:
                    self._json(200, _completion(reply, body))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer

        def _json(self, status: int, payload: dict[str, Any],
                  headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _chunk(self, payload: dict[str, Any] | str) -> None:
            text = payload if isinstance(payload, str) else json.dumps(payload)
            data = f"data: {text}\n\n".encode()
            if self._framed:
                data = f"{len(data):x}\r\n".encode() + data + b"\r\n"
            self.wfile.write(data)
            self.wfile.flush()

        def _stream(self, reply: Reply, body: dict[str, Any]) -> None:
            self._framed = not reply.cut_cleanly
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            if self._framed:
                self.send_header("transfer-encoding", "chunked")
            else:
                self.send_header("connection", "close")
            self.end_headers()
            model = body.get("model", "fake")
            self._chunk(_chunk(model, {"role": "assistant", "content": ""}))
            if reply.tool_args is not None:
                call = _tool_call(reply, body)
                call["index"] = 0
                self._chunk(_chunk(model, {"tool_calls": [call]}))
                self._chunk(_chunk(model, {}, "tool_calls"))
            else:
                for i, delta in enumerate(reply.deltas()):
                    if reply.cut_after is not None and i >= reply.cut_after:
                        # Drop the connection mid-body, as a crashing server or proxy would.
                        self.close_connection = True
                        if self._framed:
                            self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if reply.chunk_delay:
                        time.sleep(reply.chunk_delay)
                    self._chunk(_chunk(model, {"content": delta}))
                self._chunk(_chunk(model, {}, "stop"))
            self._chunk("[DONE]")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    return Handler


def _tool_call(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    name = reply.tool_name
    if name is None:
        tools = body.get("tools") or [{}]
        name = tools[0].get("function", {}).get("name", "tool")
    return {"id": "call_1", "type": "function",
            "function": {"name": name, "arguments": reply.tool_args}}


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _completion(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    finish = "stop"
    if reply.tool_args is not None:
        message = {"role": "assistant", "content": None, "tool_calls": [_tool_call(reply, body)]}
        finish = "tool_calls"
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0,
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started :class:`FakeOpenAI`, stopped after the test."""
    with FakeOpenAI() as server:
        yield server
