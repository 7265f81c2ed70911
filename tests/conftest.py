"""Shared fixtures. Every test runs isolated from the user's config, data and content."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolate_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point config, data and per-user content at a temporary folder; drop API settings."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SIMULATOR_CONFIG", str(tmp_path / "config.toml"))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SIMULATOR_ENGINE", "SIMULATOR_MODEL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def repo() -> Path:
    """The repository root (holds personas/, scenarios/, rubrics/)."""
    return REPO
