"""The numbers behind the trust model: base code effects, bands, damping and repair.

Everything an instructor might want to question lives here, in one place, with
the reason for each value. Persona files adjust a client through
``trust.growth``, ``trust.sensitivity``, ``trust.max_gain_per_turn``,
``trust.max_loss_per_turn``, ``trust.code_effects`` and ``trust.triggers``; these are the
defaults they act on.
"""

from __future__ import annotations

from typing import Final

#: Base change to trust (points on 0-100) for one trainee turn containing the code,
#: before the persona's ``growth`` (gains) or ``sensitivity`` (losses) is applied.
#: Empathic and collaborative moves build trust slowly; judgment destroys it fast
#: (DOMAIN.md: "trust is earned slowly, lost quickly").
BASE_EFFECTS: Final[dict[str, float]] = {
    # Empathy: accurate understanding is the main builder.
    "reflection_complex": 4.0,
    "reflection_simple": 2.0,
    "validate": 3.0,
    "affirm": 2.0,
    # Curiosity and partnership.
    "question_open": 1.0,
    "question_closed": 0.0,
    "emphasize_autonomy": 2.0,
    "seek_collaboration": 2.0,
    "advise_with_permission": 1.0,
    "give_information": 0.0,
    # Openness: honesty about the process and oneself.
    "transparency": 2.0,
    "self_disclosure": 1.0,
    # Repair moves earn a little trust on their own; their main effect is repair credit.
    "apologize": 1.0,
    "invite_feedback": 2.0,
    "metacommunicate": 1.0,
    "renegotiate": 1.0,
    # Judgment, pushing and defensiveness.
    "advise_without_permission": -6.0,
    "confront": -10.0,
    "warn": -7.0,
    "direct": -6.0,
    "dismiss": -8.0,
    "defensive": -6.0,
    "other": 0.0,
}

#: Trust bands, by lower bound: below 35 the client is ``guarded``; from 35 the client is
#: ``warming``; from 65 ``open``. The cut-offs sit where the starter personas' middle and
#: deep disclosure layers tend to unlock, so the voice and the disclosures move together.
BAND_CUTOFFS: Final[tuple[tuple[float, str], ...]] = ((65.0, "open"), (35.0, "warming"))
LOWEST_BAND: Final[str] = "guarded"

#: While a rupture is open, trust-building moves count for only this share: a hurt client
#: does not warm up to a nice reflection while the strain is still unspoken.
RUPTURE_GAIN_DAMPING: Final[float] = 0.3

#: Diminishing returns near the top: above this trust level gains shrink linearly with
#: the headroom left (at 80 they are halved, at 90 quartered), never below the floor.
HEADROOM_KNEE: Final[float] = 60.0
HEADROOM_FLOOR: Final[float] = 0.2

#: Gains in a turn that also judges, pushes or defends count for this share: a reflection
#: followed by "...and you should just stop" is heard as the judgment, not the reflection.
MIXED_TURN_GAIN: Final[float] = 0.5

#: Several damaging codes (and triggers) in one turn combine sub-additively: the hardest
#: blow counts in full and every further one at this share. "You need to stop worrying, it's
#: all in your head" is one dismissive remark that the analyzer tags twice (``direct`` and
#: ``dismiss``); a client hears it as one blow with an edge, not as two separate injuries.
#: The persona's ``max_loss_per_turn`` then caps what is left, so no single remark can take
#: a client from moderate trust to nothing and leave the meter no room to show recovery.
SECONDARY_LOSS_SHARE: Final[float] = 0.5

#: Repair credit each repair code earns in a turn while a rupture is open. A rupture
#: resolves once the credit reaches the persona's ``repair_difficulty``. Transparency
#: helps but is not repair on its own, so it earns half.
REPAIR_CREDIT: Final[dict[str, float]] = {
    "apologize": 1.0,
    "invite_feedback": 1.0,
    "metacommunicate": 1.0,
    "renegotiate": 1.0,
    "transparency": 0.5,
}

#: Codes that set repair back by this much credit (never below zero): defending oneself
#: or confronting the client deepens the rupture (DOMAIN.md, "Ruptures and repair").
#: Reassurance (``dismiss``) and pushing on (``direct``, advice) earn nothing, but do not
#: set repair back beyond the trust they cost.
REPAIR_SETBACK: Final[dict[str, float]] = {"defensive": 1.0, "confront": 1.0}

#: Trust restored, before ``growth``, on the turn a rupture resolves: the relationship
#: is a little stronger for having survived the strain.
REPAIR_RESTORE: Final[float] = 4.0

#: On top of ``REPAIR_RESTORE``, a repaired rupture gives back this share of the trust lost
#: between the turn before it opened and the turn it resolved. Ruptures that are worked
#: through tend to leave the alliance where it was or stronger (Safran and Muran). Giving back
#: only part of the loss keeps "hardest to regain" true, yet leaves a trainee who repairs
#: well a way back from a bad start within one session.
REPAIR_RECOVERY_SHARE: Final[float] = 0.6


def band_for(value: float) -> str:
    """Return the trust band (``guarded``, ``warming`` or ``open``) for a trust value."""
    for lower, band in BAND_CUTOFFS:
        if value >= lower:
            return band
    return LOWEST_BAND


def headroom_factor(value: float) -> float:
    """Return the share of a gain that still counts at trust ``value`` (1.0 below the knee)."""
    if value <= HEADROOM_KNEE:
        return 1.0
    share = (100.0 - value) / (100.0 - HEADROOM_KNEE)
    return max(HEADROOM_FLOOR, min(1.0, share))


def effect_of(code: str, overrides: dict[str, float]) -> float:
    """Return the base effect of ``code``, taking a persona's ``code_effects`` first."""
    if code in overrides:
        return overrides[code]
    return BASE_EFFECTS.get(code, 0.0)
