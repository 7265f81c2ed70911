"""The one analyzer interface: label a turn given what came before it.

Two backends implement it: the offline analyzer shipped in the package and
the LLM judge. The live session loop uses the offline one unless told
otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Speaker = Literal["therapist", "client"]
Behaviour = Literal["reflection", "question", "therapist_input", "other"]


@dataclass(frozen=True)
class Utterance:
    """One turn of talk. Trainee turns use the speaker ``"therapist"``."""

    speaker: Speaker
    text: str


@dataclass(frozen=True)
class TurnLabel:
    """What the analyzer saw in one turn.

    ``codes`` uses the vocabulary in :mod:`simulator.analysis.codes`, most
    salient first. The behaviour fields follow AnnoMI's scheme and are
    ``None`` for client turns.
    """

    codes: tuple[str, ...]
    behaviour: Behaviour | None = None
    reflection: Literal["simple", "complex"] | None = None
    question: Literal["open", "closed"] | None = None
    #: Per-code confidence in [0, 1], where the backend has one.
    confidence: dict[str, float] = field(default_factory=dict)
    #: Set by a backend that could not label the turn (e.g. a judge parse failure).
    unscored_reason: str | None = None
    #: What a backend saw and answered, for instructors to audit (the LLM judge keeps its
    #: prompt, raw reply and any dropped values here); ``None`` for the offline analyzer.
    audit: dict[str, Any] | None = field(default=None, compare=False)


@runtime_checkable
class Analyzer(Protocol):
    """Labels turns. Implementations must be safe to call from any thread."""

    name: str

    def label(self, turn: Utterance, context: Sequence[Utterance] = ()) -> TurnLabel:
        """Label ``turn``; ``context`` holds the preceding turns, oldest first."""
        ...

    def label_many(
        self, items: Sequence[tuple[Utterance, Sequence[Utterance]]]
    ) -> list[TurnLabel]:
        """Label many turns at once (batch path for scoring whole transcripts)."""
        ...
