"""Practice hints: a better next move, suggested from the trust state and the last turn.

Hints never mention what a locked disclosure layer holds; they coach the move,
not the content.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from simulator.analysis.base import TurnLabel
from simulator.analysis.codes import DAMAGING_CODES, describe
from simulator.trust.state import TrustState


class _Turn(Protocol):
    @property
    def speaker(self) -> str: ...

    @property
    def codes(self) -> tuple[str, ...]: ...


_RUPTURE_HINTS = {
    "withdrawal": (
        "The client has pulled back. Name what just happened and invite feedback: "
        '"I notice you went quiet after what I said. Did something I said not sit right?"'
    ),
    "confrontation": (
        "The client is pushing against you. Don't defend or explain; acknowledge their "
        "experience of you and take your part: \"You're right, I rushed ahead of you. "
        'What would make this more useful for you?"'
    ),
}


def hint_for(trust: TrustState, last: TurnLabel | None, turns: Sequence[_Turn]) -> str:
    """Return one hint for the trainee's next turn.

    Args:
        trust: The current trust state.
        last: The analyzer's label of the trainee's last turn, if any.
        turns: The transcript so far (records with ``speaker`` and ``codes``).
    """
    open_rupture = trust.open_rupture
    if open_rupture is not None:
        progress = ""
        if open_rupture.repair_credit > 0:
            progress = " You have started repairing; keep going, without pushing on with the task."
        return _RUPTURE_HINTS[open_rupture.kind] + progress

    if last is not None:
        damaging = [c for c in last.codes if c in DAMAGING_CODES]
        if damaging:
            return (
                f"Your last turn read as {describe(damaging)}, which costs trust. Step back: "
                "reflect what the client said and, if you want to offer an idea, ask first: "
                '"Would it be all right if I shared a thought about that?"'
            )

    trainee = [t for t in turns if t.speaker == "trainee"][-2:]
    if len(trainee) == 2 and all(
        any(c.startswith("question") for c in t.codes)
        and not any(c.startswith("reflection") for c in t.codes)
        for t in trainee
    ):
        return (
            "Two questions in a row: try a reflection before the next one, e.g. "
            '"It sounds like this has been weighing on you for a while."'
        )

    band = trust.band
    if band == "guarded":
        return (
            f"Trust is low ({trust.value:.0f}/100). Reflect what you heard and validate it; "
            "be honest about how this works: \"It makes sense you'd be wary. You decide what "
            'we talk about."'
        )
    if band == "warming":
        return (
            "The client is warming up. Go a little deeper with a complex reflection of the "
            'feeling or meaning: "Part of you wants this to get better, and part of you '
            "doesn't trust it will.\""
        )
    return (
        "The client is open. Follow what matters most to them and ask before offering ideas: "
        '"What feels most important to talk about now?"'
    )
