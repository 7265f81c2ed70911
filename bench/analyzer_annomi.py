"""AnnoMI main therapist behaviour: transcript-disjoint cross-validation (issue 4 target).

GroupKFold by ``transcript_id`` over the AnnoMI dev split: every fold refits the
vocabulary and the therapist heads on the training transcripts only and labels
the held-out transcripts with the analyzer's own behaviour decision
(:func:`simulator.analysis.offline.analyzer.decide_behaviour`). Prints
macro-F1 over reflection / question / therapist_input / other, per-class F1
and the confusion matrix. Target: macro-F1 >= 0.75 (aiming for 0.80).

Needs scikit-learn (the ``test`` extra) and the AnnoMI CSV.
Run: ``python -m bench analyzer_annomi`` (or ``python bench/analyzer_annomi.py``).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulator.analysis.offline.corpus import ANNOMI_CSV, BEHAVIOURS, load_annomi  # noqa: E402

TARGET = 0.75


def main() -> int:
    """Run the cross-validation and print the figures; exit 1 below target."""
    try:
        from simulator.analysis.offline.training import cross_validate_behaviour
    except ImportError as exc:  # pragma: no cover - depends on the environment
        print(f"needs scikit-learn (pip install -e '.[test]'): {exc}")
        return 2
    if not ANNOMI_CSV.is_file():
        print(f"AnnoMI CSV not found at {ANNOMI_CSV}")
        return 2
    started = time.perf_counter()
    res = cross_validate_behaviour(load_annomi(), folds=5)
    print(f"AnnoMI dev, therapist utterances: {res['n']}, {res['folds']}-fold GroupKFold by "
          f"transcript ({time.perf_counter() - started:.0f} s)")
    print(f"macro-F1: {res['macro_f1']:.3f}   (target >= {TARGET}, aim 0.80)")
    for label in BEHAVIOURS:
        print(f"  {label:<16} F1 {res['per_class'][label]:.3f}")
    pairs = Counter(zip(res["gold"], res["pred"], strict=True))
    print("confusion (rows gold, columns predicted):")
    print("  " + " " * 16 + "".join(f"{b[:10]:>11}" for b in BEHAVIOURS))
    for g in BEHAVIOURS:
        print(f"  {g:<16}" + "".join(f"{pairs[(g, p)]:>11}" for p in BEHAVIOURS))
    return 0 if res["macro_f1"] >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
