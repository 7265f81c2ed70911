"""Static embeddings: BERT-compatible WordPiece, the shipped table, and the dense feature block."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from simulator.analysis.offline.embedding import (
    StaticEmbedder,
    WordPiece,
    basic_tokens,
    load_table,
    shipped_embedder,
)
from simulator.analysis.offline.features import DenseBlock, Featuriser, turn_text
from simulator.analysis.offline.model import Head, LinearModel, load_model_files, save_model


def test_basic_tokens_lowercase_strip_accents_and_split_punctuation() -> None:
    assert basic_tokens("Héllo, WORLD!  I don't\tknow...") == [
        "hello", ",", "world", "!", "i", "don", "'", "t", "know", ".", ".", "."]
    assert basic_tokens("\x00 \u200b ") == []


def test_the_ascii_fast_path_splits_exactly_as_the_reference_loop() -> None:
    from simulator.analysis.offline.corpus import load_authored
    from simulator.analysis.offline.embedding import _unicode_basic_tokens

    rng = random.Random(7)
    alphabet = [chr(i) for i in range(128)]
    texts = [k.text for k in load_authored()]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
              for _ in range(3000)]
    texts += ["a\x0bb c\x1fd\te\r\nf\x7fg", "DON'T... i'm 100% sure!!", "", "  \t "]
    ascii_texts = [t for t in texts if t.isascii()]
    assert len(ascii_texts) > 10_000
    for text in ascii_texts:
        assert basic_tokens(text) == _unicode_basic_tokens(text), repr(text)


def test_wordpiece_is_greedy_longest_match_first() -> None:
    wp = WordPiece(["[UNK]", "un", "##aff", "##able", "##a", "aff"])
    assert wp.word_ids("unaffable") == [1, 2, 3]
    # No piece covers "x": the whole word becomes [UNK], as in BERT.
    assert wp.word_ids("unx") == [0]
    assert wp.encode("UNAFFABLE unx") == [1, 2, 3, 0]


def test_shipped_vocabulary_splits_as_bert_uncased() -> None:
    vocab, vectors, common = load_table()
    assert len(vocab) == vectors.shape[0] == 30522
    assert common.shape == (vectors.shape[1],)
    wp = WordPiece(vocab)
    assert [vocab[i] for i in wp.encode("Embeddings don't")] == [
        "em", "##bed", "##ding", "##s", "don", "'", "t"]


def test_similar_meanings_are_closer_than_unrelated_texts() -> None:
    emb = shipped_embedder()
    sad = emb.embed("i feel so sad and lonely these days")
    assert float(np.linalg.norm(sad)) == pytest.approx(1.0)
    # Static vectors are far weaker than the transformer (0.19 against 0.08 here), but the
    # ordering must hold: a paraphrase with no shared content word beats an unrelated text.
    near = float(sad @ emb.embed("it sounds like you are feeling isolated and low"))
    far = float(sad @ emb.embed("the invoice is due on tuesday at noon"))
    assert near > far + 0.05


def test_empty_text_embeds_to_zeros_and_common_direction_is_removed() -> None:
    emb = StaticEmbedder(["[UNK]", "a", "b"], np.array([[0, 0], [1, 0], [0, 1.0]]))
    assert not emb.embed("").any()
    assert emb.embed("a a").tolist() == pytest.approx([1.0, 0.0])
    shifted = StaticEmbedder(["[UNK]", "a", "b"], np.array([[0, 0], [1, 0], [0, 1.0]]),
                             common=np.array([2 ** -0.5, 0.0]))
    assert shifted.embed("a b").tolist() == pytest.approx([0.0, 1.0])


def test_dense_block_columns_and_model_round_trip(tmp_path: Path) -> None:
    block = DenseBlock(dims=shipped_embedder().dims, weight=2.0, prev_weight=0.5,
                       cos_weight=1.0)
    dims = block.dims
    tts = [turn_text("So you feel nobody sees you.", "Nobody notices what I do."),
           turn_text("What brings you here?"), turn_text("I'm fine, really.")]
    fz = Featuriser.fit(tts * 3, dense=block)
    assert fz.n_features == fz.n_cues + 2 * dims + 1 + len(fz.vocab)
    row = fz.transform_one(tts[0])
    turn = np.array([row.get(fz.n_cues + i, 0.0) for i in range(dims)])
    assert float(np.linalg.norm(turn)) == pytest.approx(2.0)
    cos = row[fz.n_cues + 2 * dims]
    assert 0.0 < cos < 1.0
    assert max(row) < fz.n_features
    weights = np.arange(fz.n_features * 2, dtype=np.float32).reshape(-1, 2) / 1000
    model = LinearModel(fz, weights, np.zeros(2), {"h": Head("h", "softmax", 0, ("a", "b"))})
    save_model(model, tmp_path)
    import json

    doc = json.loads((tmp_path / "model.json").read_text())
    assert doc["dense"] == block.to_dict()
    again = load_model_files(tmp_path / "model.npz", doc)
    assert again.featuriser.dense == block
    assert np.allclose(again.logits(tts[0]), model.logits(tts[0]))
