"""Rebuild the offline analyzer's shipped model from AnnoMI and the authored cases.

Usage::

    python scripts/train_analyzer.py [--annomi PATH] [--authored DIR] [--out DIR]

Needs the ``test`` extra (scikit-learn). Writes ``model.npz``, ``model.json``,
``spelling.json`` (the speller's word list) and ``parity.json`` (scikit-learn's own
probabilities on a fixed sample, which the tests compare with the numpy inference) into
``simulator/analysis/offline/data/``. Held-out authored cases are never used.
Deterministic: the same inputs give the same files.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from simulator.analysis.offline.corpus import (  # noqa: E402
    ANNOMI_CSV,
    AUTHORED_DIR,
    load_annomi,
    load_authored,
)
from simulator.analysis.offline.features import TurnText  # noqa: E402
from simulator.analysis.offline.model import save_model  # noqa: E402
from simulator.analysis.offline.spelling import (  # noqa: E402
    SPELLING_FILE,
    Speller,
    count_words,
    minilm_lexicon,
    save_counts,
    use_speller,
)
from simulator.analysis.offline.training import design_matrix, train_model  # noqa: E402

OUT_DIR = REPO / "simulator" / "analysis" / "offline" / "data"
PARITY_SAMPLE = 120


def main(argv: list[str] | None = None) -> int:
    """Train and write the model files; return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annomi", type=Path, default=ANNOMI_CSV)
    parser.add_argument("--authored", type=Path, default=AUTHORED_DIR)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    if not args.annomi.is_file():
        print(f"error: AnnoMI CSV not found: {args.annomi}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    cases = load_authored(args.authored) if args.authored.is_dir() else []
    train_cases = [k for k in cases if not k.held_out]
    # The speller's word list comes from the corpus as typed (a speller that knows no word
    # mends nothing); then the corpus is read again, mended, as the analyzer will read turns.
    use_speller(Speller({}))
    counts = count_words([t.tt.turn for t in load_annomi(args.annomi)]
                         + [k.turn_text().turn for k in train_cases])
    use_speller(Speller(counts, minilm_lexicon()))
    annomi = load_annomi(args.annomi)
    meta = {
        "annomi_turns": len(annomi),
        "authored_train": len(train_cases),
        "authored_held_out": len(cases) - len(train_cases),
        "corpus": "AnnoMI dev split (Wu et al. 2022) + data/authored (training split)",
    }
    model, fitted = train_model(annomi, train_cases, meta)
    args.out.mkdir(parents=True, exist_ok=True)
    save_model(model, args.out)
    save_counts(counts, str(args.out / SPELLING_FILE))

    # Parity sample: every 50th AnnoMI turn and every 7th training case, with sklearn's
    # probabilities from the fitted estimators on the same shipped featuriser.
    sample: list[tuple[str, TurnText]] = [(t.speaker, t.tt) for t in annomi[::50]]
    sample += [(k.speaker, k.turn_text()) for k in train_cases[::7]]
    sample = sample[:PARITY_SAMPLE]
    X = design_matrix(model.featuriser, [tt for _, tt in sample])
    probs: dict[str, list[list[float]]] = {}
    for fh in fitted:
        est = fh.estimator
        p = est.predict_proba(X)
        # Sigmoid heads report [P(classes_[0]), P(classes_[1])] as sklearn does.
        order = [0, 1] if fh.head.kind == "sigmoid" else [
            list(map(str, est.classes_)).index(c) for c in fh.head.classes]
        probs[fh.head.name] = [[float(row[i]) for i in order] for row in p]
    parity = {
        "turns": [{"speaker": s, "turn": tt.turn, "prev_other": tt.prev_other,
                   "prev_same": tt.prev_same} for s, tt in sample],
        "probs": probs,
    }
    (args.out / "parity.json").write_text(json.dumps(parity), encoding="utf-8")
    sizes = {p.name: p.stat().st_size for p in sorted(args.out.glob("model.*"))}
    print(f"trained {len(model.heads)} heads on {len(annomi)} AnnoMI turns + "
          f"{len(train_cases)} authored cases ({meta['authored_held_out']} held out) in "
          f"{time.perf_counter() - started:.1f} s; features {model.featuriser.n_features}; "
          f"files {sizes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
