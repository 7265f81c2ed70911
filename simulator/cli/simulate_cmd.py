"""Headless front ends over the session loop: ``simulate`` and ``practice-plain``.

``simulate`` plays a file of trainee turns against a scenario and prints the
transcript (or one JSON document). ``practice-plain`` is a line-by-line practice
session in a plain terminal: the fallback when a full-screen app is not
wanted, and the front end the crash-and-resume tests drive through a pipe.
Heavy imports happen inside the commands so ``simulator --help`` stays fast.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from simulator.cli.app import app

if TYPE_CHECKING:
    from simulator.clients.base import ClientEngine
    from simulator.session import Session, TurnRecord

EngineOpt = Annotated[
    str | None, typer.Option("--engine", help="Client engine: scripted, openai or local.")
]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Model name for an LLM engine.")]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1."),
]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Seed, so runs repeat.")]
ContentOpt = Annotated[
    list[Path] | None,
    typer.Option("--content", help="Extra folder of personas/scenarios/rubrics (repeatable)."),
]


class CliError(Exception):
    """Bad input or a failure to report as one line on stderr."""


def _die(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _setup(
    engine: str | None,
    model: str | None,
    base_url: str | None,
    seed: int | None,
    content: list[Path] | None,
) -> tuple[Any, ClientEngine, int]:
    """Load the library and create the engine; every failure becomes a :class:`CliError`."""
    from simulator.clients.base import ClientEngineError, create_engine
    from simulator.config import ConfigError, load_settings
    from simulator.content.library import ContentError, load_library

    for folder in content or []:
        if not folder.is_dir():
            raise CliError(f"--content {folder}: not a folder")
    try:
        settings = load_settings(engine=engine, model=model, base_url=base_url, seed=seed)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    try:
        library = load_library(tuple(content or ()))
    except ContentError as exc:
        raise CliError(
            "the content library has problems:\n  " + "\n  ".join(exc.problems)
        ) from None
    try:
        client = create_engine(settings)
    except ClientEngineError as exc:
        raise CliError(str(exc)) from None
    return library, client, settings.seed


def read_trainee_file(path: Path) -> list[str]:
    """Return the trainee turns in ``path``: one per line; blank and ``#`` lines skipped."""
    if not path.is_file():
        raise CliError(f"trainee file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read trainee file {path}: {exc}") from None
    turns = [line.strip() for line in text.splitlines()]
    turns = [t for t in turns if t and not t.startswith("#")]
    if not turns:
        raise CliError(f"trainee file {path} holds no turns")
    return turns


async def run_script(session: Session, lines: list[str]) -> int:
    """Play ``lines`` as trainee turns; return how many were played before the session ended."""
    from simulator.session import TurnCompleted

    played = 0
    for line in lines:
        if session.finished:
            break
        async for event in session.respond(line):
            if isinstance(event, TurnCompleted):
                played += 1
    if not session.finished:
        session.end("script_end")
    return played


def format_turn(turn: TurnRecord) -> str:
    """One transcript line with the trust after it and rupture/disclosure marks."""
    who = "TRAINEE" if turn.speaker == "trainee" else "CLIENT "
    marks = [f"trust {turn.trust:g}"]
    if turn.rupture:
        marks.append(f"RUPTURE: {turn.rupture}")
    if turn.state and turn.state == "accepting_repair":
        marks.append("repaired")
    if turn.disclosed:
        marks.append("disclosed: " + ", ".join(turn.disclosed))
    codes = f" {{{', '.join(turn.codes)}}}" if turn.speaker == "trainee" and turn.codes else ""
    return f"[{turn.index:>2}] {who} ({'; '.join(marks)}){codes}\n     {turn.text}"


def format_transcript(session: Session) -> str:
    """The readable transcript of a whole session."""
    out = [
        f"{session.scenario.title} ({session.scenario.id}) with {session.persona.name}, "
        f"engine {session.engine.name}",
        "",
    ]
    out += [format_turn(t) for t in session.turns]
    out.append("")
    for r in session.trust.ruptures:
        end = f"repaired at turn {r.resolved_turn}" if r.resolved_turn is not None else "UNRESOLVED"
        out.append(f"Rupture: {r.kind}, opened at turn {r.opened_turn} ({r.cause}); {end}")
    out.append(
        f"Final trust: {session.trust.value:g} ({session.trust.band}); "
        f"layers unlocked: {', '.join(session.trust.unlocked)}"
    )
    return "\n".join(out)


@app.command()
def simulate(
    scenario: Annotated[str, typer.Argument(help="Scenario id, e.g. dale-first-session.")],
    trainee: Annotated[
        Path, typer.Option("--trainee", help="File with one trainee turn per line.")
    ],
    engine: EngineOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    seed: SeedOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    content: ContentOpt = None,
) -> None:
    """Play a file of trainee turns against a scenario, headless."""
    from simulator.clients.base import ClientEngineError
    from simulator.session import Session

    try:
        lines = read_trainee_file(trainee)
        library, client, run_seed = _setup(engine, model, base_url, seed, content)
        session = Session.start(scenario, library=library, engine=client, seed=run_seed)
        played = asyncio.run(run_script(session, lines))
        document = session.to_dict() if as_json else None
    except CliError as exc:
        _die(str(exc))
    except KeyError as exc:  # unknown scenario / persona / rubric, with did-you-mean
        _die(str(exc))
    except ClientEngineError as exc:
        _die(f"client engine failed: {exc}")
    if played < len(lines):
        typer.echo(
            f"note: the scenario ends after {session.scenario.turn_limit} turns; "
            f"{len(lines) - played} trainee line(s) were not played",
            err=True,
        )
    if document is not None:
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        typer.echo(format_transcript(session))


PLAIN_HELP = "Commands: /hint  /trust  /end (finish and score)  /quit (keep for later)"


async def _plain_loop(session: Session) -> None:
    """Read trainee lines from stdin and stream the client's replies to stdout."""
    from simulator.clients.base import ClientEngineError
    from simulator.session import ClientChunk, SessionEnded, TurnCompleted

    loop = asyncio.get_running_loop()
    out = sys.stdout
    while not session.finished:
        out.write("> ")
        out.flush()
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:  # end of input: keep the session for later
            out.write(
                f"\nSession kept. Resume with: simulator practice-plain --resume {session.id}\n"
            )
            return
        text = line.strip()
        if not text:
            continue
        if text == "/quit":
            out.write(
                f"Session kept. Resume with: simulator practice-plain --resume {session.id}\n"
            )
            return
        if text == "/end":
            session.end("trainee")
            break
        if text == "/hint":
            out.write(f"hint: {session.hint()}\n")
            continue
        if text == "/trust":
            t = session.trust
            out.write(f"trust {t.value:g} ({t.band}); rupture: {t.rupture or 'none'}\n")
            for entry in t.ledger[-5:]:
                change = f"{entry.amount:+g} -> {entry.trust_after:g}"
                out.write(f"  turn {entry.turn}: {change}  {entry.reason}\n")
            continue
        try:
            out.write(f"{session.persona.name}: ")
            async for event in session.respond(text):
                if isinstance(event, ClientChunk):
                    out.write(event.text)
                    out.flush()
                elif isinstance(event, TurnCompleted):
                    c = event.client
                    marks = f"trust {c.trust:g}"
                    if c.rupture:
                        marks += f", rupture: {c.rupture}"
                    if c.disclosed:
                        marks += ", disclosed: " + ", ".join(c.disclosed)
                    out.write(f"\n[turn {c.turn} saved; {marks}]\n")
                elif isinstance(event, SessionEnded):
                    out.write(f"[session ended: {event.reason}]\n")
        except ClientEngineError as exc:
            out.write("\n")
            typer.echo(f"error: {exc} (nothing was sent; try again)", err=True)
        out.flush()
    report = session.report()
    dims = report.get("dimensions", {}) if isinstance(report, dict) else {}
    out.write(f"Session finished: trust {session.trust.value:g} ({session.trust.band}).\n")
    for dim_id, dim in dims.items():
        out.write(f"  {dim_id}: {dim.get('score') if isinstance(dim, dict) else dim}\n")
    out.flush()


@app.command("practice-plain")
def practice_plain(
    scenario: Annotated[
        str | None, typer.Argument(help="Scenario id (omit with --resume).")
    ] = None,
    resume: Annotated[
        str | None, typer.Option("--resume", help="Id of an unfinished session to continue.")
    ] = None,
    exam: Annotated[bool, typer.Option("--exam", help="Assessed mode: no hints.")] = False,
    engine: EngineOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    seed: SeedOpt = None,
    content: ContentOpt = None,
) -> None:
    """Practise in a plain terminal, line by line (every turn is saved as it completes)."""
    from simulator.clients.base import ClientEngineError
    from simulator.session import Session
    from simulator.store import SessionStore, StoreError

    if (scenario is None) == (resume is None):
        _die("give a SCENARIO to start, or --resume SESSION_ID to continue (not both)")
    try:
        library, client, run_seed = _setup(engine, model, base_url, seed, content)
        store = SessionStore()
        if resume is not None:
            session = Session.resume(resume, library=library, engine=client, store=store)
            if session.finished:
                raise CliError(f"session {resume} has already ended")
        else:
            assert scenario is not None
            session = Session.start(
                scenario,
                library=library,
                engine=client,
                store=store,
                seed=run_seed,
                mode="exam" if exam else "practice",
            )
    except CliError as exc:
        _die(str(exc))
    except (KeyError, StoreError) as exc:  # unknown ids (did-you-mean), database trouble
        _die(str(exc))
    except ClientEngineError as exc:
        _die(f"client engine failed: {exc}")

    typer.echo(f"session {session.id}: {session.scenario.title} with {session.persona.name}")
    typer.echo(PLAIN_HELP)
    for turn in session.turns:
        name = session.persona.name if turn.speaker == "client" else "You"
        typer.echo(f"{name}: {turn.text}")
    try:
        asyncio.run(_plain_loop(session))
    except KeyboardInterrupt:
        typer.echo(f"\nSession kept. Resume with: simulator practice-plain --resume {session.id}")
