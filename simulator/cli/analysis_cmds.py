"""Analysis commands: ``label`` (code turns) and ``score`` (score transcripts with a rubric).

Both print machine-readable output on stdout and one ``error: ...`` line on stderr for bad
input (exit status 1), never a traceback.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from simulator.cli.app import app

if TYPE_CHECKING:
    from simulator.analysis.base import Analyzer, Utterance
    from simulator.content.models import Rubric

LABEL_SPEAKERS = {"therapist": "therapist", "trainee": "therapist", "client": "client"}

ContentOpt = Annotated[
    list[Path] | None,
    typer.Option("--content", help="Extra folder of personas/scenarios/rubrics (repeatable)."),
]
AnalyzerOpt = Annotated[
    str, typer.Option("--analyzer", help="Analyzer backend for turns without codes.")
]


class Format(StrEnum):
    """Output formats of ``simulator score``."""

    json = "json"
    markdown = "markdown"
    html = "html"
    csv = "csv"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def _analyzer(name: str) -> Analyzer:
    from simulator.analysis import UnknownAnalyzerError, get_analyzer

    try:
        return get_analyzer(name)
    except UnknownAnalyzerError as exc:
        raise _fail(str(exc)) from None
    except Exception as exc:  # a backend that cannot load (missing model, bad settings)
        raise _fail(f"cannot load the {name} analyzer: {exc}") from None


def _analyzer_for(turn_lists: list[list[dict[str, Any]]], name: str) -> Analyzer | None:
    """Load the analyzer only if some turn lacks codes (coded transcripts need none)."""
    needed = any(not isinstance(t, dict) or "codes" not in t for ts in turn_lists for t in ts)
    return _analyzer(name) if needed else None


# --------------------------------------------------------------------------- label


def _label_row(file: Path, number: int, line: str) -> tuple[Any, Utterance, list[Utterance]]:
    from simulator.analysis.base import Utterance

    where = f"{file}:{number}"
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _fail(f"{where}: not valid JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise _fail(f"{where}: expected a JSON object")
    missing = [k for k in ("id", "speaker", "text") if k not in row]
    if missing:
        raise _fail(f"{where}: missing {', '.join(repr(k) for k in missing)}")
    unknown = sorted(set(row) - {"id", "speaker", "text", "context"})
    if unknown:
        raise _fail(f"{where}: unknown key(s) {', '.join(unknown)}")

    def utterance(item: Any, label: str) -> Utterance:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise _fail(f"{where}: {label} must be an object with 'speaker' and a string 'text'")
        speaker = LABEL_SPEAKERS.get(str(item.get("speaker", "")).lower())
        if speaker is None:
            raise _fail(
                f"{where}: {label} has unknown speaker {item.get('speaker')!r} "
                "(therapist, trainee or client)"
            )
        return Utterance(speaker, item["text"])  # type: ignore[arg-type]

    turn = utterance(row, "the row")
    context = row.get("context") or []
    if not isinstance(context, list):
        raise _fail(f"{where}: 'context' must be a list of {{speaker, text}} objects")
    return row["id"], turn, [utterance(c, f"context[{i}]") for i, c in enumerate(context)]


@app.command("label")
def label(
    file: Annotated[Path, typer.Argument(help="JSONL rows {id, speaker, text, context?}.")],
    analyzer: AnalyzerOpt = "offline",
) -> None:
    """Label turns with behaviour codes: one JSON row per input row on stdout."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _fail(f"{file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"{file}: cannot read ({exc})") from None
    rows = [
        _label_row(file, number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
    backend = _analyzer(analyzer)
    labels = backend.label_many([(turn, context) for _, turn, context in rows])
    for (row_id, turn, _), result in zip(rows, labels, strict=True):
        therapist = turn.speaker == "therapist"
        out = {
            "id": row_id,
            "codes": list(result.codes),
            "behaviour": result.behaviour if therapist else None,
            "reflection": result.reflection if therapist else None,
            "question": result.question if therapist else None,
        }
        if result.unscored_reason:
            out["unscored_reason"] = result.unscored_reason
        typer.echo(json.dumps(out))


# --------------------------------------------------------------------------- score


def _rubric(rubric_id: str | None, scenario: str | None, content: list[Path] | None) -> Rubric:
    from simulator.content.library import UnknownContentError, load_library

    for folder in content or []:
        if not folder.is_dir():
            raise _fail(f"--content {folder}: not a folder")
    library = load_library(list(content or []), strict=False)
    if rubric_id is None and scenario in library.scenarios:
        rubric_id = library.scenarios[scenario].rubric
    try:
        return library.rubric(rubric_id or "default")
    except UnknownContentError as exc:
        raise _fail(str(exc).strip("'\"")) from None


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _fail(f"--output {output}: cannot write ({exc})") from None
    typer.echo(f"wrote {output}", err=True)


@app.command("score")
def score(
    transcript: Annotated[
        Path, typer.Argument(help="A transcript (JSON list, JSONL or simulate --json) or a folder.")
    ],
    rubric: Annotated[
        str | None, typer.Option("--rubric", help="Rubric id (default: the scenario's or default).")
    ] = None,
    fmt: Annotated[
        Format | None,
        typer.Option("--format", help="json, markdown or html (csv for a folder; the default)."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    content: ContentOpt = None,
    analyzer: AnalyzerOpt = "offline",
) -> None:
    """Score a transcript (or every transcript in a folder) on a rubric's dimensions."""
    from simulator.scoring import TranscriptError, render_html, render_markdown, score_transcript
    from simulator.scoring.files import read_transcript, transcript_files
    from simulator.scoring.table import report_row, rows_to_csv

    if transcript.is_dir():
        if fmt not in (None, Format.csv):
            raise _fail("a folder of transcripts is scored to CSV (drop --format or use csv)")
        paths = transcript_files(transcript)
        if not paths:
            raise _fail(f"{transcript}: no .json or .jsonl transcripts in this folder")
        chosen = _rubric(rubric, None, content)
        docs, failed = [], 0
        for path in paths:
            try:
                docs.append(read_transcript(path))
            except TranscriptError as exc:
                typer.echo(f"error: {exc}", err=True)
                failed += 1
        backend = _analyzer_for([d.turns for d in docs], analyzer)
        rows = []
        for doc in docs:
            try:
                report = score_transcript(
                    doc.turns, chosen, ruptures=doc.ruptures, trust=doc.trust, analyzer=backend
                )
            except TranscriptError as exc:
                typer.echo(f"error: {doc.path}: {exc}", err=True)
                failed += 1
                continue
            rows.append(report_row(doc.path.name, report))
        _write(rows_to_csv(rows), output)
        if failed:
            raise typer.Exit(1)
        return
    if fmt == Format.csv:
        raise _fail("--format csv is for a folder of transcripts")
    try:
        doc = read_transcript(transcript)
    except TranscriptError as exc:
        raise _fail(str(exc)) from None
    chosen = _rubric(rubric, doc.scenario, content)
    try:
        report = score_transcript(
            doc.turns,
            chosen,
            ruptures=doc.ruptures,
            trust=doc.trust,
            analyzer=_analyzer_for([doc.turns], analyzer),
        )
    except TranscriptError as exc:
        raise _fail(f"{transcript}: {exc}") from None
    if fmt == Format.markdown:
        _write(render_markdown(report), output)
    elif fmt == Format.html:
        _write(render_html(report), output)
    else:
        _write(json.dumps(report, indent=2, ensure_ascii=False) + "\n", output)
