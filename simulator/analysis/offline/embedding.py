"""Static word embeddings: a pure-Python WordPiece tokenizer plus a table of token vectors.

The vectors were distilled from all-MiniLM-L6-v2 (Apache-2.0) by
``scripts/distill_embeddings.py``: every WordPiece token was run through the
transformer alone, mean-pooled, reduced by PCA and scaled by a SIF weight
from AnnoMI token frequencies (model2vec-style). A text's vector is the mean
of its tokens' vectors, so at run time this needs only numpy and the
standard library: no torch, no tokenizers package, nothing downloaded.

File, inside the package: ``data/embeddings.npz`` with ``vectors``
(tokens x dims, float16), ``vocab`` (the WordPiece vocabulary, UTF-8, one
token a line, as bytes) and ``common`` (the mean unit text vector of the
AnnoMI utterances: every mean of static vectors shares a large common
direction, and removing it is what lets cosines tell meanings apart).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import numpy as np

EMBEDDINGS_PACKAGE = "simulator.analysis.offline.data"
EMBEDDINGS_NPZ = "embeddings.npz"
#: BERT's limit for one word: longer words become [UNK] (as in the reference tokenizer).
MAX_WORD_CHARS = 100


class EmbeddingFileError(RuntimeError):
    """The shipped embedding table is missing or malformed."""


def _is_punctuation(ch: str) -> bool:
    # As BERT: every non-alphanumeric ASCII character counts, plus Unicode "P*" categories.
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


#: ASCII control characters BERT's cleaning drops (tab, newline and return are whitespace).
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")
#: In ASCII, after cleaning, a character is whitespace, a letter or digit, or punctuation.
_ASCII_PIECE = re.compile(r"[a-z0-9]+|[^a-z0-9\t\n\r ]")


def basic_tokens(text: str) -> list[str]:
    """BERT basic tokenisation (uncased): clean, lower-case, strip accents, split punctuation.

    Args:
        text: Any raw text.

    Returns:
        Whitespace/punctuation-separated pieces, each punctuation mark on its own.
    """
    if text.isascii():
        # Nearly every turn: no accents, CJK or Unicode categories to look up, so two regexes
        # give what the loop below gives (a test compares them), in a tenth of the time.
        return _ASCII_PIECE.findall(_ASCII_CONTROL.sub("", text).lower())
    return _unicode_basic_tokens(text)


def _unicode_basic_tokens(text: str) -> list[str]:
    """:func:`basic_tokens` for any text, character by character as BERT's reference does."""
    cleaned: list[str] = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch) in ("Cc", "Cf")
                                       and ch not in "\t\n\r"):
            continue
        if ch.isspace():
            cleaned.append(" ")
        elif _is_cjk(cp):
            cleaned.extend((" ", ch, " "))
        else:
            cleaned.append(ch)
    out: list[str] = []
    for word in "".join(cleaned).lower().split():
        word = "".join(c for c in unicodedata.normalize("NFD", word)
                       if unicodedata.category(c) != "Mn")
        piece: list[str] = []
        for ch in word:
            if _is_punctuation(ch):
                if piece:
                    out.append("".join(piece))
                    piece = []
                out.append(ch)
            else:
                piece.append(ch)
        if piece:
            out.append("".join(piece))
    return out


class WordPiece:
    """Greedy longest-match-first WordPiece over a fixed vocabulary (BERT's algorithm).

    Args:
        vocab: Token strings in id order (``##`` marks a word continuation).
        unk: The unknown token.
    """

    def __init__(self, vocab: list[str], unk: str = "[UNK]") -> None:
        self.ids = {tok: i for i, tok in enumerate(vocab)}
        self.unk_id = self.ids[unk]

    def word_ids(self, word: str) -> list[int]:
        """Return the token ids of one basic token (``[UNK]`` if it cannot be split)."""
        if len(word) > MAX_WORD_CHARS:
            return [self.unk_id]
        out: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = -1
            while start < end:
                sub = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.ids.get(sub, -1)
                if found >= 0:
                    break
                end -= 1
            if found < 0:
                return [self.unk_id]
            out.append(found)
            start = end
        return out

    def encode(self, text: str) -> list[int]:
        """Return the token ids of ``text`` (no [CLS]/[SEP])."""
        out: list[int] = []
        for word in basic_tokens(text):
            out.extend(self.word_ids(word))
        return out


class StaticEmbedder:
    """Text -> mean of its WordPiece tokens' static vectors (L2-normalised).

    Args:
        vocab: WordPiece vocabulary in id order.
        vectors: ``(len(vocab), dims)`` table (any float dtype; used as float64).
        common: Vector subtracted from every unit mean before the final normalisation.
    """

    def __init__(self, vocab: list[str], vectors: np.ndarray,
                 common: np.ndarray | None = None) -> None:
        if vectors.ndim != 2 or vectors.shape[0] != len(vocab):
            raise EmbeddingFileError(
                f"embedding table {vectors.shape} does not match {len(vocab)} tokens")
        self.tokenizer = WordPiece(vocab)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float64)
        self.dims = self.vectors.shape[1]
        self.common = (np.zeros(self.dims) if common is None
                       else np.asarray(common, dtype=np.float64).reshape(self.dims))
        self._cached = lru_cache(maxsize=8192)(self._embed)

    def _embed(self, text: str) -> np.ndarray:
        ids = self.tokenizer.encode(text)
        if not ids:
            return np.zeros(self.dims)
        v = self.vectors[ids].mean(axis=0)
        norm = float(np.sqrt(v @ v))
        if norm == 0:
            return v
        v = v / norm - self.common
        norm = float(np.sqrt(v @ v))
        return v / norm if norm > 0 else v

    def raw_unit(self, text: str) -> np.ndarray:
        """Return the unit mean vector of ``text`` before the common direction is removed."""
        ids = self.tokenizer.encode(text)
        v = self.vectors[ids].mean(axis=0) if ids else np.zeros(self.dims)
        norm = float(np.sqrt(v @ v))
        return v / norm if norm > 0 else v

    def embed(self, text: str) -> np.ndarray:
        """Return the unit-length mean vector of ``text`` (zeros for text with no tokens).

        The returned array is shared by a cache: do not modify it.
        """
        return self._cached(text)


def load_table() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Read the shipped vocabulary, vector table and common direction.

    Raises:
        EmbeddingFileError: If the file is missing or malformed.
    """
    try:
        with resources.files(EMBEDDINGS_PACKAGE).joinpath(EMBEDDINGS_NPZ).open("rb") as fh:
            arrays = np.load(fh)
            vocab = bytes(arrays["vocab"]).decode("utf-8").split("\n")
            return vocab, arrays["vectors"], arrays["common"]
    except FileNotFoundError as exc:
        raise EmbeddingFileError(
            f"the embedding table is missing ({exc.filename}); rebuild it with "
            "`python scripts/distill_embeddings.py`") from exc
    except (KeyError, ValueError, OSError) as exc:
        raise EmbeddingFileError(f"cannot read the shipped embedding table: {exc}") from exc


@lru_cache(maxsize=1)
def shipped_embedder() -> StaticEmbedder:
    """Return the embedder over the shipped table (cached)."""
    return StaticEmbedder(*load_table())
