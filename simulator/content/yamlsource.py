"""Read one YAML file into plain data plus the line of every key path.

PyYAML's node graph keeps a mark (line, column) on every key and value; we
compose the graph, construct the data from it, then walk it once to record
``key path -> line``. Every way a file can be unreadable (binary, not UTF-8,
empty, bad syntax, alias bombs, recursion) becomes a :class:`Problem`, never
an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulator.content.problems import WHOLE_FILE, KeyPath, Problem, format_path

# The C parser is several times faster; the TUI loads the library at start-up.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Files above this size are refused: no instructor file is anywhere near it.
MAX_BYTES = 2_000_000
#: Values after alias expansion; beyond this a file is an alias bomb, not content.
MAX_VALUES = 200_000


@dataclass
class Source:
    """The parsed contents of one YAML file."""

    path: Path
    shown: str
    """The file name as shown in problems."""
    data: Any = None
    keys: dict[KeyPath, int] = field(default_factory=dict)
    """Line of each mapping key and list item, by key path; ``()`` is the document."""
    scalars: dict[KeyPath, tuple[int, bool]] = field(default_factory=dict)
    """For scalar values: the line the value starts on, and whether it is a block (``|``/``>``)."""
    text: str = ""

    def line_for(self, path: KeyPath) -> int:
        """Line of ``path``, or of its nearest ancestor that is in the file (for missing keys)."""
        for end in range(len(path), -1, -1):
            line = self.keys.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1

    def known_prefix(self, path: KeyPath) -> KeyPath:
        """The longest leading part of ``path`` that exists in the file."""
        for end in range(len(path), -1, -1):
            if tuple(path[:end]) in self.keys:
                return tuple(path[:end])
        return ()

    def problem(self, path: KeyPath, message: str, line: int | None = None) -> Problem:
        """Build a problem located at ``path`` (or at an explicit ``line``)."""
        return Problem(self.shown, line or self.line_for(path), format_path(path), message)


def _maybe_deep(text: str) -> bool:
    """Whether ``text`` might nest deeply enough to overflow the C stack in libyaml's composer.

    The pure-Python loader raises RecursionError instead, which we report; it is slower, so it
    is kept for files no instructor writes: very long lines, deep indentation, many brackets.
    """
    if text.count("[") + text.count("{") > 1000:
        return True
    return any(len(line) > 2000 or len(line) - len(line.lstrip()) > 200
               for line in text.splitlines())


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, max(index, 0)) + 1


def _decode(raw: bytes, shown: str) -> tuple[str | None, Problem | None]:
    if b"\x00" in raw[:8192]:
        return None, Problem(
            shown, 1, WHOLE_FILE, "this is a binary file, not YAML text (or it is UTF-16: save it "
            "as UTF-8)"
        )
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start]
        return None, Problem(
            shown, line, WHOLE_FILE,
            f"not UTF-8 text (byte 0x{bad:02x} on this line); save the file as UTF-8",
        )


def _yaml_problem(exc: yaml.YAMLError, text: str, shown: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        line = mark.line + 1
    elif isinstance(exc, yaml.reader.ReaderError):
        line = _line_of(text, exc.position)
    else:
        line = 1
    if isinstance(exc, yaml.reader.ReaderError):
        what = f"character {exc.character!r} is not allowed in YAML"
    elif isinstance(exc, yaml.constructor.ConstructorError) and "tag" in str(exc.problem):
        return Problem(shown, line, WHOLE_FILE,
                       f"{exc.problem}: content files hold plain data, YAML tags such as "
                       "'!!python/...' are not allowed")
    else:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        what = f"{problem} ({context})" if context else str(problem)
    return Problem(shown, line, WHOLE_FILE, f"YAML syntax error: {what}")


def _key_value(node: yaml.Node) -> Any:
    """The key as the constructed data will hold it (``1``, ``None``, ``True``...)."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:str":
            return node.value
        try:
            return yaml.constructor.SafeConstructor().construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError):
            return node.value
    return f"<{node.tag.rsplit(':', 1)[-1]}>"


class _Walker:
    """Records lines, finds duplicate keys and cycles, counts expanded values."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self._seen: set[int] = set()
        self._active: set[int] = set()
        self._sizes: dict[int, int] = {}

    def walk(self, node: yaml.Node, path: KeyPath) -> None:
        # Aliased nodes are walked once: lines stay those of the anchor, and a
        # recursive alias is reported instead of looping forever.
        if id(node) in self._active:
            self.problems.append(self.source.problem(path, "an alias refers to the value that "
                                                     "contains it; recursive values are not "
                                                     "allowed"))
            return
        if id(node) in self._seen:
            return
        self._seen.add(id(node))
        self._active.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = _key_value(key_node)
                line = key_node.start_mark.line + 1
                child = (*path, key)
                if key in first:
                    self.problems.append(self.source.problem(
                        child, f"key {key!r} appears twice (first on line {first[key]}); "
                        "the last one wins, remove one", line))
                else:
                    first[key] = line
                # The last occurrence is the value YAML keeps, so problems point at it.
                self.source.keys[child] = line
                self.walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = (*path, index)
                self.source.keys[child] = item.start_mark.line + 1
                self.walk(item, child)
        else:
            style = getattr(node, "style", None)
            self.source.scalars[path] = (node.start_mark.line + 1, style in ("|", ">"))
        self._active.discard(id(node))

    def size(self, node: yaml.Node, depth: int = 0) -> int:
        """Number of values once aliases are expanded (memoised, so it stays linear)."""
        key = id(node)
        if key in self._sizes:
            return self._sizes[key]
        self._sizes[key] = 1  # provisional: a cycle counts once (it is reported separately)
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(self.size(v, depth + 1) + 1 for _, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(self.size(v, depth + 1) for v in node.value)
        self._sizes[key] = total
        return total


def read_source(path: Path, shown: str) -> tuple[Source | None, list[Problem]]:
    """Read and parse ``path``.

    Args:
        path: The YAML file.
        shown: How the file is named in problems.

    Returns:
        The parsed source (``None`` when nothing usable could be read) and the problems found
        while reading it. A source is returned only when its data is a mapping-or-other value
        that later checks can look at.
    """
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:  # checked before reading: never slurp a huge file
            return None, [Problem(shown, 1, WHOLE_FILE,
                                  f"file is {size} bytes; content files are limited to "
                                  f"{MAX_BYTES}")]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, 1, WHOLE_FILE,
                              f"cannot read the file: {exc.strerror or exc}")]
    text, bad = _decode(raw, shown)
    if text is None:
        return None, [bad] if bad else []
    if not text.strip():
        return None, [Problem(shown, 1, WHOLE_FILE, "the file is empty")]
    source = Source(path=path, shown=shown, text=text)
    loader = (yaml.SafeLoader if _maybe_deep(text) else _Loader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(shown, 1, WHOLE_FILE, "the file has no content (only comments)")]
        walker = _Walker(source)
        if walker.size(node) > MAX_VALUES:
            return None, [Problem(shown, node.start_mark.line + 1, WHOLE_FILE,
                                  f"aliases expand to more than {MAX_VALUES} values; this is not "
                                  "a content file")]
        walker.walk(node, ())
        if walker.problems and any("recursive" in p.message for p in walker.problems):
            return None, walker.problems
        source.keys[()] = node.start_mark.line + 1
        source.data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        return None, [_yaml_problem(exc, text, shown)]
    except RecursionError:
        return None, [Problem(shown, 1, WHOLE_FILE, "values are nested too deeply")]
    finally:
        loader.dispose()
    return source, walker.problems
