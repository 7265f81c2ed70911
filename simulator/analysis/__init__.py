"""Turn analysis: the behaviour-code vocabulary, the analyzer interface and its backends.

Use :func:`get_analyzer` to obtain a backend by name; instances are cached,
so every caller shares one loaded model.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache

from simulator.analysis.base import Analyzer, TurnLabel, Utterance

#: Backend name -> "module:factory". The factory takes no arguments and returns an
#: :class:`Analyzer`. Backends are imported only when asked for (the judge pulls in
#: langchain); add a backend with one line here.
ANALYZERS: dict[str, str] = {
    "offline": "simulator.analysis.offline:OfflineAnalyzer",
    "judge": "simulator.analysis.judge:create_judge",
}


class UnknownAnalyzerError(KeyError):
    """No analyzer backend has that name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown analyzer"


def get_analyzer(name: str = "offline") -> Analyzer:
    """Return the (cached) analyzer backend called ``name``.

    Every call with the same name returns the same instance, so the model is
    loaded once per process.

    Args:
        name: A key of :data:`ANALYZERS`, e.g. ``"offline"``.

    Raises:
        UnknownAnalyzerError: If no backend has that name (message lists the known ones).
    """
    if name not in ANALYZERS:
        known = ", ".join(sorted(ANALYZERS))
        raise UnknownAnalyzerError(f"unknown analyzer {name!r} (known: {known})")
    return _create(name)


@cache
def _create(name: str) -> Analyzer:
    # Cached on the positional name alone, so get_analyzer() and get_analyzer("offline")
    # share one instance.
    module_name, _, attr = ANALYZERS[name].partition(":")
    factory: Callable[[], Analyzer] = getattr(importlib.import_module(module_name), attr)
    return factory()


__all__ = ["ANALYZERS", "Analyzer", "TurnLabel", "UnknownAnalyzerError", "Utterance",
           "get_analyzer"]
