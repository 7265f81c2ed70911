"""What a session is made of and what it tells its front ends.

The transcript record (:class:`TurnRecord`), the events :meth:`Session.respond`
yields while a turn is under way, and the small types the loop shares with its
callers. Kept apart from the loop so front ends and the store can use them
without reading the turn logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from simulator.analysis.base import TurnLabel
from simulator.content.models import Persona, Rubric, Scenario

Mode = Literal["practice", "exam"]


class ContentLibrary(Protocol):
    """What a session needs from the content library."""

    def scenario(self, scenario_id: str) -> Scenario: ...  # noqa: D102
    def persona(self, persona_id: str) -> Persona: ...  # noqa: D102
    def rubric(self, rubric_id: str) -> Rubric: ...  # noqa: D102


class SessionFinishedError(RuntimeError):
    """The session has ended; it takes no more turns."""


@dataclass(frozen=True)
class TurnRecord:
    """One turn of the transcript.

    ``trust`` and ``rupture`` are the state after the turn. ``disclosed`` (client turns
    only) lists the disclosure layers unlocked by the trainee turn this one answers, or at
    the start for the opening line. ``state`` is the client state voiced (client turns);
    ``move`` the trainee's move category (trainee turns).
    """

    index: int
    speaker: Literal["trainee", "client"]
    text: str
    codes: tuple[str, ...]
    trust: float
    rupture: str | None
    disclosed: tuple[str, ...] = ()
    state: str | None = None
    move: str | None = None

    @property
    def turn(self) -> int:
        """Trainee turn number this record belongs to (0 for the opening line)."""
        return (self.index + 1) // 2

    def to_dict(self) -> dict[str, Any]:
        """The turn as in ``simulate --json``."""
        return {
            "index": self.index,
            "speaker": self.speaker,
            "text": self.text,
            "codes": list(self.codes),
            "trust": self.trust,
            "rupture": self.rupture,
            "disclosed": list(self.disclosed),
        }

    def to_row(self) -> dict[str, Any]:
        """The turn as the store keeps it."""
        return {**self.to_dict(), "state": self.state, "move": self.move}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TurnRecord:
        """Rebuild a record from :meth:`to_row` output."""
        return cls(
            index=row["index"],
            speaker=row["speaker"],
            text=row["text"],
            codes=tuple(row["codes"]),
            trust=row["trust"],
            rupture=row["rupture"],
            disclosed=tuple(row["disclosed"]),
            state=row.get("state"),
            move=row.get("move"),
        )


@dataclass(frozen=True)
class TraineeAnalysed:
    """The trainee's turn was labelled (not yet committed)."""

    record: TurnRecord
    label: TurnLabel


@dataclass(frozen=True)
class ClientChunk:
    """A piece of the client's reply as it streams in."""

    text: str


@dataclass(frozen=True)
class TurnCompleted:
    """Both turns are committed to the store and the session."""

    trainee: TurnRecord
    client: TurnRecord


@dataclass(frozen=True)
class SessionEnded:
    """The session ended (``turn_limit``, ``trainee``...)."""

    reason: str


SessionEvent = TraineeAnalysed | ClientChunk | TurnCompleted | SessionEnded
