"""Scoring one rubric dimension from the behaviour codes of the trainee's turns.

The formula (documented here because instructors tune rubrics against it):

* ``N`` is the number of *codable* trainee turns: turns with at least one code other than
  ``other``. MITI 4.2.1 codes behaviours, not turns: backchannels ("mm-hmm", "okay"),
  greetings and fragments receive no behaviour code and do not enter its summary scores
  (percent complex reflections, reflection-to-question ratio, MI-adherent/non-adherent
  counts are all ratios of coded behaviours). Dividing by every turn instead would make a
  trainee who says "mm-hmm" often while the client talks look less empathic than one who
  stays silent, and would make the score depend on how a transcriber split the talk.
* For each codable trainee turn, ``for_t`` is the sum of the dimension's ``evidence_for``
  weights over the turn's codes, ``against_t`` the same for ``evidence_against``.
* Rates per codable turn: ``F = sum(for_t) / N`` and ``A = sum(against_t) / N``, so a long
  session is not rewarded just for being long.
* Saturating credits in [0, 1): ``shown = 1 - exp(-F / TAU_FOR)`` (how much of the skill was
  shown) and ``harm = 1 - exp(-A / TAU_AGAINST)`` (how much the session was marred).
* The dimension's weight mass decides what "nothing either way" is worth: with
  ``Wf = sum(evidence_for)`` and ``Wa = sum(evidence_against)``, ``share_for = Wf / (Wf + Wa)``.
  A dimension defined by what to show (empathy) starts low; one defined by what to avoid
  (non-judgment) starts high.
* ``value = 1 + 4 * (share_for * shown + (1 - share_for) * (1 - harm))``, in [1, 5];
  ``score = round(value)`` (halves round up). A session with no codable trainee turn scores
  ``1 + 4 * (1 - share_for)``: nothing shown, nothing marred.

``TAU_FOR = TAU_AGAINST = 0.4`` were set by reasoning, not fitted: about one full-weight
reflection every two codable turns earns most of the credit (``1 - exp(-0.5/0.4) = 0.71``),
and one weight-2 judgment in ten codable turns costs about a third of it
(``1 - exp(-0.2/0.4) = 0.39``). ``bench/score_auc.py`` checks how these choices separate high-
from low-quality MI sessions, including a cross-validated search over them. The per-codable-turn
normalisation and the default rubric's empathy weights against (MITI's MI-non-adherent codes)
were chosen by MITI/DOMAIN.md reasoning, but after seeing that bench's AnnoMI dev figures: the
data owners' blind test split is the real check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from simulator.content.models import Dimension
from simulator.scoring.alternatives import GENERAL_ADVICE, WEAK_CODES, alternative
from simulator.scoring.transcript import Turn

TAU_FOR = 0.4
TAU_AGAINST = 0.4

#: Codes that alone do not make a turn codable (MITI leaves such utterances uncoded).
UNCODABLE = frozenset({"other"})

#: Evidence turns quoted per direction (for / against).
MAX_EVIDENCE = 3
#: Weak turns named in the feedback.
MAX_SUGGESTIONS = 3
#: Codes whose absence after a client turn counts as a missed chance.
_MISSABLE = frozenset({"reflection_simple", "reflection_complex", "question_open"})
#: A turn made only of these passed over what the client said.
_PASSING_ORDER = ("question_closed", "give_information", "other")
_PASSING = frozenset(_PASSING_ORDER)


@dataclass(frozen=True)
class Tuning:
    """The formula's free constants (exposed so the benchmark can cross-validate them)."""

    tau_for: float = TAU_FOR
    tau_against: float = TAU_AGAINST


def turn_weights(dim: Dimension, codes: tuple[str, ...]) -> tuple[float, float]:
    """Return ``(for, against)`` weight of one turn's codes on ``dim`` (each code once)."""
    unique = set(codes)
    return (
        sum(dim.evidence_for.get(c, 0.0) for c in unique),
        sum(dim.evidence_against.get(c, 0.0) for c in unique),
    )


def is_codable(turn: Turn) -> bool:
    """Whether ``turn`` carries a behaviour code that MITI would count (anything but ``other``)."""
    return any(c not in UNCODABLE for c in turn.codes)


def dimension_value(
    dim: Dimension, trainee: list[Turn], tuning: Tuning = Tuning()
) -> tuple[float, float, float]:
    """Return ``(value in [1, 5], F, A)`` for ``dim`` over the trainee turns (see module doc)."""
    n = max(1, sum(1 for turn in trainee if is_codable(turn)))
    total_for = total_against = 0.0
    for turn in trainee:
        f, a = turn_weights(dim, turn.codes)
        total_for += f
        total_against += a
    rate_for, rate_against = total_for / n, total_against / n
    wf, wa = sum(dim.evidence_for.values()), sum(dim.evidence_against.values())
    share_for = wf / (wf + wa) if wf + wa > 0 else 0.5
    shown = 1.0 - math.exp(-rate_for / tuning.tau_for)
    harm = 1.0 - math.exp(-rate_against / tuning.tau_against)
    value = 1.0 + 4.0 * (share_for * shown + (1.0 - share_for) * (1.0 - harm))
    return min(5.0, max(1.0, value)), rate_for, rate_against


def round_score(value: float) -> int:
    """Round a 1-5 value to the nearest integer score, halves up (2.5 -> 3)."""
    return int(min(5, max(1, math.floor(value + 0.5))))


def quote(turn: Turn, direction: str, weight: float) -> dict[str, Any]:
    """An evidence entry quoting ``turn``."""
    return {
        "index": turn.index,
        "text": turn.text,
        "codes": list(turn.codes),
        "direction": direction,
        "weight": round(weight, 2),
    }


def evidence(dim: Dimension, trainee: list[Turn]) -> list[dict[str, Any]]:
    """The strongest turns for and against ``dim``: up to :data:`MAX_EVIDENCE` of each."""
    scored = [(turn, *turn_weights(dim, turn.codes)) for turn in trainee]
    best_for = sorted((s for s in scored if s[1] > 0), key=lambda s: (-s[1], s[0].index))
    best_against = sorted((s for s in scored if s[2] > 0), key=lambda s: (-s[2], s[0].index))
    return [quote(t, "for", f) for t, f, _ in best_for[:MAX_EVIDENCE]] + [
        quote(t, "against", a) for t, _, a in best_against[:MAX_EVIDENCE]
    ]


def _weakest_code(codes: tuple[str, ...], dim: Dimension) -> str | None:
    """The code of ``codes`` that counts most against ``dim`` (ties: the more harmful kind)."""
    against = [c for c in codes if c in dim.evidence_against]
    if not against:
        return None
    rank = {c: i for i, c in enumerate(WEAK_CODES)}
    return max(against, key=lambda c: (dim.evidence_against[c], -rank.get(c, len(rank))))


def suggestions(dim: Dimension, turns: list[Turn], value: float) -> list[dict[str, Any]]:
    """The weakest trainee turns on ``dim``, each with a concrete better alternative.

    Turns that count against the dimension come first (heaviest first). When the session
    showed little of the skill, turns that missed a chance (a closed question, information or
    filler straight after the client spoke) are named too.
    """
    previous_client: dict[int, str] = {}
    last_client: str | None = None
    for turn in turns:
        if turn.is_trainee and last_client is not None:
            previous_client[turn.index] = last_client
        if not turn.is_trainee:
            last_client = turn.text
    trainee = [t for t in turns if t.is_trainee]
    ranked: list[tuple[float, Turn, str]] = []
    for turn in trainee:
        code = _weakest_code(turn.codes, dim)
        if code is not None:
            ranked.append((-turn_weights(dim, turn.codes)[1], turn, code))
    ranked.sort(key=lambda r: (r[0], r[1].index))
    # Missed chances only make sense where a reflection or open question would have counted.
    if len(ranked) < MAX_SUGGESTIONS and value < 4 and set(dim.evidence_for) & _MISSABLE:
        # Closed questions first (the easiest to fix), then information, then filler.
        for code in _PASSING_ORDER:
            ranked += [
                (0.0, t, code)
                for t in trainee
                if t.index in previous_client
                and code in t.codes
                and set(t.codes) <= _PASSING
                and not any(r[1] is t for r in ranked)
            ]
    result = []
    for _, turn, code in ranked[:MAX_SUGGESTIONS]:
        diagnosis, line = alternative(code, turn.text, previous_client.get(turn.index))
        result.append(
            {
                "index": turn.index,
                "text": turn.text,
                "code": code,
                "issue": diagnosis,
                "alternative": line,
            }
        )
    return result


def feedback_text(dim: Dimension, score: int, rate_for: float, items: list[dict[str, Any]]) -> str:
    """One paragraph of feedback: the level reached, then each weak turn with an alternative."""
    parts = [f"{dim.name}: {score}/5 ({dim.level(score).label})."]
    if items:
        for item in items:
            parts.append(
                f'Turn {item["index"]} ("{_short(item["text"])}") {item["issue"]}. '
                f"{item['alternative']}"
            )
    elif score < 5 and dim.id in GENERAL_ADVICE:
        prefix = "No single turn stood out as weak. To go further: " if rate_for > 0 else ""
        parts.append(prefix + GENERAL_ADVICE[dim.id])
    return " ".join(parts)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def score_dimension(dim: Dimension, turns: list[Turn], tuning: Tuning = Tuning()) -> dict[str, Any]:
    """Score a code-based dimension: value, score, anchored level, evidence and feedback."""
    trainee = [t for t in turns if t.is_trainee]
    if not trainee:
        return not_observed(dim, "the trainee did not speak")
    value, rate_for, rate_against = dimension_value(dim, trainee, tuning)
    score = round_score(value)
    anchor = dim.level(score)
    items = suggestions(dim, turns, value)
    return {
        "name": dim.name,
        "score": score,
        "value": round(value, 3),
        "level": anchor.label,
        "level_description": anchor.description,
        "rates": {"for": round(rate_for, 3), "against": round(rate_against, 3)},
        "evidence": evidence(dim, trainee),
        "suggestions": items,
        "feedback": feedback_text(dim, score, rate_for, items),
    }


def not_observed(dim: Dimension, why: str) -> dict[str, Any]:
    """The entry for a dimension the session gave no chance to observe: no invented score."""
    return {
        "name": dim.name,
        "score": None,
        "value": None,
        "level": "not observed",
        "level_description": f"Not observed: {why}.",
        "evidence": [],
        "suggestions": [],
        "feedback": f"{dim.name}: not observed ({why}).",
    }
