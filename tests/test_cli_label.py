"""``simulator label``: the JSONL contract, errors naming FILE:LINE, AnnoMI input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from simulator.cli import app

REPO = Path(__file__).resolve().parent.parent
ANNOMI_LAYOUT = REPO / "tests" / "fixtures" / "annomi" / "annomi_layout.csv"
runner = CliRunner()
KEYS = {"id", "codes", "behaviour", "reflection", "question"}


def write_rows(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args], capture_output=True, text=True, timeout=60
    )


def test_label_contract(tmp_path: Path) -> None:
    rows = [
        {"id": "t1", "speaker": "therapist", "text": "What brings you in today?"},
        {
            "id": 2,
            "speaker": "client",
            "text": "I don't know. Fine.",
            "context": [{"speaker": "therapist", "text": "How are things?"}],
        },
        {
            "id": "t3",
            "speaker": "trainee",
            "text": "It sounds like you feel nobody notices how hard you're working.",
            "context": [{"speaker": "client", "text": "I work all day and nobody says a thing."}],
        },
    ]
    result = run_cli("label", str(write_rows(tmp_path / "in.jsonl", rows)))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["t1", 2, "t3"]
    assert all(set(o) == KEYS for o in out)
    assert out[0]["behaviour"] == "question" and out[0]["question"] == "open"
    assert out[0]["reflection"] is None and "question_open" in out[0]["codes"]
    client = out[1]
    assert client["behaviour"] is None and client["reflection"] is None
    assert client["question"] is None and "withdrawal" in client["codes"]
    assert out[2]["behaviour"] == "reflection" and out[2]["reflection"] in ("simple", "complex")


def test_bad_row_names_file_and_line(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "bad.jsonl",
        [{"id": 1, "speaker": "client", "text": "Hi."}, "", "{not json"],
    )
    result = run_cli("label", str(path))
    assert result.returncode == 1
    assert f"{path}:3: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_row_errors(tmp_path: Path) -> None:
    cases = [
        ({"speaker": "client", "text": "x"}, "missing 'id'"),
        ({"id": 1, "speaker": "coach", "text": "x"}, "unknown speaker 'coach'"),
        ({"id": 1, "speaker": "client", "text": 5}, "string 'text'"),
        ({"id": 1, "speaker": "client", "text": "x", "context": "nope"}, "'context' must be"),
        (
            {"id": 1, "speaker": "client", "text": "x", "context": [{"speaker": "x", "text": "y"}]},
            "context[0] has unknown speaker",
        ),
        ({"id": 1, "speaker": "client", "text": "x", "mood": "sad"}, "unknown key(s) mood"),
        ([1, 2], "expected a JSON object"),
    ]
    for row, message in cases:
        path = write_rows(tmp_path / "row.jsonl", [row])
        result = runner.invoke(app, ["label", str(path)])
        assert result.exit_code == 1, row
        assert f"{path}:1:" in result.output and message in result.output, result.output


def test_missing_file_and_unknown_analyzer(tmp_path: Path) -> None:
    result = runner.invoke(app, ["label", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1 and "no such file" in result.output
    path = write_rows(tmp_path / "ok.jsonl", [{"id": 1, "speaker": "client", "text": "Hi."}])
    result = runner.invoke(app, ["label", str(path), "--analyzer", "oracle"])
    assert result.exit_code == 1 and "unknown analyzer 'oracle'" in result.output


def test_label_converted_annomi_rows(tmp_path: Path) -> None:
    script = REPO / "scripts" / "annomi_to_transcripts.py"
    conv = subprocess.run(
        # The AnnoMI layout, written for the tests: the real data need not sit beside a clone.
        [sys.executable, str(script), "--csv", str(ANNOMI_LAYOUT), "--out", str(tmp_path),
         "--limit", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert conv.returncode == 0, conv.stderr
    source = tmp_path / "label.jsonl"
    rows = [json.loads(line) for line in source.read_text().splitlines()]
    result = runner.invoke(app, ["label", str(source)])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == [r["id"] for r in rows]
    therapist = [o for o, r in zip(out, rows, strict=True) if r["speaker"] == "therapist"]
    assert {o["behaviour"] for o in therapist} <= {
        "reflection",
        "question",
        "therapist_input",
        "other",
    }
    assert {o["behaviour"] for o in therapist} >= {"reflection", "question"}
