"""The shipped linear model: learned weights plus numpy inference.

The model is a set of linear "heads" over one shared sparse feature space
(see :mod:`.features`). Every head's weights are columns of one matrix, so a
turn costs a single gather-and-dot for all heads. Files, inside the package:

- ``data/model.npz``: ``W`` (features x outputs, float32), ``b`` (outputs),
  ``idf`` (vocabulary IDF, float64 so features match training exactly);
- ``data/model.json``: the vocabulary (column order), the heads (kind,
  columns, classes, decision threshold), training metadata and, for a model
  with the semantic block, its layout (``dense``; the token vectors are in
  ``data/embeddings.npz``, see :mod:`.embedding`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from simulator.analysis.offline.embedding import EmbeddingFileError
from simulator.analysis.offline.features import DenseBlock, Featuriser, TurnText

MODEL_PACKAGE = "simulator.analysis.offline.data"
MODEL_NPZ = "model.npz"
MODEL_JSON = "model.json"


class ModelFileError(RuntimeError):
    """The shipped model files are missing or inconsistent."""


@dataclass(frozen=True)
class Head:
    """One classifier sharing the feature space.

    ``kind`` is ``"softmax"`` (one column per class) or ``"sigmoid"`` (one
    column: probability of ``classes[1]``, reported when >= ``threshold``).
    """

    name: str
    kind: str
    start: int
    classes: tuple[str, ...]
    threshold: float = 0.5

    @property
    def width(self) -> int:
        """Number of weight columns the head uses."""
        return len(self.classes) if self.kind == "softmax" else 1


class LinearModel:
    """All heads' weights and the featuriser they were trained with.

    Args:
        featuriser: The fitted featuriser (vocabulary + IDF).
        weights: ``(n_features, n_outputs)`` matrix.
        bias: ``(n_outputs,)`` vector.
        heads: Heads by name; their column ranges tile ``n_outputs``.
        meta: Free-form training metadata (sizes, date, corpus).
    """

    def __init__(
        self,
        featuriser: Featuriser,
        weights: np.ndarray,
        bias: np.ndarray,
        heads: dict[str, Head],
        meta: dict[str, Any] | None = None,
    ) -> None:
        if weights.shape != (featuriser.n_features, bias.shape[0]):
            raise ModelFileError(
                f"weights {weights.shape} do not match {featuriser.n_features} features "
                f"x {bias.shape[0]} outputs"
            )
        self.featuriser = featuriser
        self.weights = weights
        self.bias = bias
        self.heads = heads
        self.meta = meta or {}

    def logits(self, tt: TurnText) -> np.ndarray:
        """Return every head's raw scores for one turn."""
        feats = self.featuriser.transform_one(tt)
        if not feats:
            return self.bias.astype(np.float64)
        idx = np.fromiter(feats.keys(), dtype=np.int64, count=len(feats))
        val = np.fromiter(feats.values(), dtype=np.float64, count=len(feats))
        return val @ self.weights[idx].astype(np.float64) + self.bias

    def probabilities(self, tt: TurnText, heads: tuple[str, ...] | None = None
                      ) -> dict[str, np.ndarray]:
        """Return class probabilities per head (sigmoid heads: ``[p0, p1]``)."""
        z = self.logits(tt)
        out: dict[str, np.ndarray] = {}
        for name in heads or tuple(self.heads):
            h = self.heads[name]
            seg = z[h.start : h.start + h.width]
            if h.kind == "softmax":
                e = np.exp(seg - seg.max())
                out[name] = e / e.sum()
            else:
                p = 1.0 / (1.0 + np.exp(-seg[0]))
                out[name] = np.array([1.0 - p, p])
        return out


def save_model(model: LinearModel, directory: Any) -> None:
    """Write ``model.npz`` and ``model.json`` into ``directory`` (a :class:`~pathlib.Path`)."""
    fz = model.featuriser
    keys = sorted(fz.vocab, key=fz.vocab.__getitem__)
    np.savez_compressed(
        directory / MODEL_NPZ,
        W=model.weights.astype(np.float32),
        b=model.bias.astype(np.float64),
        idf=np.asarray(fz.idf, dtype=np.float64),
    )
    doc = {
        "format": 1,
        "vocab": keys,
        "heads": {
            n: {"kind": h.kind, "start": h.start, "classes": list(h.classes),
                "threshold": h.threshold}
            for n, h in model.heads.items()
        },
        "meta": model.meta,
    }
    if fz.dense:
        doc["dense"] = fz.dense.to_dict()
    (directory / MODEL_JSON).write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")


def load_model_files(npz_bytes: Any, doc: dict[str, Any]) -> LinearModel:
    """Build a :class:`LinearModel` from an opened ``.npz`` and the parsed JSON."""
    try:
        arrays = np.load(npz_bytes)
        vocab = {k: i for i, k in enumerate(doc["vocab"])}
        dense = DenseBlock(**doc["dense"]) if doc.get("dense") else None
        featuriser = Featuriser(vocab, arrays["idf"].tolist(), dense)
        heads = {
            n: Head(n, h["kind"], int(h["start"]), tuple(h["classes"]), float(h["threshold"]))
            for n, h in doc["heads"].items()
        }
        return LinearModel(featuriser, arrays["W"], arrays["b"], heads, doc.get("meta"))
    except (KeyError, ValueError, OSError, TypeError, EmbeddingFileError) as exc:
        raise ModelFileError(f"cannot read the shipped analyzer model: {exc}") from exc


@lru_cache(maxsize=1)
def load_shipped_model() -> LinearModel:
    """Load the model shipped inside the package (cached; about 0.1-0.3 s).

    Raises:
        ModelFileError: If the files are missing or do not fit together.
    """
    base = resources.files(MODEL_PACKAGE)
    try:
        doc = json.loads(base.joinpath(MODEL_JSON).read_text(encoding="utf-8"))
        with base.joinpath(MODEL_NPZ).open("rb") as fh:
            return load_model_files(fh, doc)
    except FileNotFoundError as exc:
        raise ModelFileError(
            f"the analyzer model is missing ({exc.filename}); rebuild it with "
            "`python scripts/train_analyzer.py`"
        ) from exc
