"""Field reference tables for ``docs/authoring.md``, generated from the models.

The guide has hand-written prose plus one generated table per file kind,
between ``<!-- BEGIN FIELDS: persona -->`` and ``<!-- END FIELDS: persona -->``.
Each row names one dotted field path (``persona.trust.initial``; ``[]`` marks
the items of a list, ``*`` any of several keys that share one shape). A test
fails if the guide and the models drift apart; to refresh the tables run::

    python -m simulator.content.docgen docs/authoring.md
"""

from __future__ import annotations

import re
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simulator.content.models import KINDS

BLOCK = re.compile(r"(<!-- BEGIN FIELDS: (\w+) -->\n)(.*?)(<!-- END FIELDS: \2 -->)", re.S)
ROW = re.compile(r"^\| `((?:persona|scenario|rubric)\.[^`]+)` \|", re.M)


@dataclass(frozen=True)
class FieldDoc:
    """One row of a field table."""

    path: str
    type: str
    default: str
    description: str


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _constraints(metadata: list[Any]) -> str:
    parts = []
    for item in metadata:
        for attr, word in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if isinstance(item, getattr(annotated_types, attr.capitalize())):
                parts.append(f"{word} {getattr(item, attr):g}")
        if isinstance(item, annotated_types.MinLen) and item.min_length:
            parts.append("not empty" if item.min_length == 1 else f"at least {item.min_length}")
        if isinstance(item, annotated_types.MaxLen):
            parts.append(f"at most {item.max_length}")
        if getattr(item, "pattern", None) == r"^[a-z0-9][a-z0-9_-]*$":
            parts.append("lowercase letters, digits, - and _")
    return ", ".join(parts)


def _type_words(annotation: Any) -> str:
    annotation, optional = _strip_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *meta = typing.get_args(annotation)
        words = _type_words(inner)
        limits = _constraints([m for m in meta if not isinstance(m, FieldInfo)]
                              + [x for m in meta if isinstance(m, FieldInfo) for x in m.metadata])
        words = f"{words} ({limits})" if limits else words
    elif origin is Literal:
        words = "one of " + ", ".join(f"`{a}`" for a in typing.get_args(annotation))
    elif origin is list:
        words = "list of " + _type_words(typing.get_args(annotation)[0])
    elif origin is dict:
        key, value = typing.get_args(annotation)
        words = f"mapping of {_type_words(key)} to {_type_words(value)}"
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        words = "mapping (see below)"
    else:
        words = {str: "text", int: "whole number", float: "number", bool: "true or false"}.get(
            annotation, getattr(annotation, "__name__", str(annotation)))
    return f"{words}, or empty" if optional else words


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        return "empty" if value in ([], {}) else "all defaults"
    if info.default is None or info.default == "":
        return "empty"
    value = info.default
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def _nested(annotation: Any) -> tuple[type[BaseModel] | None, str]:
    """The model inside a field (through Optional and list) and the path suffix to reach it."""
    annotation, _ = _strip_optional(annotation)
    if typing.get_origin(annotation) is list:
        inner, _ = _strip_optional(typing.get_args(annotation)[0])
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner, "[]"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, ""
    return None, ""


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split()).replace("``", "`").replace("|", "\\|")


def field_docs(model: type[BaseModel], prefix: str) -> list[FieldDoc]:
    """Every field of ``model`` and of the models nested in it, depth first.

    Args:
        model: A content model.
        prefix: The path so far, e.g. ``persona``.
    """
    rows: list[FieldDoc] = []
    shared: dict[type[BaseModel], list[str]] = {}
    for name, info in model.model_fields.items():
        nested, _ = _nested(info.annotation)
        if nested is not None:
            shared.setdefault(nested, []).append(name)
    later: list[FieldDoc] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}"
        words = _type_words(info.annotation)
        limits = _constraints(info.metadata)
        rows.append(FieldDoc(path, f"{words} ({limits})" if limits else words, _default(info),
                             _one_line(info.description)))
        nested, suffix = _nested(info.annotation)
        if nested is None:
            continue
        if len(shared[nested]) == 1:
            rows.extend(field_docs(nested, path + suffix))
        elif shared[nested][0] == name:
            # Several keys with one shape (the six client states): document the shape once,
            # after the keys themselves.
            later.extend(field_docs(nested, f"{prefix}.*{suffix}"))
    return rows + later


def field_paths() -> dict[str, list[str]]:
    """The documented paths for each kind, as the guide must list them."""
    return {kind: [row.path for row in field_docs(model, kind)] for kind, model in KINDS.items()}


def render_table(kind: str) -> str:
    """The markdown table for one kind."""
    lines = ["| Field | Type | Default | Meaning |", "| --- | --- | --- | --- |"]
    for row in field_docs(KINDS[kind], kind):
        lines.append(f"| `{row.path}` | {row.type} | {row.default} | {row.description} |")
    return "\n".join(lines) + "\n"


def documented_paths(markdown: str) -> list[str]:
    """The field paths a guide documents (the first cell of every field-table row)."""
    return ROW.findall(markdown)


def refresh(markdown: str) -> str:
    """Return ``markdown`` with every generated table rebuilt from the models."""
    return BLOCK.sub(lambda m: m.group(1) + render_table(m.group(2)) + m.group(4), markdown)


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated tables of the guide(s) named on the command line."""
    for name in argv if argv is not None else sys.argv[1:]:
        path = Path(name)
        path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"refreshed {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
