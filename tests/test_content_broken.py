"""Every broken file in tests/broken yields FILE:LINE: key: message, exit 1, no traceback."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import simulator.cli  # noqa: F401  (registers the commands)
from simulator.cli.app import app
from simulator.content.checks import check_file

TESTS = Path(__file__).resolve().parent
BROKEN = TESTS / "broken"
FIXTURES = TESTS / "fixtures" / "content"
PROBLEM_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<path>\S[^:]*): (?P<message>.+)$")

# file -> (line, key path, words the message must contain)
EXPECTED: dict[str, tuple[int, str, str]] = {
    "personas/unknown_key_typo.yaml": (14, "trust.sensitivty", "did you mean 'sensitivity'?"),
    "personas/wrong_type.yaml": (4, "age", "valid integer, unable to parse string"),
    "personas/trust_out_of_range.yaml": (12, "trust.initial", "less than or equal to 100, got 150"),
    "personas/thresholds_out_of_order.yaml": (27, "disclosure[1].threshold", "must be higher"),
    "personas/bad_jinja_syntax.yaml": (33, "lines.guarded.any[0]", "broken jinja2 template"),
    "personas/undefined_jinja_name.yaml": (38, "lines.open.any[0]", "'clinet' is undefined"),
    "personas/missing_required.yaml": (2, "speaking_style", "required key 'speaking_style'"),
    "personas/unknown_trigger_code.yaml": (16, "trust.triggers[0].code", "did you mean 'dismiss'?"),
    "personas/trigger_code_and_phrase.yaml": (21, "trust.triggers[1].code", "exactly one of"),
    "personas/duplicate_key.yaml": (6, "age", "appears twice (first on line 4)"),
    "personas/no_profile_tag.yaml": (6, "tags", "at least one trust-profile tag"),
    "personas/missing_state.yaml": (31, "lines.accepting_repair", "required key"),
    "personas/unknown_code_effect.yaml": (
        17, "trust.code_effects.advise_withut_permission",
        "did you mean 'advise_without_permission'?"),
    "personas/bad_rupture_kind.yaml": (18, "trust.triggers[0].rupture", "got 'anger'"),
    "personas/unknown_kind_key.yaml": (2, "kind", "did you mean 'persona'?"),
    "personas/empty_phrase.yaml": (20, "trust.triggers[1].phrase", "fire on every turn"),
    "personas/blank_line.yaml": (40, "lines.withdrawal.any[1]", "this line is empty"),
    "scenarios/unknown_persona.yaml": (4, "persona", "did you mean 'fixture-sam'?"),
    "scenarios/unknown_rubric.yaml": (16, "rubric", "did you mean 'fixture-rubric'?"),
    "scenarios/unknown_dimension.yaml": (18, "pass_criteria.min_scores.empaty",
                                         "no dimension 'empaty'; did you mean 'empathy'?"),
    "scenarios/event_after_limit.yaml": (12, "events[0].turn", "never happens"),
    "scenarios/bad_jinja_opening.yaml": (10, "opening_line", "Unexpected end of template"),
    "scenarios/score_out_of_range.yaml": (
        18, "pass_criteria.min_scores.empathy", "between 1 and 5"),
    "scenarios/kind_mismatch.yaml": (2, "kind", "says it is a rubric but sits in a folder of"),
    "rubrics/four_levels.yaml": (8, "dimensions[0].levels", "at least 5 items, not 4"),
    "rubrics/unknown_evidence_code.yaml": (15, "dimensions[0].evidence_against.dismis",
                                           "did you mean 'dismiss'?"),
    "rubrics/negative_weight.yaml": (14, "dimensions[0].evidence_for.reflection_simple",
                                     "must be above 0"),
    "misc/empty.yaml": (1, "(file)", "the file is empty"),
    "misc/comments_only.yaml": (1, "(file)", "only comments"),
    "misc/binary.yaml": (1, "(file)", "binary file"),
    "misc/latin1.yaml": (4, "(file)", "not UTF-8"),
    "misc/bad_syntax.yaml": (5, "(file)", "YAML syntax error"),
    "misc/bad_indentation.yaml": (6, "(file)", "YAML syntax error"),
    "misc/top_level_list.yaml": (2, "(file)", "must be a mapping"),
    "misc/no_kind.yaml": (1, "(file)", "cannot tell what kind of file"),
    "misc/python_tag.yaml": (4, "(file)", "YAML tags"),
    "misc/recursive_alias.yaml": (5, "dimensions[0]", "recursive values are not allowed"),
    "misc/alias_bomb.yaml": (2, "(file)", "aliases expand"),
    "duplicates/personas/b.yaml": (2, "id", "duplicate persona id 'dup-client': also defined in"),
}
#: Files whose problems appear only when validated together with others.
GROUPS = {"duplicates/personas/b.yaml": ["duplicates/personas/a.yaml"]}


def _validate(*args: str) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(app, ["validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout.splitlines(), result.stderr


def test_there_are_enough_broken_files_and_each_is_expected() -> None:
    files = sorted(str(p.relative_to(BROKEN)) for p in BROKEN.rglob("*.yaml"))
    assert len(files) >= 15
    untested = set(files) - set(EXPECTED) - {f for g in GROUPS.values() for f in g}
    assert not untested, f"broken files with no expectation: {untested}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_names_file_line_and_key(name: str) -> None:
    line, key, words = EXPECTED[name]
    paths = [str(BROKEN / name), *(str(BROKEN / g) for g in GROUPS.get(name, []))]
    code, out, err = _validate(*paths, "--content", str(FIXTURES))
    assert code == 1
    assert "Traceback" not in err and "unexpected failure" not in err
    assert "problem" in err  # the summary line goes to stderr
    parsed = [PROBLEM_LINE.match(text) for text in out]
    assert all(parsed), f"not FILE:LINE: key: message: {out}"
    mine = [m for m in parsed if m and m["file"].endswith(name)]
    assert any(
        int(m["line"]) == line and m["path"] == key and words in m["message"] for m in mine
    ), f"wanted {name}:{line}: {key}: ...{words}..., got:\n" + "\n".join(out)


@pytest.mark.parametrize("name", [
    "misc/binary.yaml", "misc/latin1.yaml", "misc/bad_syntax.yaml",
    "personas/unknown_key_typo.yaml", "scenarios/unknown_persona.yaml", "misc/alias_bomb.yaml",
])
def test_real_cli_in_a_subprocess(name: str) -> None:
    line, key, words = EXPECTED[name]
    env = {**os.environ, "PYTHONPATH": str(TESTS.parent)}
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "validate", str(BROKEN / name), "--content",
         str(FIXTURES)], capture_output=True, text=True, timeout=60, cwd=TESTS.parent, env=env,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout.startswith(f"tests/broken/{name}:{line}: {key}: ")
    assert words in proc.stdout
    assert re.search(r"^\d+ problems? in 1 file \(1 file checked\)$", proc.stderr.strip(), re.M)


def test_whole_broken_folder_reports_every_file() -> None:
    code, out, _ = _validate(str(BROKEN), "--content", str(FIXTURES))
    assert code == 1
    named = {text.split(":", 1)[0] for text in out}
    for name in EXPECTED:
        assert f"tests/broken/{name}" in named


def test_every_problem_in_a_file_is_reported(tmp_path: Path) -> None:
    """Several mistakes in one file: all of them, each at its own line."""
    text = (FIXTURES / "personas" / "fixture-sam.yaml").read_text()
    text = text.replace("age: 34", "age: -3").replace("  initial: 20", "  initial: 101")
    text = text.replace("  growth: 0.8", "  growht: 0.8").replace("{{ client }}", "{{ nope }}")
    (tmp_path / "personas").mkdir()
    (tmp_path / "personas" / "many.yaml").write_text(text)
    report = check_file(tmp_path / "personas" / "many.yaml", "many.yaml")
    got = {(p.line, p.path) for p in report.problems}
    assert got == {(4, "age"), (12, "trust.initial"), (13, "trust.growht"),
                   (38, "lines.open.any[0]")}, report.problems


def _mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    choice = rng.randrange(6)
    i = rng.randrange(len(lines))
    if choice == 0:
        del lines[i]
    elif choice == 1:
        lines.insert(i, lines[rng.randrange(len(lines))])
    elif choice == 2:
        junk = ["\t", "  ", ": ", "- ", "[", "{", "}", "&a ", "*a ", "{{", "%", "!!"]
        lines[i] = rng.choice(junk) + lines[i]
    elif choice == 3:
        pos = rng.randrange(len(text))
        return text[:pos] + chr(rng.randrange(1, 0x2FF)) + text[pos + 1:]
    elif choice == 4:
        lines[i] = lines[i].replace(":", "", 1)
    else:
        lines[i] = re.sub(r"\d+", str(rng.choice([-5, 1000, 0, 1.5])), lines[i])
    return "".join(lines)


def test_mutated_files_never_raise(tmp_path: Path) -> None:
    """Random damage to valid files always ends in problems or a clean report, never a crash."""
    rng = random.Random(20261122)
    sources = [(p.parent.name, p.read_text()) for p in sorted(FIXTURES.rglob("*.yaml"))]
    for folder in {f for f, _ in sources}:
        (tmp_path / folder).mkdir()
    for n in range(300):
        folder, text = rng.choice(sources)
        for _ in range(rng.randint(1, 3)):
            text = _mutate(text, rng)
        target = tmp_path / folder / f"m{n}.yaml"
        target.write_text(text, encoding="utf-8")
        report = check_file(target, target.name)
        count = text.count("\n") + 2
        assert all(1 <= p.line <= count for p in report.problems), report.problems
        assert report.model is not None or report.problems


@pytest.mark.parametrize(("extra", "path", "words"), [
    ("~: x", "None", "key None is not text"),
    ("2020-01-01: x", "2020-01-01", "is not text"),
    ("trust: null", "trust", "should be a mapping of keys, got None"),
    ("tags: {a: b}", "tags", "should be a valid list, got a mapping"),
    ("name: !!set {a, b}", "name", "should be a valid string"),
    ("lines: {guarded: {any: ['{{ 1/0 }}']}}", "lines.guarded.any[0]", "ZeroDivisionError"),
    ("lines: {guarded: {any: ['{{ client.__class__ }}']}}", "lines.guarded.any[0]", "unsafe"),
    ("lines: {guarded: {any: ['{{ client|nosuch }}']}}", "lines.guarded.any[0]", "No filter"),
    ("trust: {initial: .nan}", "trust.initial", "got nan"),
])
def test_odd_values_are_reported_where_they_are(tmp_path: Path, extra: str, path: str,
                                                words: str) -> None:
    """An odd value appended at the end (line 45) replaces a good one; it is found there."""
    text = (FIXTURES / "personas" / "fixture-sam.yaml").read_text()
    assert text.count("\n") == 44
    (tmp_path / "personas").mkdir()
    (tmp_path / "personas" / "odd.yaml").write_text(text + extra + "\n")
    report = check_file(tmp_path / "personas" / "odd.yaml", "odd.yaml")
    assert any(p.line == 45 and p.path == path and words in p.message
               for p in report.problems), report.problems
