"""docs/authoring.md stays in step with the models, and its examples are valid files."""

from __future__ import annotations

import re
from pathlib import Path

from simulator.content.docgen import documented_paths, field_paths, refresh
from simulator.content.library import check_paths

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "authoring.md"
REGENERATE = "run: python -m simulator.content.docgen docs/authoring.md"


def _drift(markdown: str) -> tuple[set[str], set[str]]:
    """(fields the guide misses, fields the guide names that do not exist)."""
    wanted = {p for paths in field_paths().values() for p in paths}
    documented = set(documented_paths(markdown))
    return wanted - documented, documented - wanted


def test_every_field_is_documented_and_nothing_else() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    missing, stale = _drift(text)
    assert not missing, f"fields missing from the guide ({REGENERATE}): {sorted(missing)}"
    assert not stale, f"the guide names fields that no longer exist: {sorted(stale)}"
    paths = documented_paths(text)
    assert len(paths) == len(set(paths)), "a field is documented twice"


def test_generated_tables_are_up_to_date() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert refresh(text) == text, f"the field tables are stale ({REGENERATE})"


def test_nested_models_are_covered() -> None:
    paths = field_paths()
    for expected in ("persona.trust.triggers[].phrase", "persona.disclosure[].threshold",
                     "persona.lines.*.repair", "scenario.events[].client_line",
                     "scenario.pass_criteria.min_scores", "rubric.dimensions[].levels[].label"):
        assert expected in paths[expected.split(".")[0]]


def test_drift_is_detected() -> None:
    """The check above can fail: a dropped row and an invented row are both caught."""
    text = GUIDE.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `persona.trust.growth`"))
    missing, _ = _drift(text.replace(row + "\n", ""))
    assert missing == {"persona.trust.growth"}
    _, stale = _drift(text + "| `persona.trust.warmth` | number | `1` | gone |\n")
    assert stale == {"persona.trust.warmth"}


def test_examples_in_the_guide_are_valid(tmp_path: Path) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n# example: (\w+)\n(.*?)```", text, re.S)
    assert {kind for kind, _ in blocks} == {"persona", "scenario", "rubric"}
    for kind, body in blocks:
        folder = tmp_path / f"{kind}s"
        folder.mkdir()
        (folder / "example.yaml").write_text(body, encoding="utf-8")
    count, problems = check_paths([tmp_path])
    assert count == 3
    assert problems == []
