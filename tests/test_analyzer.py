"""The offline analyzer: codes on clear examples, parity with scikit-learn, robustness."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pytest

from simulator.analysis import UnknownAnalyzerError, get_analyzer
from simulator.analysis.base import Analyzer, TurnLabel, Utterance
from simulator.analysis.codes import ALL_CODES, CLIENT_CODES, FAMILIES, THERAPIST_CODES
from simulator.analysis.offline import OfflineAnalyzer
from simulator.analysis.offline.analyzer import ENCODER_CHUNK, JUDGMENT_WEIGHT, _has_words
from simulator.analysis.offline.corpus import (
    BLIND_DIR,
    BLIND_SETS,
    is_held_out,
    load_authored,
)
from simulator.analysis.offline.encoder import shipped_encoder
from simulator.analysis.offline.features import TurnText
from simulator.analysis.offline.model import MODEL_PACKAGE, load_shipped_model
from simulator.analysis.offline.text import normalise

REPO = Path(__file__).resolve().parent.parent
T: Literal["therapist"] = "therapist"
C: Literal["client"] = "client"
CTX = (Utterance(C, "I work all day, then I come home and do everything for the kids. "
                    "Nobody even says thank you."),)


def codes(text: str, speaker: str = T, context: tuple[Utterance, ...] = CTX) -> tuple[str, ...]:
    return get_analyzer().label(Utterance(speaker, text), context).codes  # type: ignore[arg-type]


def test_factory_returns_one_cached_offline_analyzer() -> None:
    a = get_analyzer()
    assert a is get_analyzer("offline")
    assert isinstance(a, Analyzer)
    assert a.name == "offline"


def test_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(UnknownAnalyzerError, match="known: .*offline"):
        get_analyzer("nonsense")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It sounds like you feel invisible at home.", {"reflection_complex", "reflection_simple"}),
        ("You're exhausted and nobody notices.", {"reflection_complex", "reflection_simple"}),
        ("What brings you here today?", {"question_open"}),
        ("Do you drink every day?", {"question_closed"}),
        ("You should just tell him how you feel.", {"advise_without_permission"}),
        ("You need to calm down.", {"direct"}),
        ("I'm sorry, I got that wrong.", {"apologize"}),
        ("How is this going for you, between us?", {"invite_feedback"}),
        ("That makes complete sense, anyone would be worn out.", {"validate"}),
        ("Coming here today took a lot of courage.", {"affirm"}),
        ("It's entirely your decision what happens next.", {"emphasize_autonomy"}),
        ("If you keep drinking like this, you're going to lose your job.", {"warn"}),
        ("Don't worry, it's not a big deal.", {"dismiss"}),
        ("That's just an excuse, and you know it.", {"confront"}),
        ("You always blame everyone else.", {"confront"}),
        ("I notice you went quiet when I mentioned your father.", {"metacommunicate"}),
        ("We don't have to talk about that today.", {"renegotiate"}),
        ("I want to be honest: I don't have a quick answer for this.", {"transparency"}),
        ("I lost my own mother last year, so this is familiar to me.", {"self_disclosure"}),
        ("I was only trying to help.", {"defensive"}),
    ],
)
def test_clear_therapist_examples(text: str, expected: set[str]) -> None:
    got = set(codes(text))
    assert got & expected, f"{text!r} -> {sorted(got)}"


def test_apology_with_feedback_question_gets_all_three_codes() -> None:
    got = codes("I'm sorry, I pushed too fast. How is this landing for you?")
    assert {"apologize", "invite_feedback", "question_open"} <= set(got)
    assert got[0] == "apologize"  # most salient first


def test_reflection_and_validation_are_multi_label() -> None:
    got = set(codes("You've been carrying all of this alone, and it makes sense you're worn out."))
    assert "validate" in got
    assert got & {"reflection_simple", "reflection_complex"}


def test_behaviour_fields_follow_annomi_scheme() -> None:
    a = get_analyzer()
    refl = a.label(Utterance(T, "So you feel like nobody at home sees how hard you work."), CTX)
    assert (refl.behaviour, refl.question) == ("reflection", None)
    assert refl.reflection in ("simple", "complex")
    q = a.label(Utterance(T, "What would you like to be different?"), CTX)
    assert (q.behaviour, q.question, q.reflection) == ("question", "open", None)
    other = a.label(Utterance(T, "Mm-hmm."), CTX)
    assert other.behaviour == "other" and other.codes == ("other",)


def test_judgement_is_not_counted_as_a_reflection() -> None:
    label = get_analyzer().label(Utterance(T, "You're being lazy and calling it burnout."), CTX)
    assert "confront" in label.codes
    assert not set(label.codes) & {"reflection_simple", "reflection_complex"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I don't know. Fine.", "withdrawal"),
        ("Whatever.", "withdrawal"),
        ("Can we talk about something else?", "withdrawal"),
        ("You're not listening. You sound like my last therapist.", "confrontation"),
        ("This is pointless, you don't understand anything.", "confrontation"),
        ("My dad used to hit me when he drank, and I've never told anyone.", "disclosure"),
    ],
)
def test_client_rupture_and_disclosure(text: str, expected: str) -> None:
    label = get_analyzer().label(Utterance(C, text), (Utterance(T, "How are things at home?"),))
    assert expected in label.codes, label.codes
    assert label.behaviour is None and label.reflection is None and label.question is None
    assert set(label.codes) <= set(CLIENT_CODES)


def test_client_change_and_neutral_talk() -> None:
    change = codes("I really want to cut down, I'm tired of feeling like this.", C)
    assert "change_talk" in change
    # A plain factual answer to the trainee's question is neutral. (In a session a client turn
    # always follows a trainee turn; with no question before it, this line sits at the
    # disclosure threshold, 0.60, after the eleventh round's retraining.)
    assert codes("Two kids, a boy and a girl.", C,
                 (Utterance(T, "How many children do you have?"),)) == ("neutral",)
    assert not set(codes("Two kids, a boy and a girl.", C)) & {"withdrawal", "confrontation"}
    assert "withdrawal" not in codes("Yeah.", C)


def test_codes_come_from_the_vocabulary() -> None:
    a = get_analyzer()
    for case in load_authored()[::9]:
        label = a.label(Utterance(case.speaker, case.text), ())  # type: ignore[arg-type]
        allowed = THERAPIST_CODES if case.speaker == T else CLIENT_CODES
        assert label.codes and set(label.codes) <= set(allowed) <= ALL_CODES
        assert all(0.0 <= p <= 1.0 for p in label.confidence.values())


def test_deterministic_and_label_many_matches_label() -> None:
    items = [(Utterance(T, "So you're feeling stuck."), CTX),
             (Utterance(C, "I guess."), (Utterance(T, "How was that?"),)),
             (Utterance(T, "You should stop."), ())]
    first = get_analyzer().label_many(items)
    fresh = OfflineAnalyzer(load_shipped_model())
    assert first == fresh.label_many(items) == [fresh.label(u, c) for u, c in items]


def test_label_many_over_several_encoder_chunks_keeps_each_turns_labels_and_order() -> None:
    """Batch labelling splits the encoder's work into length-ordered chunks that two threads
    share; every turn must still get the labels of its own single ``label`` call, in order."""
    cases = load_authored()[::40]
    assert len(cases) > 2 * ENCODER_CHUNK
    items = [(Utterance(k.speaker, k.text), CTX if k.speaker == T else ())  # type: ignore[arg-type]
             for k in cases]
    analyzer = get_analyzer()
    assert analyzer.label_many(items) == [analyzer.label(u, c) for u, c in items]


def test_concurrent_batches_each_get_their_own_labels() -> None:
    """Many trainees at once: batches labelled from several threads share one encoder worker."""
    from concurrent.futures import ThreadPoolExecutor

    cases = load_authored()[::60]
    items = [(Utterance(k.speaker, k.text), ()) for k in cases]  # type: ignore[arg-type]
    analyzer = get_analyzer()
    batches = [items[i::3] for i in range(3)]
    want = [analyzer.label_many(b) for b in batches]
    with ThreadPoolExecutor(max_workers=3) as pool:
        got = list(pool.map(analyzer.label_many, batches))
    assert got == want


class _BrokenEncoder:
    """An encoder that fails, as a corrupt graph or an out-of-memory onnxruntime would."""

    labels: tuple[str, ...] = ("family:repair", "family:judgment")

    def probabilities(self, turns: Sequence[tuple[str, str]]) -> np.ndarray:
        raise RuntimeError("encoder failed")


class _Counting:
    """The shipped encoder, counting the turns it is asked for."""

    def __init__(self) -> None:
        self.inner = shipped_encoder()
        self.labels = self.inner.labels
        self.turns: list[tuple[str, str]] = []

    def probabilities(self, turns: Sequence[tuple[str, str]]) -> np.ndarray:
        self.turns.extend(turns)
        return self.inner.probabilities(turns)


class _FixedFamilies:
    """An encoder that is sure of every family: judgment yes, repair no."""

    labels: tuple[str, ...] = ("family:judgment", "family:repair", "code:confront")

    def probabilities(self, turns: Sequence[tuple[str, str]]) -> np.ndarray:
        return np.tile([1.0, 0.0, 1.0], (len(turns), 1))


def test_the_encoder_is_averaged_into_each_family_at_its_own_share() -> None:
    analyzer = OfflineAnalyzer(load_shipped_model(), encoder=_FixedFamilies(),
                               encoder_weight=0.5, judgment_weight=0.25)
    linear = {"family:judgment": np.array([0.6, 0.4]), "family:repair": np.array([0.2, 0.8]),
              "code:confront": np.array([0.7, 0.3])}
    blended = analyzer._blend(dict(linear), _FixedFamilies().probabilities([(T, "x")])[0])
    assert blended["family:judgment"][1] == pytest.approx(0.75 * 0.4 + 0.25 * 1.0)
    assert blended["family:repair"][1] == pytest.approx(0.5 * 0.8)
    assert blended["code:confront"][1] == 0.3  # code heads stay the linear model's call
    assert OfflineAnalyzer(load_shipped_model()).judgment_weight == JUDGMENT_WEIGHT > 0


def test_an_encoder_failure_reaches_the_caller_and_the_next_call_works() -> None:
    """The encoder runs in a worker thread: its error must surface, not hang or vanish,
    whether this thread or the worker hit it."""
    # A family head the encoder can tip: "something judgmental", but no code head sure of it.
    items = [(Utterance(T, "I don't think you should feel that way."), CTX)]
    broken = OfflineAnalyzer(load_shipped_model(), encoder=_BrokenEncoder())
    with pytest.raises(RuntimeError, match="encoder failed"):
        broken.label_many(items)
    with pytest.raises(RuntimeError, match="encoder failed"):
        broken.label_many(items * (3 * ENCODER_CHUNK))  # enough turns for the worker
    assert get_analyzer().label_many(items)[0].codes


def test_the_encoder_reads_only_turns_whose_codes_it_could_change() -> None:
    counting = _Counting()
    analyzer = OfflineAnalyzer(load_shipped_model(), encoder=counting)
    analyzer.label(Utterance(T, "What brings you here today?"), CTX)
    assert counting.turns == []  # no family it blends could add a code: nothing to ask
    analyzer.label(Utterance(T, "I don't think you should feel that way."), CTX)
    assert counting.turns == [(T, "i don't think you should feel that way.")]


def test_skipping_the_encoder_never_changes_a_label() -> None:
    """The short cut is exact: labels are those of running the encoder on every turn."""
    cases = load_authored()[::7]
    items = [(Utterance(k.speaker, k.text), [Utterance(s, t) for s, t in k.context])  # type: ignore[arg-type]
             for k in cases]
    counting = _Counting()
    analyzer = OfflineAnalyzer(load_shipped_model(), encoder=counting)
    skipping = analyzer.label_many(items)
    asked = len(counting.turns)
    analyzer._encoder_decides = lambda draft: True  # type: ignore[method-assign]
    assert analyzer.label_many(items) == skipping
    # Bare punctuation ("......") never reaches any model; every other turn does now.
    worded = [k for k in cases if _has_words(k.turn_text())]
    assert len(counting.turns) == asked + len(worded)
    assert len(worded) - asked > len(items) // 2  # about two thirds, here as on AnnoMI's turns


def test_a_linear_model_failure_waits_for_the_encoder_and_surfaces() -> None:
    analyzer = OfflineAnalyzer(load_shipped_model())
    analyzer.model = None  # type: ignore[assignment]  # the linear heads fail mid-batch
    with pytest.raises(AttributeError):
        analyzer.label_many([(Utterance(T, "So you're feeling stuck."), CTX)])
    assert get_analyzer().label(Utterance(T, "So you're feeling stuck."), CTX).codes


@pytest.mark.parametrize(
    "text",
    ["", "   ", "...", "???", "[inaudible]", "\x00\x07", "ÄÖÜ ß 你好 🙂", "- - -", "'",
     "a" * 200_000, "word " * 20_000],
)
@pytest.mark.parametrize("speaker", [T, C, "trainee"])
def test_odd_input_never_crashes(text: str, speaker: str) -> None:
    started = time.perf_counter()
    label = get_analyzer().label(Utterance(speaker, text), (Utterance(C, text),))  # type: ignore[arg-type]
    assert isinstance(label, TurnLabel) and label.codes
    assert time.perf_counter() - started < 1.0  # long input is truncated, not chewed on


def test_numpy_inference_equals_sklearn_probabilities_recorded_at_training() -> None:
    """parity.json holds scikit-learn's predict_proba from the training run."""
    model = load_shipped_model()
    parity = json.loads(resources.files(MODEL_PACKAGE).joinpath("parity.json").read_text())
    assert set(parity["probs"]) == set(model.heads)
    assert len(parity["turns"]) >= 100
    for i, turn in enumerate(parity["turns"]):
        tt = TurnText(turn["turn"], turn["prev_other"], turn["prev_same"])
        ours = model.probabilities(tt)
        for head, rows in parity["probs"].items():
            np.testing.assert_allclose(ours[head], rows[i], atol=2e-5, err_msg=f"{head} row {i}")


def test_numpy_inference_equals_a_live_sklearn_model() -> None:
    pytest.importorskip("sklearn")
    from simulator.analysis.offline.corpus import ANNOMI_CSV, load_annomi
    from simulator.analysis.offline.model import LinearModel
    from simulator.analysis.offline.training import design_matrix, fit_softmax, pack

    if not ANNOMI_CSV.is_file():
        pytest.skip("AnnoMI data not available")
    fz = load_shipped_model().featuriser
    turns = [t for t in load_annomi() if t.speaker == "therapist"][:600]
    X = design_matrix(fz, [t.tt for t in turns])
    head = fit_softmax("behaviour", X, [t.behaviour or "other" for t in turns],
                       ("reflection", "question", "therapist_input", "other"), 4.0)
    model: LinearModel = pack(fz, [head], {})
    expected = head.estimator.predict_proba(X[:80])
    order = [list(head.estimator.classes_).index(c) for c in model.heads["behaviour"].classes]
    for i, t in enumerate(turns[:80]):
        np.testing.assert_allclose(model.probabilities(t.tt)["behaviour"], expected[i][order],
                                   atol=2e-5)


def test_model_files_ship_inside_the_package_and_are_small() -> None:
    base = resources.files(MODEL_PACKAGE)
    sizes = {name: len(base.joinpath(name).read_bytes())
             for name in ("model.npz", "model.json", "parity.json")}
    assert all(sizes.values())
    # A guard against a blow-up (a dense or float64 matrix, a runaway vocabulary), not a
    # budget: 12.9 MiB after the sixteenth round (123k features x 39 outputs, float32).
    assert sum(sizes.values()) < 16 * 1024 * 1024


def test_shipped_thresholds_are_the_ones_training_sets() -> None:
    """The decision thresholds ship in model.json; a retrain must not silently undo a choice.

    The judgment family and the rupture markers have operating points of their own (chosen
    at live rates), so their code heads differ from the rest.
    """
    from simulator.analysis.offline.training import (
        CODE_THRESHOLD,
        FAMILY_THRESHOLDS,
        code_threshold,
    )

    heads = load_shipped_model().heads
    codes = {name[5:]: h.threshold for name, h in heads.items() if name.startswith("code:")}
    assert codes and all(t == code_threshold(code) for code, t in codes.items()), codes
    assert code_threshold("confront") > CODE_THRESHOLD == code_threshold("validate")
    assert {name[7:]: h.threshold for name, h in heads.items()
            if name.startswith("family:")} == FAMILY_THRESHOLDS


def test_loads_fast_in_a_fresh_process() -> None:
    code = ("import time; t = time.perf_counter(); from simulator.analysis import get_analyzer; "
            "a = get_analyzer(); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True, timeout=60)
    assert float(out.stdout) < 3.0  # about 0.4 s on an idle 2-core machine


def test_held_out_split_is_fixed_and_about_thirty_percent() -> None:
    cases = load_authored()
    share = sum(k.held_out for k in cases) / len(cases)
    assert 0.2 < share < 0.4
    assert is_held_out("judgment-confront-001") == is_held_out("judgment-confront-001")


def test_authored_cases_are_valid_and_unique() -> None:
    cases = load_authored()
    assert len({(k.speaker, k.text.lower()) for k in cases}) == len(cases)
    for k in cases:
        assert k.speaker in (T, C) and k.codes and set(k.codes) <= ALL_CODES, k.id


def test_training_script_rejects_a_missing_corpus(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "train_analyzer.py"), "--annomi",
         str(tmp_path / "missing.csv"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 2 and "not found" in out.stderr
    assert not (tmp_path / "out").exists()


SPOKEN_CONTEXT = (Utterance(C, "I mean, I take the pills most days. Just not when I'm out with "
                                "my friends, you know."),)


@pytest.mark.parametrize("text", [
    "Okay, so, um, you know, if you keep skipping them like that, you're gonna end up back in "
    "the ER, and honestly that's on you.",
    "Look, uh, you just have to take them every day, it's that simple, so that's gonna be the "
    "plan.",
    "Oh, well, everybody slips up, you'll be fine, don't even worry about it.",
])
def test_judgment_in_the_register_of_a_spoken_session_is_found(text: str) -> None:
    """Transcripts of real sessions (``simulator score`` on AnnoMI) are spoken, not typed.

    Written for this test; the spoken-register training round is ``data/authored/spoken_*``.
    """
    found = set(codes(text, context=SPOKEN_CONTEXT))
    assert found & {"confront", "warn", "direct", "dismiss", "advise_without_permission"}


@pytest.mark.parametrize("text", [
    "And, uh, how many days a week would you say you miss them?",
    "Okay. Would it be alright if I shared, um, a couple of things that have worked for other "
    "people?",
])
def test_neutral_spoken_questions_are_not_judgment(text: str) -> None:
    found = set(codes(text, context=SPOKEN_CONTEXT))
    assert not found & {"confront", "warn", "direct", "dismiss", "advise_without_permission"}
    assert found & {"question_open", "question_closed"}


def test_chat_spellings_are_spelled_out_before_featurising() -> None:
    assert normalise("im sorry u feel that way, dont worry youre fine") == (
        "i'm sorry you feel that way, don't worry you're fine")
    # Real words and ambiguous forms stay as typed ("its", "well", "were", "ill").
    kept = "well, its what we were told. ill ask"
    assert normalise("Well, its what we were told. ill ask") == kept
    assert normalise("thank u. U.S. rules") == "thank you. u.s. rules"


@pytest.mark.parametrize(("written", "typed", "family"), [
    ("You're overreacting, it's not a big deal.", "youre overreacting, its not a big deal",
     "judgment"),
    ("I don't think you should feel that way.", "i dont think u should feel that way",
     "judgment"),
    ("I'm sorry, I got that wrong. What did I miss?",
     "im sorry, i got that wrong. what did i miss?", "repair"),
])
def test_a_turn_typed_like_chat_is_flagged_like_its_written_form(written: str, typed: str,
                                                                 family: str) -> None:
    # Families, not exact codes: where two codes of a family are near-tied (for the second
    # turn dismiss 0.20 and confront 0.18), the written form's final full stop can tip the
    # choice between them; whether the turn is flagged must not depend on spelling.
    context = [Utterance(C, "My boss yelled at me again and I just froze.")]
    analyzer = get_analyzer()

    def families(text: str) -> set[str]:
        codes = set(analyzer.label(Utterance(T, text), context).codes)
        return {name for name, members in FAMILIES.items() if codes & set(members)}

    assert family in families(written)
    assert families(typed) == families(written)


@pytest.mark.parametrize("directory", [folder for _, folder in BLIND_SETS])
def test_blind_set_is_valid_and_shares_no_text_with_the_training_cases(directory: Path) -> None:
    blind = load_authored(directory)
    assert len(blind) >= (400 if directory == BLIND_DIR else 600)  # the first set was smaller
    for k in blind:
        assert k.speaker in (T, C) and k.codes and set(k.codes) <= ALL_CODES, k.id
        assert k.context, k.id  # every blind turn answers the line before it
    # Each blind set must also be new to the blind sets before it.
    folders = [folder for _, folder in BLIND_SETS]
    earlier = load_authored() + [k for folder in folders[:folders.index(directory)]
                                 for k in load_authored(folder)]
    authored = {(k.speaker, k.text.lower()) for k in earlier}
    # Bare acknowledgements ("Mm.", "No.") occur everywhere; anything longer must not.
    assert not [k.id for k in blind
                if len(k.text.split()) > 3 and (k.speaker, k.text.lower()) in authored]


def test_file_folds_keep_each_file_in_one_fold_and_balance_the_folds() -> None:
    """``bench/analyzer_oof.py --by-file`` holds out whole files: no file may straddle folds."""
    from simulator.analysis.offline.corpus import AuthoredCase
    from simulator.analysis.offline.training import case_file, file_folds

    sizes = {"judgment": 9, "negatives": 7, "client": 5, "mixed": 4, "chat": 3, "long": 2}
    cases = [AuthoredCase(f"{name}-confront-{i:03d}", T, "text", ("confront",))
             for name, n in sizes.items() for i in range(n)]
    folds = file_folds(cases, 3)
    by_file: dict[str, set[int]] = {}
    for k, f in zip(cases, folds, strict=True):
        by_file.setdefault(case_file(k), set()).add(f)
    assert set(by_file) == set(sizes) and all(len(f) == 1 for f in by_file.values())
    counts = [folds.count(f) for f in range(3)]
    assert sum(counts) == 30 and max(counts) - min(counts) <= 2  # greedy: near, not exact
