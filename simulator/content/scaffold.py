"""``simulator new``: start a new content file as a copy of an existing one.

The copy keeps the original's comments and layout; only the id and the
display name (or title) change, so the new file is valid from the start.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import yaml

from simulator.content.checks import check_file
from simulator.content.library import Library, user_content_dir
from simulator.content.models import FOLDERS
from simulator.content.problems import UnknownContentError, display_file

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: The field that holds the human-readable name, by kind.
NAME_FIELD = {"persona": "name", "scenario": "title", "rubric": "title"}
PLURAL = {kind: folder for folder, kind in FOLDERS.items()}


class ScaffoldError(ValueError):
    """The new file cannot be made (bad name, existing id, file already there)."""


def slugify(name: str) -> str:
    """Turn a display name into an id: ``"Zoë O'Brien"`` -> ``"zoe-obrien"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = ascii_name.replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:64].rstrip("-")


def _replace_values(text: str, values: dict[str, str]) -> str:
    """Replace top-level scalar values in YAML ``text``, keeping everything else as written."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)  # pure Python: marks are char offsets
    if not isinstance(node, yaml.MappingNode):
        raise ScaffoldError("the source file's top level is not a mapping")
    spans = []
    for key_node, value_node in node.value:
        if key_node.value in values and isinstance(value_node, yaml.ScalarNode):
            # A block scalar (``|`` or ``>``) ends after its last line break: keep one.
            tail = "\n" if value_node.style in ("|", ">") else ""
            spans.append((value_node.start_mark.index, value_node.end_mark.index,
                          values[key_node.value] + tail))
    if len(spans) != len(values):
        raise ScaffoldError("the source file has no plain top-level "
                            + " / ".join(sorted(values)))
    for start, end, value in sorted(spans, reverse=True):
        text = text[:start] + value + text[end:]
    return text


def scaffold(
    library: Library,
    kind: str,
    name: str,
    from_id: str,
    *,
    dest_dir: Path | None = None,
    new_id: str | None = None,
) -> Path:
    """Write a copy of ``from_id`` under a new id and name.

    Args:
        library: Where ``from_id`` is looked up (and new ids checked for clashes).
        kind: ``persona``, ``scenario`` or ``rubric``.
        name: The new display name (title for scenarios and rubrics).
        from_id: The id of the file to copy.
        dest_dir: Content folder to write into (default: the per-user folder). The file goes
            into its ``personas/`` (etc.) subfolder unless ``dest_dir`` is already called that.
        new_id: The id to use (default: made from ``name``).

    Returns:
        The path of the new file.

    Raises:
        ScaffoldError: The name, id or destination is unusable.
        UnknownContentError: No ``kind`` called ``from_id``.
    """
    if not name.strip():
        raise ScaffoldError("the name is empty")
    origin = library.origins.get((kind, from_id))
    if origin is None:
        known = [i for k, i in library.origins if k == kind]
        raise UnknownContentError(kind, from_id, known)
    item_id = new_id or slugify(name)
    if not ID_PATTERN.match(item_id) or len(item_id) > 64:
        raise ScaffoldError(f"cannot make an id from {name!r}; give one with --id "
                            "(lowercase letters, digits, '-' and '_')")
    if (kind, item_id) in library.origins:
        raise ScaffoldError(f"a {kind} with id {item_id!r} already exists "
                            f"({display_file(library.origins[(kind, item_id)][0])}); "
                            "choose another name or --id")
    base = dest_dir if dest_dir is not None else user_content_dir()
    folder = base if base.name == PLURAL[kind] else base / PLURAL[kind]
    target = folder / f"{item_id}.yaml"
    if target.exists():
        raise ScaffoldError(f"{display_file(target)} already exists; not overwriting it")
    source_path = origin[0]
    text = source_path.read_text(encoding="utf-8-sig")
    text = _replace_values(text, {"id": item_id,
                                  NAME_FIELD[kind]: json.dumps(name, ensure_ascii=False)})
    header = (f"# Copied from {kind} '{from_id}' by `simulator new`. Edit it, then check it "
              "with `simulator validate`.\n")
    folder.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
        handle.write(header + text)
    report = check_file(target, display_file(target))
    if report.problems:
        target.unlink()
        raise ScaffoldError("the copy would not be valid:\n  "
                            + "\n  ".join(str(p) for p in report.problems))
    return target
