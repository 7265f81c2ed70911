"""The content library: discovery, precedence, lookups, strict and lenient loading."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.content.library import (
    ContentError,
    UnknownContentError,
    library_dirs,
    load_library,
    packaged_dir,
    user_content_dir,
)
from simulator.content.models import Persona

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "content"
REPO = Path(__file__).resolve().parent.parent


def _copy_fixtures(dest: Path) -> Path:
    shutil.copytree(FIXTURES, dest)
    return dest


def _rename(path: Path, new_name: str) -> None:
    text = path.read_text().replace("name: Sam Fixture", f"name: {new_name}")
    path.write_text(text)


def test_dirs_in_precedence_order(tmp_path: Path) -> None:
    dirs = library_dirs([tmp_path / "a", tmp_path / "b"])
    assert [d.origin for d in dirs] == ["packaged", "user", "--content", "--content"]
    assert dirs[0].root == packaged_dir() == REPO
    assert dirs[1].root == user_content_dir()
    # conftest points XDG_DATA_HOME at a temporary home: the user folder is isolated.
    assert str(user_content_dir()).startswith(str(tmp_path))
    assert [d.root for d in dirs[2:]] == [tmp_path / "a", tmp_path / "b"]


def test_later_content_dirs_override_earlier(tmp_path: Path) -> None:
    first = _copy_fixtures(tmp_path / "first")
    second = _copy_fixtures(tmp_path / "second")
    _rename(second / "personas" / "fixture-sam.yaml", "Sam Second")
    lib = load_library([first, second])
    assert lib.persona("fixture-sam").name == "Sam Second"
    assert lib.origins[("persona", "fixture-sam")] == (
        second / "personas" / "fixture-sam.yaml", "--content")
    lib = load_library([second, first])
    assert lib.persona("fixture-sam").name == "Sam Fixture"


def test_user_folder_overrides_packaged_and_content_overrides_user(tmp_path: Path) -> None:
    packaged = load_library()
    if not packaged.personas:
        pytest.skip("no packaged personas yet")
    persona_id = sorted(packaged.personas)[0]
    packaged_file, origin = packaged.origins[("persona", persona_id)]
    assert origin == "packaged"
    user_file = user_content_dir() / "personas" / f"{persona_id}.yaml"
    user_file.parent.mkdir(parents=True)
    text = packaged_file.read_text(encoding="utf-8")
    user_file.write_text(text.replace(packaged.personas[persona_id].name, "User Copy", 1))
    lib = load_library()
    assert lib.persona(persona_id).name == "User Copy"
    assert lib.origins[("persona", persona_id)] == (user_file, "user")

    extra = tmp_path / "extra" / "personas"
    extra.mkdir(parents=True)
    (extra / "p.yaml").write_text(text.replace(packaged.personas[persona_id].name, "Extra", 1))
    lib = load_library([tmp_path / "extra"])
    assert lib.persona(persona_id).name == "Extra"
    # Overriding is not a duplicate: the library loads cleanly.
    assert lib.problems == []


def test_duplicate_ids_in_one_folder_are_an_error(tmp_path: Path) -> None:
    root = _copy_fixtures(tmp_path / "c")
    shutil.copy(root / "personas" / "fixture-sam.yaml", root / "personas" / "copy.yaml")
    with pytest.raises(ContentError) as caught:
        load_library([root])
    text = "\n".join(caught.value.problems)
    assert "personas/copy.yaml:2: id: duplicate persona id 'fixture-sam'" in text
    assert "also defined in" in text and "fixture-sam.yaml:2" in text


def test_lenient_loading_leaves_broken_files_out(tmp_path: Path) -> None:
    root = _copy_fixtures(tmp_path / "c")
    (root / "personas" / "fixture-sam.yaml").write_text("id: fixture-sam\nname: [\n")
    lib = load_library([root], strict=False)
    assert "fixture-sam" not in lib.personas
    assert any("fixture-sam.yaml:3: (file): YAML syntax error" in p for p in lib.problems)
    # The scenario naming it cannot be used either; the library still loads.
    assert "fixture-first-session" not in lib.scenarios
    assert "fixture-rubric" in lib.rubrics
    assert any("fixture-first-session.yaml:3: persona: no persona" in p for p in lib.problems)


def test_scenario_of_an_invalid_persona_is_left_out(tmp_path: Path) -> None:
    root = _copy_fixtures(tmp_path / "c")
    path = root / "personas" / "fixture-sam.yaml"
    path.write_text(path.read_text().replace("age: 34", "age: 3"))
    lib = load_library([root], strict=False)
    assert "fixture-sam" not in lib.personas and "fixture-first-session" not in lib.scenarios
    assert any("fixture-sam.yaml:4: age: should be greater than or equal to 12, got 3" in p
               for p in lib.problems)
    assert any("fixture-first-session.yaml:3: persona: the persona 'fixture-sam' has problems"
               in p for p in lib.problems)


def test_unknown_ids_raise_keyerror_with_suggestion() -> None:
    lib = load_library([FIXTURES])
    with pytest.raises(KeyError) as caught:
        lib.persona("fixture-sma")
    assert isinstance(caught.value, UnknownContentError)
    assert str(caught.value) == "no persona with id 'fixture-sma'; did you mean 'fixture-sam'?"
    with pytest.raises(UnknownContentError, match="did you mean 'fixture-first-session'"):
        lib.scenario("fixture-first-sesion")
    with pytest.raises(UnknownContentError, match="known: "):
        lib.rubric("zzzz")


def test_lookups_and_scenario_tags() -> None:
    lib = load_library([FIXTURES])
    assert isinstance(lib.persona("fixture-sam"), Persona)
    assert lib.scenario("fixture-first-session").persona == "fixture-sam"
    assert lib.rubric("fixture-rubric").dimensions[0].id == "empathy"
    # The persona's trust-profile tags are added to the scenario's own.
    assert lib.scenario_tags("fixture-first-session") == ["first-session", "skeptical"]


def test_content_dir_layouts(tmp_path: Path) -> None:
    """Kind subfolders, a folder that is itself 'personas', and top-level files with kind:."""
    flat = tmp_path / "flat"
    flat.mkdir()
    text = (FIXTURES / "personas" / "fixture-sam.yaml").read_text()
    (flat / "p.yaml").write_text("kind: persona\n" + text.replace("fixture-sam", "flat-sam"))
    (flat / ".hidden.yaml").write_text("not: content")
    only = tmp_path / "personas"
    only.mkdir()
    (only / "p.yml").write_text(text.replace("fixture-sam", "only-sam"))
    lib = load_library([flat, only])
    assert {"flat-sam", "only-sam"} <= set(lib.personas)


def test_missing_reference_in_library_is_an_error(tmp_path: Path) -> None:
    root = _copy_fixtures(tmp_path / "c")
    (root / "personas" / "fixture-sam.yaml").unlink()
    with pytest.raises(ContentError) as caught:
        load_library([root])
    assert any(":3: persona: no persona with id 'fixture-sam'" in p
               for p in caught.value.problems)


def test_shipped_library_loads_cleanly() -> None:
    lib = load_library()
    assert lib.problems == []
    for scenario in lib.scenarios.values():
        assert scenario.persona in lib.personas
        assert scenario.rubric in lib.rubrics


def test_library_import_is_light_and_loading_is_fast() -> None:
    """The TUI cold-starts in <1.5 s: the loader must not drag in heavy modules."""
    code = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        "from simulator.content.library import load_library\n"
        "lib = load_library()\n"
        "print(time.perf_counter() - t)\n"
        "heavy = [m for m in ('textual', 'langchain_core', 'openai', 'sqlalchemy', 'numpy')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, timeout=60, check=True).stdout.splitlines()
    assert out[1] == "[]"
    assert float(out[0]) < 1.5  # generous: the machine is shared; typical is 0.3-0.6 s
