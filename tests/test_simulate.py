"""``simulator simulate``: headless runs of every shipped scenario, offline, no API key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.fake_openai import FakeOpenAI, Reply, fake_openai  # noqa: F401
from typer.testing import CliRunner

from simulator.cli import app
from simulator.content.library import load_library

TRAINEES = Path(__file__).parent / "trainees"
SKILLED = str(TRAINEES / "skilled.txt")
LIBRARY = load_library()
TURN_KEYS = {"index", "speaker", "text", "codes", "trust", "rupture", "disclosed"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["simulate", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("scenario_id", sorted(LIBRARY.scenarios))
@pytest.mark.parametrize("trainee", ["skilled", "judgmental"])
def test_every_shipped_scenario_runs_offline_as_json(scenario_id: str, trainee: str) -> None:
    assert "OPENAI_API_KEY" not in os.environ
    code, out, err = run(scenario_id, "--trainee", str(TRAINEES / f"{trainee}.txt"), "--json")
    assert code == 0, err
    doc = json.loads(out)  # exactly one JSON document
    assert set(doc) == {"scenario", "persona", "engine", "turns", "ledger", "ruptures", "report"}
    scenario = LIBRARY.scenario(scenario_id)
    persona = LIBRARY.persona(scenario.persona)
    assert (doc["scenario"], doc["persona"], doc["engine"]) == (scenario_id, persona.id, "scripted")

    turns = doc["turns"]
    assert [t["index"] for t in turns] == list(range(len(turns)))
    assert [t["speaker"] for t in turns] == ["client"] + ["trainee", "client"] * (len(turns) // 2)
    assert len(turns) // 2 == min(
        scenario.turn_limit,
        len(
            [
                x
                for x in (TRAINEES / f"{trainee}.txt").read_text().splitlines()
                if x.strip() and not x.startswith("#")
            ]
        ),
    )
    layer_ids = [layer.id for layer in persona.disclosure]
    disclosed = [layer for t in turns for layer in t["disclosed"]]
    assert len(disclosed) == len(set(disclosed)) and set(disclosed) <= set(layer_ids)
    for t in turns:
        assert set(t) == TURN_KEYS and t["text"].strip()
        assert 0 <= t["trust"] <= 100 and t["rupture"] in (None, "withdrawal", "confrontation")
        if t["speaker"] == "trainee":
            assert t["codes"] and t["disclosed"] == []
    # The trust after each trainee turn is the ledger's last word on that turn.
    for t in turns[1::2]:
        entries = [e for e in doc["ledger"] if e["turn"] == (t["index"] + 1) // 2]
        changes = [e for e in entries if e["source"] not in ("rupture",)]
        if changes:
            assert changes[-1]["trust_after"] == t["trust"]
    for r in doc["ruptures"]:
        assert set(r) >= {"kind", "opened_turn", "resolved_turn"}
    assert set(doc["report"]["dimensions"]) >= {"empathy", "non_judgment"}
    if trainee == "judgmental":
        assert doc["ruptures"] and layer_ids[-1] not in disclosed


def test_same_seed_same_run_other_seed_other_words() -> None:
    first = json.loads(run("dale-first-session", "--trainee", SKILLED, "--json", "--seed", "4")[1])
    again = json.loads(run("dale-first-session", "--trainee", SKILLED, "--json", "--seed", "4")[1])
    other = json.loads(run("dale-first-session", "--trainee", SKILLED, "--json", "--seed", "9")[1])
    assert first == again
    assert [t["text"] for t in first["turns"]] != [t["text"] for t in other["turns"]]


def test_readable_transcript_marks_trust_ruptures_and_disclosure() -> None:
    code, out, _ = run("rosa-first-session", "--trainee", str(TRAINEES / "repairing.txt"))
    assert code == 0
    assert "TRAINEE (trust" in out and "CLIENT  (trust" in out
    assert "RUPTURE: confrontation" in out and "repaired" in out
    assert "disclosed: surface" in out and "Final trust:" in out


def test_console_script_in_a_real_process(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "simulate",
            "amara-first-session",
            "--trainee",
            SKILLED,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["persona"] == "amara-okafor"


def test_unknown_scenario_suggests_and_exits_1() -> None:
    code, out, err = run("dale-first-sesion", "--trainee", SKILLED)
    assert code == 1 and out == ""
    assert err.startswith("error: no scenario with id 'dale-first-sesion'")
    assert "dale-first-session" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_and_empty_trainee_files(tmp_path: Path) -> None:
    code, _, err = run("dale-first-session", "--trainee", str(tmp_path / "nope.txt"))
    assert code == 1 and "trainee file not found" in err and "Traceback" not in err
    empty = tmp_path / "empty.txt"
    empty.write_text("\n# only a comment\n\n")
    code, _, err = run("dale-first-session", "--trainee", str(empty))
    assert code == 1 and "holds no turns" in err


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    script = tmp_path / "t.txt"
    script.write_text("\nWhat brings you here?\n\n   \nThat sounds hard.\n")
    doc = json.loads(run("dale-first-session", "--trainee", str(script), "--json")[1])
    assert [t["text"] for t in doc["turns"] if t["speaker"] == "trainee"] == [
        "What brings you here?",
        "That sounds hard.",
    ]


def test_unknown_engine_exits_1() -> None:
    code, _, err = run("dale-first-session", "--trainee", SKILLED, "--engine", "nope")
    assert code == 1 and "unknown engine 'nope'" in err


def test_engine_failure_is_one_clear_line(fake_openai: FakeOpenAI) -> None:  # noqa: F811
    fake_openai.queue(*[Reply.error(401, "invalid api key")] * 4)
    code, out, err = run(
        "dale-first-session",
        "--trainee",
        SKILLED,
        "--engine",
        "openai",
        "--base-url",
        fake_openai.base_url,
        "--model",
        "fake",
    )
    assert code == 1 and out == ""
    assert err.startswith("error: client engine failed") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_openai_engine_through_simulate(fake_openai: FakeOpenAI, tmp_path: Path) -> None:  # noqa: F811
    script = tmp_path / "t.txt"
    script.write_text("What brings you here?\nThat sounds hard.\n")
    fake_openai.queue(Reply.say("My wife made me come."), Reply.say("Yeah. It is."))
    code, out, err = run(
        "dale-first-session",
        "--trainee",
        str(script),
        "--json",
        "--engine",
        "openai",
        "--base-url",
        fake_openai.base_url,
        "--model",
        "fake",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["engine"] == "openai"
    assert [t["text"] for t in doc["turns"][2::2]] == ["My wife made me come.", "Yeah. It is."]
