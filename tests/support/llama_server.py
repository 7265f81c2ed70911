"""A real llama.cpp OpenAI-compatible server with the SmolLM2 model, for end-to-end tests.

The ``llama_server`` fixture is session-scoped: one server process serves every
test that asks for it, and is stopped at the end. When llama-cpp-python or the
model is missing the fixture FAILS with instructions (CI must prove these
paths), it never skips.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ALIAS = "smollm2"
STARTUP_TIMEOUT = 90.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def model_path() -> Path:
    """The SmolLM2 GGUF, or a test failure that says how to get it."""
    from simulator.clients.base import ClientEngineError
    from simulator.clients.local import default_model_path

    if importlib.util.find_spec("llama_cpp") is None:
        pytest.fail("llama-cpp-python is not installed: the llama tests need the `local` extra "
                    "(`pip install -e '.[test,local]'`, which `make test` does).")
    try:
        return default_model_path()
    except ClientEngineError as exc:
        pytest.fail(str(exc))


def _ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``python -m llama_cpp.server`` on a free port; yield its ``/v1`` base URL."""
    path = model_path()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(path),
               "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(port),
               "--n_ctx", "2048", "--n_threads", "2"]
    # Passive OpenMP waiting: spinning threads crawl on a busy 2-core machine.
    env = {"OMP_WAIT_POLICY": "PASSIVE", **os.environ, "PYTHONUNBUFFERED": "1"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not _ready(base_url):
                if process.poll() is not None or time.monotonic() > deadline:
                    output = log_path.read_text(errors="replace")[-3000:]
                    pytest.fail(f"llama.cpp server did not start ({' '.join(command)}):\n{output}")
                time.sleep(0.2)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
