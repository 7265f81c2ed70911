"""The LLM client's prompt: a system prompt from persona and state, then the transcript.

The template context is built field by field from :class:`ClientContext`.
Disclosure content comes only from ``ctx.unlocked`` (never from
``persona.disclosure``, which also holds locked layers) and the persona object
itself is not passed to the template, so a locked layer cannot reach a model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.analysis.codes import describe
from simulator.clients.llm import ChatMessage
from simulator.prompts import render

if TYPE_CHECKING:
    from simulator.clients.base import ClientContext

#: How the system prompt names each trainee move (``simulator.content.models.MOVES``).
MOVE_TEXT: dict[str, str] = {
    "reflection": "a reflection of what you said or felt",
    "question": "a question",
    "validation": "validation or affirmation of you",
    "advice": "advice, information or direction",
    "judgment": "judging, confronting, directing or dismissing you",
    "repair": "an attempt to repair what went wrong between you",
}


def prompt_context(ctx: ClientContext) -> dict[str, Any]:
    """Build the template variables for ``client_system.j2`` from ``ctx``."""
    persona = ctx.persona
    return {
        "client": {
            "name": persona.name,
            "age": persona.age,
            "pronouns": persona.pronouns,
            "background": persona.background.strip(),
            "presenting_problem": persona.presenting_problem.strip(),
            "therapy_history": persona.therapy_history.strip(),
            "speaking_style": persona.speaking_style.strip(),
        },
        "scenario": {"setting": ctx.scenario.setting.strip()},
        "state": ctx.state,
        "trust": round(ctx.trust),
        "trust_band": ctx.trust_band,
        "rupture": ctx.rupture,
        "unlocked": [{"id": layer.id, "summary": layer.summary.strip()} for layer in ctx.unlocked],
        "newly_unlocked": [layer.id for layer in ctx.newly_unlocked],
        "turn": ctx.turn,
        "move": ctx.move,
        "move_text": MOVE_TEXT.get(ctx.move or "", ctx.move or ""),
        "codes_text": describe(list(ctx.codes)),
    }


def system_prompt(ctx: ClientContext) -> str:
    """Render the client's system prompt for the reply ``ctx`` describes."""
    return render("client_system.j2", **prompt_context(ctx))


def client_messages(ctx: ClientContext) -> list[ChatMessage]:
    """The chat request for one client reply: system prompt, then the transcript.

    The client's own turns become ``assistant`` messages and the trainee's become
    ``user`` messages, so the model speaks as the client and the trainee's words
    reach it as conversation, never as system instructions.
    """
    messages = [ChatMessage("system", system_prompt(ctx))]
    for utterance in ctx.transcript:
        if utterance.speaker == "client":
            messages.append(ChatMessage("assistant", utterance.text))
        else:
            messages.append(ChatMessage("user", utterance.text))
    if len(messages) == 1:
        # Chat templates (SmolLM2's among them) need a user turn to answer; the opening
        # line is normally authored, but a generated one still needs a cue.
        messages.append(ChatMessage("user", "(The session begins. Say your first words.)"))
    return messages
