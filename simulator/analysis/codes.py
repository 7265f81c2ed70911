"""The fixed behaviour-code vocabulary shared by the analyzer, trust model and rubric.

Codes may be added; none may be renamed (persona triggers, rubric weights and
stored sessions refer to them by name).
"""

from __future__ import annotations

from typing import Final

#: Codes for trainee (therapist) turns, after MITI 4.2.1 and 3RS.
THERAPIST_CODES: Final[tuple[str, ...]] = (
    "reflection_simple",
    "reflection_complex",
    "question_open",
    "question_closed",
    "affirm",
    "validate",
    "emphasize_autonomy",
    "seek_collaboration",
    "give_information",
    "advise_with_permission",
    "advise_without_permission",
    "confront",  # disagreeing, correcting, shaming, blaming, labelling, moralising, ridiculing
    "warn",
    "direct",  # orders
    "dismiss",  # minimising, reassuring feelings away
    "self_disclosure",
    "transparency",  # honest words about the process, its limits, own reaction
    "apologize",  # taking responsibility
    "invite_feedback",  # about the relationship or the session
    "metacommunicate",  # naming what is happening between us now
    "renegotiate",  # tasks or goals
    "defensive",
    "other",
)

#: Codes for client turns (3RS rupture markers and MI client talk).
CLIENT_CODES: Final[tuple[str, ...]] = (
    "withdrawal",
    "confrontation",
    "disclosure",
    "change_talk",
    "sustain_talk",
    "neutral",
)

ALL_CODES: Final[frozenset[str]] = frozenset(THERAPIST_CODES) | frozenset(CLIENT_CODES)

#: Code families, used by the benchmarks and by the trust model's defaults.
FAMILIES: Final[dict[str, tuple[str, ...]]] = {
    "empathy": ("reflection_simple", "reflection_complex", "validate", "affirm"),
    "judgment": ("confront", "warn", "direct", "dismiss", "advise_without_permission"),
    "openness": ("transparency", "self_disclosure", "invite_feedback", "metacommunicate"),
    "repair": ("apologize", "invite_feedback", "metacommunicate", "renegotiate", "transparency"),
    "collaboration": ("seek_collaboration", "emphasize_autonomy", "advise_with_permission"),
    "rupture_marker": ("withdrawal", "confrontation"),
}

#: Codes a repair of an open rupture can be made of (DOMAIN.md, "Repair moves").
REPAIR_CODES: Final[frozenset[str]] = frozenset(FAMILIES["repair"])

#: Codes that damage trust when a trainee uses them.
DAMAGING_CODES: Final[frozenset[str]] = frozenset(FAMILIES["judgment"]) | {"defensive"}

#: Human-readable names, for the practice panel and reports.
LABELS: Final[dict[str, str]] = {
    "reflection_simple": "simple reflection",
    "reflection_complex": "complex reflection",
    "question_open": "open question",
    "question_closed": "closed question",
    "affirm": "affirmation",
    "validate": "validation",
    "emphasize_autonomy": "emphasising autonomy",
    "seek_collaboration": "seeking collaboration",
    "give_information": "giving information",
    "advise_with_permission": "advice with permission",
    "advise_without_permission": "advice without permission",
    "confront": "confronting / judging",
    "warn": "warning",
    "direct": "directing",
    "dismiss": "dismissing",
    "self_disclosure": "self-disclosure",
    "transparency": "transparency",
    "apologize": "apology / taking responsibility",
    "invite_feedback": "inviting feedback",
    "metacommunicate": "metacommunication",
    "renegotiate": "renegotiating the task",
    "defensive": "defensiveness",
    "other": "other",
    "withdrawal": "withdrawal",
    "confrontation": "confrontation",
    "disclosure": "disclosure",
    "change_talk": "change talk",
    "sustain_talk": "sustain talk",
    "neutral": "neutral",
}


def describe(codes: list[str] | tuple[str, ...]) -> str:
    """Return codes as a readable phrase, e.g. ``"complex reflection, validation"``."""
    return ", ".join(LABELS.get(c, c) for c in codes) or "nothing recognised"


#: The kind of move a trainee code counts as, for the scripted client's line pools
#: (see ``simulator.content.models.MOVES``). Earlier entries win when a turn has several.
MOVE_PRIORITY: Final[tuple[tuple[str, frozenset[str]], ...]] = (
    ("judgment", frozenset({"confront", "warn", "direct", "dismiss", "defensive"})),
    ("repair", frozenset({"apologize", "invite_feedback", "metacommunicate", "renegotiate"})),
    ("validation", frozenset({"validate", "affirm"})),
    ("reflection", frozenset({"reflection_simple", "reflection_complex"})),
    (
        "advice",
        frozenset({"advise_without_permission", "advise_with_permission", "give_information"}),
    ),
    ("question", frozenset({"question_open", "question_closed"})),
)


def move_for(codes: tuple[str, ...] | list[str]) -> str | None:
    """Return the move category of a trainee turn's codes, or ``None`` if none applies."""
    present = set(codes)
    for move, members in MOVE_PRIORITY:
        if present & members:
            return move
    return None
