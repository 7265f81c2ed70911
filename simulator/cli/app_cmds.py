"""Commands that open the trainee app: bare ``simulator``, ``practice`` and ``serve``.

Textual is imported inside the command functions only, so other commands
(and ``--help``) never pay for it.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from simulator.cli.app import app

EngineOpt = Annotated[
    str | None, typer.Option("--engine", help="Client engine: scripted, openai or local.")
]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Model name for an LLM engine.")]
BaseUrlOpt = Annotated[
    str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1.")
]
ContentOpt = Annotated[
    list[Path] | None,
    typer.Option("--content", help="Extra folder of personas/scenarios/rubrics (repeatable)."),
]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _prepare(engine: str | None, model: str | None, base_url: str | None,
             content: list[Path] | None) -> tuple[Any, Any]:
    """Load settings and the content library, turning bad input into a clear message."""
    from simulator.config import ConfigError, load_settings
    from simulator.content.library import ContentError, load_library

    try:
        settings = load_settings(engine=engine, model=model, base_url=base_url)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    from simulator.clients.base import REGISTRY

    if settings.engine not in REGISTRY:
        raise _fail(f"unknown engine {settings.engine!r} (known: {', '.join(sorted(REGISTRY))})")
    for folder in content or []:
        if not folder.is_dir():
            raise _fail(f"--content {folder}: not a folder")
    try:
        library = load_library(tuple(content or ()))
    except ContentError as exc:
        problems = "\n  ".join(exc.problems)
        raise _fail(f"the content library has problems:\n  {problems}") from None
    return settings, library


def _run_app(settings: Any, library: Any, **kwargs: Any) -> None:
    from simulator.tui.app import SimulatorApp

    app = SimulatorApp(settings=settings, library=library, **kwargs)
    app.run()
    if app.return_code:  # e.g. 129 when the terminal was closed under it
        raise typer.Exit(app.return_code)


@app.callback(invoke_without_command=True)
def open_app(
    ctx: typer.Context,
    engine: EngineOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    content: ContentOpt = None,
) -> None:
    """Practise earning a simulated client's trust. With no command, opens the app."""
    if ctx.invoked_subcommand is not None:
        return
    settings, library = _prepare(engine, model, base_url, content)
    _run_app(settings, library)


@app.command()
def practice(
    scenario: Annotated[str, typer.Argument(help="Scenario id, e.g. first-session-skeptic.")],
    engine: EngineOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    content: ContentOpt = None,
    seed: Annotated[int, typer.Option(help="Seed, so a session can be repeated.")] = 0,
    exam: Annotated[bool, typer.Option("--exam", help="Exam mode: no panel, no hints.")] = False,
) -> None:
    """Open the app straight into SCENARIO."""
    settings, library = _prepare(engine, model, base_url, content)
    try:
        library.scenario(scenario)
    except KeyError as exc:
        raise _fail(str(exc.args[0] if exc.args else exc)) from None
    _run_app(settings, library, start_scenario=scenario, seed=seed,
             mode="exam" if exam else "practice")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    public_url: Annotated[
        str | None,
        typer.Option(help="URL browsers reach the server at (needed behind a proxy or with "
                          "--host 0.0.0.0), e.g. http://trainer.example.org:8000."),
    ] = None,
    engine: EngineOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    content: ContentOpt = None,
) -> None:
    """Serve the app to a web browser (textual-serve); each visitor gets their own app."""
    _prepare(engine, model, base_url, content)  # fail here, not in every browser tab
    from textual_serve.server import Server

    command = [sys.executable, "-m", "simulator"]
    for flag, value in (("--engine", engine), ("--model", model), ("--base-url", base_url)):
        if value:
            command += [flag, value]
    for folder in content or []:
        command += ["--content", str(folder.resolve())]
    url = public_url or f"http://{host}:{port}"
    typer.echo(f"Serving the simulator on {url}/  (Ctrl+C stops)")
    Server(shlex.join(command), host=host, port=port, title="Trust simulator",
           public_url=public_url).serve()
