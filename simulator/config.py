"""Engine configuration shared by every front end.

Precedence, highest first: command-line flags, environment variables,
the config file, built-in defaults. The config file is TOML at
``$SIMULATOR_CONFIG`` or ``<user config dir>/simulator/config.toml``::

    [engine]
    name = "openai"              # scripted | openai | local
    model = "gpt-4o-mini"
    base_url = "http://127.0.0.1:8000/v1"
    timeout = 60
    max_retries = 3
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir

APP = "simulator"


class ConfigError(ValueError):
    """The config file is unreadable or holds a wrong value."""


@dataclass(frozen=True)
class EngineSettings:
    """Which client engine to use and how to reach it."""

    engine: str = "scripted"
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    timeout: float = 60.0
    max_retries: int = 3
    temperature: float = 0.7
    max_tokens: int = 300
    seed: int = 0
    #: Path to a GGUF file for the ``local`` engine (default: the SmolLM2 model).
    model_path: str | None = None


def config_path() -> Path:
    """Where the config file is read from."""
    env = os.environ.get("SIMULATOR_CONFIG")
    return Path(env) if env else Path(user_config_dir(APP)) / "config.toml"


def data_dir() -> Path:
    """Where sessions and results are stored (``$SIMULATOR_DATA_DIR`` overrides)."""
    env = os.environ.get("SIMULATOR_DATA_DIR")
    path = Path(env) if env else Path(user_data_dir(APP))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _from_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    section = data.get("engine", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [engine] must be a table")
    known = {f.name for f in fields(EngineSettings)}
    mapped = {("engine" if k == "name" else k): v for k, v in section.items()}
    unknown = sorted(set(mapped) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) in [engine]: {', '.join(unknown)}")
    return mapped


def _from_env() -> dict[str, Any]:
    env = os.environ
    out: dict[str, Any] = {}
    for var, key in (
        ("SIMULATOR_ENGINE", "engine"),
        ("SIMULATOR_MODEL", "model"),
        ("OPENAI_BASE_URL", "base_url"),
        ("OPENAI_API_KEY", "api_key"),
    ):
        if env.get(var):
            out[key] = env[var]
    return out


def load_settings(**overrides: Any) -> EngineSettings:
    """Merge file, environment and ``overrides`` (flags; ``None`` values are ignored)."""
    merged: dict[str, Any] = {}
    merged.update(_from_file(config_path()))
    merged.update(_from_env())
    merged.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return replace(EngineSettings(), **merged)
    except TypeError as exc:
        raise ConfigError(str(exc)) from exc
