"""Session scoring with explicit codes: scores, evidence, feedback, ruptures, indicators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.content.models import Rubric
from simulator.scoring import TranscriptError, score_transcript
from simulator.scoring.alternatives import open_question
from simulator.scoring.dimensions import Tuning

FIXTURE = Path(__file__).parent / "fixtures" / "scoring" / "rubric.yaml"


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return Rubric.model_validate(yaml.safe_load(FIXTURE.read_text()))


def t(text: str, *codes: str) -> dict[str, Any]:
    return {"speaker": "trainee", "text": text, "codes": list(codes)}


def c(text: str, *codes: str) -> dict[str, Any]:
    return {"speaker": "client", "text": text, "codes": list(codes) or ["neutral"]}


def dims(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return report["dimensions"]


def test_reflective_session_scores_top_empathy_with_quoted_evidence(rubric: Rubric) -> None:
    turns = [
        c("Work has been relentless.", "disclosure"),
        t("You're running on empty and nobody seems to notice.", "reflection_complex"),
        c("Exactly. I just keep going."),
        t("You keep going.", "reflection_simple"),
        c("Because if I stop, it all falls apart.", "disclosure"),
        t("Holding it all together feels like it rests on you alone.", "reflection_complex"),
    ]
    report = score_transcript(turns, rubric)
    empathy = dims(report)["empathy"]
    assert empathy["score"] == 5
    assert empathy["level"] == rubric.dimension("empathy").level(5).label
    assert empathy["level_description"] == rubric.dimension("empathy").level(5).description
    # The strongest evidence first: the weight-2 complex reflections, by position.
    assert [(e["index"], e["direction"]) for e in empathy["evidence"]] == [
        (1, "for"),
        (5, "for"),
        (3, "for"),
    ]
    assert empathy["evidence"][0]["text"] == turns[1]["text"]
    assert empathy["suggestions"] == []


def test_formula_values_are_as_documented(rubric: Rubric) -> None:
    """value = 1 + 4 * (share_for * shown + (1 - share_for) * (1 - harm))."""
    # Empathy weights: for 2+1+1.5+1 = 5.5, against 2+1.5+1 = 4.5 -> share_for 0.55.
    neutral = score_transcript([c("Hi."), t("What brings you here?", "question_open")], rubric)
    assert dims(neutral)["empathy"]["value"] == pytest.approx(1 + 4 * 0.45, abs=1e-3)
    assert dims(neutral)["empathy"]["score"] == 3
    dismissive = [c("I'm scared."), t("Don't worry, it's nothing.", "dismiss")] * 3
    value = dims(score_transcript(dismissive, rubric))["empathy"]["value"]
    import math

    harm = 1 - math.exp(-2 / 0.4)
    assert value == pytest.approx(1 + 4 * 0.45 * (1 - harm), abs=1e-3)
    assert dims(score_transcript(dismissive, rubric))["empathy"]["score"] == 1
    # A different tuning changes the value: the constants are live, not decorative.
    tuned = score_transcript(dismissive, rubric, tuning=Tuning(tau_for=0.4, tau_against=4.0))
    assert dims(tuned)["empathy"]["value"] > value


def test_rates_are_normalised_by_trainee_turns(rubric: Rubric) -> None:
    short = [c("Hm."), t("You're tired.", "reflection_simple")]
    long = short * 4
    assert dims(score_transcript(short, rubric))["empathy"]["value"] == pytest.approx(
        dims(score_transcript(long, rubric))["empathy"]["value"]
    )


def test_rates_are_per_codable_turn_so_backchannels_do_not_dilute(rubric: Rubric) -> None:
    """MITI codes behaviours, not turns: 'Mm-hmm.' (coded only ``other``) is not counted."""
    reflective = [c("I can't sleep."), t("Nights are hard for you.", "reflection_complex")] * 2
    with_fillers = reflective + [c("Yeah."), t("Mm-hmm.", "other"), c("So."), t("Okay.", "other")]
    plain = dims(score_transcript(reflective, rubric))["empathy"]
    padded = dims(score_transcript(with_fillers, rubric))["empathy"]
    assert padded["value"] == pytest.approx(plain["value"])
    assert padded["rates"] == plain["rates"]
    # A codable turn without empathy codes does dilute: a question instead of a filler.
    asked = reflective + [c("Yeah."), t("When did it start?", "question_closed")]
    assert dims(score_transcript(asked, rubric))["empathy"]["value"] < plain["value"]
    # Only fillers: nothing shown and nothing marred, the same as a neutral codable session.
    fillers = [c("Hi."), t("Mm.", "other")]
    neutral = [c("Hi."), t("What brings you here?", "question_open")]
    assert dims(score_transcript(fillers, rubric))["empathy"]["value"] == pytest.approx(
        dims(score_transcript(neutral, rubric))["empathy"]["value"]
    )


def test_feedback_names_weak_turns_with_concrete_alternatives(rubric: Rubric) -> None:
    turns = [
        c("I drink a bit more than I'd like, I guess."),
        t("Do you drink every day?", "question_closed"),
        c("Most days, yes."),
        t("You should cut down to two drinks a night.", "advise_without_permission"),
        c("My wife keeps saying that too."),
        t("Honestly, that's irresponsible with kids at home.", "confront"),
    ]
    report = score_transcript(turns, rubric)
    nj = dims(report)["non_judgment"]
    assert nj["score"] <= 2
    by_index = {s["index"]: s for s in nj["suggestions"]}
    assert set(by_index) == {3, 5}  # the closed question is not a non-judgment failing
    assert "Would it be OK if I shared an idea?" in by_index[3]["alternative"]
    assert "Turn 3" in nj["feedback"] and "cut down to two drinks" in nj["feedback"]
    assert [s["index"] for s in nj["suggestions"]] == [5, 3]  # heaviest (confront, 2) first
    empathy = dims(report)["empathy"]
    closed = next(s for s in empathy["suggestions"] if s["index"] == 1)
    assert closed["alternative"] == "Open it up: 'What is it like for you to drink every day?'"


def test_dismissal_gets_a_validating_reflection_quoting_the_client(rubric: Rubric) -> None:
    turns = [c("I feel like a failure as a mother."), t("Oh, everyone feels that way.", "dismiss")]
    suggestion = dims(score_transcript(turns, rubric))["empathy"]["suggestions"][0]
    assert suggestion["code"] == "dismiss"
    assert "you feel like a failure as a mother" in suggestion["alternative"]


@pytest.mark.parametrize(
    ("closed", "opened"),
    [
        ("Did you talk to your sister?", "What was it like for you to talk to your sister?"),
        ("Can you stop after two?", "How might you stop after two?"),
        ("Is it hard?", "What makes it hard for you?"),
        ("So, are you worried about him?", "What's it like for you to be worried about him?"),
        ("Right.", "What is that like for you?"),
    ],
)
def test_open_versions_of_closed_questions(closed: str, opened: str) -> None:
    assert open_question(closed) == opened


def test_rupture_repair_not_observed_without_ruptures(rubric: Rubric) -> None:
    report = score_transcript([c("Hello."), t("Hi, what brings you?", "question_open")], rubric)
    repair = dims(report)["rupture_repair"]
    assert repair["score"] is None
    assert repair["value"] is None
    assert repair["level"] == "not observed"
    assert "not observed" in repair["feedback"]
    assert report["ruptures"] == []


def _rupture_session(repair: bool) -> list[dict[str, Any]]:
    turns = [
        c("My boss is impossible."),
        t("Maybe you're too sensitive about it.", "confront"),
        c("You're not listening. You sound like my last therapist.", "confrontation"),
    ]
    if repair:
        turns += [
            t(
                "You're right, I judged you there. I'm sorry. How was that for you?",
                "apologize",
                "invite_feedback",
                "question_open",
            ),
            c("It stung. But thanks for saying it.", "disclosure"),
        ]
    else:
        turns += [
            t("I'm only trying to help, you know.", "defensive"),
            c("Whatever.", "withdrawal"),
            t("So, what else is going on?", "question_open"),
            c("Nothing.", "withdrawal"),
        ]
    return turns


def test_repaired_and_unrepaired_ruptures_score_differently(rubric: Rubric) -> None:
    repaired = score_transcript(_rupture_session(True), rubric)
    unrepaired = score_transcript(_rupture_session(False), rubric)
    assert repaired["ruptures"] == [
        {
            "kind": "confrontation",
            "opened_turn": 1,
            "resolved_turn": 2,
            "resolved": True,
            "source": "detected",
            "cause": "",
            "repair_turns": [3],
            "score": 5,
        }
    ]
    assert dims(repaired)["rupture_repair"]["score"] == 5
    assert unrepaired["ruptures"][0]["resolved"] is False
    assert dims(unrepaired)["rupture_repair"]["score"] == 1
    weak = dims(unrepaired)["rupture_repair"]["suggestions"][0]
    assert weak["index"] == 3 and "own your part" in weak["alternative"]
    assert [e["index"] for e in dims(repaired)["rupture_repair"]["evidence"]] == [3]


def test_recorded_ruptures_override_detection(rubric: Rubric) -> None:
    turns = _rupture_session(False)
    recorded = [{"kind": "withdrawal", "opened_turn": 2, "resolved_turn": None, "cause": "x"}]
    report = score_transcript(turns, rubric, ruptures=recorded)
    assert [(r["kind"], r["source"], r["cause"]) for r in report["ruptures"]] == [
        ("withdrawal", "session", "x")
    ]
    # Opened after trainee turn 2; turn 3 (an open question, no repair) is the only answer.
    assert dims(report)["rupture_repair"]["score"] == 1
    # A rupture recorded as the last thing that happened gave no chance to repair it.
    last = [{"kind": "withdrawal", "opened_turn": 3, "resolved_turn": None}]
    assert dims(score_transcript(turns, rubric, ruptures=last))["rupture_repair"]["score"] is None


def test_slow_repair_after_setback_scores_partial(rubric: Rubric) -> None:
    turns = [
        c("You don't get it.", "confrontation"),
        t("I'm just doing my job.", "defensive"),
        c("Right.", "withdrawal"),
        t("Let me try again: what did I miss?", "invite_feedback", "question_open"),
        c("That you actually listen for once."),
    ]
    report = score_transcript(turns, rubric)
    assert report["ruptures"][0]["resolved_turn"] == 2
    assert dims(report)["rupture_repair"]["score"] == 3


def test_miti_indicators(rubric: Rubric) -> None:
    turns = [
        c("Hi."),
        t("You're torn about this.", "reflection_complex"),
        t("You want to stop.", "reflection_simple"),
        t("You want to stop, and you're afraid of who you'd be.", "reflection_complex"),
        t("What would change?", "question_open"),
        t("Would it help if I shared what others have tried?", "advise_with_permission"),
        t("You must stop now.", "direct", "warn"),
    ]
    ind = score_transcript(turns, rubric)["indicators"]
    assert ind["trainee_turns"] == 6
    assert (ind["reflections"], ind["complex_reflections"], ind["questions"]) == (3, 2, 1)
    assert ind["percent_complex_reflections"] == pytest.approx(66.7)
    assert ind["reflection_to_question_ratio"] == 3.0
    assert ind["mi_adherent"] == 1 and ind["mi_non_adherent"] == 2
    assert ind["ratings"] == {
        "percent_complex_reflections": "good",
        "reflection_to_question_ratio": "good",
    }
    assert ind["thresholds"]["percent_complex_reflections"] == {"fair": 40.0, "good": 50.0}
    sparse = score_transcript([t("Okay.", "other")], rubric)["indicators"]
    assert sparse["percent_complex_reflections"] is None
    assert sparse["ratings"]["reflection_to_question_ratio"] == "n/a"


@pytest.mark.parametrize(
    ("turns", "message"),
    [
        ([{"speaker": "coach", "text": "hi"}], "unknown speaker 'coach'"),
        ([{"speaker": "client"}], "turn 0: missing 'text'"),
        ([{"speaker": "client", "text": "hi", "codes": ["sulking"]}], "unknown behaviour code"),
        (["just text"], "expected an object"),
    ],
)
def test_malformed_turns_raise_clear_errors(rubric: Rubric, turns: list[Any], message: str) -> None:
    with pytest.raises(TranscriptError, match=message):
        score_transcript(turns, rubric)


def test_bad_rupture_and_trust_records_raise(rubric: Rubric) -> None:
    turns = [c("Hi."), t("Hello.", "other")]
    with pytest.raises(TranscriptError, match="opened_turn"):
        score_transcript(turns, rubric, ruptures=[{"kind": "withdrawal", "opened_turn": "x"}])
    with pytest.raises(TranscriptError, match="trust 1"):
        score_transcript(turns, rubric, trust=[40, "high"])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("client", "gist"),
    [
        ("I'll be honest, I don't see how talking helps.", "you don't see how talking helps"),
        ("How is this going to help? My wife made me come.", "your wife made you come"),
        ("Fine.", "this has been hard for you"),
        (None, "this has been hard for you"),
    ],
)
def test_reflection_alternatives_quote_the_client_in_second_person(
    client: str | None, gist: str
) -> None:
    from simulator.scoring.alternatives import alternative

    _, line = alternative("other", "Okay.", client)
    assert line == f"Reflect what you heard: 'It sounds like {gist}.'"


def test_one_withdrawn_answer_is_not_a_rupture_but_two_in_a_row_are(rubric: Rubric) -> None:
    once = [
        c("I don't know, I guess.", "withdrawal"),
        t("You're not sure yet.", "reflection_simple"),
        c("Maybe it's the wine.", "disclosure"),
    ]
    assert score_transcript(once, rubric)["ruptures"] == []
    twice = [
        c("Hello."),
        t("You should stop drinking.", "advise_without_permission"),
        c("I don't know.", "withdrawal"),
        t(
            "I think I jumped ahead of you there. What was that like?",
            "metacommunicate",
            "question_open",
        ),
        c("Fine.", "withdrawal"),
        t("Can we slow down and pick what matters to you?", "renegotiate"),
        c("Okay. The sleep, mostly.", "disclosure"),
    ]
    report = score_transcript(twice, rubric)
    assert [(r["kind"], r["opened_turn"], r["resolved_turn"]) for r in report["ruptures"]] == [
        ("withdrawal", 1, 3)
    ]
    assert report["ruptures"][0]["repair_turns"] == [3, 5]
