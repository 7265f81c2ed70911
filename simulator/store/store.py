"""Session persistence: every completed turn is committed before the next is accepted.

SQLite at ``data_dir()/simulator.sqlite3`` by default; ``SIMULATOR_DB_URL`` (or the
``url`` argument) points at any SQLAlchemy URL, e.g. PostgreSQL
(``postgresql+psycopg://user@host/db``, driver installed separately).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload, sessionmaker

from simulator.config import data_dir
from simulator.store.tables import Base, LedgerRow, RuptureRow, SessionRow, TurnRow, utcnow

DB_FILE = "simulator.sqlite3"


class StoreError(RuntimeError):
    """The session database could not be read or written."""


class SessionNotFoundError(StoreError, KeyError):
    """No stored session has the given id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "session not found"


@dataclass
class StoredSession:
    """Everything needed to rebuild a session exactly (plain data, no ORM objects)."""

    id: str
    scenario_id: str
    persona_id: str
    rubric_id: str
    engine: str
    model: str
    mode: str
    seed: int
    trust: float
    client_state: str
    unlocked: list[str]
    history: list[float]
    turns: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    ruptures: list[dict[str, Any]] = field(default_factory=list)
    engine_state: dict[str, Any] = field(default_factory=dict)
    finished: bool = False
    end_reason: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SessionSummary:
    """One line of a session list."""

    id: str
    scenario_id: str
    persona_id: str
    mode: str
    engine: str
    trainee_turns: int
    trust: float
    finished: bool
    end_reason: str | None
    created_at: datetime
    updated_at: datetime


def database_url(path: Path | str | None = None) -> str:
    """Return the URL to use: ``path`` if given, else ``$SIMULATOR_DB_URL``, else the data dir."""
    if path is not None:
        return f"sqlite:///{Path(path)}"
    env = os.environ.get("SIMULATOR_DB_URL")
    return env if env else f"sqlite:///{data_dir() / DB_FILE}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets a reader (the TUI's session list) work while a session writes;
    # synchronous=FULL makes a committed turn survive a crash or a kill.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class SessionStore:
    """Reads and writes sessions.

    Args:
        path: SQLite file to use (default: ``$SIMULATOR_DB_URL`` or
            ``data_dir()/simulator.sqlite3``).
        url: A full SQLAlchemy URL; wins over ``path``.
    """

    def __init__(self, path: Path | str | None = None, *, url: str | None = None) -> None:
        self.url = url or database_url(path)
        try:
            self.engine: Engine = create_engine(self.url)
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            Base.metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the session database {self.url}: {exc}") from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    # ------------------------------------------------------------------ writing

    def save(self, data: StoredSession) -> None:
        """Write ``data`` in one transaction: new turns and ledger entries, current state.

        Rows already stored for the session are kept; only what is new is inserted,
        and ruptures (a few rows whose repair state changes) are rewritten.
        """
        try:
            with self._sessions.begin() as orm:
                row = orm.get(SessionRow, data.id)
                if row is None:
                    row = SessionRow(id=data.id, created_at=data.created_at or utcnow())
                    orm.add(row)
                    stored_turns = stored_ledger = 0
                else:
                    stored_turns = self._count(orm, TurnRow, data.id)
                    stored_ledger = self._count(orm, LedgerRow, data.id)
                self._update_row(row, data)
                for turn in data.turns[stored_turns:]:
                    orm.add(TurnRow(session_id=data.id, **turn))
                for seq, entry in enumerate(data.ledger[stored_ledger:], start=stored_ledger):
                    orm.add(LedgerRow(session_id=data.id, seq=seq, **entry))
                orm.execute(delete(RuptureRow).where(RuptureRow.session_id == data.id))
                for seq, rupture in enumerate(data.ruptures):
                    orm.add(RuptureRow(session_id=data.id, seq=seq, **rupture))
        except SQLAlchemyError as exc:
            raise StoreError(f"could not save session {data.id}: {exc}") from exc

    @staticmethod
    def _count(orm: OrmSession, table: type[TurnRow] | type[LedgerRow], session_id: str) -> int:
        rows = orm.scalars(select(table.id).where(table.session_id == session_id)).all()
        return len(rows)

    @staticmethod
    def _update_row(row: SessionRow, data: StoredSession) -> None:
        row.scenario_id = data.scenario_id
        row.persona_id = data.persona_id
        row.rubric_id = data.rubric_id
        row.engine = data.engine
        row.model = data.model
        row.mode = data.mode
        row.seed = data.seed
        row.trust = data.trust
        row.client_state = data.client_state
        row.unlocked = list(data.unlocked)
        row.history = list(data.history)
        row.engine_state = dict(data.engine_state)
        row.finished = data.finished
        row.end_reason = data.end_reason
        row.updated_at = utcnow()

    # ------------------------------------------------------------------ reading

    def load(self, session_id: str) -> StoredSession:
        """Return the stored session ``session_id``.

        Raises:
            SessionNotFoundError: there is no such session.
        """
        try:
            with self._sessions() as orm:
                stmt = (
                    select(SessionRow)
                    .where(SessionRow.id == session_id)
                    .options(
                        selectinload(SessionRow.turns),
                        selectinload(SessionRow.ledger),
                        selectinload(SessionRow.ruptures),
                    )
                )
                row = orm.scalars(stmt).first()
                if row is None:
                    raise SessionNotFoundError(f"no stored session {session_id!r}")
                return self._to_data(row)
        except SQLAlchemyError as exc:
            raise StoreError(f"could not read session {session_id}: {exc}") from exc

    @staticmethod
    def _to_data(row: SessionRow) -> StoredSession:
        turns = [
            {
                "index": t.index,
                "speaker": t.speaker,
                "text": t.text,
                "codes": list(t.codes),
                "trust": t.trust,
                "rupture": t.rupture,
                "disclosed": list(t.disclosed),
                "state": t.state,
                "move": t.move,
            }
            for t in row.turns
        ]
        ledger = [
            {
                "turn": e.turn,
                "source": e.source,
                "cause": e.cause,
                "amount": e.amount,
                "trust_after": e.trust_after,
                "reason": e.reason,
            }
            for e in row.ledger
        ]
        ruptures = [
            {
                "kind": r.kind,
                "opened_turn": r.opened_turn,
                "resolved_turn": r.resolved_turn,
                "cause": r.cause,
                "repair_credit": r.repair_credit,
            }
            for r in row.ruptures
        ]
        return StoredSession(
            id=row.id,
            scenario_id=row.scenario_id,
            persona_id=row.persona_id,
            rubric_id=row.rubric_id,
            engine=row.engine,
            model=row.model,
            mode=row.mode,
            seed=row.seed,
            trust=row.trust,
            client_state=row.client_state,
            unlocked=list(row.unlocked),
            history=list(row.history),
            turns=turns,
            ledger=ledger,
            ruptures=ruptures,
            engine_state=dict(row.engine_state or {}),
            finished=row.finished,
            end_reason=row.end_reason,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def list_sessions(self, *, finished: bool | None = None) -> list[SessionSummary]:
        """Return stored sessions, most recently updated first, optionally by finished state."""
        try:
            with self._sessions() as orm:
                stmt = select(SessionRow).options(selectinload(SessionRow.turns))
                if finished is not None:
                    stmt = stmt.where(SessionRow.finished == finished)
                rows = orm.scalars(stmt.order_by(SessionRow.updated_at.desc())).all()
                return [
                    SessionSummary(
                        id=r.id,
                        scenario_id=r.scenario_id,
                        persona_id=r.persona_id,
                        mode=r.mode,
                        engine=r.engine,
                        trainee_turns=sum(1 for t in r.turns if t.speaker == "trainee"),
                        trust=r.trust,
                        finished=r.finished,
                        end_reason=r.end_reason,
                        created_at=r.created_at,
                        updated_at=r.updated_at,
                    )
                    for r in rows
                ]
        except SQLAlchemyError as exc:
            raise StoreError(f"could not list sessions: {exc}") from exc

    def list_unfinished(self) -> list[SessionSummary]:
        """Return the sessions that can be resumed, most recent first."""
        return self.list_sessions(finished=False)
