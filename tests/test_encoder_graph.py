"""Rewrites of the exported encoder graph (scripts/encoder_graph.py) keep its numbers."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from encoder_graph import fuse_gelu, unsigned_weights  # noqa: E402

RNG = np.random.default_rng(7)


def _const(name: str, value: float) -> Any:
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(
        np.array(value, np.float32), name))


def _gelu_graph(cube_coefficient: float = 0.044715) -> Any:
    """``gelu(x @ W + b) + x @ W2`` laid out the way torch exports tanh GELU (opset 17)."""
    w = numpy_helper.from_array(RNG.normal(size=(4, 8)).astype(np.float32), "W")
    b = numpy_helper.from_array(RNG.normal(size=8).astype(np.float32), "b")
    w2 = numpy_helper.from_array(RNG.normal(size=(4, 8)).astype(np.float32), "W2")
    nodes = [
        _const("c_half", 0.5), _const("c_one", 1.0), _const("c_cube", cube_coefficient),
        _const("c_root", math.sqrt(2 / math.pi)),
        helper.make_node("MatMul", ["X", "W"], ["mm"]),
        helper.make_node("Add", ["b", "mm"], ["x"]),
        helper.make_node("Mul", ["x", "x"], ["sq"]),
        helper.make_node("Mul", ["x", "sq"], ["cu"]),
        helper.make_node("Mul", ["c_cube", "cu"], ["cu_s"]),
        helper.make_node("Add", ["x", "cu_s"], ["inner"]),
        helper.make_node("Mul", ["c_root", "inner"], ["arg"]),
        helper.make_node("Tanh", ["arg"], ["th"]),
        helper.make_node("Add", ["c_one", "th"], ["onep"]),
        helper.make_node("Mul", ["x", "onep"], ["xt"]),
        helper.make_node("Mul", ["c_half", "xt"], ["gelu"]),
        helper.make_node("MatMul", ["X", "W2"], ["side"]),
        helper.make_node("Add", ["gelu", "side"], ["Y"]),
    ]
    graph = helper.make_graph(
        nodes, "gelu", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 8])], [w, b, w2])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run(model: Any, feeds: dict[str, np.ndarray]) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


def test_fused_gelu_computes_what_the_exported_nodes_did() -> None:
    model = _gelu_graph()
    x = {"X": RNG.normal(scale=2.0, size=(32, 4)).astype(np.float32)}
    before = _run(model, x)
    assert fuse_gelu(model) == 1
    onnx.checker.check_model(model)
    ops = [n.op_type for n in model.graph.node]
    assert "FastGelu" in ops and "Tanh" not in ops and "Constant" not in ops
    np.testing.assert_allclose(_run(model, x), before, rtol=1e-5, atol=1e-5)
    assert fuse_gelu(model) == 0  # nothing left to fuse


def test_a_look_alike_that_is_not_gelu_is_left_alone() -> None:
    model = _gelu_graph(cube_coefficient=0.05)
    assert fuse_gelu(model) == 0
    assert "Tanh" in [n.op_type for n in model.graph.node]


def test_unsigned_weights_give_the_same_integers() -> None:
    """s8 weights with zero point 0 -> u8 with zero point 128: the same products."""
    w = RNG.integers(-127, 128, size=(16, 8)).astype(np.int8)
    inits = [numpy_helper.from_array(np.array(0.05, np.float32), "a_s"),
             numpy_helper.from_array(np.array(100, np.uint8), "a_z"),
             numpy_helper.from_array(w, "w"),
             numpy_helper.from_array(np.full(8, 0.01, np.float32), "w_s"),
             numpy_helper.from_array(np.zeros(8, np.int8), "w_z"),
             numpy_helper.from_array(np.array(0.5, np.float32), "y_s"),
             numpy_helper.from_array(np.array(128, np.uint8), "y_z")]
    node = helper.make_node("QLinearMatMul", ["A", "a_s", "a_z", "w", "w_s", "w_z", "y_s", "y_z"],
                            ["Y"])
    model = helper.make_model(helper.make_graph(
        [node], "q", [helper.make_tensor_value_info("A", TensorProto.UINT8, [None, 16])],
        [helper.make_tensor_value_info("Y", TensorProto.UINT8, [None, 8])], inits),
        opset_imports=[helper.make_opsetid("", 17)])
    # Small activations, so the signed kernel cannot saturate and gives the exact answer.
    a = {"A": RNG.integers(90, 111, size=(5, 16)).astype(np.uint8)}
    before = _run(model, a)
    assert unsigned_weights(model) == 1
    assert numpy_helper.to_array(model.graph.initializer[2]).dtype == np.uint8
    np.testing.assert_array_equal(_run(model, a), before)
    assert unsigned_weights(model) == 0
