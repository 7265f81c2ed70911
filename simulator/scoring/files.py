"""Reading transcripts from files, for ``simulator score`` and the benchmarks.

Three shapes are accepted:

* a JSON list of turns ``[{"speaker", "text", "codes"?}, ...]``;
* JSON Lines, one turn per line (blank lines skipped);
* the ``simulator simulate --json`` document: its ``turns``, ``ruptures`` and trust history
  (the opening turn's trust followed by the trust after each trainee turn) are used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.scoring.transcript import TranscriptError, validate_turns

#: File suffixes a folder of transcripts is searched for.
SUFFIXES = (".json", ".jsonl")


@dataclass
class TranscriptFile:
    """A transcript read from disk, ready for :func:`~simulator.scoring.score_transcript`."""

    path: Path
    turns: list[dict[str, Any]]
    ruptures: list[dict[str, Any]] | None = None
    trust: list[float] | None = None
    scenario: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _jsonl(path: Path, text: str) -> list[dict[str, Any]]:
    turns = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TranscriptError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise TranscriptError(f"{path}:{number}: expected a JSON object per line")
        try:
            validate_turns([row])
        except TranscriptError as exc:
            raise TranscriptError(f"{path}:{number}: {str(exc).removeprefix('turn 0: ')}") from None
        turns.append(row)
    return turns


def _simulate_document(path: Path, doc: dict[str, Any]) -> TranscriptFile:
    turns = doc["turns"]
    if not isinstance(turns, list):
        raise TranscriptError(f"{path}: 'turns' must be a list")
    ruptures = doc.get("ruptures")
    if ruptures is not None and not isinstance(ruptures, list):
        raise TranscriptError(f"{path}: 'ruptures' must be a list")
    trust: list[float] | None = None
    if turns and all(isinstance(t, dict) and "trust" in t for t in turns):
        # Trust at the start (the opening line's) and after each trainee turn.
        trust = [turns[0]["trust"]] if turns[0].get("speaker") == "client" else []
        trust += [t["trust"] for t in turns if t.get("speaker") in ("trainee", "therapist")]
    return TranscriptFile(
        path=path,
        turns=turns,
        ruptures=ruptures,
        trust=trust,
        scenario=doc.get("scenario") if isinstance(doc.get("scenario"), str) else None,
    )


def read_transcript(path: Path) -> TranscriptFile:
    """Read one transcript file (JSON list, JSONL or a ``simulate --json`` document).

    Raises:
        TranscriptError: The file is missing, unreadable or malformed; the message names the
            file (and the line, for JSON Lines).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TranscriptError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TranscriptError(f"{path}: cannot read ({exc})") from None
    if not text.strip():
        raise TranscriptError(f"{path}: the file is empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return TranscriptFile(path=path, turns=_jsonl(path, text))
    if isinstance(doc, dict) and "turns" in doc:
        result = _simulate_document(path, doc)
    elif isinstance(doc, list):
        result = TranscriptFile(path=path, turns=doc)
    elif isinstance(doc, dict):
        # A JSONL file with a single turn parses as one JSON object.
        return TranscriptFile(path=path, turns=_jsonl(path, text))
    else:
        raise TranscriptError(f"{path}: expected a list of turns or a simulate --json document")
    try:
        validate_turns(result.turns)
    except TranscriptError as exc:
        raise TranscriptError(f"{path}: {exc}") from None
    return result


def transcript_files(folder: Path) -> list[Path]:
    """The transcript files directly inside ``folder``, sorted by name."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix in SUFFIXES and not p.name.startswith(".")
    )
