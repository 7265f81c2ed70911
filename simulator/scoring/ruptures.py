"""Ruptures in a transcript and the ``rupture_repair`` dimension.

Ruptures come from the session engine (which records when each opened and resolved) or are
detected here from the codes: a client turn coded ``confrontation`` opens one, and so do two
client turns in a row coded ``withdrawal`` (DOMAIN.md: a brief answer alone is not a
rupture). It resolves at the first trainee repair move (a code the dimension counts for, e.g.
an apology or an invitation to feedback) that the client answers without a rupture marker.

Turn numbers follow the session engine's ledger: ``opened_turn`` and ``resolved_turn`` count
trainee turns (1 = the trainee's first turn; 0 = open before the trainee spoke).

Scoring, per rupture the trainee had a chance to answer (``W`` = the trainee turns from the
opening up to the resolution or the end; ``R`` / ``D`` = the dimension's for / against weights
summed over ``W``):

* resolved within two trainee turns with no damaging move: 5
* resolved with no damaging move: 4
* resolved after setbacks (``D > 0``): 3
* unresolved, with repair attempted (``R > D``): 2
* unresolved, ignored or deepened (``R <= D``): 1

The dimension's value is the mean over ruptures. With no rupture, the score is ``None`` and
the level "not observed": a smooth session says nothing about repair skill.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.analysis.codes import REPAIR_CODES
from simulator.content.models import Dimension
from simulator.scoring.alternatives import GENERAL_ADVICE, alternative
from simulator.scoring.dimensions import (
    MAX_EVIDENCE,
    not_observed,
    quote,
    round_score,
    turn_weights,
)
from simulator.scoring.transcript import TranscriptError, Turn

MARKERS = ("confrontation", "withdrawal")
QUICK_REPAIR_TURNS = 2


@dataclass
class Rupture:
    """One rupture, located in the transcript.

    Attributes:
        kind: ``withdrawal`` or ``confrontation``.
        opened_turn: Trainee turn number after which it opened (0 = before the first).
        resolved_turn: Trainee turn number that repaired it, or ``None``.
        source: ``"session"`` (recorded by the engine) or ``"detected"`` (from client codes).
    """

    kind: str
    opened_turn: int
    resolved_turn: int | None
    source: str
    cause: str = ""
    window: list[Turn] = field(default_factory=list)


def detect(turns: list[Turn], repair_codes: frozenset[str]) -> list[Rupture]:
    """Find ruptures from client rupture markers and trainee repair moves (see module doc).

    A confrontation marker opens a rupture at once. Withdrawal must persist over two client
    turns in a row (dated from the first): one hedged or brief answer is not a rupture.
    """
    found: list[Rupture] = []
    current: Rupture | None = None
    trainee_number = 0
    last_repair = -1
    pending_repair: int | None = None
    withdrawn_since: int | None = None  # trainee turn after which a first withdrawal showed
    for turn in turns:
        if turn.is_trainee:
            trainee_number = turn.number
            if repair_codes & set(turn.codes):
                last_repair = turn.number
                if current is not None:
                    pending_repair = turn.number
            continue
        markers = [m for m in MARKERS if m in turn.codes]
        if current is not None:
            if not markers and pending_repair is not None:
                current.resolved_turn = pending_repair
                current, pending_repair = None, None
            continue
        if "confrontation" in markers:
            current = Rupture("confrontation", trainee_number, None, "detected")
        elif "withdrawal" in markers and withdrawn_since is None:
            withdrawn_since = trainee_number
            continue
        elif "withdrawal" in markers and withdrawn_since is not None:
            current = Rupture("withdrawal", withdrawn_since, None, "detected")
            pending_repair = last_repair if last_repair > withdrawn_since else None
        withdrawn_since = None
        if current is not None:
            found.append(current)
    return found


def from_session(raw: Sequence[Mapping[str, Any]]) -> list[Rupture]:
    """Read the session engine's rupture records ``{"kind", "opened_turn", "resolved_turn"}``.

    Raises:
        TranscriptError: A record is malformed.
    """
    result = []
    for i, item in enumerate(raw):
        where = f"rupture {i}"
        if not isinstance(item, Mapping):
            raise TranscriptError(f"{where}: expected an object")
        kind = item.get("kind")
        opened = item.get("opened_turn")
        resolved = item.get("resolved_turn")
        if kind not in MARKERS:
            raise TranscriptError(f"{where}: 'kind' must be withdrawal or confrontation")
        if not isinstance(opened, int) or isinstance(opened, bool) or opened < 0:
            raise TranscriptError(f"{where}: 'opened_turn' must be a whole number >= 0")
        if resolved is not None and (not isinstance(resolved, int) or resolved < opened):
            raise TranscriptError(f"{where}: 'resolved_turn' must be null or >= opened_turn")
        cause = item.get("cause")
        result.append(Rupture(str(kind), opened, resolved, "session", str(cause or "")))
    return result


def _attach_windows(ruptures: list[Rupture], trainee: list[Turn]) -> None:
    for rupture in ruptures:
        end = rupture.resolved_turn if rupture.resolved_turn is not None else len(trainee)
        rupture.window = [t for t in trainee if rupture.opened_turn < t.number <= end]


def _rupture_score(rupture: Rupture, dim: Dimension) -> int:
    repair = sum(turn_weights(dim, t.codes)[0] for t in rupture.window)
    damage = sum(turn_weights(dim, t.codes)[1] for t in rupture.window)
    if rupture.resolved_turn is not None:
        if damage > 0:
            return 3
        return 5 if len(rupture.window) <= QUICK_REPAIR_TURNS else 4
    return 2 if repair > damage else 1


def describe(rupture: Rupture, score: int | None, repair_codes: frozenset[str]) -> dict[str, Any]:
    """The report entry for one rupture."""
    return {
        "kind": rupture.kind,
        "opened_turn": rupture.opened_turn,
        "resolved_turn": rupture.resolved_turn,
        "resolved": rupture.resolved_turn is not None,
        "source": rupture.source,
        "cause": rupture.cause,
        "repair_turns": [t.index for t in rupture.window if set(t.codes) & repair_codes],
        "score": score,
    }


def score_ruptures(
    dim: Dimension, turns: list[Turn], recorded: Sequence[Mapping[str, Any]] | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score ``rupture_repair`` and list the ruptures.

    Args:
        dim: The rubric's repair dimension (its ``evidence_for`` codes count as repair).
        turns: The labelled transcript.
        recorded: Ruptures recorded by the session engine; ``None`` detects them from codes.

    Returns:
        ``(dimension entry, rupture entries)``.
    """
    trainee = [t for t in turns if t.is_trainee]
    repair_codes = frozenset(dim.evidence_for) or REPAIR_CODES
    ruptures = from_session(recorded) if recorded is not None else detect(turns, repair_codes)
    _attach_windows(ruptures, trainee)
    answerable = [r for r in ruptures if r.window]
    scores = {id(r): _rupture_score(r, dim) for r in answerable}
    entries = [describe(r, scores.get(id(r)), repair_codes) for r in ruptures]
    if not answerable:
        why = "no rupture occurred" if not ruptures else "the session ended as the rupture opened"
        return not_observed(dim, why), entries
    value = sum(scores.values()) / len(scores)
    score = round_score(value)
    anchor = dim.level(score)
    window = [t for r in answerable for t in r.window]
    scored = [(t, *turn_weights(dim, t.codes)) for t in window]
    best_for = sorted((s for s in scored if s[1] > 0), key=lambda s: (-s[1], s[0].index))
    best_against = sorted((s for s in scored if s[2] > 0), key=lambda s: (-s[2], s[0].index))
    evidence = [quote(t, "for", f) for t, f, _ in best_for[:MAX_EVIDENCE]] + [
        quote(t, "against", a) for t, _, a in best_against[:MAX_EVIDENCE]
    ]
    items = _suggestions(answerable, turns, dim, scores)
    resolved = sum(1 for r in answerable if r.resolved_turn is not None)
    parts = [
        f"{dim.name}: {score}/5 ({anchor.label}). {resolved} of {len(answerable)} "
        f"rupture(s) repaired."
    ]
    parts += [f'Turn {s["index"]} ("{s["text"]}") {s["issue"]}. {s["alternative"]}' for s in items]
    return (
        {
            "name": dim.name,
            "score": score,
            "value": round(value, 3),
            "level": anchor.label,
            "level_description": anchor.description,
            "evidence": evidence,
            "suggestions": items,
            "feedback": " ".join(parts),
        },
        entries,
    )


def _suggestions(
    ruptures: list[Rupture], turns: list[Turn], dim: Dimension, scores: dict[int, int]
) -> list[dict[str, Any]]:
    """For each rupture not cleanly repaired, the turn that most needed a repair move."""
    items = []
    for rupture in ruptures:
        if scores[id(rupture)] >= 4:
            continue
        damaging = [t for t in rupture.window if turn_weights(dim, t.codes)[1] > 0]
        turn = damaging[0] if damaging else rupture.window[0]
        previous = next((p.text for p in reversed(turns[: turn.index]) if not p.is_trainee), None)
        if damaging:
            code = max(
                (c for c in turn.codes if c in dim.evidence_against),
                key=lambda c: dim.evidence_against[c],
            )
            issue, line = alternative(code, turn.text, previous)
            issue += f" during a {rupture.kind} rupture"
        else:
            code = turn.codes[0] if turn.codes else "other"
            issue = f"pushes on without addressing the {rupture.kind} rupture"
            line = GENERAL_ADVICE["rupture_repair"]
        items.append(
            {
                "index": turn.index,
                "text": turn.text,
                "code": code,
                "issue": issue,
                "alternative": line,
            }
        )
    return items[:3]
