"""The content library: every persona, scenario and rubric a session can use.

Files are found by :mod:`simulator.content.discovery` (which also documents the
folders and their precedence), checked one by one by
:mod:`simulator.content.checks`, then merged here: a later folder's file
replaces an earlier one's with the same kind and id, two files with the same
id in one folder are an error, and a scenario's persona, rubric and pass
criteria must name things that exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from simulator.content.checks import FileReport, check_file
from simulator.content.discovery import (
    ContentDir,
    content_files,
    library_dirs,
    packaged_dir,
    user_content_dir,
    yaml_files_below,
)
from simulator.content.models import Persona, Rubric, Scenario
from simulator.content.problems import (
    WHOLE_FILE,
    ContentError,
    Problem,
    UnknownContentError,
    display_file,
    suggest,
)

__all__ = [
    "ContentDir",
    "ContentError",
    "Library",
    "UnknownContentError",
    "check_library",
    "check_paths",
    "library_dirs",
    "load_library",
    "packaged_dir",
    "user_content_dir",
]

KIND_ORDER = ("persona", "scenario", "rubric")


def _id_line(report: FileReport) -> int:
    return report.source.line_for(("id",)) if report.source else 1


def _duplicates(reports: Iterable[FileReport]) -> list[Problem]:
    """Files with the same kind and id in one batch: each one names the others."""
    groups: dict[tuple[str, str], list[FileReport]] = {}
    for report in reports:
        if report.kind is not None and report.id is not None and report.source is not None:
            groups.setdefault((report.kind, report.id), []).append(report)
    problems = []
    for (kind, item_id), group in groups.items():
        for report in group if len(group) > 1 else []:
            others = [f"{o.shown}:{_id_line(o)}" for o in group if o is not report]
            if len(others) > 3:
                others[3:] = [f"and {len(others) - 3} more"]
            assert report.source is not None
            problems.append(report.source.problem(
                ("id",), f"duplicate {kind} id {item_id!r}: also defined in {', '.join(others)}"))
    return problems


@dataclass
class _Index:
    """What references resolve against: ids by kind, and the rubrics' models."""

    ids: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in KIND_ORDER})
    rubrics: dict[str, Rubric] = field(default_factory=dict)

    def add(self, report: FileReport) -> None:
        if report.kind is None or report.id is None:
            return
        self.ids[report.kind].add(report.id)
        if isinstance(report.model, Rubric):
            self.rubrics[report.id] = report.model


def _references(report: FileReport, index: _Index) -> list[Problem]:
    """A scenario's persona, rubric and pass criteria must name things that exist."""
    source = report.source
    if report.kind != "scenario" or source is None or not isinstance(source.data, dict):
        return []
    data = source.data
    problems = []
    persona = data.get("persona")
    if isinstance(persona, str) and persona not in index.ids["persona"]:
        problems.append(source.problem(("persona",), _unknown("persona", persona, index)))
    rubric_id = data.get("rubric", "default")
    if not isinstance(rubric_id, str):
        return problems
    if rubric_id not in index.ids["rubric"]:
        note = "" if "rubric" in data else " (the default when 'rubric' is not given)"
        problems.append(source.problem(("rubric",), _unknown("rubric", rubric_id, index) + note))
        return problems
    rubric = index.rubrics.get(rubric_id)
    criteria = data.get("pass_criteria")
    scores = criteria.get("min_scores") if isinstance(criteria, dict) else None
    if rubric is not None and isinstance(scores, dict):
        dims = [d.id for d in rubric.dimensions]
        for dim in scores:
            if dim not in dims:
                problems.append(source.problem(
                    ("pass_criteria", "min_scores", dim),
                    f"rubric {rubric_id!r} has no dimension {dim!r}{suggest(str(dim), dims)} "
                    f"(it has: {', '.join(dims)})"))
    return problems


def _unknown(kind: str, wanted: str, index: _Index) -> str:
    known = sorted(index.ids[kind])
    hint = suggest(wanted, known)
    if not hint:
        hint = f"; known {kind}s: {', '.join(known)}" if known else f"; there are no {kind}s"
    return f"no {kind} with id {wanted!r}{hint}"


@dataclass
class Library:
    """The merged content, by id."""

    personas: dict[str, Persona] = field(default_factory=dict)
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    rubrics: dict[str, Rubric] = field(default_factory=dict)
    origins: dict[tuple[str, str], tuple[Path, str]] = field(default_factory=dict)
    """``(kind, id) -> (file, origin)`` for every item, origin as in :class:`ContentDir`."""
    dirs: list[ContentDir] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Problems found while loading (always empty when loaded with ``strict=True``)."""

    def persona(self, persona_id: str) -> Persona:
        """Return the persona ``persona_id``; raises :class:`UnknownContentError`."""
        if persona_id not in self.personas:
            raise UnknownContentError("persona", persona_id, self.personas)
        return self.personas[persona_id]

    def scenario(self, scenario_id: str) -> Scenario:
        """Return the scenario ``scenario_id``; raises :class:`UnknownContentError`."""
        if scenario_id not in self.scenarios:
            raise UnknownContentError("scenario", scenario_id, self.scenarios)
        return self.scenarios[scenario_id]

    def rubric(self, rubric_id: str) -> Rubric:
        """Return the rubric ``rubric_id``; raises :class:`UnknownContentError`."""
        if rubric_id not in self.rubrics:
            raise UnknownContentError("rubric", rubric_id, self.rubrics)
        return self.rubrics[rubric_id]

    def scenario_tags(self, scenario_id: str) -> list[str]:
        """The scenario's tags followed by its persona's trust-profile tags (no repeats)."""
        scenario = self.scenario(scenario_id)
        tags = list(scenario.tags)
        persona = self.personas.get(scenario.persona)
        for tag in persona.profiles if persona else []:
            if tag not in tags:
                tags.append(tag)
        return tags

    def _store(self, report: FileReport, origin: str) -> None:
        assert report.kind is not None and report.id is not None
        if isinstance(report.model, Persona):
            self.personas[report.id] = report.model
        elif isinstance(report.model, Scenario):
            self.scenarios[report.id] = report.model
        elif isinstance(report.model, Rubric):
            self.rubrics[report.id] = report.model
        self.origins[(report.kind, report.id)] = (report.path, origin)


def _check_dir(content_dir: ContentDir) -> list[FileReport]:
    return [check_file(path, display_file(path)) for path in content_files(content_dir.root)]


def _orphans(
    library: Library, winners: dict[tuple[str, str], tuple[FileReport, str]]
) -> list[Problem]:
    """Leave out scenarios whose persona or rubric was left out for its own problems."""
    problems = []
    for scenario in list(library.scenarios.values()):
        for kind, wanted, table in (("persona", scenario.persona, library.personas),
                                    ("rubric", scenario.rubric, library.rubrics)):
            if wanted in table or (kind, wanted) not in winners:
                continue  # fine, or already reported as an unknown reference
            source = winners[("scenario", scenario.id)][0].source
            assert source is not None
            problems.append(source.problem(
                (kind,), f"the {kind} {wanted!r} has problems (see its file), so this scenario "
                "cannot be used"))
            del library.scenarios[scenario.id]
            del library.origins[("scenario", scenario.id)]
            break
    return problems


def _assemble(extra_dirs: Sequence[Path | str]) -> tuple[Library, list[Problem], int, _Index]:
    """Check every file of every folder.

    Returns:
        The merged library, every problem, the number of files and the index of all ids.
    """
    library = Library(dirs=library_dirs(extra_dirs))
    batches = [(d, _check_dir(d)) for d in library.dirs]
    index = _Index()
    winners: dict[tuple[str, str], tuple[FileReport, str]] = {}
    problems: list[Problem] = []
    for content_dir, reports in batches:
        problems.extend(_duplicates(reports))
        for report in reports:
            problems.extend(report.problems)
            index.add(report)
            if report.kind and report.id:
                winners[(report.kind, report.id)] = (report, content_dir.origin)
    for _, reports in batches:
        for report in reports:
            problems.extend(_references(report, index))
    bad_files = {p.file for p in problems}
    for report, origin in winners.values():
        if report.model is not None and report.shown not in bad_files:
            library._store(report, origin)
    problems.extend(_orphans(library, winners))
    count = sum(len(reports) for _, reports in batches)
    return library, sorted(set(problems)), count, index


def load_library(extra_dirs: Sequence[Path | str] = (), *, strict: bool = True) -> Library:
    """Load and check the whole content library.

    Args:
        extra_dirs: ``--content`` folders, highest precedence last.
        strict: Raise on any problem (the default). With ``strict=False`` broken files (and
            scenarios whose references do not resolve) are left out and their problems kept in
            ``Library.problems``.

    Raises:
        ContentError: Some file is broken, or a reference does not resolve (strict mode).
    """
    library, problems, _, _ = _assemble(extra_dirs)
    if strict and problems:
        raise ContentError(problems)
    library.problems = [str(p) for p in problems]
    return library


def check_library(extra_dirs: Sequence[Path | str] = ()) -> tuple[int, list[Problem]]:
    """Check the whole library (``simulator validate`` without paths).

    Returns:
        The number of files checked and every problem found.
    """
    _, problems, count, _ = _assemble(extra_dirs)
    return count, problems




def check_paths(
    paths: Sequence[Path | str], extra_dirs: Sequence[Path | str] = ()
) -> tuple[int, list[Problem]]:
    """Check the given files and folders (``simulator validate PATH...``).

    References resolve against the library plus the given files (a given file replaces a
    library file with the same id); duplicate ids are looked for among the given files.

    Returns:
        The number of files checked and every problem found.
    """
    problems: list[Problem] = []
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = yaml_files_below(path)
            if not found:
                problems.append(Problem(str(raw), 1, WHOLE_FILE,
                                        "no .yaml or .yml files in this folder"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif path.exists():
            problems.append(Problem(str(raw), 1, WHOLE_FILE, "not a regular file"))
        else:
            problems.append(Problem(str(raw), 1, WHOLE_FILE, "no such file or folder"))
    unique = list(dict.fromkeys(p.resolve() for p in files))
    reports = [check_file(p, display_file(p)) for p in unique]
    problems.extend(_duplicates(reports))
    # The library's ids (even of broken files) plus the given files' ids.
    index = _assemble(extra_dirs)[3]
    for report in reports:
        problems.extend(report.problems)
        index.add(report)
    for report in reports:
        problems.extend(_references(report, index))
    return len(unique), sorted(set(problems))
