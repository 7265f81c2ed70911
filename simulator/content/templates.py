"""Sandboxed jinja2 for the lines instructors author.

Authored lines may use ``{{ client }}``, ``{{ turn }}`` and ``{{ trust }}``.
They are rendered in a sandbox with ``StrictUndefined``, so a misspelt name
is an error at validation time rather than an empty gap in front of a trainee.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

#: The variables every authored line may use, with the sample values validation renders with.
TEMPLATE_VARIABLES: dict[str, Any] = {"client": "Alex", "turn": 3, "trust": 42}


def looks_like_template(text: str) -> bool:
    """Whether ``text`` contains jinja2 markup at all (plain lines skip jinja2 entirely)."""
    return "{{" in text or "{%" in text or "{#" in text


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    """The shared sandboxed environment (jinja2 is imported on first use, to start fast)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def render_line(text: str, **variables: Any) -> str:
    """Render one authored line with ``client``, ``turn`` and ``trust``.

    Args:
        text: The authored line (plain text or jinja2).
        **variables: Values for the template variables.

    Raises:
        jinja2.TemplateError: The line is broken; :func:`check_template` says how.
    """
    if not looks_like_template(text):
        return text
    return environment().from_string(text).render(**variables)


def check_template(text: str) -> tuple[int, str] | None:
    """Compile and render ``text`` with sample values.

    Returns:
        ``None`` when the line is fine, else ``(line within the text, message)``.
    """
    if not looks_like_template(text):
        return None
    from jinja2 import TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    env = environment()
    try:
        template = env.from_string(text)
    except TemplateSyntaxError as exc:
        return exc.lineno or 1, f"broken jinja2 template: {exc.message}"
    try:
        template.render(**TEMPLATE_VARIABLES)
    except UndefinedError as exc:
        names = ", ".join(TEMPLATE_VARIABLES)
        return 1, f"jinja2 template uses an unknown name: {exc.message}; lines may use {names}"
    except SecurityError as exc:
        return 1, f"jinja2 template does something unsafe: {exc}"
    except Exception as exc:  # noqa: BLE001 - any render failure is the author's to fix
        return 1, f"jinja2 template fails when rendered: {type(exc).__name__}: {exc}"
    return None
