"""Training the shipped model (development only: needs scikit-learn and scipy).

``scripts/train_analyzer.py`` calls :func:`train_model`; the benchmarks call
:func:`cross_validate_behaviour`. scikit-learn is imported inside functions
so that importing this module never costs the run-time analyzer anything.

Heads trained:

- ``behaviour`` (AnnoMI therapist turns, 4-way; its argmax is the decision) and
  the flag heads ``has_reflection`` / ``has_question`` / ``has_input``. The flag
  heads are shipped but not used: stacking them with the behaviour head did not
  help in transcript-disjoint CV (0.748-0.752 against 0.750 macro-F1);
- ``reflection_depth`` (simple/complex), ``question_type`` (closed/open),
  ``input_type`` (information/advice/negotiation/options);
- ``client_talk`` (AnnoMI client turns: change/neutral/sustain);
- ``code:<name>`` sigmoid heads for the authored codes (authored training
  split plus AnnoMI turns as negatives).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from simulator.analysis.codes import CLIENT_CODES, FAMILIES, THERAPIST_CODES
from simulator.analysis.offline.corpus import BEHAVIOURS, AnnomiTurn, AuthoredCase
from simulator.analysis.offline.encoder import Encoder
from simulator.analysis.offline.features import Featuriser, TurnText
from simulator.analysis.offline.model import Head, LinearModel

#: Codes learned from authored cases (the rest come from AnnoMI's labels).
AUTHORED_THERAPIST_CODES: tuple[str, ...] = (
    "affirm", "validate", "emphasize_autonomy", "seek_collaboration",
    "advise_without_permission", "confront", "warn", "direct", "dismiss",
    "self_disclosure", "transparency", "apologize", "invite_feedback", "metacommunicate",
    "renegotiate", "defensive",
)
AUTHORED_CLIENT_CODES: tuple[str, ...] = ("withdrawal", "confrontation", "disclosure")
INPUT_TYPES: tuple[str, ...] = ("information", "advice", "negotiation", "options")
CLIENT_TALK: tuple[str, ...] = ("change", "neutral", "sustain")
MIN_POSITIVES = 8
#: Regularisation of the behaviour head: C=2 beat 4 and 10 in transcript-disjoint CV
#: (0.753 vs 0.750 / 0.747 macro-F1).
BEHAVIOUR_C = 2.0
#: Decision thresholds of the code and family heads, chosen by out-of-fold F1 on the authored
#: TRAINING split (4 folds; the held-out and blind sets were not used) with ``python
#: bench/analyzer_oof.py --grid`` (encoder share x code 0.5-0.7 x family 0.4-0.6). On the 7,403
#: training cases of the eighth round, with the encoder averaged into the family heads at 0.5,
#: code 0.6 and family 0.5 gave judgment / openness / repair / rupture markers 0.857 (0.859 at
#: the judgment share of 0.35 shipped since) / 0.858 / 0.860 / 0.884 (the linear model alone at
#: the same thresholds: 0.835 / 0.833 / 0.837 / 0.859).
#: Code 0.7 gained openness and repair 0.004 each and lost judgment 0.003, the family furthest
#: from its target and the one the empathy score reads: not worth moving every code decision.
#: After the ninth and tenth rounds (9,094 training cases; judgment share 0.35, completion floor
#: 0.2, since moved to 0.1 for therapist turns: analyzer.py) code 0.6 gives
#: 0.875 / 0.856 / 0.845 / 0.878 (rupture markers at the 20% rate 0.766) and code 0.7 gives
#: 0.879 / 0.857 / 0.849 / 0.877 (0.770): better in three families. It stays at 0.6 until the
#: empathy AUC with per-fold encoders (``score_auc.py --encoder-per-fold``, ~80 min) is re-run
#: at 0.7, because every code decision feeds the empathy score. After the eleventh round (9,694
#: training cases, floor 0.1) code 0.6 gives 0.880 / 0.862 / 0.855 / 0.888 (0.783) and code 0.7
#: 0.884 / 0.867 / 0.863 / 0.889 (0.793); the same rule still holds it at 0.6. After the twelfth
#: round (10,300 training cases) code 0.6 gives 0.873 / 0.861 / 0.858 / 0.888 (0.783) and code
#: 0.7 0.875 / 0.861 / 0.861 / 0.889 (0.791), and the empathy AUC with per-fold encoders is 0.959
#: at 0.7 against 0.945 at 0.6 (judgment share 0.35): better on both counts, so 0.7.
#: Rupture markers are also checked with negatives re-weighted to a realistic 20% marker rate
#: (authored client cases are 41% markers, real sessions far fewer, and a false rupture costs the
#: trainee trust they did nothing to lose): 0.776 at family 0.5, 0.756 at 0.4 and 0.780 at 0.6
#: (plain F1 0.884 / 0.877 / 0.879). On the 4,112, 5,334 and 7,403 training cases of the last
#: three retrainings 0.6 was better at the 20% rate (by 0.009, 0.008, 0.004) and in plain F1
#: worse, better, worse (-0.006, +0.001, -0.005): too close a call to move on, so 0.5 stays.
CODE_THRESHOLD = 0.7
#: Operating points of their own (code heads here, family heads in ``FAMILY_THRESHOLDS``)
#: for the judgment family and the client rupture markers. Authored therapist cases are ~38%
#: judgment (held-out 40%); a trainee's session has fewer, and the same false-positive rate
#: costs more precision there: held-out recall 0.939 and false-positive rate 0.095 gave F1
#: 0.902 at 40% judgment, 0.841 at the blind set's 24.5% (measured there: 0.837, so the
#: held-out/blind gap is mostly the base rate, not the author) and 0.809 at 20%. Judgment's
#: is chosen by out-of-fold F1 re-weighted to a 20% live rate (``python
#: bench/analyzer_oof.py --judgment``, 10,973 training cases, rule fixed before the figures):
#: code x family 0.7 x 0.5 (before) 0.818, 0.8 x 0.5 0.824, 0.8 x 0.6 0.827, 0.9 x 0.5 0.827,
#: 0.9 x 0.6 0.829 (the best; the rule counted the three within 0.002 as tied). 0.8 x 0.6 was
#: tried first and failed a spelling test ("i dont think u should feel that way" lost its
#: judgment code: family 0.555 linear, 0.605 encoder); 0.9 x 0.5 keeps it and is as good or
#: better at the training rate (plain F1 0.893 against 0.888; 0.893 before), 30% (0.873
#: against 0.870) and 20%, and 0.005 worse at 10%.
#: The client rupture markers got theirs the same way (``--rupture``, rule fixed before the
#: figures): at a 20% marker rate code x family 0.7 x 0.5 (before) 0.787, 0.7 x 0.6 0.797,
#: 0.8 x 0.5 0.794, 0.8 x 0.6 0.803, 0.8 x 0.7 0.804 (the best; 0.8 x 0.6 ties within 0.002
#: and is nearer the old pair), 0.9 x 0.6 0.798; plain F1 0.886 before, 0.887 at 0.8 x 0.6.
#: Re-run with rounds 14 and 15 (12,492 training cases): 0.8 x 0.6 0.798, 0.8 x 0.7 0.805
#: (the best, now beyond the tie), 0.7 x 0.5 0.793; plain F1 0.886 / 0.878 / 0.895. Family
#: 0.7 shipped with rounds 15 and 16 (candidate A of ``data/blind5/PROTOCOL.md``, adopted by
#: ``data/blind6/PROTOCOL.md``).
CODE_THRESHOLDS_BY_FAMILY: dict[str, float] = {"judgment": 0.9, "rupture_marker": 0.8}
FAMILY_THRESHOLDS: dict[str, float] = {"judgment": 0.5, "openness": 0.5, "repair": 0.5,
                                       "rupture_marker": 0.7}


def code_threshold(code: str) -> float:
    """The decision threshold of a code head: its family's own, else ``CODE_THRESHOLD``."""
    for family, threshold in CODE_THRESHOLDS_BY_FAMILY.items():
        if code in FAMILIES[family]:
            return threshold
    return CODE_THRESHOLD


def design_matrix(fz: Featuriser, tts: Sequence[TurnText]) -> Any:
    """Featurise turns into a scipy CSR matrix (rows in input order)."""
    import scipy.sparse as sp

    indptr: list[int] = [0]
    indices: list[int] = []
    data: list[float] = []
    for tt in tts:
        feats = fz.transform_one(tt)
        indices.extend(feats.keys())
        data.extend(feats.values())
        indptr.append(len(indices))
    return sp.csr_matrix((data, indices, indptr), shape=(len(tts), fz.n_features))


def _logreg(c: float, balanced: bool = True) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=4000, class_weight="balanced" if balanced else None)


@dataclass
class FittedHead:
    """A trained head before it is packed into the weight matrix."""

    head: Head
    coef: np.ndarray  # (width, n_features)
    intercept: np.ndarray  # (width,)
    estimator: Any = field(repr=False, default=None)
    rows: Any = field(repr=False, default=None)  # the training matrix rows (for parity)


def fit_softmax(name: str, X: Any, y: Sequence[str], classes: Sequence[str], c: float
                ) -> FittedHead:
    """Fit a multinomial (or binary, stored as sigmoid) logistic-regression head."""
    clf = _logreg(c)
    clf.fit(X, np.asarray(y))
    got = tuple(str(k) for k in clf.classes_)
    if len(got) == 2:
        # sklearn keeps one row for binary problems: P(classes_[1]).
        return FittedHead(Head(name, "sigmoid", 0, got), clf.coef_.copy(),
                          clf.intercept_.copy(), clf)
    order = [got.index(k) for k in classes if k in got]
    return FittedHead(Head(name, "softmax", 0, tuple(got[i] for i in order)),
                      clf.coef_[order].copy(), clf.intercept_[order].copy(), clf)


def fit_binary(name: str, X: Any, y: Sequence[bool], c: float, threshold: float = 0.5,
               weights: Sequence[float] | None = None) -> FittedHead:
    """Fit a yes/no head; ``classes`` are ``("no", "yes")``."""
    clf = _logreg(c)
    clf.fit(X, np.asarray(y, dtype=int), sample_weight=weights)
    return FittedHead(Head(name, "sigmoid", 0, ("no", "yes"), threshold),
                      clf.coef_.copy(), clf.intercept_.copy(), clf)


def pack(fz: Featuriser, fitted: Sequence[FittedHead], meta: dict[str, Any]) -> LinearModel:
    """Lay the heads side by side as columns of one weight matrix."""
    cols, biases, heads, start = [], [], {}, 0
    for fh in fitted:
        h = fh.head
        heads[h.name] = Head(h.name, h.kind, start, h.classes, h.threshold)
        cols.append(fh.coef.T)
        biases.append(fh.intercept)
        start += h.width
    weights = np.hstack(cols).astype(np.float32)
    return LinearModel(fz, weights, np.concatenate(biases), heads, meta)


def therapist_heads(fz: Featuriser, turns: Sequence[AnnomiTurn], c: float = BEHAVIOUR_C,
                    only_behaviour: bool = False) -> list[FittedHead]:
    """Train the AnnoMI therapist heads on ``turns`` (therapist turns only)."""
    X = design_matrix(fz, [t.tt for t in turns])
    out = [fit_softmax("behaviour", X, [t.behaviour or "other" for t in turns], BEHAVIOURS, c)]
    if only_behaviour:
        return out
    for flag, head in (("reflection", "has_reflection"), ("question", "has_question"),
                       ("therapist_input", "has_input")):
        out.append(fit_binary(head, X, [t.flags[flag] for t in turns], c))
    refl = [i for i, t in enumerate(turns) if t.reflection in ("simple", "complex")]
    out.append(fit_softmax("reflection_depth", X[refl], [turns[i].reflection or "" for i in refl],
                           ("simple", "complex"), 1.0))
    ques = [i for i, t in enumerate(turns) if t.question in ("open", "closed")]
    out.append(fit_softmax("question_type", X[ques], [turns[i].question or "" for i in ques],
                           ("closed", "open"), c))
    inp = [i for i, t in enumerate(turns) if t.input_subtype in INPUT_TYPES]
    out.append(fit_softmax("input_type", X[inp], [turns[i].input_subtype or "" for i in inp],
                           INPUT_TYPES, 2.0))
    return out


def client_heads(fz: Featuriser, turns: Sequence[AnnomiTurn], c: float = 2.0
                 ) -> list[FittedHead]:
    """Train the AnnoMI client-talk head on client turns."""
    X = design_matrix(fz, [t.tt for t in turns])
    return [fit_softmax("client_talk", X, [t.client_talk or "neutral" for t in turns],
                        CLIENT_TALK, c)]


#: Family heads: "is any code of this family in the turn?" (many more positives than any
#: single code, so they catch wordings the code heads miss; see the analyzer's decision).
FAMILY_HEADS: dict[str, tuple[str, tuple[str, ...]]] = {
    "judgment": ("therapist", FAMILIES["judgment"]),
    "openness": ("therapist", FAMILIES["openness"]),
    "repair": ("therapist", FAMILIES["repair"]),
    "rupture_marker": ("client", FAMILIES["rupture_marker"]),
}
#: Every n-th AnnoMI therapist turn of a high-quality session is a negative for the code heads.
ANNOMI_NEGATIVE_STRIDE = 3
#: AnnoMI's own labels that imply an authored code: such a turn must not be that code's (or its
#: family's) negative. Advice in a good MI session is usually permitted, but not always.
ANNOMI_IMPLIES: dict[str, frozenset[str]] = {
    "advice": frozenset({"advise_without_permission", "direct"}),
    "negotiation": frozenset({"seek_collaboration", "renegotiate"}),
    "options": frozenset({"emphasize_autonomy"}),
}


#: Weight of an AnnoMI negative (an authored case weighs 1).
ANNOMI_NEGATIVE_WEIGHT = 0.3


def annomi_negatives(annomi: Sequence[AnnomiTurn], speaker: str) -> list[AnnomiTurn]:
    """The AnnoMI turns that are negatives for ``speaker``'s authored heads.

    Every :data:`ANNOMI_NEGATIVE_STRIDE`-th therapist turn of a high-quality session: a
    reflection in a good MI session is very unlikely to be a confrontation or an apology.
    None for clients: AnnoMI client turns are full of disclosures and hedges.
    """
    if speaker == "client":
        return []
    good = [t for t in annomi if t.speaker == speaker and t.mi_quality == "high"]
    return good[::ANNOMI_NEGATIVE_STRIDE]


def negative_weight(turn: AnnomiTurn, codes: frozenset[str], weight: float) -> float:
    """Weight of an AnnoMI negative for a head over ``codes``: 0 where AnnoMI implies one."""
    return 0.0 if ANNOMI_IMPLIES.get(turn.input_subtype or "", frozenset()) & codes else weight


def _negative_weights(extra: Sequence[AnnomiTurn], codes: frozenset[str], weight: float
                      ) -> list[float]:
    return [negative_weight(t, codes, weight) for t in extra]


def code_heads(
    fz: Featuriser,
    cases: Sequence[AuthoredCase],
    annomi: Sequence[AnnomiTurn],
    c: float = 4.0,
    annomi_weight: float = ANNOMI_NEGATIVE_WEIGHT,
) -> list[FittedHead]:
    """Train one sigmoid head per authored code and per measured family.

    Negatives are the other authored cases of the same speaker plus AnnoMI
    turns (high-quality sessions only, down-weighted): a reflection in a
    good MI session is very unlikely to be a confrontation or an apology.
    """
    out: list[FittedHead] = []
    for speaker, codes in (("therapist", AUTHORED_THERAPIST_CODES),
                           ("client", AUTHORED_CLIENT_CODES)):
        own = [k for k in cases if k.speaker == speaker]
        extra = annomi_negatives(annomi, speaker)
        tts = [k.turn_text() for k in own] + [t.tt for t in extra]
        X = design_matrix(fz, tts)
        own_weights = [1.0] * len(own)
        for code in codes:
            y = [code in k.codes for k in own] + [False] * len(extra)
            if sum(y) < MIN_POSITIVES:
                continue
            weights = own_weights + _negative_weights(extra, frozenset({code}), annomi_weight)
            out.append(fit_binary(f"code:{code}", X, y, c, code_threshold(code),
                                  weights=weights))
        for family, (fam_speaker, members) in FAMILY_HEADS.items():
            if fam_speaker != speaker:
                continue
            y = [bool(set(k.codes) & set(members)) for k in own] + [False] * len(extra)
            weights = own_weights + _negative_weights(extra, frozenset(members), annomi_weight)
            out.append(fit_binary(f"family:{family}", X, y, c, FAMILY_THRESHOLDS[family],
                                  weights=weights))
    return out


def unpack(model: LinearModel) -> list[FittedHead]:
    """Return a model's heads as :class:`FittedHead` objects (to recombine with new ones)."""
    out = []
    for h in model.heads.values():
        cols = slice(h.start, h.start + h.width)
        out.append(FittedHead(Head(h.name, h.kind, 0, h.classes, h.threshold),
                              model.weights[:, cols].T.astype(np.float64), model.bias[cols]))
    return out


def case_file(case: AuthoredCase) -> str:
    """The file a case came from (ids are ``<file stem>-<code>-<number>``)."""
    return case.id.split("-", 1)[0]


def file_folds(cases: Sequence[AuthoredCase], folds: int) -> list[int]:
    """A fold per case such that each file's cases share one fold (folds of similar size).

    Each file was written by one session in one style, so these folds ask how a model does
    on wording from a session it never saw (largest files first, each to the smallest fold).
    """
    sizes = Counter(case_file(k) for k in cases)
    load = [0] * folds
    fold_of: dict[str, int] = {}
    for name, n in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        fold_of[name] = load.index(min(load))
        load[fold_of[name]] += n
    return [fold_of[case_file(k)] for k in cases]


def fold_models(base: LinearModel, cases: Sequence[AuthoredCase],
                annomi: Sequence[AnnomiTurn], folds: int = 4, by_file: bool = False,
                **head_args: Any) -> list[tuple[LinearModel, list[AuthoredCase]]]:
    """Per fold of ``cases``: a model whose code/family heads never saw that fold.

    For tuning thresholds out-of-fold on the authored TRAINING split only. The
    AnnoMI heads and the featuriser are taken from ``base``. Folds are every ``folds``-th
    case, or with ``by_file`` whole files (:func:`file_folds`).
    """
    keep = [fh for fh in unpack(base) if not fh.head.name.startswith(("code:", "family:"))]
    fold_of = file_folds(cases, folds) if by_file else [i % folds for i in range(len(cases))]
    out = []
    for fold in range(folds):
        test = [k for k, f in zip(cases, fold_of, strict=True) if f == fold]
        train = [k for k, f in zip(cases, fold_of, strict=True) if f != fold]
        heads = code_heads(base.featuriser, train, annomi, **head_args)
        out.append((pack(base.featuriser, keep + heads, {}), test))
    return out


def with_head_thresholds(model: LinearModel, thresholds: dict[str, float]) -> LinearModel:
    """Return ``model`` with the named heads at the given thresholds (the rest unchanged)."""
    heads = {name: h if name not in thresholds
             else Head(h.name, h.kind, h.start, h.classes, thresholds[name])
             for name, h in model.heads.items()}
    return LinearModel(model.featuriser, model.weights, model.bias, heads, model.meta)


def with_thresholds(model: LinearModel, code: float, family: float) -> LinearModel:
    """Return ``model`` with every code head at ``code`` and family head at ``family``."""
    return with_head_thresholds(model, {
        name: code if name.startswith("code:") else family
        for name in model.heads if name.startswith(("code:", "family:"))})


def label_cases(model: LinearModel, cases: Sequence[AuthoredCase],
                encoder: Encoder | Literal["shipped"] | None = "shipped",
                encoder_weight: float | None = None,
                judgment_weight: float | None = None) -> list[set[str]]:
    """Label authored cases with an analyzer over ``model`` (context included).

    ``encoder``: ``"shipped"``, ``None`` (linear model alone) or a :class:`FixedEncoder`;
    the weights default to the analyzer's (``ENCODER_WEIGHT``, ``JUDGMENT_WEIGHT``).
    """
    from simulator.analysis.base import Speaker, Utterance
    from simulator.analysis.offline.analyzer import (
        ENCODER_WEIGHT,
        JUDGMENT_WEIGHT,
        OfflineAnalyzer,
    )

    analyzer = OfflineAnalyzer(
        model, encoder=encoder,
        encoder_weight=ENCODER_WEIGHT if encoder_weight is None else encoder_weight,
        judgment_weight=JUDGMENT_WEIGHT if judgment_weight is None else judgment_weight)
    items = []
    for k in cases:
        ctx = [Utterance("client" if s == "client" else "therapist", t) for s, t in k.context]
        who: Speaker = "client" if k.speaker == "client" else "therapist"
        items.append((Utterance(who, k.text), ctx))
    return [set(label.codes) for label in analyzer.label_many(items)]


class FixedEncoder:
    """Encoder probabilities computed beforehand, looked up by (speaker, normalised text).

    Out-of-fold evaluation needs, for each training case, the encoder that did not see it;
    ``scripts/train_encoder.py --folds 4`` saves those probabilities (``data/encoder_oof.npz``)
    for the same folds as :func:`fold_models`.
    """

    def __init__(self, labels: Sequence[str], table: dict[tuple[str, str], np.ndarray]) -> None:
        self.labels = tuple(labels)
        self.table = table

    def probabilities(self, turns: Sequence[tuple[str, str]]) -> np.ndarray:
        """Rows for ``(speaker, normalised text)`` pairs; KeyError for an unknown turn."""
        return np.stack([self.table[t] for t in turns]) if turns else np.zeros((0, 0))


def oof_encoder(cases: Sequence[AuthoredCase], path: Any = None) -> FixedEncoder:
    """The out-of-fold encoder probabilities of ``cases`` (from ``data/encoder_oof.npz``).

    Raises:
        FileNotFoundError: If the file was not built (``train_encoder.py --folds 4``).
        ValueError: If a case has no row (cases were added since).
    """
    from simulator.analysis.offline.corpus import REPO

    arrays = np.load(path or REPO / "data" / "encoder_oof.npz")
    rows = {str(i): r for i, r in zip(arrays["ids"], arrays["probs"], strict=True)}
    missing = [k.id for k in cases if k.id not in rows]
    if missing:
        # New authored cases since the encoder was trained: its folds no longer match.
        raise ValueError(f"data/encoder_oof.npz has no row for {len(missing)} training cases "
                         f"(e.g. {missing[0]!r}); rebuild it with "
                         "`python scripts/train_encoder.py --folds 4`")
    table = {(k.speaker, k.turn_text().turn): rows[k.id] for k in cases if k.id in rows}
    return FixedEncoder([str(x) for x in arrays["labels"]], table)


def fit_featuriser(annomi: Sequence[AnnomiTurn], cases: Sequence[AuthoredCase]) -> Featuriser:
    """Fit the shared vocabulary on all AnnoMI turns and the authored training cases."""
    return Featuriser.fit([t.tt for t in annomi] + [k.turn_text() for k in cases])


def train_model(annomi: Sequence[AnnomiTurn], cases: Sequence[AuthoredCase],
                meta: dict[str, Any]) -> tuple[LinearModel, list[FittedHead]]:
    """Train every head. ``cases`` must already exclude the held-out split."""
    fz = fit_featuriser(annomi, cases)
    fitted = therapist_heads(fz, [t for t in annomi if t.speaker == "therapist"])
    fitted += client_heads(fz, [t for t in annomi if t.speaker == "client"])
    fitted += code_heads(fz, cases, annomi)
    return pack(fz, fitted, meta), fitted


def cross_validate_behaviour(turns: Sequence[AnnomiTurn], folds: int = 5) -> dict[str, Any]:
    """Transcript-disjoint CV (GroupKFold by transcript) of the behaviour decision.

    Each fold refits the vocabulary, the heads and the stacker on the
    training transcripts only, then labels the held-out transcripts with the
    same decision code the analyzer uses.

    Returns:
        ``{"macro_f1", "per_class": {label: f1}, "n", "folds", "gold", "pred"}``.
    """
    from sklearn.metrics import f1_score
    from sklearn.model_selection import GroupKFold

    from simulator.analysis.offline.analyzer import decide_behaviour

    ther = [t for t in turns if t.speaker == "therapist"]
    gold = [t.behaviour or "other" for t in ther]
    groups = [t.transcript_id for t in ther]
    pred = [""] * len(ther)
    for tr, te in GroupKFold(folds).split(ther, gold, groups):
        train = [ther[i] for i in tr]
        fz = Featuriser.fit([t.tt for t in train])
        model = pack(fz, therapist_heads(fz, train, only_behaviour=True), {})
        for i in te:
            pred[i] = decide_behaviour(model, ther[i].tt)
    per = f1_score(gold, pred, labels=list(BEHAVIOURS), average=None)
    return {
        "macro_f1": float(np.mean(per)),
        "per_class": {b: float(f) for b, f in zip(BEHAVIOURS, per, strict=True)},
        "n": len(ther), "folds": folds, "gold": gold, "pred": pred,
    }


__all__ = ["AUTHORED_CLIENT_CODES", "AUTHORED_THERAPIST_CODES", "CLIENT_CODES",
           "THERAPIST_CODES", "cross_validate_behaviour", "train_model"]
