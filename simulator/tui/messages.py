"""The turn lifecycle as Textual messages.

A worker drives :meth:`simulator.session.Session.respond` and turns its events
into these messages; the session screen reacts to them on the UI side. Keeping
the lifecycle explicit makes the screen testable (a test can assert which
messages were posted) and keeps all widget changes on the message loop.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


class ClientReplyStarted(Message):
    """The trainee's turn was sent; the client is about to answer."""

    def __init__(self, trainee_text: str) -> None:
        super().__init__()
        self.trainee_text = trainee_text


class TraineeTurnAnalysed(Message):
    """The analyzer labelled the trainee's turn and the trust model applied it."""

    def __init__(self, record: Any, label: Any) -> None:
        super().__init__()
        #: The session's ``TurnRecord`` for the trainee turn.
        self.record = record
        #: The analyzer's ``TurnLabel``.
        self.label = label


class ClientReplyChunk(Message):
    """A piece of the client's reply arrived from the engine."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ClientReplyFinished(Message):
    """The client's reply is complete and both turns are stored."""

    def __init__(self, trainee: Any, client: Any) -> None:
        super().__init__()
        self.trainee = trainee
        self.client = client


class ClientReplyFailed(Message):
    """The engine failed; nothing changed in the session and the words go back in the input."""

    def __init__(self, error: str, trainee_text: str) -> None:
        super().__init__()
        self.error = error
        self.trainee_text = trainee_text


class SessionFinished(Message):
    """The session ended (turn limit, scenario end, or the trainee's choice)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
