"""The contextual encoder: three fine-tuned MiniLM layers run by onnxruntime.

The linear model reads n-grams and static word vectors, so it knows phrases it
has seen; wording it has not seen ("you'd feel better if you just got over it")
needs a model that reads words in their sentence. This is the first three
layers of all-MiniLM-L6-v2 (Apache-2.0), fine-tuned by
``scripts/train_encoder.py`` on the authored training cases to give the same
``code:*`` and ``family:*`` probabilities as the linear heads. The analyzer
averages its family probabilities with the linear ones (``ENCODER_WEIGHT`` and
``BLENDED`` in :mod:`.analyzer`); the code outputs are trained alongside
because the finer labels help the shared layers, and are kept for experiments.

Files, inside the package:

- ``data/encoder.onnx``: layers and heads, int8 matrix products with fixed
  activation scales (so a turn's probabilities do not depend on its batch),
  uint8 weights and fused GELUs (``scripts/encoder_graph.py``);
  input is the looked-up token vectors (batch x tokens x 384), the token types
  (the speaker) and the padding mask;
- ``data/encoder_vocab.npz``: the token-vector table as int8 rows with one
  float scale per row (``rows``, ``scale``) and the head names (``labels``).
  The vocabulary is the one in ``embeddings.npz``.

Only the turn itself is read (``[CLS] turn [SEP]``, at most ``MAX_TOKENS``):
the previous turn doubled the cost and did not help the therapist families.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

import numpy as np

from simulator.analysis.offline.embedding import WordPiece, shipped_embedder

ENCODER_PACKAGE = "simulator.analysis.offline.data"
ENCODER_ONNX = "encoder.onnx"
ENCODER_VOCAB = "encoder_vocab.npz"
#: Tokens read per turn, [CLS] and [SEP] included (AnnoMI turns: mean 21 word pieces).
MAX_TOKENS = 48
#: The speaker is the token type, so one set of weights serves both speakers.
TOKEN_TYPE: dict[str, int] = {"therapist": 0, "client": 1}
#: Turns per onnxruntime call in batch labelling (length-sorted, so little padding).
BATCH = 64


class Encoder(Protocol):
    """What the analyzer needs of an encoder (the shipped one, or saved out-of-fold rows)."""

    labels: tuple[str, ...]

    def probabilities(self, turns: Sequence[tuple[str, str]]) -> np.ndarray:
        """``(len(turns), len(labels))`` probabilities for ``(speaker, text)`` pairs."""
        ...


class EncoderFileError(RuntimeError):
    """The shipped encoder files are missing or do not fit together."""


def quantise_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Int8 rows with a float32 scale each (max |value| maps to 127)."""
    scale = (np.abs(table).max(axis=1) / 127.0).astype(np.float32)
    scale[scale == 0] = 1.0
    rows = np.clip(np.rint(table / scale[:, None]), -127, 127).astype(np.int8)
    return rows, scale


class TurnEncoder:
    """Turn text -> probability of every encoder head (thread-safe, deterministic).

    Args:
        session: An onnxruntime ``InferenceSession`` over ``encoder.onnx``.
        rows: ``(vocab, dims)`` int8 token vectors.
        scale: ``(vocab,)`` per-row scales.
        labels: Head names, in the graph's output order.
        tokenizer: WordPiece over the table's vocabulary (the static embedder's: same vocabulary).
    """

    def __init__(self, session: Any, rows: np.ndarray, scale: np.ndarray,
                 labels: Sequence[str], tokenizer: WordPiece) -> None:
        n = len(tokenizer.ids)
        if rows.shape[0] != n or scale.shape != (n,):
            raise EncoderFileError(f"encoder table {rows.shape} does not match {n} tokens")
        self.session = session
        self.rows = rows
        self.scale = scale
        self.labels: tuple[str, ...] = tuple(labels)
        self.tokenizer = tokenizer
        self._cls = self.tokenizer.ids["[CLS]"]
        self._sep = self.tokenizer.ids["[SEP]"]

    def token_ids(self, text: str) -> list[int]:
        """``[CLS] pieces [SEP]``, cut to :data:`MAX_TOKENS`."""
        return [self._cls, *self.tokenizer.encode(text)[: MAX_TOKENS - 2], self._sep]

    def probabilities(self, turns: Sequence[tuple[str, str]]) -> np.ndarray:
        """Return ``(len(turns), len(labels))`` probabilities.

        Args:
            turns: ``(speaker, normalised text)`` pairs; speaker "client" or "therapist".
        """
        out = np.zeros((len(turns), len(self.labels)), np.float32)
        encoded = [(self.token_ids(text), TOKEN_TYPE.get(speaker, 0)) for speaker, text in turns]
        order = sorted(range(len(turns)), key=lambda i: len(encoded[i][0]))
        for lo in range(0, len(order), BATCH):
            group = order[lo : lo + BATCH]
            width = max(len(encoded[i][0]) for i in group)
            ids = np.zeros((len(group), width), np.int64)
            types = np.zeros((len(group), width), np.int64)
            mask = np.zeros((len(group), width), np.float32)
            for r, i in enumerate(group):
                tok, kind = encoded[i]
                ids[r, : len(tok)] = tok
                types[r, : len(tok)] = kind
                mask[r, : len(tok)] = 1.0
            vectors = self.rows[ids].astype(np.float32) * self.scale[ids][..., None]
            (logits,) = self.session.run(None, {"vectors": vectors, "types": types,
                                                "mask": mask})
            out[group] = 1.0 / (1.0 + np.exp(-logits))
        return out


def _session(model_bytes: bytes) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    # One thread per call: batch labelling runs calls on two threads at once (the analyzer's
    # ``_EncoderQueue``), which beats splitting each call's small matrix products across
    # cores; and a single turn's matrices are too small to gain from a second thread.
    # No spinning, so an idle TUI does not burn a core.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


@lru_cache(maxsize=1)
def shipped_encoder() -> TurnEncoder:
    """Load the encoder shipped inside the package (cached).

    Raises:
        EncoderFileError: If the files are missing or malformed.
    """
    base = resources.files(ENCODER_PACKAGE)
    try:
        model_bytes = base.joinpath(ENCODER_ONNX).read_bytes()
        with base.joinpath(ENCODER_VOCAB).open("rb") as fh:
            arrays = np.load(fh)
            rows, scale = arrays["rows"], arrays["scale"]
            labels = [str(x) for x in arrays["labels"]]
    except FileNotFoundError as exc:
        raise EncoderFileError(
            f"the analyzer's encoder is missing ({exc.filename}); rebuild it with "
            "`python scripts/train_encoder.py`") from exc
    except (KeyError, ValueError, OSError) as exc:
        raise EncoderFileError(f"cannot read the shipped encoder: {exc}") from exc
    try:
        session = _session(model_bytes)
    except Exception as exc:  # onnxruntime raises its own types for a corrupt graph
        raise EncoderFileError(f"cannot load {ENCODER_ONNX}: {exc}") from exc
    # The static embedder's tokenizer: same vocabulary, already loaded by the linear model.
    return TurnEncoder(session, rows, scale, labels, shipped_embedder().tokenizer)
