"""The real executable: CLI errors, ``simulator serve`` over HTTP, and a tmux smoke test."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CONTENT
from typer.testing import CliRunner

from simulator.cli.app import app as cli

REPO = Path(__file__).resolve().parents[2]
SIMULATOR = Path(sys.executable).parent / "simulator"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_practice_unknown_scenario_suggests(monkeypatch) -> None:
    import simulator.cli  # noqa: F401  (registers the commands)

    result = CliRunner().invoke(cli, ["practice", "sam-practise", "--content", str(CONTENT)])
    assert result.exit_code == 2
    assert "sam-practice" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--engine", "bogus"], "unknown engine 'bogus'"),
        (["--content", "/no/such/folder"], "not a folder"),
        (["practice", "x", "--engine", "nope"], "unknown engine 'nope'"),
    ],
)
def test_bad_flags_are_clear_errors(args: list[str], expected: str) -> None:
    import simulator.cli  # noqa: F401

    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert expected in result.output and "Traceback" not in result.output


def test_broken_content_is_reported_with_file_and_line(tmp_path: Path) -> None:
    import simulator.cli  # noqa: F401

    bad = tmp_path / "content" / "scenarios"
    bad.mkdir(parents=True)
    (bad / "broken.yaml").write_text("id: broken\ntitle: Broken\npersona: nobody\n")
    result = CliRunner().invoke(cli, ["--content", str(tmp_path / "content")])
    assert result.exit_code == 2
    assert "broken.yaml" in result.output and "Traceback" not in result.output


def test_cli_import_does_not_load_textual() -> None:
    code = "import sys, simulator.cli; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_serve_answers_http(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [str(SIMULATOR), "serve", "--port", str(port), "--public-url", f"http://localhost:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                    status, body = resp.status, resp.read().decode()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read().decode() if proc.stdout else ""
                    raise AssertionError(f"serve did not answer: {output}") from None
                time.sleep(0.2)
        assert status == 200
        assert "Trust simulator" in body  # the page textual-serve renders for our app
        assert f"ws://localhost:{port}/ws" in body  # browsers connect where --public-url says
        # Connect as the browser page does: the served app draws its home screen.
        screen = asyncio.run(_browser_screen(f"http://127.0.0.1:{port}/ws?width=100&height=30"))
        assert b"Scenarios" in screen
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def _browser_screen(url: str, timeout: float = 20.0) -> bytes:
    """What the app sends over textual-serve's websocket until the home screen shows."""
    import aiohttp

    received = b""
    async with aiohttp.ClientSession() as client, client.ws_connect(url) as ws:
        deadline = time.monotonic() + timeout
        while b"Scenarios" not in received and time.monotonic() < deadline:
            try:
                message = await ws.receive(timeout=1)
            except TimeoutError:
                continue
            if message.type == aiohttp.WSMsgType.BINARY:
                received += message.data
            elif message.type != aiohttp.WSMsgType.TEXT:
                break
    return received


# --------------------------------------------------------------------------- tmux


class Tmux:
    """A private tmux server (its own socket) running one session."""

    def __init__(self, name: str) -> None:
        self.socket = name

    def run(self, *args: str) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                                text=True, check=True)
        return result.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "sim")

    def wait_for(self, predicate, timeout: float = 20.0) -> str:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if predicate(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; the screen shows:\n{screen}")
            time.sleep(0.2)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (apt-get install tmux)")
def test_tmux_smoke_real_executable(tmp_path: Path) -> None:
    from simulator.store import SessionStore

    tmux = Tmux(f"simtest-{os.getpid()}")
    env = {k: os.environ[k] for k in ("HOME", "SIMULATOR_DATA_DIR", "SIMULATOR_CONFIG",
                                      "XDG_CONFIG_HOME", "XDG_DATA_HOME")}
    env |= {"SIMULATOR_STREAM_DELAY": "0.01", "TERM": "xterm-256color"}
    command = f"{SIMULATOR} --content {CONTENT}"
    tmux.run("new-session", "-d", "-s", "sim", "-x", "100", "-y", "30",
             *[a for k, v in env.items() for a in ("-e", f"{k}={v}")], command)
    try:
        tmux.wait_for(lambda s: "Scenarios" in s and "Details" in s)
        tmux.run("send-keys", "-t", "sim", "Enter")
        tmux.wait_for(lambda s: "Type your reply" in s and "turn 0/" in s)
        tmux.run("send-keys", "-t", "sim", "It sounds like coming here was not easy.", "Enter")
        screen = tmux.wait_for(lambda s: "turn 1/" in s)
        assert "It sounds like coming here was not easy." in screen
        # The client's reply, as stored by the real engine, is what the terminal shows.
        store = SessionStore(Path(env["SIMULATOR_DATA_DIR"]) / "simulator.sqlite3")
        (summary,) = store.list_sessions()
        reply = store.load(summary.id).turns[-1]["text"]
        first_words = " ".join(reply.split()[:3])
        tmux.wait_for(lambda s: first_words in " ".join(s.split()))
        tmux.run("send-keys", "-t", "sim", "F8")
        tmux.wait_for(lambda s: "Session over" in s)
        tmux.run("send-keys", "-t", "sim", "C-q")
        deadline = time.monotonic() + 10
        # When the app quits, its tmux session (and the private server) goes away.
        while subprocess.run(["tmux", "-L", tmux.socket, "has-session", "-t", "sim"],
                             capture_output=True).returncode == 0:
            assert time.monotonic() < deadline, "the app did not quit"
            time.sleep(0.2)
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True)
