"""Where content files are found.

Content comes from up to three kinds of folder, listed here from lowest to
highest precedence (a later folder's file replaces an earlier one's with the
same kind and id; two files with the same id in ONE folder are an error):

1. the packaged library: the repository's top-level ``personas/``,
   ``scenarios/`` and ``rubrics/`` in a source checkout, or
   ``simulator/_library/`` inside an installed wheel;
2. the per-user folder, ``<platformdirs user data dir>/simulator/content``
   (``~/.local/share/simulator/content`` on Linux), where
   ``simulator new`` writes;
3. each ``--content DIR``, in the order given.

A content folder holds ``personas/``, ``scenarios/`` and ``rubrics/``
subfolders (searched recursively); YAML files directly inside it must say
what they are with a ``kind:`` key. A folder that is itself called
``personas`` (etc.) is read as that kind. Hidden files and folders (a name
starting with ``.``) are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from simulator.content.models import FOLDERS

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ContentDir:
    """One folder content is read from."""

    root: Path
    origin: str
    """``packaged``, ``user`` or ``--content``."""


def packaged_dir() -> Path | None:
    """The packaged library: ``simulator/_library`` in a wheel, the repository in a checkout."""
    package = Path(__file__).resolve().parent.parent
    wheel = package / "_library"
    if wheel.is_dir():
        return wheel
    checkout = package.parent
    if any((checkout / folder).is_dir() for folder in FOLDERS):
        return checkout
    return None


def user_content_dir() -> Path:
    """The per-user content folder (it may not exist yet)."""
    return Path(user_data_dir("simulator")) / "content"


def library_dirs(extra: Sequence[Path | str] = ()) -> list[ContentDir]:
    """All content folders, lowest precedence first.

    Args:
        extra: ``--content`` folders, in the order given (later wins).
    """
    dirs = []
    packaged = packaged_dir()
    if packaged is not None:
        dirs.append(ContentDir(packaged, "packaged"))
    dirs.append(ContentDir(user_content_dir(), "user"))
    dirs.extend(ContentDir(Path(d).expanduser().absolute(), "--content") for d in extra)
    return dirs


def yaml_files_below(folder: Path) -> list[Path]:
    """Every ``.yaml``/``.yml`` file below ``folder``, sorted, skipping hidden names.

    Hidden folders are pruned while walking, so pointing at a project root does not crawl
    ``.git`` or ``.venv``.
    """
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(top) / f for f in files
                  if f.endswith(YAML_SUFFIXES) and not f.startswith(".")]
    return sorted(p for p in found if p.is_file())


def content_files(root: Path) -> list[Path]:
    """The YAML files of one content folder (see the module docstring for the layout)."""
    if not root.is_dir():
        return []
    if root.name in FOLDERS:
        return yaml_files_below(root)
    files = [p for folder in FOLDERS if (root / folder).is_dir()
             for p in yaml_files_below(root / folder)]
    files += sorted(p for p in root.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file()
                    and not p.name.startswith("."))
    return files
