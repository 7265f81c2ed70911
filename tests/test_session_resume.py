"""Nothing is lost if the process dies: kill a real practice session, then resume it.

``simulator practice-plain`` runs in a subprocess fed through a pipe; it is killed
with SIGKILL while the client is still replying to turn N+1. Every one of the N
completed turns must be in the store, and the session must carry on from there.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from simulator.clients.scripted import ScriptedEngine
from simulator.content.library import load_library
from simulator.session import Session
from simulator.store import SessionStore

LINES = [
    "It sounds like coming here wasn't entirely your idea.",
    "That makes sense. It takes something to show up when you have doubts.",
    "What feels most important for you to talk about today?",
    "You're carrying a lot, and you've been handling it on your own.",
]


class Plain:
    """A ``practice-plain`` subprocess and what it has printed so far."""

    def __init__(self, *args: str, delay: str = "0") -> None:
        env = {**os.environ, "SIMULATOR_STREAM_DELAY": delay, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "simulator", "practice-plain", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.out = b""

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def wait_for(self, marker: str, timeout: float = 60, count: int = 1) -> str:
        return self.wait_until(lambda out: out.count(marker) >= count, timeout)

    def wait_until(self, done: Callable[[str], bool], timeout: float = 60) -> str:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while not done(self.out.decode(errors="replace")):
            left = deadline - time.monotonic()
            assert left > 0, f"timed out; got:\n{self.out.decode()}"
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 4096)
                assert chunk, f"process ended early:\n{self.out.decode()}"
                self.out += chunk
        return self.out.decode()


def test_kill_mid_reply_keeps_completed_turns_and_resumes() -> None:
    plain = Plain("dale-first-session", delay="0.3")
    try:
        banner = plain.wait_for("> ")
        session_id = banner.split()[1].rstrip(":")
        for n, line in enumerate(LINES[:3], start=1):
            plain.send(line)
            plain.wait_for(f"[turn {n} saved")
        plain.send(LINES[3])
        # The fourth reply streams a word every 0.3 s: kill the process in the middle of it,
        # once its first word is out (the opening line and turns 1-3 printed the name before).
        plain.wait_for("Dale Kowalski: ", count=5)
        plain.wait_until(lambda out: not out.endswith("Dale Kowalski: "))
        os.kill(plain.proc.pid, signal.SIGKILL)
        plain.proc.wait(timeout=10)
    finally:
        if plain.proc.poll() is None:
            plain.proc.kill()
    assert plain.proc.returncode == -signal.SIGKILL
    partial = plain.out.decode().rsplit("Dale Kowalski: ", 1)[1]
    assert partial.strip() and "[turn 4 saved" not in partial  # killed mid-reply

    store = SessionStore()
    stored = store.load(session_id)
    assert not stored.finished
    trainee = [t["text"] for t in stored.turns if t["speaker"] == "trainee"]
    assert trainee == LINES[:3]
    assert len(stored.turns) == 7 and stored.history[0] == 20 and len(stored.history) == 4
    assert [s.id for s in store.list_unfinished()] == [session_id]

    library = load_library()
    session = Session.resume(session_id, library=library, engine=ScriptedEngine(), store=store)
    assert session.trainee_turns == 3
    assert [t.text for t in session.turns if t.speaker == "trainee"] == LINES[:3]
    assert session.trust.value == stored.trust == session.turns[-1].trust

    # And the plain front end carries on from turn 4.
    again = Plain("--resume", session_id)
    try:
        again.wait_for("> ")
        again.send(LINES[3])
        again.wait_for("[turn 4 saved")
        again.send("/quit")
        assert again.proc.wait(timeout=30) == 0
    finally:
        if again.proc.poll() is None:
            again.proc.kill()
    stored = store.load(session_id)
    assert [t["text"] for t in stored.turns if t["speaker"] == "trainee"] == LINES


def test_resume_of_unknown_session_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "practice-plain", "--resume", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: no stored session 'nope'"


def test_a_resumed_session_says_exactly_what_an_uninterrupted_one_would(tmp_path: Path) -> None:
    """Pool state (lines used, the any-pool fallback, layer order) survives the store.

    A judgmental trainee exhausts the judgment pool by mid-session, so the second half is
    drawn from the state's ``any`` pool: a resume that lost the draw state would repeat lines
    or pick different ones.
    """
    library = load_library()
    trainee = [
        line.strip()
        for line in (Path(__file__).parent / "trainees" / "judgmental.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    async def play(session: Session, lines: list[str]) -> None:
        for line in lines:
            async for _ in session.respond(line):
                pass

    whole = Session.start("rosa-first-session", library=library, engine=ScriptedEngine(), seed=5)
    asyncio.run(play(whole, trainee))

    store = SessionStore(tmp_path / "sessions.sqlite3")
    first = Session.start(
        "rosa-first-session", library=library, engine=ScriptedEngine(), store=store, seed=5
    )
    asyncio.run(play(first, trainee[:11]))
    resumed = Session.resume(first.id, library=library, engine=ScriptedEngine(), store=store)
    asyncio.run(play(resumed, trainee[11:]))

    assert [t.text for t in resumed.turns] == [t.text for t in whole.turns]
    client = [t.text for t in resumed.turns[1:] if t.speaker == "client"]
    assert len(client) == 20 and len(set(client)) == 20
