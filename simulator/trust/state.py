"""Explicit trust state: the level, the ledger, ruptures and disclosure layers.

The simulator owns this state; a client engine only voices it. One trainee turn
goes through :meth:`TrustState.apply_turn`, which records every change in the
ledger with a reason an instructor can read. The session applies a turn to a
:meth:`TrustState.clone` first and keeps the clone only once the turn has been
completed and stored, so a failed turn leaves no trace.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from simulator.analysis.codes import DAMAGING_CODES, LABELS
from simulator.content.models import Persona, RuptureKind, Scenario, ScenarioEvent
from simulator.trust.effects import (
    MIXED_TURN_GAIN,
    REPAIR_CREDIT,
    REPAIR_RECOVERY_SHARE,
    REPAIR_RESTORE,
    REPAIR_SETBACK,
    RUPTURE_GAIN_DAMPING,
    SECONDARY_LOSS_SHARE,
    band_for,
    effect_of,
    headroom_factor,
)

Source = Literal["start", "code", "trigger", "event", "rupture", "repair"]


@dataclass
class LedgerEntry:
    """One change to trust (or to the rupture state), with its cause.

    Attributes:
        turn: Trainee turn number (1-based; 0 for the start of the session).
        source: What kind of cause: ``code``, ``trigger``, ``event``, ``rupture``,
            ``repair`` or ``start``.
        cause: The code, trigger (code or phrase) or event note that caused it.
        amount: Points of trust added (negative: removed). Zero for rupture notes.
        trust_after: Trust right after this change.
        reason: One readable line for the instructor.
    """

    turn: int
    source: Source
    cause: str
    amount: float
    trust_after: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Return the entry as a JSON-ready dict."""
        return asdict(self)


@dataclass
class RuptureRecord:
    """A rupture: when it opened, what opened it and when (if ever) it was repaired."""

    kind: RuptureKind
    opened_turn: int
    resolved_turn: int | None = None
    cause: str = ""
    #: Repair credit gathered so far (against the persona's ``repair_difficulty``).
    repair_credit: float = 0.0

    @property
    def is_open(self) -> bool:
        """Whether the rupture is still unrepaired."""
        return self.resolved_turn is None

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return asdict(self)


@dataclass
class TurnOutcome:
    """What one trainee turn did to the trust state."""

    turn: int
    before: float
    after: float
    entries: list[LedgerEntry] = field(default_factory=list)
    opened: RuptureRecord | None = None
    resolved: RuptureRecord | None = None
    newly_unlocked: list[str] = field(default_factory=list)
    #: The client state to voice next (``CLIENT_STATES``).
    client_state: str = "guarded"

    @property
    def delta(self) -> float:
        """Net change of trust over the turn."""
        return round(self.after - self.before, 2)


@dataclass(frozen=True)
class _Loss:
    """A damaging code or trigger of one turn, before the turn's losses are combined."""

    cause: str
    amount: float
    source: Source
    what: str


def _label(code: str) -> str:
    return LABELS.get(code, code)


@dataclass
class TrustState:
    """The client's trust, owned by the simulator.

    Attributes:
        persona: The client whose parameters drive the changes.
        value: Trust now, 0-100.
        unlocked: Ids of the disclosure layers unlocked so far (they stay unlocked).
        ledger: Every change, oldest first.
        ruptures: Every rupture that opened, oldest first.
        history: Trust at the start (index 0) and after each trainee turn (index n).
    """

    persona: Persona
    value: float
    unlocked: list[str] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)
    ruptures: list[RuptureRecord] = field(default_factory=list)
    history: list[float] = field(default_factory=list)
    #: The state the client is voiced in now (``CLIENT_STATES``).
    client_state: str = "guarded"

    # ------------------------------------------------------------------ construction

    @classmethod
    def start(cls, persona: Persona, scenario: Scenario | None = None) -> TrustState:
        """Return the state at the start of a session with ``persona`` in ``scenario``."""
        initial = persona.trust.initial
        origin = "persona's initial trust"
        if scenario is not None and scenario.initial_trust is not None:
            initial, origin = scenario.initial_trust, "scenario's initial trust"
        state = cls(persona=persona, value=float(initial), history=[float(initial)])
        state.ledger.append(
            LedgerEntry(0, "start", "initial", 0.0, state.value, f"session starts at the {origin}")
        )
        state.unlocked = [layer.id for layer in persona.disclosure if layer.threshold <= initial]
        if scenario is not None and scenario.opens_in_rupture is not None:
            state._open(scenario.opens_in_rupture, 0, "the client arrives with a rupture open")
        state.client_state = state.rupture or band_for(state.value)
        return state

    def clone(self) -> TrustState:
        """Return an independent copy (the persona is shared: it is immutable)."""
        return TrustState(
            persona=self.persona,
            value=self.value,
            unlocked=list(self.unlocked),
            ledger=copy.deepcopy(self.ledger),
            ruptures=copy.deepcopy(self.ruptures),
            history=list(self.history),
            client_state=self.client_state,
        )

    # ------------------------------------------------------------------ views

    @property
    def band(self) -> str:
        """``guarded``, ``warming`` or ``open``, regardless of any rupture."""
        return band_for(self.value)

    @property
    def open_rupture(self) -> RuptureRecord | None:
        """The rupture that is open now, if any."""
        for record in reversed(self.ruptures):
            if record.is_open:
                return record
        return None

    @property
    def rupture(self) -> RuptureKind | None:
        """The kind of the open rupture, or ``None``."""
        record = self.open_rupture
        return record.kind if record else None

    @property
    def deepest_layer(self) -> str:
        """Id of the persona's deepest disclosure layer."""
        return self.persona.disclosure[-1].id

    # ------------------------------------------------------------------ changes

    def _add(self, turn: int, source: Source, cause: str, amount: float, reason: str) -> float:
        """Apply ``amount`` (clamped to 0-100), record it and return what really changed."""
        new = round(min(100.0, max(0.0, self.value + amount)), 2)
        applied = round(new - self.value, 2)
        self.value = new
        if applied != 0 or source in ("rupture", "event"):
            self.ledger.append(LedgerEntry(turn, source, cause, applied, new, reason))
        return applied

    def _open(self, kind: RuptureKind, turn: int, cause: str) -> RuptureRecord | None:
        current = self.open_rupture
        if current is not None:
            # A second blow while a rupture is open deepens it: repair starts over.
            current.repair_credit = 0.0
            self._add(
                turn, "rupture", cause, 0.0, f"rupture deepened ({cause}); repair starts over"
            )
            return None
        record = RuptureRecord(kind=kind, opened_turn=turn, cause=cause)
        self.ruptures.append(record)
        self._add(turn, "rupture", cause, 0.0, f"{kind} rupture opens: {cause}")
        return record

    def apply_turn(
        self,
        turn: int,
        codes: tuple[str, ...] | list[str],
        text: str = "",
        event: ScenarioEvent | None = None,
    ) -> TurnOutcome:
        """Apply one trainee turn (and the scenario event at that turn, if any).

        Args:
            turn: Trainee turn number, 1-based.
            codes: The analyzer's codes for the trainee's words.
            text: The trainee's words (for phrase triggers).
            event: The scenario event that happens after this turn, if any.

        Returns:
            What changed, including the client state to voice next.
        """
        params = self.persona.trust
        before = self.value
        outcome = TurnOutcome(turn=turn, before=before, after=before)
        start_entries = len(self.ledger)
        in_rupture = self.open_rupture is not None
        distinct = list(dict.fromkeys(codes))
        mixed = any(c in DAMAGING_CODES for c in distinct)
        gained = 0.0

        def gain(cause: str, base: float, source: Source, what: str) -> None:
            nonlocal gained
            amount = base * params.growth * headroom_factor(self.value)
            notes = []
            if in_rupture:
                amount *= RUPTURE_GAIN_DAMPING
                notes.append("damped: rupture open")
            if mixed:
                amount *= MIXED_TURN_GAIN
                notes.append("halved: the same turn judged or pushed")
            room = max(0.0, params.max_gain_per_turn - gained)
            if amount > room:
                amount = room
                notes.append(f"capped at {params.max_gain_per_turn:g} per turn")
            suffix = f" ({'; '.join(notes)})" if notes else ""
            gained += self._add(turn, source, cause, amount, what + suffix)

        losses: list[_Loss] = []
        for code in distinct:
            base = effect_of(code, params.code_effects)
            if base > 0:
                gain(code, base, "code", f"{_label(code)} builds trust")
            elif base < 0:
                losses.append(
                    _Loss(code, base * params.sensitivity, "code", f"{_label(code)} costs trust")
                )

        lowered = text.lower()
        fired = [
            t
            for t in params.triggers
            if (t.code is not None and t.code in distinct)
            or (t.phrase is not None and t.phrase.lower() in lowered)
        ]
        for trig in fired:
            cause = trig.code or f'"{trig.phrase}"'
            if trig.trust_delta > 0:
                gain(cause, trig.trust_delta, "trigger", f"trigger: {trig.reason}")
            elif trig.trust_delta < 0:
                losses.append(
                    _Loss(
                        cause,
                        trig.trust_delta * params.sensitivity,
                        "trigger",
                        f"trigger: {trig.reason}",
                    )
                )
        blow = self._apply_losses(turn, losses, params.max_loss_per_turn)

        if in_rupture:
            self._repair(turn, distinct, outcome)

        for trig in fired:
            if trig.rupture is not None:
                opened = self._open(trig.rupture, turn, f"trigger: {trig.reason}")
                outcome.opened = outcome.opened or opened

        # How hard the turn hit, before the cap and the floor at 0: a harsh remark to a client
        # who has little trust left is still a rupture, even if the meter cannot fall further.
        net_blow = round(blow - gained, 2)
        if net_blow > params.rupture_threshold and self.open_rupture is None:
            outcome.opened = self._open(
                params.rupture_style, turn, f"a blow of {net_blow:g} points in one turn"
            )

        if event is not None:
            self._add(turn, "event", event.note, event.trust_delta, f"scenario event: {event.note}")
            if event.rupture is not None:
                opened = self._open(event.rupture, turn, f"scenario event: {event.note}")
                outcome.opened = outcome.opened or opened

        if self.open_rupture is None:
            outcome.newly_unlocked = self._unlock()

        self.history.append(self.value)
        outcome.after = self.value
        outcome.entries = self.ledger[start_entries:]
        if outcome.resolved is not None and self.open_rupture is None:
            self.client_state = "accepting_repair"
        else:
            self.client_state = self.rupture or band_for(self.value)
        outcome.client_state = self.client_state
        return outcome

    def _apply_losses(self, turn: int, losses: list[_Loss], cap: float) -> float:
        """Apply one turn's losses sub-additively and capped; return the uncapped blow.

        The hardest loss counts in full, each further one at ``SECONDARY_LOSS_SHARE``; the
        total is then capped at ``cap`` (the persona's ``max_loss_per_turn``).
        """
        blow = 0.0
        lost = 0.0
        for rank, item in enumerate(sorted(losses, key=lambda x: x.amount)):
            amount = item.amount
            notes = []
            if rank > 0:
                amount *= SECONDARY_LOSS_SHARE
                notes.append(f"counted at {SECONDARY_LOSS_SHARE:.0%}: not the turn's hardest blow")
            blow += -amount
            room = max(0.0, cap - lost)
            if -amount > room:
                amount = -room
                notes.append(f"capped: at most {cap:g} lost in one turn")
            suffix = f" ({'; '.join(notes)})" if notes else ""
            lost += -self._add(turn, item.source, item.cause, amount, item.what + suffix)
        return round(blow, 2)

    def _repair(self, turn: int, codes: list[str], outcome: TurnOutcome) -> None:
        """Count this turn's repair moves against the open rupture; resolve it if enough."""
        record = self.open_rupture
        if record is None:
            return
        credit = sum(REPAIR_CREDIT.get(c, 0.0) for c in codes)
        setback = sum(REPAIR_SETBACK.get(c, 0.0) for c in codes)
        record.repair_credit = round(max(0.0, record.repair_credit + credit - setback), 2)
        if setback:
            self._add(turn, "rupture", "setback", 0.0, "defensiveness or blame sets repair back")
        if record.repair_credit >= self.persona.trust.repair_difficulty:
            record.resolved_turn = turn
            outcome.resolved = record
            restore = REPAIR_RESTORE * self.persona.trust.growth * headroom_factor(self.value)
            lost = max(0.0, self._trust_before(record) - self.value)
            recovered = REPAIR_RECOVERY_SHARE * lost
            reason = f"{record.kind} rupture repaired"
            if recovered > 0:
                reason += f"; {REPAIR_RECOVERY_SHARE:.0%} of the {lost:g} points it cost come back"
            self._add(turn, "repair", record.kind, restore + recovered, reason)

    def _trust_before(self, record: RuptureRecord) -> float:
        """Trust just before the turn that opened ``record`` (the start for turn 0)."""
        index = max(0, record.opened_turn - 1)
        return self.history[index] if index < len(self.history) else self.value

    def _unlock(self) -> list[str]:
        """Unlock every layer whose threshold trust has reached; return the new ones."""
        new = [
            layer.id
            for layer in self.persona.disclosure
            if layer.threshold <= self.value and layer.id not in self.unlocked
        ]
        self.unlocked.extend(new)
        return new

    def end(self, turn: int) -> None:
        """Note unresolved ruptures in the ledger at the end of a session."""
        for record in self.ruptures:
            if record.is_open:
                self._add(turn, "rupture", record.kind, 0.0, f"{record.kind} rupture unresolved")

    # ------------------------------------------------------------------ persistence

    def to_dict(self) -> dict[str, Any]:
        """Return the state (without the persona) as a JSON-ready dict."""
        return {
            "value": self.value,
            "unlocked": list(self.unlocked),
            "ledger": [e.to_dict() for e in self.ledger],
            "ruptures": [r.to_dict() for r in self.ruptures],
            "history": list(self.history),
            "client_state": self.client_state,
        }

    @classmethod
    def from_dict(cls, persona: Persona, data: dict[str, Any]) -> TrustState:
        """Rebuild a state saved with :meth:`to_dict`."""
        return cls(
            persona=persona,
            value=float(data["value"]),
            unlocked=list(data["unlocked"]),
            ledger=[LedgerEntry(**e) for e in data["ledger"]],
            ruptures=[RuptureRecord(**r) for r in data["ruptures"]],
            history=[float(v) for v in data["history"]],
            client_state=str(data["client_state"]),
        )
