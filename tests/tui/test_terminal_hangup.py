"""Closing the terminal ends the app instead of leaving an orphan spinning on a dead tty."""
from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _drain(fd: int, seconds: float) -> bytes:
    """Read what the app paints for ``seconds`` (so it never blocks on a full pty)."""
    out = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out


def test_the_app_quits_when_its_terminal_is_closed(tmp_path: Path) -> None:
    # Run it the way `make run` does: as the child of another process, in a terminal that is
    # not its controlling one, so no SIGHUP reaches it when the terminal goes away.
    env = {**os.environ, "SIMULATOR_DATA_DIR": str(tmp_path), "TERM": "xterm-256color"}
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        ["sh", "-c", f'"{sys.executable}" -m simulator; echo "exit $?" > "{tmp_path}/code"'],
        stdin=follower, stdout=follower, stderr=follower, env=env, cwd=REPO,
        close_fds=True, start_new_session=True,
    )
    os.close(follower)
    try:
        painted = b""
        deadline = time.monotonic() + 60
        while b"Scenarios" not in painted and time.monotonic() < deadline:
            painted += _drain(leader, 0.5)
        assert b"Scenarios" in painted, "the home screen never appeared"
        os.close(leader)  # the terminal window closes
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait()
    assert (tmp_path / "code").read_text().strip() == "exit 129"
