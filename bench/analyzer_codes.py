"""Code-family detection on the held-out authored cases (issue 4, target F1 >= 0.85).

For each family (judgment, openness, repair, rupture markers; see
``FAMILIES`` in :mod:`simulator.analysis.codes`) and the cases of the speaker
the family applies to, a case is *positive* when its gold codes contain a code
of the family and *predicted positive* when the analyzer's codes do.

- **presence F1**: ordinary binary F1 of "the family is there".
- **exact F1**: a true positive must also get the family's codes exactly
  right (predicted ∩ family == gold ∩ family); precision divides by predicted
  positives, recall by gold positives.

Only held-out cases count (fixed SHA-1 split of the ids, never trained or
tuned on); the training split is printed for reference. Also prints per-code
F1 on the held-out cases.

Run: ``python -m bench analyzer_codes`` (or ``python bench/analyzer_codes.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulator.analysis import get_analyzer  # noqa: E402
from simulator.analysis.base import Utterance  # noqa: E402
from simulator.analysis.codes import FAMILIES  # noqa: E402
from simulator.analysis.offline.corpus import AuthoredCase, load_authored  # noqa: E402

TARGET = 0.85
#: Family -> the speaker whose turns it describes.
MEASURED: dict[str, str] = {"judgment": "therapist", "openness": "therapist",
                            "repair": "therapist", "rupture_marker": "client"}


def _f1(tp: int, n_pred: int, n_gold: int) -> float:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def predict(cases: list[AuthoredCase]) -> list[set[str]]:
    """Label every case with the offline analyzer (context included)."""
    analyzer = get_analyzer("offline")
    out = []
    for k in cases:
        ctx = [Utterance("client" if s == "client" else "therapist", t) for s, t in k.context]
        speaker = "client" if k.speaker == "client" else "therapist"
        out.append(set(analyzer.label(Utterance(speaker, k.text), ctx).codes))
    return out


def family_scores(cases: list[AuthoredCase], preds: list[set[str]]) -> dict[str, dict[str, float]]:
    """Return ``{family: {"presence_f1", "exact_f1", "positives", "cases"}}``."""
    out: dict[str, dict[str, float]] = {}
    for family, speaker in MEASURED.items():
        members = set(FAMILIES[family])
        tp_p = tp_e = n_pred = n_gold = n = 0
        for k, pred in zip(cases, preds, strict=True):
            if k.speaker != speaker:
                continue
            n += 1
            gold_f, pred_f = set(k.codes) & members, pred & members
            n_gold += bool(gold_f)
            n_pred += bool(pred_f)
            tp_p += bool(gold_f) and bool(pred_f)
            tp_e += bool(gold_f) and gold_f == pred_f
        out[family] = {"presence_f1": _f1(tp_p, n_pred, n_gold),
                       "exact_f1": _f1(tp_e, n_pred, n_gold), "positives": n_gold, "cases": n}
    return out


def code_scores(cases: list[AuthoredCase], preds: list[set[str]]) -> dict[str, tuple[float, int]]:
    """Per-code F1 and support for the codes the authored cases are written for.

    Behaviour codes (reflections, questions, information) come from AnnoMI and are
    only partly labelled in the authored cases, so they are left out here.
    """
    from simulator.analysis.offline.training import (
        AUTHORED_CLIENT_CODES,
        AUTHORED_THERAPIST_CODES,
    )

    wanted = set(AUTHORED_THERAPIST_CODES) | set(AUTHORED_CLIENT_CODES)
    codes = sorted({c for k in cases for c in k.codes} & wanted)
    out = {}
    for code in codes:
        gold = [code in k.codes for k in cases]
        pred = [code in p for p in preds]
        tp = sum(g and p for g, p in zip(gold, pred, strict=True))
        out[code] = (_f1(tp, sum(pred), sum(gold)), sum(gold))
    return out


def main() -> int:
    """Print the figures; exit 1 if a family misses the target on the held-out cases."""
    cases = load_authored()
    held = [k for k in cases if k.held_out]
    train = [k for k in cases if not k.held_out]
    print(f"authored cases: {len(cases)} ({len(held)} held out, {len(train)} training)")
    ok = True
    for name, subset in (("HELD-OUT", held), ("training (reference only)", train)):
        preds = predict(subset)
        print(f"\n{name}: family F1 (presence / exact-codes), positives / cases")
        for family, s in family_scores(subset, preds).items():
            print(f"  {family:<15} {s['presence_f1']:.3f} / {s['exact_f1']:.3f}   "
                  f"{int(s['positives'])}/{int(s['cases'])}")
            if subset is held and s["presence_f1"] < TARGET:
                ok = False
        if subset is held:
            print("  per-code F1 (support):")
            for code, (f1, n) in code_scores(subset, preds).items():
                print(f"    {code:<26} {f1:.3f} ({n})")
    print(f"\ntarget: presence F1 >= {TARGET} for every family on held-out cases: "
          f"{'MET' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
