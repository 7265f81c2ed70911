"""The benchmarks stay runnable: every module imports, and the fast ones run for real."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MODULES = sorted(p.stem for p in (REPO / "bench").glob("*.py") if not p.stem.startswith("_"))


@pytest.mark.parametrize("name", MODULES)
def test_every_benchmark_imports_and_has_a_main(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    assert callable(module.main)


def test_label_agreement_prints_every_family_for_both_sets() -> None:
    out = subprocess.run([sys.executable, "-m", "bench", "label_agreement"], cwd=REPO,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert "authored training sample: 270 cases" in out and "blind set: 498 cases" in out
    for family in ("judgment", "openness", "repair", "rupture_marker"):
        assert out.count(f"  {family} ") == 2, out
