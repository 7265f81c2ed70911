"""Start-up and typing-responsiveness benchmark for the trainee app (issue 5, item 8).

1. Cold start: the real ``python -m simulator`` process is started in a
   pseudo-terminal (so Textual uses its real Linux driver) with
   ``SIMULATOR_TUI_EXIT_ON_READY`` set; the app writes a marker file with the
   wall-clock times at which the home screen became ready and complete, then
   exits. We time spawn -> ready
   (time to interactive: the scenario table is drawn and takes keys), spawn ->
   complete (the interrupted-sessions list, which opens the SQLite store, has
   loaded too) and spawn -> exit, N times, and report median and p90.
   Target: median time to interactive <= 1.5 s.
2. Typing while a reply streams: in a headless Pilot run, a client engine
   streams a long reply at 100 tokens/s while keys are typed into the message
   input; we measure key press -> ``Input.value`` updated. Target: p90 <= 50 ms.

Run: ``python -m bench startup`` (or ``python bench/startup.py``).
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
STARTUP_TARGET_S = 1.5
TYPING_TARGET_MS = 50.0
MIN_KEYS = 20


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _one_start(env: dict[str, str], marker: Path) -> tuple[float, float, float]:
    """Start the app once in a pty.

    Returns:
        Seconds from spawn to the interactive home screen, to the complete home screen
        (interrupted sessions listed), and to process exit.
    """
    marker.unlink(missing_ok=True)
    leader, follower = pty.openpty()
    start_wall = time.time()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator"],
        stdin=follower, stdout=follower, stderr=follower, env=env, cwd=REPO, close_fds=True,
    )
    os.close(follower)
    deadline = start + 30
    # Drain the terminal so the app never blocks on a full pty buffer.
    while proc.poll() is None and time.perf_counter() < deadline:
        readable, _, _ = select.select([leader], [], [], 0.005)
        if readable:
            try:
                os.read(leader, 65536)
            except OSError:
                break
    proc.wait(timeout=10)
    ended = time.perf_counter()
    os.close(leader)
    if proc.returncode != 0 or not marker.exists():
        raise RuntimeError(f"app did not reach the home screen (exit code {proc.returncode})")
    info = json.loads(marker.read_text())
    if info.get("screen") != "HomeScreen" or not info.get("scenarios") or not info["ready_at"]:
        raise RuntimeError(f"app was not on an interactive home screen: {info}")
    return info["ready_at"] - start_wall, info["complete_at"] - start_wall, ended - start


def bench_startup(runs: int = 7) -> dict[str, Any]:
    """Time ``runs`` cold starts of the real app (after one warm-up for the OS file cache)."""
    with tempfile.TemporaryDirectory() as tmp:
        marker = Path(tmp) / "ready.json"
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="100", LINES="30",
                   SIMULATOR_DATA_DIR=str(Path(tmp) / "data"),
                   SIMULATOR_CONFIG=str(Path(tmp) / "config.toml"),
                   SIMULATOR_TUI_EXIT_ON_READY=str(marker))
        env.pop("SIMULATOR_ENGINE", None)
        _one_start(env, marker)  # warm-up: .pyc files and the OS cache, as on a second launch
        ready, complete, total = zip(*(_one_start(env, marker) for _ in range(runs)), strict=True)
    return {
        "runs": runs,
        "ready_median_s": round(statistics.median(ready), 3),
        "ready_p90_s": round(_quantile(list(ready), 0.9), 3),
        "complete_median_s": round(statistics.median(complete), 3),
        "exit_median_s": round(statistics.median(total), 3),
        "target_s": STARTUP_TARGET_S,
        "ok": statistics.median(ready) <= STARTUP_TARGET_S,
    }


class PacedEngine:
    """A client engine that streams a long reply at a fixed token rate (bench only)."""

    name = "paced"
    model = "100 tokens/s"

    def __init__(self, tokens_per_second: float = 100.0, tokens: int = 2000) -> None:
        self.interval = 1.0 / tokens_per_second
        self.tokens = tokens

    async def stream(self, ctx: Any) -> AsyncIterator[str]:
        for i in range(self.tokens):
            await asyncio.sleep(self.interval)
            yield f"word{i % 50} " if i % 12 else f"word{i % 50}.\n\n"


async def _typing_latency(keys: int) -> dict[str, Any]:
    from textual.widgets import Input

    from simulator.config import load_settings
    from simulator.tui.app import SimulatorApp
    from simulator.tui.screens.session import SessionScreen

    engine = PacedEngine()
    app = SimulatorApp(settings=load_settings(engine="scripted"), engine=engine)
    first = app.scenarios_in_order()[0].id
    latencies: list[float] = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.start_session(first)
        for _ in range(200):
            await pilot.pause(0.05)
            if isinstance(app.screen, SessionScreen):
                break
        screen = app.screen
        assert isinstance(screen, SessionScreen), "session screen did not open"
        box = screen.query_one("#message", Input)
        await pilot.press(*"Hello")
        await pilot.press("enter")
        await pilot.pause(0.3)  # the reply is now streaming
        assert screen.replying, "the client reply was not streaming"
        for i in range(keys):
            if not screen.replying:
                break  # only key presses made during the stream count
            before = box.value
            t0 = time.perf_counter()
            task = asyncio.create_task(pilot.press("abcdefghij"[i % 10]))
            while box.value == before:
                await asyncio.sleep(0.0005)
                if time.perf_counter() - t0 > 5:
                    raise RuntimeError("a key press never reached the input")
            latencies.append((time.perf_counter() - t0) * 1000)
            await task
            await asyncio.sleep(0.02)
    return {
        "keys": len(latencies),
        "stream_rate_tokens_per_s": 100,
        "latency_median_ms": round(statistics.median(latencies), 2),
        "latency_p90_ms": round(_quantile(latencies, 0.9), 2),
        "latency_max_ms": round(max(latencies), 2),
        "target_p90_ms": TYPING_TARGET_MS,
        # Every measured key was pressed while the reply was still streaming.
        "ok": _quantile(latencies, 0.9) <= TYPING_TARGET_MS and len(latencies) >= MIN_KEYS,
    }


def bench_typing(keys: int = 40) -> dict[str, Any]:
    """Key-to-input latency while a reply streams at 100 tokens/s."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SIMULATOR_DATA_DIR"] = str(Path(tmp) / "data")
        return asyncio.run(_typing_latency(keys))


def run() -> dict[str, Any]:
    """Both measurements, as one JSON-able dict."""
    load = [round(x, 2) for x in os.getloadavg()]
    return {"load_average_1_5_15": load, "startup": bench_startup(), "typing": bench_typing()}


def main() -> int:
    result = run()
    print(json.dumps(result, indent=2))
    return 0 if result["startup"]["ok"] and result["typing"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
