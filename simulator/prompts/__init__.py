"""Prompt templates owned by the code, rendered in a jinja2 sandbox.

Templates live next to this module as ``*.j2`` files. Rendering uses
:class:`jinja2.sandbox.SandboxedEnvironment` with ``StrictUndefined`` so a
misspelt variable fails loudly instead of silently leaving a hole in a prompt,
and so that nothing reachable from the context can be abused from a template.
Values (persona text, trainee words) are inserted as plain data and never
re-parsed as templates.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

TEMPLATE_DIR = Path(__file__).resolve().parent


class PromptError(RuntimeError):
    """A prompt template could not be rendered (a bug in the template or its context)."""


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    """The shared sandboxed environment that loads templates from this package."""
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=StrictUndefined,
        autoescape=False,  # prompts are plain text, not HTML
        keep_trailing_newline=False,
        trim_blocks=False,
    )


def render(template: str, /, **context: Any) -> str:
    """Render ``template`` (e.g. ``"client_system.j2"``) with ``context``.

    Args:
        template: File name of a template in this package.
        **context: Variables the template uses; every one it names must be given.

    Returns:
        The rendered text with runs of blank lines collapsed and outer whitespace stripped.

    Raises:
        PromptError: The template is missing or refers to a variable not in ``context``.
    """
    try:
        text = environment().get_template(template).render(**context)
    except TemplateError as exc:
        raise PromptError(f"prompt template {template}: {exc}") from exc
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)
