"""Concrete better alternatives for weak turns, built from templates that quote the turn.

Feedback that says only "be more empathic" teaches nothing; feedback that shows a line the
trainee could have said instead does. Each weak code gets a short diagnosis and a line to try.
The lines are templates, deliberately plain: a trainee should be able to say them as written.
"""

from __future__ import annotations

import re

from simulator.analysis.codes import LABELS

#: Diagnosis and suggested line for each code that weakens a session, most harmful first.
#: ``{client}`` is replaced by a short quote of the client's previous turn when there is one.
_ALTERNATIVES: dict[str, tuple[str, str]] = {
    "confront": (
        "judges or corrects the client",
        "Swap the verdict for curiosity: 'Help me understand what was going on for you then.'",
    ),
    "dismiss": (
        "minimises or reassures the feeling away",
        "Validate instead: 'It makes sense that {client_feeling} - anyone in your place might "
        "feel that way.'",
    ),
    "defensive": (
        "defends or justifies instead of hearing the complaint",
        "Take the complaint in and own your part: 'You're right, I missed that. Thank you for "
        "telling me - what did I get wrong?'",
    ),
    "warn": (
        "warns or threatens consequences",
        "Ask what they already know first: 'What do you make of the risks here?' - then offer "
        "information with permission.",
    ),
    "direct": (
        "tells the client what to do",
        "Hand the choice back: 'It's your decision - what feels right to you?'",
    ),
    "advise_without_permission": (
        "gives advice without asking",
        "Ask first: 'Would it be OK if I shared an idea?' - and then offer it as one option "
        "among several.",
    ),
    "question_closed": (
        "asks a closed question that invites a yes or no",
        "Open it up: '{open_question}'",
    ),
    "give_information": (
        "moves to information before showing understanding",
        "Reflect first: 'It sounds like {client_gist}.' - then ask whether they want the "
        "information.",
    ),
    "other": (
        "passes over what the client just said",
        "Reflect what you heard: 'It sounds like {client_gist}.'",
    ),
}

#: When a trainee turn carries several weak codes, the diagnosis goes to the worst one.
WEAK_CODES: tuple[str, ...] = tuple(_ALTERNATIVES)

_CLOSED_QUESTION = re.compile(
    r"^\s*(?:and|so|but|okay|ok|well)?[,\s]*"
    r"(do|does|did|are|is|was|were|have|has|had|can|could|would|will|should)\s+"
    r"(you|it|that|this|they|he|she)\s+(.+?)[\s?.!]*$",
    re.IGNORECASE,
)


def open_question(closed: str) -> str:
    """Turn a closed question into an open one, e.g. "Do you drink every day?" into
    "What is it like for you to drink every day?"; falls back to a general open question."""
    last = re.split(r"(?<=[.!])\s+", closed.strip())[-1]
    m = _CLOSED_QUESTION.match(last)
    if not m:
        return "What is that like for you?"
    aux, subject, rest = m.group(1).lower(), m.group(2).lower(), m.group(3).strip()
    rest = rest[0].lower() + rest[1:] if rest else rest
    if subject == "you":
        if aux in ("do", "does"):
            return f"What is it like for you to {rest}?"
        if aux == "did":
            return f"What was it like for you to {rest}?"
        if aux in ("can", "could", "would", "will", "should"):
            return f"How might you {rest}?"
        if aux in ("have", "has", "had"):
            return f"What has it been like to have {rest}?"
        return f"What's it like for you to be {rest}?"
    if aux in ("is", "was") and subject in ("it", "that", "this"):
        return f"What makes it {rest} for you?"
    return "What is that like for you?"


#: A short opening aside ("Well,", "I'll be honest,") that a reflection would not repeat.
_ASIDE = re.compile(r"^(?:[\w']+\s*){1,4},\s+(?=\w)")
GIST_FALLBACK = "this has been hard for you"


def _gist(client_text: str | None) -> str:
    """A second-person paraphrase anchor from the client's last words: their longest
    statement (questions skipped), opening aside dropped, "I" turned into "you"."""
    if not client_text:
        return GIST_FALLBACK
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", client_text.strip()) if s.strip()]
    statements = [s for s in sentences if not s.endswith("?")]
    if not statements:
        return GIST_FALLBACK
    best = max(statements, key=lambda s: len(s.split()))
    best = _ASIDE.sub("", best).rstrip(".!")
    words = best.split()
    if len(words) < 3:
        return GIST_FALLBACK
    if len(words) > 14:
        # Long: keep the first clause if it stands on its own, else the first 14 words.
        clause = best.split(",")[0]
        best = clause if len(clause.split()) >= 4 else " ".join(words[:14])
    best = best[0].lower() + best[1:] if not best.startswith("I ") else best
    return _swap_person(best)


_PERSON = {
    "i": "you",
    "i'm": "you're",
    "im": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "am": "are",
    "was": "were",
}


def _swap_person(text: str) -> str:
    out = []
    for word in text.split():
        core = word.strip(",;:")
        swapped = _PERSON.get(core.lower())
        out.append(word.replace(core, swapped) if swapped else word)
    return " ".join(out)


def alternative(code: str, turn_text: str, client_text: str | None = None) -> tuple[str, str]:
    """Return ``(diagnosis, suggested line)`` for a weak turn dominated by ``code``.

    Args:
        code: The weak behaviour code (one of :data:`WEAK_CODES`).
        turn_text: What the trainee said, used to build an open version of a closed question.
        client_text: The client's turn just before, quoted in reflections.
    """
    diagnosis, template = _ALTERNATIVES.get(
        code, (f"shows {LABELS.get(code, code)}", "Reflect what you heard before moving on.")
    )
    gist = _gist(client_text)
    return diagnosis, template.format(
        client=client_text or "",
        client_gist=gist,
        client_feeling=gist if gist != GIST_FALLBACK else "this feels so hard",
        open_question=open_question(turn_text),
    )


#: A general line for a dimension that showed no evidence at all, keyed by dimension id.
GENERAL_ADVICE: dict[str, str] = {
    "empathy": "Reflect feeling as well as content at least every other turn: "
    "'It sounds like part of you wants this to change, and part of you is worn out.'",
    "openness": "Say something true about the process and invite the client's view of it: "
    "'I'm not sure I've understood yet - how is this conversation going for you so far?'",
    "non_judgment": "Make the client's autonomy explicit: "
    "'You know your life best; whatever you decide is your call.'",
    "rupture_repair": "When the client pulls away or pushes back, name it and own your part: "
    "'I think I just pushed too fast - I'm sorry. How was that for you?'",
}
