"""The instructor commands: validate, schema, list and new."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import simulator.cli  # noqa: F401  (registers the commands)
from simulator.cli.app import app
from simulator.content.library import load_library, user_content_dir
from simulator.content.models import KINDS

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "content"
REPO = Path(__file__).resolve().parent.parent


def run(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_validate_shipped_library_is_clean() -> None:
    result = run("validate")
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""
    assert result.stderr.strip().endswith("checked, no problems")


def test_validate_given_folder_resolves_against_it() -> None:
    result = run("validate", str(FIXTURES))
    assert result.exit_code == 0, result.stdout
    assert result.stderr.strip() == "3 files checked, no problems"


def test_validate_paths_that_are_not_files(tmp_path: Path) -> None:
    result = run("validate", "nowhere.yaml", str(tmp_path), "/dev/null")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "/dev/null:1: (file): not a regular file",
        f"{tmp_path}:1: (file): no .yaml or .yml files in this folder",
        "nowhere.yaml:1: (file): no such file or folder",
    ]
    assert result.stderr.strip() == "3 problems in 3 files (0 files checked)"


def test_validate_skips_hidden_folders(tmp_path: Path) -> None:
    (tmp_path / ".git" / "personas").mkdir(parents=True)
    (tmp_path / ".git" / "personas" / "junk.yaml").write_text("[")
    shutil.copytree(FIXTURES, tmp_path / "course")
    result = run("validate", str(tmp_path))
    assert result.exit_code == 0, result.stdout
    assert result.stderr.strip() == "3 files checked, no problems"


def test_validate_real_process_on_shipped_content() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "simulator", "validate"], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=60)
    assert proc.returncode == 0, proc.stdout
    assert "no problems" in proc.stderr


@pytest.mark.parametrize("kind", ["persona", "scenario", "rubric", "personas"])
def test_schema_prints_json_schema(kind: str) -> None:
    result = run("schema", kind)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    model = KINDS[kind.rstrip("s")]
    assert schema["title"] == model.__name__
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(model.model_fields)
    # Field docstrings become descriptions, for editor tooltips (pydantic leaves a field's
    # description out when it repeats the description of the model it refers to).
    for prop in schema["properties"].values():
        ref = prop.get("$ref", "").rsplit("/", 1)[-1]
        assert prop.get("description") or schema["$defs"][ref]["description"]


def test_schema_unknown_kind() -> None:
    result = run("schema", "senario")
    assert result.exit_code == 2
    assert "did you mean 'scenario'?" in result.stderr


def test_list_json_personas_and_scenarios() -> None:
    personas = json.loads(run("list", "personas", "--json", "--content", str(FIXTURES)).stdout)
    sam = next(p for p in personas if p["id"] == "fixture-sam")
    assert sam["title"] == "Sam Fixture"
    assert sam["tags"] == ["skeptical", "test-fixture"]
    assert sam["source"] == "--content"
    assert all({"id", "title", "tags"} <= set(p) for p in personas)

    scenarios = json.loads(run("list", "scenarios", "--json", "--content", str(FIXTURES)).stdout)
    first = next(s for s in scenarios if s["id"] == "fixture-first-session")
    assert first["persona"] == "fixture-sam"
    assert first["title"] == "Sam's first session (fixture)"
    assert first["tags"] == ["first-session", "skeptical"]
    assert all({"id", "title", "persona", "tags"} <= set(s) for s in scenarios)


def test_list_all_kinds() -> None:
    every = json.loads(run("list", "--json", "--content", str(FIXTURES)).stdout)
    assert set(every) == {"personas", "scenarios", "rubrics"}
    assert "fixture-rubric" in {r["id"] for r in every["rubrics"]}
    text = run("list", "--content", str(FIXTURES)).stdout
    assert "Personas (" in text and "Scenarios (" in text and "Rubrics (" in text
    assert "fixture-sam" in text and "Content folders (later ones win):" in text


def test_list_with_a_broken_folder_warns_and_lists_the_rest(tmp_path: Path) -> None:
    (tmp_path / "personas").mkdir()
    (tmp_path / "personas" / "bad.yaml").write_text("id: [\n")
    result = run("list", "personas", "--json", "--content", str(FIXTURES),
                 "--content", str(tmp_path))
    assert result.exit_code == 0
    assert "fixture-sam" in {p["id"] for p in json.loads(result.stdout)}
    assert "run `simulator validate`" in result.stderr


def test_list_unknown_kind_and_missing_content_dir(tmp_path: Path) -> None:
    assert run("list", "people").exit_code == 2
    result = run("list", "--content", str(tmp_path / "missing"))
    assert result.exit_code == 2 and "not a folder" in result.stderr


def test_new_persona_into_user_folder_is_valid_and_listed() -> None:
    result = run("new", "persona", "Zoë O'Brien", "--from", "fixture-sam",
                 "--content", str(FIXTURES))
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path == user_content_dir() / "personas" / "zoe-obrien.yaml"
    text = path.read_text(encoding="utf-8")
    assert "id: zoe-obrien" in text and 'name: "Zoë O\'Brien"' in text
    assert "trust:" in text and "# Copied from persona 'fixture-sam'" in text
    assert run("validate", str(path), "--content", str(FIXTURES)).exit_code == 0
    persona = load_library([FIXTURES]).persona("zoe-obrien")
    assert persona.name == "Zoë O'Brien"
    assert persona.trust == load_library([FIXTURES]).persona("fixture-sam").trust


def test_new_refuses_to_overwrite_and_to_reuse_ids(tmp_path: Path) -> None:
    args = ["new", "persona", "Sam Two", "--from", "fixture-sam", "--content", str(FIXTURES),
            "--dir", str(tmp_path)]
    first = run(*args)
    assert first.exit_code == 0
    assert Path(first.stdout.strip()) == tmp_path / "personas" / "sam-two.yaml"
    before = (tmp_path / "personas" / "sam-two.yaml").read_text()
    again = run(*args)
    assert again.exit_code == 1 and "already exists; not overwriting" in again.stderr
    assert (tmp_path / "personas" / "sam-two.yaml").read_text() == before
    clash = run("new", "persona", "Fixture Sam", "--from", "fixture-sam", "--id", "fixture-sam",
                "--content", str(FIXTURES), "--dir", str(tmp_path))
    assert clash.exit_code == 1 and "already exists" in clash.stderr


def test_new_into_a_personas_folder_and_other_kinds(tmp_path: Path) -> None:
    folder = tmp_path / "personas"
    result = run("new", "persona", "Lee", "--from", "fixture-sam", "--content", str(FIXTURES),
                 "--dir", str(folder))
    assert Path(result.stdout.strip()) == folder / "lee.yaml"
    result = run("new", "scenario", "Lee opens up", "--from", "fixture-first-session",
                 "--content", str(FIXTURES), "--dir", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert Path(result.stdout.strip()) == tmp_path / "scenarios" / "lee-opens-up.yaml"
    assert run("validate", str(tmp_path), "--content", str(FIXTURES)).exit_code == 0


@pytest.mark.parametrize(("args", "message"), [
    (["new", "persona", "X", "--from", "fixture-sma"], "did you mean 'fixture-sam'?"),
    (["new", "persona", "!!!", "--from", "fixture-sam"], "cannot make an id"),
    (["new", "persona", "  ", "--from", "fixture-sam"], "the name is empty"),
    (["new", "persona", "X", "--from", "fixture-sam", "--id", "Bad Id"], "cannot make an id"),
    (["new", "personality", "X", "--from", "fixture-sam"], "did you mean 'persona'?"),
])
def test_new_bad_input(args: list[str], message: str) -> None:
    result = run(*args, "--content", str(FIXTURES))
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert not (user_content_dir() / "personas").exists() or not any(
        (user_content_dir() / "personas").iterdir())


def test_new_keeps_layout_when_name_is_a_block_scalar(tmp_path: Path) -> None:
    source = tmp_path / "src" / "rubrics"
    source.mkdir(parents=True)
    text = (FIXTURES / "rubrics" / "fixture-rubric.yaml").read_text()
    text = text.replace("title: Fixture rubric\n", "title: >-\n  Fixture rubric,\n  folded\n")
    (source / "r.yaml").write_text(text)
    result = run("new", "rubric", "Second rubric", "--from", "fixture-rubric",
                 "--content", str(tmp_path / "src"), "--dir", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    copy = Path(result.stdout.strip()).read_text()
    assert 'title: "Second rubric"\ndimensions:\n' in copy
    assert "id: second-rubric\n" in copy
