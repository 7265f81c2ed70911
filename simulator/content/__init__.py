"""Instructor content: the file formats and the library that loads and checks them.

- :mod:`~simulator.content.models`: pydantic models for personas, scenarios and rubrics.
- :mod:`~simulator.content.library`: ``load_library()``, the merged content by id.
- :mod:`~simulator.content.discovery`: which folders content comes from, and precedence.
- :mod:`~simulator.content.checks`: checks one file; problems as ``FILE:LINE: key: message``.
- :mod:`~simulator.content.yamlsource`, :mod:`~simulator.content.templates`: YAML with line
  numbers; sandboxed jinja2 for authored lines.
- :mod:`~simulator.content.scaffold`, :mod:`~simulator.content.docgen`: ``simulator new``;
  the field tables of ``docs/authoring.md``.

Nothing is imported here, so importing the models stays cheap.
"""
