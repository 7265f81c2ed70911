"""Run benchmarks: ``python -m bench`` runs all, ``python -m bench NAME ...`` a selection.

A NAME selects every module in ``bench/`` whose name equals it or starts with
``NAME_`` (``analyzer`` runs ``analyzer_annomi``, ``analyzer_codes``, ...).
Each module must define ``main()`` returning a process exit code; the
dispatcher runs them in name order and exits non-zero if any failed.
``python -m bench --list`` shows what exists. Add a benchmark by adding a module.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def available() -> list[str]:
    """Return the benchmark module names found in ``bench/``, sorted."""
    return sorted(p.stem for p in BENCH_DIR.glob("*.py") if not p.stem.startswith("_"))


def select(names: list[str]) -> list[str]:
    """Return the modules matching ``names`` (all when empty); raise on an unknown name."""
    mods = available()
    if not names:
        return mods
    chosen: list[str] = []
    for name in names:
        hits = [m for m in mods if m == name or m.startswith(f"{name}_")]
        if not hits:
            raise SystemExit(f"unknown benchmark {name!r}; available: {', '.join(mods)}")
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks; return the worst exit code."""
    args = sys.argv[1:] if argv is None else argv
    if args in (["--list"], ["-l"]):
        print("\n".join(available()))
        return 0
    worst = 0
    for name in select(args):
        print(f"== bench {name} ==", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        saved, sys.argv = sys.argv, [str(BENCH_DIR / f"{name}.py")]  # main() may parse argv
        try:
            code = int(module.main() or 0)
        finally:
            sys.argv = saved
        print(f"== {name}: exit {code}, {time.perf_counter() - started:.1f} s ==\n", flush=True)
        worst = max(worst, code)
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
