"""Instructor commands: ``validate``, ``schema``, ``list`` and ``new``.

``validate`` prints one problem per line on stdout (``FILE:LINE: key.path:
message``) so editors and CI can jump to it, and a summary on stderr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from simulator.cli.app import app

if TYPE_CHECKING:
    from simulator.content.library import Library

ContentOpt = Annotated[
    list[Path] | None,
    typer.Option("--content", help="Extra folder of personas/scenarios/rubrics (repeatable; "
                 "later folders win)."),
]
KIND_NAMES = {"persona": "persona", "personas": "persona", "scenario": "scenario",
              "scenarios": "scenario", "rubric": "rubric", "rubrics": "rubric"}
PLURALS = {"persona": "personas", "scenario": "scenarios", "rubric": "rubrics"}


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _kind(word: str) -> str:
    from simulator.content.problems import suggest

    kind = KIND_NAMES.get(word.lower())
    if kind is None:
        raise _fail(f"unknown kind {word!r}{suggest(word.lower(), KIND_NAMES)} "
                    "(persona, scenario or rubric)")
    return kind


def _content_dirs(content: list[Path] | None) -> list[Path]:
    for folder in content or []:
        if not folder.is_dir():
            raise _fail(f"--content {folder}: not a folder")
    return list(content or [])


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@app.command("validate")
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Files or folders to check (default: the whole content library).")] = None,
    content: ContentOpt = None,
) -> None:
    """Check persona, scenario and rubric files; print every problem as FILE:LINE: key: message."""
    from simulator.content.library import check_library, check_paths

    dirs = _content_dirs(content)
    try:
        count, problems = check_paths(paths, dirs) if paths else check_library(dirs)
    except Exception as exc:  # noqa: BLE001 - a bug must still not print a traceback
        raise _fail(f"unexpected failure while checking ({type(exc).__name__}: {exc}); "
                    "please report it") from None
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        where = _plural(len({p.file for p in problems}), "file")
        typer.echo(f"{_plural(len(problems), 'problem')} in {where} "
                   f"({_plural(count, 'file')} checked)", err=True)
        raise typer.Exit(1)
    typer.echo(f"{_plural(count, 'file')} checked, no problems", err=True)


@app.command("schema")
def schema(
    kind: Annotated[str, typer.Argument(help="persona, scenario or rubric.")],
) -> None:
    """Print the JSON Schema of a file kind (for editor completion and checking)."""
    from simulator.content.models import KINDS

    model = KINDS[_kind(kind)]
    document: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    document.update(model.model_json_schema())
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def _load(content: list[Path] | None) -> Library:
    from simulator.content.library import load_library

    library = load_library(_content_dirs(content), strict=False)
    if library.problems:
        typer.echo(f"warning: {_plural(len(library.problems), 'problem')} in the content "
                   "library (broken files are left out); run `simulator validate`", err=True)
    return library


def _entries(library: Library, kind: str) -> list[dict[str, Any]]:
    def where(item_id: str) -> dict[str, str]:
        path, origin = library.origins[(kind, item_id)]
        return {"source": origin, "file": str(path)}

    if kind == "persona":
        return [{"id": p.id, "title": p.name, "tags": list(p.tags), "age": p.age,
                 "profiles": p.profiles, "initial_trust": p.trust.initial, **where(p.id)}
                for p in sorted(library.personas.values(), key=lambda p: p.id)]
    if kind == "scenario":
        return [{"id": s.id, "title": s.title, "persona": s.persona,
                 "tags": library.scenario_tags(s.id), "setting": s.setting,
                 "difficulty": s.difficulty, "turn_limit": s.turn_limit, "rubric": s.rubric,
                 "locked": s.locked, **where(s.id)}
                for s in sorted(library.scenarios.values(), key=lambda s: s.id)]
    return [{"id": r.id, "title": r.title, "dimensions": [d.id for d in r.dimensions],
             **where(r.id)}
            for r in sorted(library.rubrics.values(), key=lambda r: r.id)]


def _table(kind: str, entries: list[dict[str, Any]]) -> None:
    columns = {"persona": ["id", "title", "tags", "source"],
               "scenario": ["id", "title", "persona", "difficulty", "tags", "source"],
               "rubric": ["id", "title", "dimensions", "source"]}[kind]
    rows = [[", ".join(e[c]) if isinstance(e[c], list) else str(e[c]) for c in columns]
            for e in entries]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    typer.echo(f"{PLURALS[kind].capitalize()} ({len(rows)})")
    typer.echo(("  " + "  ".join(c.upper().ljust(w)
                                  for c, w in zip(columns, widths, strict=True))).rstrip())
    for row in rows:
        typer.echo("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


@app.command("list")
def list_content(
    kind: Annotated[str | None, typer.Argument(
        help="personas, scenarios or rubrics (default: all three).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for programs.")] = False,
    content: ContentOpt = None,
) -> None:
    """List the personas, scenarios and rubrics in the content library."""
    kinds = [_kind(kind)] if kind else ["persona", "scenario", "rubric"]
    library = _load(content)
    found = {k: _entries(library, k) for k in kinds}
    if as_json:
        document: Any = found[kinds[0]] if kind else {PLURALS[k]: v for k, v in found.items()}
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    for index, k in enumerate(kinds):
        if index:
            typer.echo("")
        _table(k, found[k])
    if not kind:
        typer.echo("")
        typer.echo("Content folders (later ones win):")
        for d in library.dirs:
            note = "" if d.root.is_dir() else "  (does not exist yet)"
            typer.echo(f"  {d.origin:<10} {d.root}{note}")


@app.command("new")
def new(
    kind: Annotated[str, typer.Argument(help="What to create: persona, scenario or rubric.")],
    name: Annotated[str, typer.Argument(help="Display name (title for scenarios and rubrics).")],
    from_id: Annotated[str, typer.Option("--from", help="Id of the file to copy.")],
    dest: Annotated[Path | None, typer.Option(
        "--dir", help="Content folder to write into (default: your per-user folder).")] = None,
    new_id: Annotated[str | None, typer.Option(
        "--id", help="Id for the new file (default: made from NAME).")] = None,
    content: ContentOpt = None,
) -> None:
    """Start a new content file as a copy of an existing one; prints its path."""
    from simulator.content.problems import UnknownContentError
    from simulator.content.scaffold import ScaffoldError, scaffold

    resolved = _kind(kind)
    library = _load(content)
    try:
        path = scaffold(library, resolved, name, from_id, dest_dir=dest, new_id=new_id)
    except (ScaffoldError, UnknownContentError) as exc:
        raise _fail(str(exc), 1) from None
    except OSError as exc:
        raise _fail(f"cannot write the file: {exc}", 1) from None
    typer.echo(str(path))
