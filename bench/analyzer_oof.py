"""Out-of-fold code-family F1 on the authored TRAINING split (for tuning; no held-out cases).

Each of 4 folds of the training cases is labelled by a model whose code and
family heads were trained on the other 3 folds (the AnnoMI heads and the
vocabulary come from the shipped model). This is the figure to check changes
to rules, authored training cases and thresholds against; the held-out split
(``analyzer_codes``) is for confirming at the end.

Caution: the figure is only honest for changes not written by reading its own
errors. On 2026-11-22 rules written from these out-of-fold errors raised it from
0.837 to 0.915 (mean family F1) while the held-out figures fell (judgment 0.802
-> 0.776, rupture markers 0.860 -> 0.796), and the change was reverted.

Run: ``python -m bench analyzer_oof`` (needs scikit-learn, ~1 minute).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.analyzer_codes import code_scores, family_scores  # noqa: E402
from simulator.analysis.offline.corpus import load_annomi, load_authored  # noqa: E402
from simulator.analysis.offline.model import load_shipped_model  # noqa: E402
from simulator.analysis.offline.training import fold_models, label_cases  # noqa: E402


def oof_predictions() -> tuple[list, list[set[str]]]:
    """Return (training cases in fold order, their out-of-fold predicted codes)."""
    cases = [k for k in load_authored() if not k.held_out]
    annomi = load_annomi()
    order, preds = [], []
    for model, test in fold_models(load_shipped_model(), cases, annomi):
        order.extend(test)
        preds.extend(label_cases(model, test))
    return order, preds


def main() -> int:
    """Print out-of-fold family and per-code F1 on the training split."""
    cases, preds = oof_predictions()
    print(f"training cases: {len(cases)} (4-fold out-of-fold)")
    fams = family_scores(cases, preds)
    for family, s in fams.items():
        print(f"  {family:<15} {s['presence_f1']:.3f} / {s['exact_f1']:.3f}   "
              f"{int(s['positives'])}/{int(s['cases'])}")
    print(f"  mean presence F1 {sum(s['presence_f1'] for s in fams.values()) / len(fams):.3f}")
    for code, (f1, n) in code_scores(cases, preds).items():
        print(f"    {code:<26} {f1:.3f} ({n})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
