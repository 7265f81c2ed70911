"""Readers for the training corpora: AnnoMI (CSV) and the authored cases (JSONL).

Used by ``scripts/train_analyzer.py``, the benchmarks and the tests; the
shipped analyzer never reads them. Standard library only.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from simulator.analysis.offline.features import TurnText, turn_text

REPO = Path(__file__).resolve().parents[3]
#: The AnnoMI dev split sits next to the repository (``../shared/data/annomi/``);
#: ``SIMULATOR_ANNOMI_CSV`` points elsewhere.
ANNOMI_CSV = Path(os.environ.get("SIMULATOR_ANNOMI_CSV")
                  or REPO.parent / "shared" / "data" / "annomi" / "annomi-dev.csv")
AUTHORED_DIR = REPO / "data" / "authored"
#: An independent test set written blind to the training cases and the model: never trained
#: or tuned on (``data/blind/README.md``).
BLIND_DIR = REPO / "data" / "blind"
#: A second independent test set by two other authors, under a protocol committed before it
#: was written (``data/blind2/PROTOCOL.md``).
BLIND2_DIR = REPO / "data" / "blind2"
#: A third, by two more authors, written alongside the fourteenth training round
#: (``data/blind3/PROTOCOL.md``).
BLIND3_DIR = REPO / "data" / "blind3"
#: A fourth, by two more authors, written alongside the fifteenth round
#: (``data/blind4/PROTOCOL.md``).
BLIND4_DIR = REPO / "data" / "blind4"
#: A fifth, by two more authors, written alongside the sixteenth round
#: (``data/blind5/PROTOCOL.md``).
BLIND5_DIR = REPO / "data" / "blind5"
#: A sixth, by two more authors (``data/blind6/PROTOCOL.md``).
BLIND6_DIR = REPO / "data" / "blind6"
#: Every independent test set, oldest first: (name, folder).
BLIND_SETS: tuple[tuple[str, Path], ...] = (
    ("BLIND", BLIND_DIR), ("BLIND 2", BLIND2_DIR), ("BLIND 3", BLIND3_DIR),
    ("BLIND 4", BLIND4_DIR), ("BLIND 5", BLIND5_DIR),
    ("BLIND 6", BLIND6_DIR))
BEHAVIOURS: tuple[str, ...] = ("reflection", "question", "therapist_input", "other")


@dataclass
class AnnomiTurn:
    """One AnnoMI utterance with the context the analyzer would see."""

    transcript_id: int
    mi_quality: str
    speaker: str  # "therapist" | "client"
    text: str
    tt: TurnText
    behaviour: str | None
    reflection: str | None
    question: str | None
    input_subtype: str | None
    flags: dict[str, bool] = field(default_factory=dict)
    client_talk: str | None = None


def _opt(value: str) -> str | None:
    return None if value in ("", "n/a") else value


def load_annomi(path: Path = ANNOMI_CSV) -> list[AnnomiTurn]:
    """Read AnnoMI rows in transcript order, attaching each turn's previous turns.

    Args:
        path: The AnnoMI CSV (``annomi-dev.csv`` layout).

    Raises:
        FileNotFoundError: If the CSV is missing.
    """
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows.sort(key=lambda r: (int(r["transcript_id"]), int(r["utterance_id"])))
    out: list[AnnomiTurn] = []
    last: dict[str, str] = {}
    current = None
    for r in rows:
        tid = int(r["transcript_id"])
        if tid != current:
            current, last = tid, {"therapist": "", "client": ""}
        speaker = r["interlocutor"]
        other = "client" if speaker == "therapist" else "therapist"
        text = r["utterance_text"]
        out.append(
            AnnomiTurn(
                transcript_id=tid,
                mi_quality=r["mi_quality"],
                speaker=speaker,
                text=text,
                tt=turn_text(text, last[other], last[speaker]),
                behaviour=_opt(r["main_therapist_behaviour"]),
                reflection=_opt(r["reflection_subtype"]),
                question=_opt(r["question_subtype"]),
                input_subtype=_opt(r["therapist_input_subtype"]),
                flags={
                    "reflection": r["reflection_exists"] == "True",
                    "question": r["question_exists"] == "True",
                    "therapist_input": r["therapist_input_exists"] == "True",
                },
                client_talk=_opt(r["client_talk_type"]),
            )
        )
        last[speaker] = text
    return out


@dataclass
class AuthoredCase:
    """One hand-labelled case from ``data/authored/*.jsonl``."""

    id: str
    speaker: str
    text: str
    codes: tuple[str, ...]
    context: tuple[tuple[str, str], ...] = ()

    @property
    def held_out(self) -> bool:
        """True for the fixed ~30% of cases never used for training or tuning."""
        return is_held_out(self.id)

    def turn_text(self) -> TurnText:
        """The case as the featuriser sees it (previous turns from ``context``)."""
        other = "client" if self.speaker == "therapist" else "therapist"
        prev_other = next((t for s, t in reversed(self.context) if s == other), "")
        prev_same = next((t for s, t in reversed(self.context) if s == self.speaker), "")
        return turn_text(self.text, prev_other, prev_same)


def is_held_out(case_id: str) -> bool:
    """Fixed split: SHA-1 of the id, first byte < 77 (about 30%) is held out."""
    return hashlib.sha1(case_id.encode("utf-8")).digest()[0] < 77


def load_authored(directory: Path = AUTHORED_DIR) -> list[AuthoredCase]:
    """Read every ``*.jsonl`` file of authored cases (sorted by file name).

    Raises:
        ValueError: On a malformed line, naming the file and line.
    """
    cases: list[AuthoredCase] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                speaker = {"trainee": "therapist"}.get(row["speaker"], row["speaker"])
                case = AuthoredCase(
                    id=str(row["id"]),
                    speaker=speaker,
                    text=str(row["text"]),
                    codes=tuple(row["codes"]),
                    context=tuple((c["speaker"], c["text"]) for c in row.get("context", [])),
                )
            except (KeyError, TypeError, json.JSONDecodeError) as exc:
                raise ValueError(f"{path}:{lineno}: bad case: {exc}") from exc
            if case.id in seen:
                raise ValueError(f"{path}:{lineno}: duplicate id {case.id!r}")
            seen.add(case.id)
            cases.append(case)
    return cases
