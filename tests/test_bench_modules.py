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


def test_label_agreement_prints_every_family_for_every_set() -> None:
    out = subprocess.run([sys.executable, "-m", "bench", "label_agreement"], cwd=REPO,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert "authored training sample: 270 cases" in out and "\nblind set: 498 cases" in out
    assert "fourth blind set: 641 cases" in out and "sixth blind set: 611 cases" in out
    for family in ("judgment", "openness", "repair", "rupture_marker"):
        assert out.count(f"  {family} ") == 4, out


def test_f1_interval_brackets_the_figure_and_narrows_with_more_cases() -> None:
    from bench.analyzer_codes import f1_interval

    assert f1_interval([(True, True), (False, False)] * 50) == (1.0, 1.0)
    # 90 hits, 10 misses, 10 false alarms, 90 clean: F1 0.9 on 200 cases.
    few = [(True, True)] * 90 + [(True, False)] * 10 + [(False, True)] * 10 + [(False, False)] * 90
    lo, hi = f1_interval(few)
    assert lo < 0.9 < hi and hi - lo > 0.05
    assert f1_interval(few) == (lo, hi)  # seeded
    lo10, hi10 = f1_interval(few * 10)
    assert lo < lo10 < 0.9 < hi10 < hi
