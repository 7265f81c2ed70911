"""Instructor file formats: persona, scenario and rubric.

Every field carries a docstring; pydantic turns them into JSON Schema
descriptions (``use_attribute_docstrings``), and ``docs/authoring.md`` is
checked against the same models, so the three never drift apart.

Cross-file checks (does the persona a scenario names exist?) live in the
library loader, not here: a model sees one file.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.analysis.codes import ALL_CODES, THERAPIST_CODES

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", min_length=1, max_length=64)]
Trust = Annotated[float, Field(ge=0, le=100)]
RuptureKind = Literal["withdrawal", "confrontation"]

#: Trust-profile tags. Every persona carries at least one. The three the
#: product must always ship are ``skeptical``, ``highly-sensitive`` and
#: ``previously-hurt``.
TRUST_PROFILES: tuple[str, ...] = (
    "skeptical",
    "highly-sensitive",
    "previously-hurt",
    "mandated",
    "appeasing",
    "intellectualising",
    "guarded",
    "hopeful",
)
REQUIRED_PROFILES: tuple[str, ...] = ("skeptical", "highly-sensitive", "previously-hurt")

#: States the client can be in; the scripted client has a pool of lines for each.
CLIENT_STATES: tuple[str, ...] = (
    "guarded",
    "warming",
    "open",
    "withdrawal",
    "confrontation",
    "accepting_repair",
)

#: Kinds of trainee move the scripted client answers differently.
MOVES: tuple[str, ...] = ("reflection", "question", "validation", "advice", "judgment", "repair")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


# --------------------------------------------------------------------------- persona


class Trigger(_Strict):
    """Something the trainee can do that hits this client harder than usual."""

    code: str | None = None
    """A behaviour code from the analyzer vocabulary (e.g. ``dismiss``) that fires this trigger."""

    phrase: str | None = None
    """A phrase (case-insensitive, matched as a substring of the trainee's words) that fires this
    trigger, e.g. ``"calm down"``. Give ``code`` or ``phrase``, not both."""

    trust_delta: float = Field(default=-10, ge=-100, le=100)
    """Change to trust when the trigger fires, before the persona's sensitivity is applied."""

    rupture: RuptureKind | None = None
    """Open a rupture of this kind when the trigger fires (``withdrawal`` or ``confrontation``)."""

    reason: str = Field(min_length=1)
    """One line an instructor can read in the ledger, e.g. "sounds like the therapist who
    told her to stop being dramatic"."""

    @field_validator("code")
    @classmethod
    def _known_code(cls, v: str | None) -> str | None:
        if v is not None and v not in THERAPIST_CODES:
            raise ValueError(f"unknown behaviour code {v!r}")
        return v

    @model_validator(mode="after")
    def _one_of(self) -> Trigger:
        if (self.code is None) == (self.phrase is None):
            raise ValueError("give exactly one of 'code' or 'phrase'")
        return self


class TrustParameters(_Strict):
    """How this client's trust starts and moves."""

    initial: Trust
    """Trust at the first turn, 0 (none) to 100 (complete)."""

    growth: float = Field(default=1.0, gt=0, le=3)
    """Multiplier on gains from trust-building moves: below 1 warms slowly, above 1 quickly."""

    sensitivity: float = Field(default=1.0, gt=0, le=5)
    """Multiplier on losses from damaging moves (judgment, dismissal, advice without
    permission): 2 means they hit twice as hard."""

    max_gain_per_turn: float = Field(default=6.0, gt=0, le=50)
    """The most trust can grow in one turn, whatever the trainee says: trust is earned slowly."""

    max_loss_per_turn: float = Field(default=15.0, gt=0, le=100)
    """The most trust can fall in one turn through the trainee's words (behaviour codes and
    triggers; scenario events are not capped). Several damaging codes in one turn already
    combine sub-additively (the hardest in full, the others at half); this caps the total, so a
    single remark hurts badly but does not wipe trust out. A blow bigger than
    ``rupture_threshold`` still opens a rupture even when the cap limits the loss."""

    rupture_threshold: float = Field(default=12.0, gt=0, le=100)
    """A drop of more than this many points in one turn opens a rupture (measured before
    ``max_loss_per_turn`` and the floor at 0 limit it)."""

    rupture_style: RuptureKind = "withdrawal"
    """The kind of rupture this client falls into when one opens without a trigger naming it:
    ``withdrawal`` (moving away) or ``confrontation`` (moving against)."""

    repair_difficulty: float = Field(default=2.0, ge=0.5, le=6)
    """How much repair an open rupture needs before it resolves, in repair moves (an apology,
    inviting feedback, metacommunicating...). Reassurance and pushing on count for nothing."""

    code_effects: dict[str, float] = Field(default_factory=dict)
    """Overrides of the base trust change for particular behaviour codes (code: points), for a
    client on whom, say, closed questions grate."""

    triggers: list[Trigger] = Field(default_factory=list)
    """Moves or phrases that recreate an old hurt, each with its effect."""

    @field_validator("code_effects")
    @classmethod
    def _known_codes(cls, v: dict[str, float]) -> dict[str, float]:
        for code in v:
            if code not in THERAPIST_CODES:
                raise ValueError(f"unknown behaviour code {code!r}")
        return v


class DisclosureLayer(_Strict):
    """One layer of what the client is willing to show, unlocked at a trust threshold."""

    id: Id
    """Short identifier, e.g. ``surface``, ``real-concern``, ``old-hurt``."""

    threshold: Trust
    """Trust needed to unlock this layer. Layers must be listed with rising thresholds. Once
    unlocked a layer stays unlocked."""

    summary: str = Field(min_length=1)
    """What the client can reveal at this layer, in the third person. An LLM client sees it only
    after the layer unlocks, so a locked layer can never leak."""

    lines: list[str] = Field(default_factory=list)
    """Authored lines (jinja2 allowed) with which the offline client discloses this layer."""


class StateLines(_Strict):
    """Authored lines for one client state, by the kind of move the trainee just made."""

    any: list[str] = Field(min_length=1)
    """Lines that fit any trainee move in this state (the fallback pool)."""

    reflection: list[str] = Field(default_factory=list)
    """After a reflection of what the client said or felt."""

    question: list[str] = Field(default_factory=list)
    """After a question."""

    validation: list[str] = Field(default_factory=list)
    """After validation or affirmation."""

    advice: list[str] = Field(default_factory=list)
    """After advice, information or direction."""

    judgment: list[str] = Field(default_factory=list)
    """After confronting, blaming, moralising, warning or dismissing."""

    repair: list[str] = Field(default_factory=list)
    """After an apology, invitation to feedback, metacommunication or renegotiation."""


class ClientLines(_Strict):
    """Authored lines for the offline client, one pool per state. Lines may use jinja2 with the
    variables ``client`` (display name), ``turn`` (trainee turn number) and ``trust`` (0-100)."""

    guarded: StateLines
    """Low trust: brief, testing, holding back."""

    warming: StateLines
    """Trust growing: more detail, cautious."""

    open: StateLines
    """High trust: reflective, willing to go deeper."""

    withdrawal: StateLines
    """An open withdrawal rupture: shutting down, "I don't know", "fine", changing the subject."""

    confrontation: StateLines
    """An open confrontation rupture: complaints about the therapist or the point of therapy."""

    accepting_repair: StateLines
    """The turn a rupture resolves: cautious acceptance of the trainee's repair."""


class Persona(_Strict):
    """A simulated client."""

    kind: Literal["persona"] | None = None
    """Optional; marks the file as a persona when it lives outside ``personas/``."""

    id: Id
    """Unique identifier that scenarios use to refer to this persona."""

    name: str = Field(min_length=1)
    """Display name shown to the trainee."""

    age: int = Field(ge=12, le=110)
    """Age in years."""

    pronouns: str = "they/them"
    """Pronouns, e.g. ``she/her``."""

    # The description is built from TRUST_PROFILES, so it is given explicitly: pydantic only
    # reads attribute docstrings that are plain string literals.
    tags: list[str] = Field(
        min_length=1,
        description="Labels for finding the persona. At least one must be a trust profile: "
        + ", ".join(TRUST_PROFILES)
        + ".",
    )

    background: str = Field(min_length=1)
    """Life circumstances: work, family, culture, whatever shapes how they meet a therapist."""

    presenting_problem: str = Field(min_length=1)
    """What they say brings them in (the surface complaint)."""

    therapy_history: str = Field(min_length=1)
    """Their history with therapy, including any past hurt by a therapist."""

    speaking_style: str = Field(min_length=1)
    """How they talk: length of turns, vocabulary, humour, what they do when uneasy."""

    trust: TrustParameters
    """How trust starts and moves for this client."""

    disclosure: list[DisclosureLayer] = Field(min_length=1)
    """Layers of disclosure from the surface complaint to the deepest concern, with rising
    trust thresholds."""

    lines: ClientLines
    """Authored lines for the offline scripted client."""

    @field_validator("tags")
    @classmethod
    def _has_profile(cls, v: list[str]) -> list[str]:
        if not any(t in TRUST_PROFILES for t in v):
            raise ValueError(
                "needs at least one trust-profile tag (" + ", ".join(TRUST_PROFILES) + ")"
            )
        return v

    @field_validator("disclosure")
    @classmethod
    def _rising(cls, v: list[DisclosureLayer]) -> list[DisclosureLayer]:
        for before, after in zip(v, v[1:], strict=False):
            if after.threshold <= before.threshold:
                raise ValueError(
                    f"thresholds must rise: layer {after.id!r} ({after.threshold:g}) comes after "
                    f"{before.id!r} ({before.threshold:g})"
                )
        ids = [layer.id for layer in v]
        if len(set(ids)) != len(ids):
            raise ValueError("layer ids must be unique")
        return v

    @property
    def profiles(self) -> list[str]:
        """The trust-profile tags among this persona's tags."""
        return [t for t in self.tags if t in TRUST_PROFILES]


# --------------------------------------------------------------------------- scenario


class ScenarioEvent(_Strict):
    """Something scripted that happens at a given trainee turn."""

    turn: int = Field(ge=1)
    """Trainee turn number (1 = the trainee's first turn) after which the event happens."""

    client_line: str | None = None
    """A line (jinja2 allowed) the client says at this turn instead of a generated one."""

    trust_delta: float = Field(default=0, ge=-100, le=100)
    """A change to trust the event makes."""

    rupture: RuptureKind | None = None
    """Open a rupture of this kind."""

    note: str = Field(min_length=1)
    """One line for the ledger and the instructor, e.g. "phone buzzes; client checks it"."""


class PassCriteria(_Strict):
    """What an assessed attempt must reach to pass."""

    min_scores: dict[str, int] = Field(default_factory=dict)
    """Lowest acceptable score (1-5) per rubric dimension id, e.g. ``{empathy: 3}``."""

    min_final_trust: Trust | None = None
    """Lowest acceptable trust at the end of the session."""

    ruptures_resolved: bool = False
    """Whether every rupture that opened must have been repaired by the end."""

    @field_validator("min_scores")
    @classmethod
    def _range(cls, v: dict[str, int]) -> dict[str, int]:
        for dim, score in v.items():
            if not 1 <= score <= 5:
                raise ValueError(f"score for {dim!r} must be between 1 and 5, not {score}")
        return v


class Scenario(_Strict):
    """A practice or assessed exercise: a persona in a setting, with goals and an ending."""

    kind: Literal["scenario"] | None = None
    """Optional; marks the file as a scenario when it lives outside ``scenarios/``."""

    id: Id
    """Unique identifier, used on the command line (``simulator practice ID``)."""

    title: str = Field(min_length=1)
    """Title shown in the scenario library."""

    persona: Id
    """Id of the persona who is the client."""

    setting: str = Field(min_length=1)
    """Where in the therapy this happens, e.g. "first session" or "session after a missed
    appointment"."""

    description: str = ""
    """What the trainee is told before starting."""

    difficulty: Literal["introductory", "intermediate", "advanced"] = "intermediate"
    """How hard the exercise is."""

    tags: list[str] = Field(default_factory=list)
    """Labels for finding the scenario (the persona's profile tags are added automatically)."""

    learning_objectives: list[str] = Field(min_length=1)
    """What the trainee should practise."""

    opening_line: str = Field(min_length=1)
    """The client's first words (jinja2 allowed)."""

    initial_trust: Trust | None = None
    """Overrides the persona's initial trust for this scenario (e.g. lower after a cancelled
    appointment)."""

    opens_in_rupture: RuptureKind | None = None
    """Start the session with a rupture already open, e.g. ``confrontation`` when the client
    arrives angry."""

    events: list[ScenarioEvent] = Field(default_factory=list)
    """Scripted events by turn."""

    turn_limit: int = Field(default=20, ge=1, le=200)
    """The session ends after this many trainee turns."""

    rubric: Id = "default"
    """Id of the rubric that scores the session."""

    pass_criteria: PassCriteria = Field(default_factory=PassCriteria)
    """What an assessed attempt must reach to pass."""

    locked: bool = False
    """An assessed exercise: no practice panel, no hints, results stored for the program."""


# --------------------------------------------------------------------------- rubric


class LevelAnchor(_Strict):
    """The description of one score on a dimension."""

    score: int = Field(ge=1, le=5)
    """The score this anchor describes, 1 (lowest) to 5 (highest)."""

    label: str = Field(min_length=1)
    """A short name for the level, e.g. "Skilful"."""

    description: str = Field(min_length=1)
    """What a session at this level looks like."""


class Dimension(_Strict):
    """One skill the rubric scores."""

    id: Id
    """Identifier, e.g. ``empathy``."""

    name: str = Field(min_length=1)
    """Display name, e.g. "Empathy"."""

    description: str = Field(min_length=1)
    """What the dimension measures."""

    levels: list[LevelAnchor] = Field(min_length=5, max_length=5)
    """Exactly five anchored levels, scores 1 to 5."""

    evidence_for: dict[str, float] = Field(default_factory=dict)
    """Behaviour codes that count for this dimension, with weights (code: weight > 0)."""

    evidence_against: dict[str, float] = Field(default_factory=dict)
    """Behaviour codes that count against it, with weights (code: weight > 0)."""

    judge_criteria: str | None = None
    """Optional criteria text for an LLM judge scoring this dimension."""

    @field_validator("levels")
    @classmethod
    def _one_per_score(cls, v: list[LevelAnchor]) -> list[LevelAnchor]:
        scores = sorted(level.score for level in v)
        if scores != [1, 2, 3, 4, 5]:
            raise ValueError(f"needs one level for each score 1-5, got {scores}")
        return sorted(v, key=lambda level: level.score)

    @field_validator("evidence_for", "evidence_against")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        for code, weight in v.items():
            if code not in ALL_CODES:
                raise ValueError(f"unknown behaviour code {code!r}")
            if weight <= 0:
                raise ValueError(f"weight for {code!r} must be above 0")
        return v

    def level(self, score: int) -> LevelAnchor:
        """Return the anchor for ``score`` (1-5)."""
        return self.levels[score - 1]


class Rubric(_Strict):
    """How sessions are scored."""

    kind: Literal["rubric"] | None = None
    """Optional; marks the file as a rubric when it lives outside ``rubrics/``."""

    id: Id
    """Unique identifier that scenarios use to refer to this rubric."""

    title: str = Field(min_length=1)
    """Display title."""

    description: str = ""
    """What the rubric is for."""

    dimensions: list[Dimension] = Field(min_length=1)
    """The skills scored."""

    @field_validator("dimensions")
    @classmethod
    def _unique(cls, v: list[Dimension]) -> list[Dimension]:
        ids = [d.id for d in v]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate dimension ids: {', '.join(dupes)}")
        return v

    def dimension(self, dim_id: str) -> Dimension:
        """Return the dimension called ``dim_id``."""
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        raise KeyError(dim_id)


KINDS: dict[str, type[_Strict]] = {"persona": Persona, "scenario": Scenario, "rubric": Rubric}
FOLDERS: dict[str, str] = {"personas": "persona", "scenarios": "scenario", "rubrics": "rubric"}
