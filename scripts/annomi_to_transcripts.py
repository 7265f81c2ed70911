"""Convert the AnnoMI dev CSV into the input formats of ``simulator score`` and ``label``.

Usage::

    python scripts/annomi_to_transcripts.py [--csv PATH] [--out DIR] [--gold-codes]
        [--limit N]

Writes into ``DIR`` (default: a new temporary folder, printed on stdout):

* ``transcripts/annomi-<id>-<high|low>.jsonl``: one turn per line, ``{"speaker":
  "therapist"|"client", "text"}`` (with ``--gold-codes``, also ``"codes"`` derived from the
  AnnoMI annotations, see :func:`gold_codes`);
* ``label.jsonl``: every utterance as a ``simulator label`` row ``{"id", "speaker", "text",
  "context"}`` with the two preceding turns as context;
* ``quality.csv``: ``file,transcript_id,mi_quality`` for the benchmark.

The converted data is derived from AnnoMI (Wu et al., ICASSP 2022; public domain per its
README) and is not committed to the repository.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# One place decides where AnnoMI lives (next to the repo, or $SIMULATOR_ANNOMI_CSV).
from simulator.analysis.offline.corpus import ANNOMI_CSV as DEFAULT_CSV  # noqa: E402

CONTEXT_TURNS = 2


@dataclass
class AnnomiTranscript:
    """One AnnoMI transcript: its quality rating and its rows in order."""

    transcript_id: int
    mi_quality: str
    topic: str
    rows: list[dict[str, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        """File stem used for the converted transcript."""
        return f"annomi-{self.transcript_id:03d}-{self.mi_quality}"


def read_annomi(path: Path) -> list[AnnomiTranscript]:
    """Read the CSV into transcripts ordered by id, utterances in order.

    Raises:
        FileNotFoundError: The CSV is missing.
        ValueError: A required column is missing.
    """
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        needed = {"transcript_id", "utterance_id", "interlocutor", "utterance_text", "mi_quality"}
        missing = needed - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        rows = list(reader)
    by_id: dict[int, AnnomiTranscript] = {}
    for row in sorted(rows, key=lambda r: (int(r["transcript_id"]), int(r["utterance_id"]))):
        tid = int(row["transcript_id"])
        if tid not in by_id:
            by_id[tid] = AnnomiTranscript(tid, row["mi_quality"], row.get("topic", ""))
        by_id[tid].rows.append(row)
    return [by_id[k] for k in sorted(by_id)]


#: AnnoMI therapist-input subtypes as codes. AnnoMI does not record whether advice was asked
#: for, so "advice" maps to advice without permission (a known approximation).
INPUT_CODES = {
    "information": "give_information",
    "advice": "advise_without_permission",
    "negotiation": "seek_collaboration",
    "options": "emphasize_autonomy",
}
CLIENT_TALK = {"change": "change_talk", "sustain": "sustain_talk", "neutral": "neutral"}


def gold_codes(row: dict[str, str]) -> list[str]:
    """Codes implied by AnnoMI's expert annotation of one utterance."""
    if row["interlocutor"] != "therapist":
        return [CLIENT_TALK.get(row.get("client_talk_type", ""), "neutral")]
    codes = []
    if row.get("reflection_exists") == "True":
        codes.append(f"reflection_{row['reflection_subtype']}")
    if row.get("question_exists") == "True":
        codes.append(f"question_{row['question_subtype']}")
    if row.get("therapist_input_exists") == "True":
        code = INPUT_CODES.get(row.get("therapist_input_subtype", ""))
        if code:
            codes.append(code)
    return codes or ["other"]


def turns_of(transcript: AnnomiTranscript, gold: bool = False) -> list[dict[str, object]]:
    """The transcript as ``score`` input turns (therapist turns are the trainee's)."""
    turns: list[dict[str, object]] = []
    for row in transcript.rows:
        turn: dict[str, object] = {"speaker": row["interlocutor"], "text": row["utterance_text"]}
        if gold:
            turn["codes"] = gold_codes(row)
        turns.append(turn)
    return turns


def label_rows(transcript: AnnomiTranscript) -> list[dict[str, object]]:
    """Every utterance as a ``label`` input row with its preceding turns as context."""
    out: list[dict[str, object]] = []
    for i, row in enumerate(transcript.rows):
        context = [
            {"speaker": r["interlocutor"], "text": r["utterance_text"]}
            for r in transcript.rows[max(0, i - CONTEXT_TURNS) : i]
        ]
        out.append(
            {
                "id": f"{transcript.transcript_id}-{row['utterance_id']}",
                "speaker": row["interlocutor"],
                "text": row["utterance_text"],
                "context": context,
            }
        )
    return out


def convert(
    csv_path: Path, out: Path, *, gold: bool = False, limit: int | None = None
) -> list[AnnomiTranscript]:
    """Write the converted files into ``out`` (see module doc); return the transcripts."""
    transcripts = read_annomi(csv_path)
    if limit is not None:
        transcripts = transcripts[:limit]
    folder = out / "transcripts"
    folder.mkdir(parents=True, exist_ok=True)
    with (
        (out / "label.jsonl").open("w", encoding="utf-8") as labels,
        (out / "quality.csv").open("w", encoding="utf-8", newline="") as quality,
    ):
        writer = csv.writer(quality)
        writer.writerow(["file", "transcript_id", "mi_quality"])
        for tr in transcripts:
            path = folder / f"{tr.name}.jsonl"
            path.write_text(
                "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in turns_of(tr, gold)),
                encoding="utf-8",
            )
            writer.writerow([path.name, tr.transcript_id, tr.mi_quality])
            for row in label_rows(tr):
                labels.write(json.dumps(row, ensure_ascii=False) + "\n")
    return transcripts


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="AnnoMI CSV")
    parser.add_argument("--out", type=Path, help="output folder (default: a new temp folder)")
    parser.add_argument("--gold-codes", action="store_true", help="add AnnoMI-derived codes")
    parser.add_argument("--limit", type=int, help="convert only the first N transcripts")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="annomi-"))
    try:
        transcripts = convert(args.csv, out, gold=args.gold_codes, limit=args.limit)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(out)
    print(
        f"{len(transcripts)} transcripts, {sum(len(t.rows) for t in transcripts)} utterances",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
