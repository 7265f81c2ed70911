"""The offline client: voices the trust state with the persona's authored lines.

It needs no model and no network, so it is the default engine and the one the
tests and ``simulator simulate`` use. It picks a line from the pool for the
client's state and the trainee's move (falling back to the state's ``any``
pool, also once the move's pool is used up), weaves in a line from a
disclosure layer the trust model has unlocked (a layer's lines in the order
they were written: they build up), and streams the result word by word.

Pools are drawn without repetition until exhausted. The draw state lives in
``ctx.extra["engine_state"]`` when the session provides that dict (the session
stores it with each completed turn and discards it when a turn fails), so a
resumed session carries on exactly where it stopped.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from simulator.clients.base import ClientContext, ClientEngineError

if TYPE_CHECKING:
    from simulator.config import EngineSettings

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)

#: States in which the client is willing to disclose an unlocked layer.
_DISCLOSING_STATES = frozenset({"guarded", "warming", "open", "accepting_repair"})
#: Moves after which a client in a disclosing state may go on with an unlocked layer.
_INVITING_MOVES = frozenset({"reflection", "validation", "question", "repair"})


def render_line(template: str, **variables: Any) -> str:
    """Render an authored line with sandboxed jinja2 (unknown variables are errors).

    Raises:
        ClientEngineError: the line does not render (names the problem).
    """
    try:
        return _ENV.from_string(template).render(**variables).strip()
    except TemplateError as exc:
        raise ClientEngineError(f"cannot render the line {template!r}: {exc}") from exc


def split_chunks(text: str) -> list[str]:
    """Split ``text`` into word chunks (each keeps its trailing space) that join back to it."""
    return re.findall(r"\s*\S+\s*", text) or [text]


class ScriptedEngine:
    """Client engine that speaks authored persona lines.

    Args:
        delay: Seconds to wait between streamed words (0 in headless runs; a UI may
            set a few hundredths of a second to show the reply arriving).
    """

    name = "scripted"
    model = "scripted"

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        # Used only when the caller does not provide ctx.extra["engine_state"].
        self._fallback_state: dict[str, Any] = {}

    async def stream(self, ctx: ClientContext) -> AsyncIterator[str]:
        """Yield the client's reply word by word."""
        text = self.compose(ctx)
        for chunk in split_chunks(text):
            if self.delay > 0:
                await asyncio.sleep(self.delay)
            yield chunk

    # ------------------------------------------------------------------ composing

    def compose(self, ctx: ClientContext) -> str:
        """Return the whole reply for ``ctx`` (and record which lines were used)."""
        state = ctx.extra.get("engine_state")
        pools_used: dict[str, list[int]] = (
            state if isinstance(state, dict) else self._fallback_state
        ).setdefault("used", {})
        rng = random.Random(f"{ctx.seed}:{ctx.turn}:{ctx.persona.id}")
        variables = {"client": ctx.persona.name, "turn": ctx.turn, "trust": round(ctx.trust)}

        lines = getattr(ctx.persona.lines, ctx.state, None)
        if lines is None:
            raise ClientEngineError(f"the scripted client has no lines for state {ctx.state!r}")
        move_pool: list[str] = getattr(lines, ctx.move, []) if ctx.move else []
        parts = [self._state_line(ctx.state, move_pool, lines.any, ctx.move, pools_used, ctx.seed)]

        disclosure = self._disclosure(ctx, pools_used, rng)
        if disclosure is not None:
            parts.append(disclosure)
        return " ".join(render_line(p, **variables) for p in parts if p)

    def _state_line(
        self,
        state: str,
        move_pool: Sequence[str],
        any_pool: Sequence[str],
        move: str | None,
        used: dict[str, list[int]],
        seed: int,
    ) -> str:
        """Draw the state line: the move's pool first, then the state's ``any`` pool.

        A trainee who makes the same move every turn (say, judging) exhausts its pool
        quickly; the client then goes on with the state's general lines, which fit any
        move, and only once both are used up does a pool start over. So a line repeats
        only after every line for this state and move has been said.
        """
        move_key, any_key = f"{state}.{move}", f"{state}.any"
        if not move_pool:
            return self._draw(any_key, any_pool, used, seed)
        if len(used.get(move_key, [])) < len(move_pool):
            return self._draw(move_key, move_pool, used, seed)
        if len(used.get(any_key, [])) < len(any_pool):
            return self._draw(any_key, any_pool, used, seed)
        return self._draw(move_key, move_pool, used, seed)

    def _disclosure(
        self, ctx: ClientContext, used: dict[str, list[int]], rng: random.Random
    ) -> str | None:
        """Return a line from an unlocked layer to add to the reply, or ``None``."""
        if ctx.state not in _DISCLOSING_STATES:
            return None
        # A layer just unlocked: the client says something from it now.
        for layer in reversed(ctx.newly_unlocked):
            if layer.lines:
                return self._next_in_order(f"layer.{layer.id}", layer.lines, used)
        # Otherwise, now and then, go on with a layer already unlocked, deepest first,
        # but never repeat a disclosure: once a layer's lines are said, it is done.
        if ctx.move not in _INVITING_MOVES or rng.random() < 0.5:
            return None
        for layer in reversed(ctx.unlocked):
            key = f"layer.{layer.id}"
            if len(used.get(key, [])) < len(layer.lines):
                return self._next_in_order(key, layer.lines, used)
        return None

    @staticmethod
    def _next_in_order(key: str, pool: Sequence[str], used: dict[str, list[int]]) -> str:
        """Return the next line of a disclosure layer in authored order.

        A layer's lines build up (the first admits there is something, a later one says
        what), so they are never shuffled. Once all are said the last one stays the
        answer; callers stop asking for a layer whose lines are used up.
        """
        taken = used.setdefault(key, [])
        index = min(len(taken), len(pool) - 1)
        taken.append(index)
        return pool[index]

    @staticmethod
    def _draw(key: str, pool: Sequence[str], used: dict[str, list[int]], seed: int) -> str:
        """Draw a line from ``pool`` that has not been used since the pool was last emptied."""
        if not pool:
            return ""
        taken = used.setdefault(key, [])
        if len(taken) >= len(pool):
            last = taken[-1] if taken else None
            taken.clear()
            # Do not start the new round with the line that ended the last one.
            candidates = [i for i in range(len(pool)) if i != last] or [0]
        else:
            candidates = [i for i in range(len(pool)) if i not in taken]
        rng = random.Random(f"{seed}:{key}:{len(taken)}:{sum(taken)}")
        index = rng.choice(candidates)
        taken.append(index)
        return pool[index]


def create(settings: EngineSettings) -> ScriptedEngine:
    """Registry factory. ``SIMULATOR_STREAM_DELAY`` (seconds per word) slows streaming."""
    raw = os.environ.get("SIMULATOR_STREAM_DELAY", "")
    try:
        delay = float(raw) if raw else float(getattr(settings, "stream_delay", 0.0))
    except ValueError:
        raise ClientEngineError(f"SIMULATOR_STREAM_DELAY must be a number, not {raw!r}") from None
    return ScriptedEngine(delay=max(0.0, delay))
