"""Transcripts as the scorer sees them: validated turns, each with behaviour codes.

A transcript arrives as a list of dicts (``{"speaker", "text", "codes"?}``), from the session
engine, from ``simulate --json`` or from a file. Turns that carry ``codes`` are taken as they
are (the session engine already analysed them); the others are labelled here by an analyzer,
with the preceding turns as context.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.analysis.base import Analyzer, Utterance
from simulator.analysis.codes import ALL_CODES

#: How a transcript may name the two sides. Trainee and therapist are the same role.
TRAINEE_SPEAKERS = frozenset({"trainee", "therapist"})
CLIENT_SPEAKERS = frozenset({"client"})

#: How many preceding turns the analyzer sees (it uses the last few; more only costs time).
CONTEXT_TURNS = 6


class TranscriptError(ValueError):
    """A transcript is malformed; the message names the turn and the problem."""


@dataclass(frozen=True)
class Turn:
    """One labelled turn of a transcript.

    Attributes:
        index: Position in the transcript (0-based), used when quoting evidence.
        role: ``"trainee"`` or ``"client"``.
        text: What was said.
        codes: Behaviour codes, most salient first.
        number: For trainee turns, 1-based count of trainee turns so far; else 0.
    """

    index: int
    role: str
    text: str
    codes: tuple[str, ...]
    number: int = 0

    @property
    def is_trainee(self) -> bool:
        """Whether the trainee said this turn."""
        return self.role == "trainee"


def _role(speaker: Any, where: str) -> str:
    if not isinstance(speaker, str):
        raise TranscriptError(f"{where}: 'speaker' must be a string, got {speaker!r}")
    key = speaker.strip().lower()
    if key in TRAINEE_SPEAKERS:
        return "trainee"
    if key in CLIENT_SPEAKERS:
        return "client"
    raise TranscriptError(
        f"{where}: unknown speaker {speaker!r} (expected 'trainee', 'therapist' or 'client')"
    )


def _codes(raw: Any, where: str) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list | tuple) or not all(isinstance(c, str) for c in raw):
        raise TranscriptError(f"{where}: 'codes' must be a list of code names")
    unknown = [c for c in raw if c not in ALL_CODES]
    if unknown:
        raise TranscriptError(f"{where}: unknown behaviour code(s): {', '.join(unknown)}")
    return tuple(raw)


def validate_turns(
    turns: Sequence[Mapping[str, Any]],
) -> list[tuple[str, str, tuple[str, ...] | None]]:
    """Check raw turns and return ``(role, text, codes or None)`` for each.

    Raises:
        TranscriptError: A turn is not an object, lacks ``speaker``/``text``, names an unknown
            speaker or code.
    """
    checked: list[tuple[str, str, tuple[str, ...] | None]] = []
    for i, turn in enumerate(turns):
        where = f"turn {i}"
        if not isinstance(turn, Mapping):
            raise TranscriptError(f"{where}: expected an object with 'speaker' and 'text'")
        for key in ("speaker", "text"):
            if key not in turn:
                raise TranscriptError(f"{where}: missing '{key}'")
        text = turn["text"]
        if not isinstance(text, str):
            raise TranscriptError(f"{where}: 'text' must be a string")
        checked.append((_role(turn["speaker"], where), text, _codes(turn.get("codes"), where)))
    return checked


def label_turns(turns: Sequence[Mapping[str, Any]], analyzer: Analyzer | None = None) -> list[Turn]:
    """Validate ``turns`` and give every turn codes, labelling the unlabelled ones in one batch.

    Args:
        turns: Raw turns ``{"speaker", "text", "codes"?}``.
        analyzer: Labels turns without codes; defaults to the offline analyzer, loaded only if
            some turn needs it.

    Returns:
        The labelled turns, in order.
    """
    checked = validate_turns(turns)
    utterances = [
        Utterance("therapist" if role == "trainee" else "client", text) for role, text, _ in checked
    ]
    todo = [i for i, (_, _, codes) in enumerate(checked) if codes is None]
    labelled: dict[int, tuple[str, ...]] = {}
    if todo:
        if analyzer is None:
            from simulator.analysis import get_analyzer

            analyzer = get_analyzer()
        items = [(utterances[i], utterances[max(0, i - CONTEXT_TURNS) : i]) for i in todo]
        for i, label in zip(todo, analyzer.label_many(items), strict=True):
            labelled[i] = tuple(label.codes)
    result: list[Turn] = []
    number = 0
    for i, (role, text, codes) in enumerate(checked):
        if role == "trainee":
            number += 1
        result.append(
            Turn(
                index=i,
                role=role,
                text=text,
                codes=codes if codes is not None else labelled[i],
                number=number if role == "trainee" else 0,
            )
        )
    return result
