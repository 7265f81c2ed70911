"""Pieces of the LLM judge's prompts: code definitions and transcript-as-data helpers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from simulator.analysis.base import Behaviour

BEHAVIOURS: Final[tuple[Behaviour, ...]] = ("reflection", "question", "therapist_input", "other")

#: One line per code, shown to the judge (MITI 4.2.1 and 3RS wording, paraphrased).
CODE_DEFINITIONS: Final[dict[str, str]] = {
    "reflection_simple": "repeats or rephrases what the client said, adding little meaning",
    "reflection_complex": "adds meaning or emphasis: an unsaid feeling, a metaphor, a double-sided "
    "or amplified reflection",
    "question_open": "a question that invites a wide range of answers",
    "question_closed": "a question answerable with yes/no or a fact",
    "affirm": "something positive about the client's strengths, efforts or qualities",
    "validate": "says the client's feelings or reactions make sense or are understandable",
    "emphasize_autonomy": "underlines the client's choice, control or freedom",
    "seek_collaboration": "invites the client's ideas or shares power in deciding what to do",
    "give_information": "gives facts or explanations without advising",
    "advise_with_permission": "advice or a suggestion after asking or being asked for it",
    "advise_without_permission": "advice, suggestions or solutions nobody asked for",
    "confront": "disagrees, corrects, shames, blames, labels, moralises, ridicules or questions "
    "the client's honesty",
    "warn": "warns of bad consequences or threatens",
    "direct": "orders or commands the client to do something",
    "dismiss": "minimises the client's feelings or reassures them away ('don't worry', 'it's "
    "not that bad')",
    "self_disclosure": "shares something about the therapist's own life or experience",
    "transparency": "honest words about the process, its limits, or the therapist's own reaction",
    "apologize": "apologises or takes responsibility for the therapist's part",
    "invite_feedback": "asks how the session or the relationship is going for the client",
    "metacommunicate": "names what is happening between therapist and client right now",
    "renegotiate": "proposes changing the task, goal or way of working together",
    "defensive": "justifies or defends the therapist, or blames the client for a strain",
    "other": "none of the above (greetings, small talk, fillers)",
    "withdrawal": "moves away: minimal answers, 'I don't know', 'fine', vague talk, changing the "
    "subject, appeasing agreement that hides disagreement",
    "confrontation": "moves against: complains about the therapist, the point of therapy or "
    "progress, rejects interventions, tries to control the session",
    "disclosure": "reveals something personal, emotional or new about themselves",
    "change_talk": "speaks for change: desire, ability, reasons, need or commitment to change",
    "sustain_talk": "speaks for the status quo: reasons not to change",
    "neutral": "none of the above",
}


def escape_data(text: str) -> str:
    """Make ``text`` safe to place between tags: it cannot close or open a tag."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def behaviour_from_codes(codes: Sequence[str]) -> Behaviour:
    """The AnnoMI behaviour the most salient codes imply (used when the judge gave none)."""
    for code in codes:
        if code.startswith("reflection_"):
            return "reflection"
        if code.startswith("question_"):
            return "question"
        if code in {"give_information", "advise_with_permission", "advise_without_permission",
                    "direct", "warn", "self_disclosure", "transparency"}:
            return "therapist_input"
    return "other"


def _field(item: Any, name: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(name)
    return getattr(item, name, None)


def transcript_rows(items: Sequence[Any], *, numbered: bool = False) -> list[dict[str, Any]]:
    """Normalise turns (``Utterance``, session ``TurnRecord`` or ``{"speaker", "text"}``)
    into escaped rows ``{"index", "speaker": "Therapist"|"Client", "text"}``."""
    rows = []
    for position, item in enumerate(items):
        speaker = str(_field(item, "speaker") or "")
        index = _field(item, "index") if numbered else None
        rows.append({
            "index": index if isinstance(index, int) else position,
            "speaker": "Client" if speaker == "client" else "Therapist",
            "text": escape_data(str(_field(item, "text") or "")),
        })
    return rows
