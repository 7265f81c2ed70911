"""The featuriser: one sparse feature vector per turn, identical in training and inference.

Blocks (each TF-IDF weighted with sublinear term frequency, then L2-normalised):

- ``u:`` word 1-3 grams of the turn (with start/end markers),
- ``c:`` character 2-5 grams of the turn, inside word boundaries,
- ``p:`` word 1-2 grams of the other speaker's previous turn,
- ``t:`` word unigrams of the same speaker's previous turn,

preceded by the dense cue features of :mod:`.cues` and, when the model has
one, a dense semantic block (:class:`DenseBlock`): the static-embedding mean
vector of the turn, that of the other speaker's previous turn, and their
cosine (reflections echo the client's meaning in other words). The
vocabulary and IDF weights are fitted once by ``scripts/train_analyzer.py``
and shipped with the model, so run time needs nothing but numpy and the
standard library.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from simulator.analysis.offline.cues import CUE_NAMES, cue_vector
from simulator.analysis.offline.spelling import current_speller
from simulator.analysis.offline.text import char_ngrams, normalise, tokens, word_ngrams

#: Relative weight of each block once normalised: the turn itself dominates.
BLOCK_WEIGHTS: dict[str, float] = {"u": 1.0, "c": 1.0, "p": 0.5, "t": 0.35}
CUE_WEIGHT = 1.0
#: Character n-gram lengths of the ``c`` block.
CHAR_RANGE = (2, 5)
#: Distinct words whose character-gram hits are remembered (about 10 MB at the bound).
WORD_CACHE_SIZE = 50_000


@dataclass(frozen=True)
class DenseBlock:
    """The semantic block's layout and weights (stored in the model file).

    Attributes:
        dims: Embedding dimensions (must equal the shipped table's).
        weight: Scale of the turn's unit vector.
        prev_weight: Scale of the other speaker's previous turn's unit vector.
        cos_weight: Scale of the cosine between the two.
    """

    dims: int = 64
    weight: float = 1.0
    prev_weight: float = 0.5
    cos_weight: float = 1.0

    @property
    def width(self) -> int:
        """Number of columns the block takes."""
        return 2 * self.dims + 1

    def to_dict(self) -> dict[str, Any]:
        """Return the block as a JSON-ready dict."""
        return asdict(self)


#: The block new models are trained with (None: no semantic block). Weights chosen by
#: transcript-disjoint 5-fold CV of the AnnoMI behaviour decision (macro-F1): none 0.751,
#: (0.25, 0.125, 0.25) 0.755, (0.5, 0.25, 0.5) 0.759, (0.5, 0, 0.5) 0.758, (0.5, 0.5, 1)
#: 0.753, (1, 0.5, 1) 0.753, (2, 1, 1) 0.741 (turn, previous turn, cosine).
DEFAULT_DENSE: DenseBlock | None = DenseBlock(dims=64, weight=0.5, prev_weight=0.25,
                                              cos_weight=0.5)


@dataclass(frozen=True)
class TurnText:
    """The three texts a turn is featurised from (all already normalised)."""

    turn: str
    prev_other: str = ""
    prev_same: str = ""


def turn_text(text: str, prev_other: str = "", prev_same: str = "") -> TurnText:
    """Normalise raw texts into a :class:`TurnText`, typing slips mended (:mod:`.spelling`)."""
    mend = current_speller().text
    return TurnText(mend(normalise(text)), mend(normalise(prev_other)),
                    mend(normalise(prev_same)))


def block_grams(tt: TurnText, with_chars: bool = True) -> dict[str, list[str]]:
    """Return the raw n-grams of every sparse block for one turn (``c`` optional)."""
    grams = {
        "u": word_ngrams(tokens(tt.turn), 3),
        "p": word_ngrams(tokens(tt.prev_other), 2),
        "t": list(tokens(tt.prev_same)),
    }
    if with_chars:
        grams["c"] = char_ngrams(tt.turn, *CHAR_RANGE)
    return grams


class Featuriser:
    """Maps turns to sparse vectors with a fixed vocabulary and IDF table.

    Args:
        vocab: Feature key (``"u:so you"``) -> column index (after the cue and dense columns).
        idf: IDF weight per column of ``vocab`` (same order as the indices).
        dense: The semantic block, or None for a model without one.
    """

    def __init__(self, vocab: dict[str, int], idf: Sequence[float],
                 dense: DenseBlock | None = None) -> None:
        self.vocab = vocab
        self.idf = list(idf)
        self.n_cues = len(CUE_NAMES)
        self.dense = dense
        self.n_dense = dense.width if dense else 0
        self.n_features = self.n_cues + self.n_dense + len(vocab)
        # Per block: raw gram -> (column, idf). One lookup per gram with no key building is
        # most of what makes featurising fast (char n-grams are hundreds per turn).
        self._blocks: dict[str, dict[str, tuple[int, float]]] = {b: {} for b in BLOCK_WEIGHTS}
        offset = self.n_cues + self.n_dense
        for key, j in vocab.items():
            self._blocks[key[0]][key[2:]] = (offset + j, self.idf[j])
        self._word_hits: dict[str, list[tuple[int, float]]] = {}
        if dense:
            # Imported here so that a model without the block never loads the table.
            from simulator.analysis.offline.embedding import (
                EmbeddingFileError,
                shipped_embedder,
            )

            self._embedder = shipped_embedder()
            if self._embedder.dims != dense.dims:
                raise EmbeddingFileError(
                    f"the model expects {dense.dims}-dimensional embeddings, the shipped "
                    f"table has {self._embedder.dims}")

    @classmethod
    def fit(cls, turns: Iterable[TurnText], min_df: dict[str, int] | None = None,
            dense: DenseBlock | None | Literal["default"] = "default") -> Featuriser:
        """Fit the vocabulary and smoothed IDF (as sklearn: ``ln((1+n)/(1+df)) + 1``).

        ``dense="default"`` takes :data:`DEFAULT_DENSE` as it is at call time (so that
        an experiment can set it without threading a parameter through training).
        """
        min_df = min_df or {"u": 2, "c": 3, "p": 3, "t": 3}
        df: Counter[str] = Counter()
        n_docs = 0
        for tt in turns:
            n_docs += 1
            for block, grams in block_grams(tt).items():
                df.update({f"{block}:{g}" for g in grams})
        keys = sorted(k for k, v in df.items() if v >= min_df[k[0]])
        vocab = {k: i for i, k in enumerate(keys)}
        idf = [math.log((1 + n_docs) / (1 + df[k])) + 1.0 for k in keys]
        return cls(vocab, idf, DEFAULT_DENSE if dense == "default" else dense)

    def _dense(self, d: DenseBlock, tt: TurnText, out: dict[int, float]) -> None:
        turn = self._embedder.embed(tt.turn)
        prev = self._embedder.embed(tt.prev_other)
        base = self.n_cues
        for block, vec, w in ((0, turn, d.weight), (d.dims, prev, d.prev_weight)):
            for i, v in enumerate(vec.tolist()):
                if v:
                    out[base + block + i] = v * w
        cos = float(turn @ prev)
        if cos:
            out[base + 2 * d.dims] = cos * d.cos_weight

    def _char_hits(self, turn: str) -> list[tuple[int, float]]:
        """The known character n-grams of ``turn`` as (column, idf), as :func:`char_ngrams`.

        Character grams never cross a word boundary, so a word's hits are the same in every
        turn: looked up once per distinct word (a few hundred grams per turn otherwise).
        """
        known = self._blocks["c"]
        cache = self._word_hits
        hits: list[tuple[int, float]] = []
        for w in turn.split(" "):
            if not w:
                continue
            found = cache.get(w)
            if found is None:
                found = [h for g in char_ngrams(w, *CHAR_RANGE) if (h := known.get(g)) is not None]
                if len(cache) >= WORD_CACHE_SIZE:
                    cache.clear()  # a bound for endless novel input; common words come back fast
                cache[w] = found
            hits.extend(found)
        return hits

    def transform_one(self, tt: TurnText) -> dict[int, float]:
        """Return the sparse vector of one turn as ``{column: value}``."""
        out: dict[int, float] = {}
        for i, v in enumerate(cue_vector(tt.turn, tt.prev_other)):
            if v:
                out[i] = v * CUE_WEIGHT
        if self.dense:
            self._dense(self.dense, tt, out)
        grams = block_grams(tt, with_chars=False)
        for block in BLOCK_WEIGHTS:  # u, c, p, t: the order the columns are summed in
            if block == "c":
                hits = self._char_hits(tt.turn)
            else:
                known = self._blocks[block]
                hits = [h for g in grams[block] if (h := known.get(g)) is not None]
            self._add_block(block, hits, out)
        return out

    @staticmethod
    def _add_block(block: str, hits: list[tuple[int, float]], out: dict[int, float]) -> None:
        """Sublinear TF x IDF of a block's hits, L2-normalised to the block's weight."""
        if not hits:
            return
        counts: dict[tuple[int, float], int] = {}
        for hit in hits:
            counts[hit] = counts.get(hit, 0) + 1
        vals = {j: (1.0 + math.log(c)) * idf if c > 1 else idf for (j, idf), c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vals.values()))
        scale = BLOCK_WEIGHTS[block] / norm
        for j, v in vals.items():
            out[j] = v * scale
