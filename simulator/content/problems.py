"""Problems found in instructor files, and the errors that carry them.

Every problem names a file, a line and a key path so that an instructor can
go straight to the mistake: ``personas/anna.yaml:12: trust.initial: ...``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Shown as the key path when a problem concerns the whole file (empty, unreadable, ...).
WHOLE_FILE = "(file)"

PathPart = str | int
KeyPath = tuple[PathPart, ...]


def format_path(path: KeyPath) -> str:
    """Render a key path the way an instructor reads it: ``disclosure[1].threshold``.

    Args:
        path: Mapping keys (str) and list indexes (int) from the top of the file.

    Returns:
        The dotted path, or :data:`WHOLE_FILE` for the empty path.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or WHOLE_FILE


def display_file(path: Path) -> str:
    """Return ``path`` relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in one file."""

    file: str
    """The file, as it should be shown (relative to the working directory when possible)."""

    line: int
    """1-based line of the offending key or value."""

    path: str
    """Dotted key path, e.g. ``trust.initial``, or ``(file)``."""

    message: str
    """What is wrong, and where possible how to fix it."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path}: {self.message}"


def suggest(word: str, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'X'?"`` for the closest choice, or ``""`` if none is close.

    Args:
        word: What the author wrote.
        choices: The valid words at that place.
    """
    matches = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean {matches[0]!r}?" if matches else ""


class ContentError(Exception):
    """The content library (or the files given to it) has problems.

    Attributes:
        problems: One line per problem, each ``FILE:LINE: key.path: message``.
    """

    def __init__(self, problems: Sequence[Problem | str]) -> None:
        self.problems: list[str] = [str(p) for p in problems]
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the content library"
        super().__init__(head + ":\n" + "\n".join(self.problems))


class UnknownContentError(KeyError):
    """No persona, scenario or rubric has the requested id."""

    def __init__(self, kind: str, wanted: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.wanted = wanted
        known = sorted(known)
        hint = suggest(wanted, known)
        if not hint and known:
            hint = "; known: " + ", ".join(known)
        self.message = f"no {kind} with id {wanted!r}{hint}"
        super().__init__(self.message)

    def __str__(self) -> str:
        # KeyError would otherwise print the message wrapped in quotes.
        return self.message
