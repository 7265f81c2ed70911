"""``simulator score``: JSON/Markdown/HTML reports, simulate documents, folders to CSV, errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from simulator.cli import app

REPO = Path(__file__).resolve().parent.parent
ANNOMI_LAYOUT = REPO / "tests" / "fixtures" / "annomi" / "annomi_layout.csv"
runner = CliRunner()

CODED: list[dict[str, Any]] = [
    {"speaker": "client", "text": "I'm only here because my doctor sent me.", "codes": ["neutral"]},
    {
        "speaker": "trainee",
        "text": "You should really take this seriously.",
        "codes": ["advise_without_permission"],
    },
    {"speaker": "client", "text": "You sound like her.", "codes": ["confrontation"]},
    {
        "speaker": "trainee",
        "text": "I'm sorry, I lectured you. How was that for you?",
        "codes": ["apologize", "invite_feedback", "question_open"],
    },
    {"speaker": "client", "text": "Okay. Thanks.", "codes": ["neutral"]},
]
UNCODED = [
    {"speaker": "client", "text": "I've been so tired, nothing I do at work is ever enough."},
    {"speaker": "therapist", "text": "You're worn down, like you keep giving and it never counts."},
    {"speaker": "client", "text": "Yeah. And my wife says I should just quit."},
    {"speaker": "therapist", "text": "What do you make of that?"},
]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args], capture_output=True, text=True, timeout=120
    )


def test_json_report_contract(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(CODED))
    result = run_cli("score", str(path))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report["dimensions"]) == {"empathy", "openness", "non_judgment", "rupture_repair"}
    for dim in report["dimensions"].values():
        assert {"score", "level", "evidence", "feedback"} <= set(dim)
        assert all({"index", "text"} <= set(e) for e in dim["evidence"])
    assert report["dimensions"]["non_judgment"]["evidence"][0]["index"] == 1
    assert "Would it be OK if I shared an idea?" in report["dimensions"]["non_judgment"]["feedback"]
    assert report["ruptures"][0]["kind"] == "confrontation" and report["ruptures"][0]["resolved"]
    assert report["indicators"]["trainee_turns"] == 2


def test_jsonl_without_codes_is_analysed(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in UNCODED))
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    codes = [t["codes"] for t in report["transcript"] if t["speaker"] == "trainee"]
    assert any(c.startswith("reflection_") for c in codes[0])
    assert "question_open" in codes[1]
    assert report["dimensions"]["rupture_repair"]["score"] is None


def test_simulate_document_markdown_and_html(tmp_path: Path) -> None:
    sim = run_cli(
        "simulate",
        "dale-first-session",
        "--trainee",
        str(REPO / "tests/trainees/repairing.txt"),
        "--json",
    )
    assert sim.returncode == 0, sim.stderr
    doc_path = tmp_path / "session.json"
    doc_path.write_text(sim.stdout)
    doc = json.loads(sim.stdout)
    html_path = tmp_path / "report.html"
    result = runner.invoke(app, ["score", str(doc_path), "--format", "html", "-o", str(html_path)])
    assert result.exit_code == 0, result.output
    html = html_path.read_text()
    assert '<svg id="trust-chart"' in html and "http://" not in html and "https://" not in html
    assert html.count('class="mark-opened"') == len(doc["ruptures"]) >= 1
    md = runner.invoke(app, ["score", str(doc_path), "--format", "markdown"])
    assert md.exit_code == 0
    assert "## Ruptures" in md.output and "(session)" in md.output
    assert "## Trust over time" in md.output
    as_json = json.loads(runner.invoke(app, ["score", str(doc_path)]).output)
    # The recorded ruptures and codes are used as they are, so the report matches the engine's.
    assert as_json["dimensions"] == doc["report"]["dimensions"]
    assert as_json["trust"][0] == doc["turns"][0]["trust"]


def test_folder_of_converted_annomi_transcripts_to_csv(tmp_path: Path) -> None:
    script = REPO / "scripts" / "annomi_to_transcripts.py"
    conv = subprocess.run(
        # The AnnoMI layout, written for the tests: the real data need not sit beside a clone.
        [sys.executable, str(script), "--csv", str(ANNOMI_LAYOUT), "--out",
         str(tmp_path / "conv"), "--limit", "3"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert conv.returncode == 0, conv.stderr
    out = tmp_path / "scores.csv"
    result = run_cli("score", str(tmp_path / "conv" / "transcripts"), "--output", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["transcript"] for r in rows] == sorted(
        p.name for p in (tmp_path / "conv" / "transcripts").iterdir()
    )
    assert len(rows) == 3
    for row in rows:
        assert 1 <= int(row["empathy"]) <= 5 and 1.0 <= float(row["empathy_value"]) <= 5.0
        assert int(row["trainee_turns"]) > 0
    assert {
        "openness",
        "non_judgment",
        "rupture_repair",
        "mi_adherent",
        "percent_complex_reflections",
        "reflection_to_question_ratio",
    } <= set(rows[0])


def test_folder_with_a_broken_file_reports_it_and_scores_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(CODED))
    (tmp_path / "b.jsonl").write_text('{"speaker": "client", "text": "hi"}\n{oops\n')
    (tmp_path / "notes.txt").write_text("ignored")
    result = runner.invoke(app, ["score", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'b.jsonl'}:2: not valid JSON" in result.output
    assert "a.json," in result.output and "b.jsonl," not in result.output


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ('[{"speaker": "coach", "text": "hi"}]', [], "turn 0: unknown speaker 'coach'"),
        ('{"speaker": "client", "text": "a"}\n{"speaker": "client"}\n', [], ":2: missing 'text'"),
        ("", [], "the file is empty"),
        ("42", [], "expected a list of turns"),
        ('[{"speaker": "client", "text": "a", "codes": []}]', ["--rubric", "defualt"], "default"),
        (
            '[{"speaker": "client", "text": "a", "codes": []}]',
            ["--format", "csv"],
            "--format csv is for a folder",
        ),
    ],
)
def test_errors_are_one_clear_line(
    tmp_path: Path, content: str, args: list[str], message: str
) -> None:
    path = tmp_path / "t.json"
    path.write_text(content)
    result = runner.invoke(app, ["score", str(path), *args])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_missing_transcript_in_a_subprocess_has_no_traceback(tmp_path: Path) -> None:
    result = run_cli("score", str(tmp_path / "missing.json"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'missing.json'}: no such file"
