"""How far do two annotators agree on the code families? (the ceiling for the analyzer)

A second annotator (an AI helper session that saw only ``codes.py``, DOMAIN.md and the issue
text, never the first labels, the model or the benchmarks) relabelled cases from scratch; its
labels are in ``data/agreement/``:

- ``authored_sample_second.jsonl``: 270 random authored TRAINING cases (200 therapist, 70
  client; seed 20261122);
- ``blind_second.jsonl`` (when present): every case of the blind set;
- ``blind4_second.jsonl`` (when present): every case of the fourth blind set, relabelled on
  2026-11-24 by two helper sessions (one per author's half) that read only ``codes.py``,
  DOMAIN.md and the labelling decisions of ``data/blind/README.md``;
- ``blind6_second.jsonl`` (when present): every case of the sixth blind set, relabelled the same
  way on 2026-11-24 (fifteenth session).

For each family this prints the presence F1 between the two label sets (symmetric) and
Cohen's kappa. Where agreement is high and the analyzer's F1 is low, the errors are the
model's, not the labels'.

Run: ``python -m bench label_agreement``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.analyzer_codes import MEASURED, presence_pairs  # noqa: E402
from simulator.analysis.offline.corpus import (  # noqa: E402
    AUTHORED_DIR,
    BLIND4_DIR,
    BLIND6_DIR,
    BLIND_DIR,
    AuthoredCase,
    load_authored,
)

AGREEMENT_DIR = AUTHORED_DIR.parent / "agreement"
SETS = (("authored training sample", "authored_sample_second.jsonl", AUTHORED_DIR),
        ("blind set", "blind_second.jsonl", BLIND_DIR),
        ("fourth blind set", "blind4_second.jsonl", BLIND4_DIR),
        ("sixth blind set", "blind6_second.jsonl", BLIND6_DIR))


def agreement(first: list[AuthoredCase], second: dict[str, set[str]]
              ) -> dict[str, tuple[float, float, int, int]]:
    """Per family: (F1, Cohen's kappa, first-annotator positives, cases).

    ``first`` must hold only cases that ``second`` labelled.
    """
    out = {}
    for family in MEASURED:
        pairs = presence_pairs(first, [second[k.id] for k in first], family)
        n = len(pairs)
        a = sum(x for x, _ in pairs)
        b = sum(y for _, y in pairs)
        both = sum(x and y for x, y in pairs)
        observed = (n - a - b + 2 * both) / n
        expected = (a / n) * (b / n) + (1 - a / n) * (1 - b / n)
        kappa = (observed - expected) / (1 - expected) if expected < 1 else 1.0
        out[family] = (2 * both / (a + b) if a + b else 1.0, kappa, a, n)
    return out


def main() -> int:
    """Print the agreement per set and family."""
    for name, filename, directory in SETS:
        path = AGREEMENT_DIR / filename
        if not path.is_file():
            continue
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]
        second = {r["id"]: set(r["codes"]) for r in rows}
        first = [k for k in load_authored(directory) if k.id in second]
        print(f"{name}: {len(first)} cases relabelled by a second annotator")
        for family, (f1, kappa, pos, n) in agreement(first, second).items():
            print(f"  {family:<15} F1 {f1:.3f}  kappa {kappa:.3f}   ({pos} positives / {n})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
