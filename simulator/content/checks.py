"""Check one instructor file on its own: its kind, its schema, its templates.

Pydantic does the schema work; this module maps each of its errors back to
the line of the offending key, words it for an instructor, and adds the
checks a pydantic error cannot place precisely (the order of disclosure
thresholds, broken jinja2 in authored lines). Cross-file checks live in
:mod:`simulator.content.library`.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from simulator.analysis.codes import ALL_CODES, THERAPIST_CODES
from simulator.content.models import FOLDERS, KINDS
from simulator.content.problems import WHOLE_FILE, KeyPath, Problem, suggest
from simulator.content.templates import check_template
from simulator.content.yamlsource import Source, read_source


@dataclass
class FileReport:
    """Everything known about one file after checking it."""

    path: Path
    shown: str
    kind: str | None = None
    model: BaseModel | None = None
    source: Source | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def id(self) -> str | None:
        """The file's id, even when the file is otherwise broken (for duplicate checks)."""
        if self.model is not None:
            return str(getattr(self.model, "id", None))
        data = self.source.data if self.source else None
        value = data.get("id") if isinstance(data, dict) else None
        return value if isinstance(value, str) else None

    @property
    def ok(self) -> bool:
        """Whether the file checked clean on its own."""
        return self.model is not None and not self.problems


def kind_from_folder(path: Path) -> str | None:
    """The kind implied by the nearest enclosing ``personas/``, ``scenarios/`` or ``rubrics/``."""
    for parent in path.absolute().parents:
        if parent.name in FOLDERS:
            return FOLDERS[parent.name]
    return None


def _looks_like(data: dict[Any, Any]) -> str | None:
    """The kind whose fields the file's keys overlap most (only a hint for the author)."""
    keys = {k for k in data if isinstance(k, str)}
    scores = {kind: len(keys & set(model.model_fields) - {"kind", "id", "title", "description"})
              for kind, model in KINDS.items()}
    best = max(scores, key=lambda kind: scores[kind])
    return best if scores[best] >= 2 else None


def _decide_kind(source: Source, report: FileReport) -> str | None:
    data = source.data
    folder_kind = kind_from_folder(source.path)
    if "kind" not in data:
        if folder_kind is None:
            guess = _looks_like(data)
            hint = f" (it looks like a {guess})" if guess else ""
            report.problems.append(source.problem(
                (), f"cannot tell what kind of file this is{hint}: put it in a personas/, "
                "scenarios/ or rubrics/ folder, or add 'kind: persona' (or scenario, rubric)",
                line=1))
        return folder_kind
    declared = data["kind"]
    if not isinstance(declared, str) or declared not in KINDS:
        report.problems.append(source.problem(
            ("kind",), f"unknown kind {declared!r}{suggest(str(declared), KINDS)} "
            "(a file is a persona, scenario or rubric)"))
        return None
    if folder_kind is not None and folder_kind != declared:
        # Which one is right is the author's call; checking against either would bury
        # this one message under a screenful of consequences.
        report.problems.append(source.problem(
            ("kind",), f"the file says it is a {declared} but sits in a folder of "
            f"{folder_kind}s; move it or fix 'kind'"))
        return None
    return declared


# ----------------------------------------------------------------- pydantic errors


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Annotated/Union."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _container_model(model: type[BaseModel], loc: KeyPath) -> type[BaseModel] | None:
    """The model owning the last key of ``loc``, skipping list indexes and dict keys."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                return None
            current = [t for t in _unwrap(info.annotation) if t is not type(None)]
            current = current[0] if len(current) == 1 else None
        elif typing.get_origin(current) is list:
            current = typing.get_args(current)[0]
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return None
        if current is not None:
            inner = [t for t in _unwrap(current) if t is not type(None)]
            current = inner[0] if len(inner) == 1 else None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


_QUOTED = re.compile(r"'([^']+)'")


def _shown_value(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _word(err: Any) -> str:
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    msg = msg.replace("Input should be", "should be").replace("Input ", "value ")
    msg = msg.replace(" after validation", "")
    msg = re.sub(r"a valid dictionary or instance of \w+", "a mapping of keys", msg)
    msg = msg.replace("a valid dictionary", "a mapping of keys")
    for noun in ("List", "Dictionary", "String"):
        msg = msg.replace(f"{noun} should", "should")
    return msg


def _invalid_key(loc: KeyPath, key: Any, source: Source) -> Problem:
    """A key YAML read as a number, date, boolean or null (pydantic names it only as text)."""
    parent = loc[:-1]
    for path, line in source.keys.items():
        if len(path) == len(loc) and path[:-1] == parent and path[-1] == key:
            return source.problem((*parent, str(key)), f"key {key!r} is not text; put it in "
                                  f"quotes if you meant it as a name", line=line)
    return source.problem(parent, f"key {key!r} is not text; put it in quotes")


def _map_error(err: Any, model: type[BaseModel], source: Source) -> Problem:
    loc: KeyPath = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        owner = _container_model(model, loc[:-1])
        fields = list(owner.model_fields) if owner else []
        hint = suggest(str(loc[-1]), fields)
        if not hint and fields:
            hint = "; allowed keys here: " + ", ".join(fields)
        return source.problem(loc, f"unknown key {loc[-1]!r}{hint}")
    if kind == "missing":
        return source.problem(loc, f"required key {loc[-1]!r} is missing")
    if kind == "invalid_key":
        return _invalid_key(loc, err.get("input"), source)
    path = loc if loc in source.keys else source.known_prefix(loc)
    message = _word(err)
    if kind in ("value_error", "assertion_error"):
        # "unknown behaviour code 'x'" names a key below ``loc``: point at that key.
        for name in _QUOTED.findall(message):
            if (*loc, name) in source.keys:
                path = (*loc, name)
                break
        code = re.search(r"unknown behaviour code '([^']+)'", message)
        if code:
            vocab = ALL_CODES if any("evidence" in str(p) for p in loc) else THERAPIST_CODES
            message += suggest(code.group(1), sorted(vocab))
    elif isinstance(err.get("input"), dict):
        message += ", got a mapping"
    elif isinstance(err.get("input"), list):
        message += ", got a list"
    else:
        message += f", got {_shown_value(err.get('input'))}"
    return source.problem(path, message)


# ----------------------------------------------------------------- precise checks


def _layers(data: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    layers = data.get("disclosure")
    if isinstance(layers, list):
        for index, layer in enumerate(layers):
            if isinstance(layer, dict):
                yield index, layer


def _disclosure_order(data: dict[str, Any], source: Source) -> list[Problem]:
    """Rising thresholds and unique layer ids, reported at the layer that breaks the rule."""
    problems: list[Problem] = []
    previous: tuple[str, float] | None = None
    seen: dict[str, int] = {}
    for index, layer in _layers(data):
        layer_id = layer.get("id")
        if isinstance(layer_id, str):
            if layer_id in seen:
                problems.append(source.problem(
                    ("disclosure", index, "id"),
                    f"layer id {layer_id!r} is already used by layer {seen[layer_id]}"))
            seen.setdefault(layer_id, index)
        threshold = layer.get("threshold")
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            continue
        if previous is not None and threshold <= previous[1]:
            problems.append(source.problem(
                ("disclosure", index, "threshold"),
                f"threshold {threshold:g} must be higher than the previous layer's "
                f"({previous[0]!r}, {previous[1]:g}): list layers from the surface down, with "
                "rising thresholds"))
        previous = (str(layer_id), float(threshold))
    return problems



def _template_paths(kind: str, data: dict[str, Any]) -> Iterator[tuple[KeyPath, Any]]:
    if kind == "persona":
        lines = data.get("lines")
        if isinstance(lines, dict):
            for state, pools in lines.items():
                if isinstance(pools, dict):
                    for move, pool in pools.items():
                        if isinstance(pool, list):
                            for i, text in enumerate(pool):
                                yield ("lines", state, move, i), text
        for index, layer in _layers(data):
            pool = layer.get("lines")
            if isinstance(pool, list):
                for i, text in enumerate(pool):
                    yield ("disclosure", index, "lines", i), text
    elif kind == "scenario":
        yield ("opening_line",), data.get("opening_line")
        events = data.get("events")
        if isinstance(events, list):
            for index, event in enumerate(events):
                if isinstance(event, dict):
                    yield ("events", index, "client_line"), event.get("client_line")


def _templates(kind: str, data: dict[str, Any], source: Source) -> list[Problem]:
    problems = []
    for path, text in _template_paths(kind, data):
        if not isinstance(text, str):
            continue
        found = check_template(text)
        if found is None:
            continue
        inner_line, message = found
        start, block = source.scalars.get(path, (source.line_for(path), False))
        problems.append(source.problem(path, message, line=start + int(block) + inner_line - 1))
    return problems


def _persona_semantics(data: dict[str, Any], source: Source) -> list[Problem]:
    """Things the schema allows but no author means: blank lines, a phrase that always fires."""
    problems = []
    for path, text in _template_paths("persona", data):
        if isinstance(text, str) and not text.strip():
            problems.append(source.problem(path, "this line is empty; the client would say "
                                           "nothing"))
    trust = data.get("trust")
    triggers = trust.get("triggers") if isinstance(trust, dict) else None
    for index, trigger in enumerate(triggers if isinstance(triggers, list) else []):
        phrase = trigger.get("phrase") if isinstance(trigger, dict) else None
        if isinstance(phrase, str) and not phrase.strip():
            problems.append(source.problem(("trust", "triggers", index, "phrase"),
                                           "the phrase is empty, so it would fire on every turn"))
    return problems


def _scenario_semantics(model: BaseModel, source: Source) -> list[Problem]:
    problems = []
    limit = getattr(model, "turn_limit", 0)
    for index, event in enumerate(getattr(model, "events", [])):
        if event.turn > limit:
            problems.append(source.problem(
                ("events", index, "turn"),
                f"event at turn {event.turn} never happens: the turn limit is {limit}"))
    return problems


# ----------------------------------------------------------------- entry point


def check_file(path: Path, shown: str) -> FileReport:
    """Read, parse and validate one file on its own (no cross-file checks).

    Args:
        path: The file.
        shown: How the file is named in problems.

    Returns:
        A report; ``report.model`` is set when the file validated.
    """
    report = FileReport(path=path, shown=shown)
    source, problems = read_source(path, shown)
    report.problems.extend(problems)
    if source is None:
        return report
    report.source = source
    data = source.data
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else f"a single value ({_shown_value(data)})"
        report.problems.append(source.problem(
            (), f"the top level must be a mapping of keys such as 'id: anna', not {what}"))
        return report
    kind = report.kind = _decide_kind(source, report)
    if kind is None:
        return report
    model_cls = KINDS[kind]
    precise = _disclosure_order(data, source) if kind == "persona" else []
    if kind == "persona":
        report.problems.extend(_persona_semantics(data, source))
    report.problems.extend(precise)
    try:
        report.model = model_cls.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            message = str(err.get("msg", ""))
            if precise and tuple(err["loc"]) == ("disclosure",) and (
                "thresholds must rise" in message or "layer ids must be unique" in message
            ):
                continue  # already reported at the exact layer
            report.problems.append(_map_error(err, model_cls, source))
    except Exception as exc:  # noqa: BLE001 - no input may ever produce a traceback
        report.problems.append(source.problem((), f"could not check this file: {exc}"))
    report.problems.extend(_templates(kind, data, source))
    if report.model is not None and kind == "scenario":
        report.problems.extend(_scenario_semantics(report.model, source))
    report.problems.sort(key=lambda p: (p.line, p.path))
    return report


__all__ = ["FileReport", "check_file", "kind_from_folder", "WHOLE_FILE"]
