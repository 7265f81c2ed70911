"""The analyzer's fine-tuned encoder: shipped files, onnxruntime parity, behaviour."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from simulator.analysis.base import Utterance
from simulator.analysis.offline.analyzer import OfflineAnalyzer
from simulator.analysis.offline.embedding import WordPiece
from simulator.analysis.offline.encoder import (
    ENCODER_PACKAGE,
    MAX_TOKENS,
    EncoderFileError,
    TurnEncoder,
    quantise_rows,
    shipped_encoder,
)
from simulator.analysis.offline.model import load_shipped_model
from simulator.analysis.offline.text import normalise


def _probs(speaker: str, text: str) -> dict[str, float]:
    enc = shipped_encoder()
    row = enc.probabilities([(speaker, normalise(text))])[0]
    return dict(zip(enc.labels, row.tolist(), strict=True))


def test_every_encoder_head_is_a_linear_head_it_is_averaged_with() -> None:
    heads = set(load_shipped_model().heads)
    labels = shipped_encoder().labels
    assert labels and set(labels) <= heads
    assert {"family:judgment", "family:openness", "family:repair",
            "family:rupture_marker"} <= set(labels)


def test_run_time_reproduces_the_build_and_keeps_torchs_decisions() -> None:
    """Text -> tokens -> int8 rows -> graph at run time gives what the build computed.

    ``probs``: the shipped graph's output at build time from the training pipeline's token
    vectors (same tokenizer, same table); ``torch``: the fine-tuned model before its matrix
    products were quantised to int8, which must change few decisions.
    """
    sample = json.loads(resources.files(ENCODER_PACKAGE).joinpath("encoder_parity.json")
                        .read_text(encoding="utf-8"))
    assert len(sample) >= 30
    enc = shipped_encoder()
    got = enc.probabilities([(r["speaker"], r["text"]) for r in sample])
    want = np.array([r["probs"] for r in sample])
    assert np.abs(got - want).max() < 1e-4
    torch = np.array([r.get("torch", r["probs"]) for r in sample])
    assert ((got > 0.5) == (torch > 0.5)).mean() >= 0.97
    assert np.abs(got - torch).mean() < 0.02


def test_weight_matrices_are_unsigned_so_every_cpu_computes_the_build() -> None:
    """The parity test above only fails on a CPU without VNNI; this catches it anywhere.

    onnxruntime's u8 x s8 kernel saturates int16 pair sums on AVX2-only CPUs (the shipped
    graph once gave probabilities 0.31 away from the build's there), so the build stores
    the int8 weights as uint8 (``scripts/train_encoder.py``, ``unsigned_weights``).
    """
    import onnx
    from onnx import numpy_helper

    graph = onnx.load_from_string(resources.files(ENCODER_PACKAGE).joinpath("encoder.onnx")
                                  .read_bytes())
    tensors = {t.name: t for t in graph.graph.initializer}
    weights = [numpy_helper.to_array(tensors[n.input[3]]) for n in graph.graph.node
               if n.op_type == "QLinearMatMul" and n.input[3] in tensors]
    assert len(weights) >= 6 * 3  # q, k, v, output and two feed-forward per layer
    assert {w.dtype for w in weights} == {np.dtype(np.uint8)}


def test_batches_give_the_same_probabilities_as_single_turns() -> None:
    enc = shipped_encoder()
    turns = [("therapist", normalise(t)) for t in (
        "you need to stop making excuses", "It sounds like the week wore you down.",
        "I'm sorry, I got that wrong earlier. Can you tell me how this is going for you?",
        "ok", "What would you like to talk about today?")]
    turns.append(("client", normalise("whatever. this is pointless")))
    batch = enc.probabilities(turns)
    single = np.vstack([enc.probabilities([t]) for t in turns])
    assert np.abs(batch - single).max() < 1e-5
    assert np.array_equal(batch, enc.probabilities(turns))  # deterministic


def test_unseen_wording_of_each_family_is_recognised() -> None:
    """Written for this test, not taken from the authored cases."""
    judging = _probs("therapist", "you are just being lazy about this")
    warm = _probs("therapist", "it sounds like you carried a lot of this on your own")
    assert judging["family:judgment"] > 0.5 > warm["family:judgment"]
    owning = _probs("therapist", "that was clumsy of me and I'm sorry, I rushed you")
    assert owning["family:repair"] > 0.5 > warm["family:repair"]
    pushback = _probs("client", "why do you even care, you're paid to sit there")
    sharing = _probs("client", "my sister called last night and we talked for an hour")
    assert pushback["family:rupture_marker"] > 0.5 > sharing["family:rupture_marker"]


def test_long_turns_are_cut_to_the_token_limit() -> None:
    enc = shipped_encoder()
    ids = enc.token_ids("word " * 500)
    assert len(ids) == MAX_TOKENS
    assert enc.probabilities([("therapist", "word " * 500)]).shape == (1, len(enc.labels))


def test_quantised_rows_stay_close_to_the_table() -> None:
    rng = np.random.default_rng(0)
    table = rng.normal(size=(50, 16)).astype(np.float32)
    table[3] = 0.0
    rows, scale = quantise_rows(table)
    assert rows.dtype == np.int8 and scale.shape == (50,)
    back = rows.astype(np.float32) * scale[:, None]
    assert np.abs(back - table).max() <= scale.max() / 2 + 1e-6
    assert not back[3].any()


def test_a_table_that_does_not_fit_the_vocabulary_is_refused() -> None:
    with pytest.raises(EncoderFileError, match="does not match"):
        TurnEncoder(None, np.zeros((3, 4), np.int8), np.ones(3, np.float32), ["x"],
                    WordPiece(["[CLS]", "[SEP]", "[UNK]", "extra"]))


def test_the_analyzer_runs_without_the_encoder_too() -> None:
    """The linear model alone still labels (what the benchmarks compare against)."""
    alone = OfflineAnalyzer(encoder=None)
    label = alone.label(Utterance("therapist", "I'm sorry, that was out of line."))
    assert "apologize" in label.codes


def test_out_of_fold_rows_are_looked_up_by_case_and_must_cover_every_case(tmp_path) -> None:
    from simulator.analysis.offline.corpus import AuthoredCase
    from simulator.analysis.offline.training import oof_encoder

    path = tmp_path / "oof.npz"
    np.savez(path, ids=np.array(["a1"]), probs=np.array([[0.25, 0.75]], np.float32),
             labels=np.array(["family:repair", "family:openness"]))
    known = AuthoredCase("a1", "therapist", "I'm sorry, I rushed you.", ("apologize",))
    enc = oof_encoder([known], path)
    assert enc.labels == ("family:repair", "family:openness")
    row = enc.probabilities([("therapist", known.turn_text().turn)])
    assert row.tolist() == [[0.25, 0.75]]
    new = AuthoredCase("b2", "client", "whatever", ("withdrawal",))
    with pytest.raises(ValueError, match="no row for 1 training cases.*train_encoder.py"):
        oof_encoder([known, new], path)


def test_shipped_graph_runs_gelu_as_one_fused_node() -> None:
    """Speed, not numbers: torch's ten-node tanh GELU costs 12% of the encoder's time.

    ``scripts/encoder_graph.py`` fuses it into ``FastGelu`` (same formula, bias included);
    the parity test above checks the numbers are still the build's.
    """
    import onnx

    graph = onnx.load_from_string(resources.files(ENCODER_PACKAGE).joinpath("encoder.onnx")
                                  .read_bytes())
    ops = [n.op_type for n in graph.graph.node]
    assert ops.count("FastGelu") == ops.count("QLinearMatMul") // 8  # one per layer
    assert "Tanh" not in ops
