"""The database tables: sessions, turns, ledger and ruptures (SQLAlchemy 2 ORM).

JSON columns hold short lists (codes, layer ids) and the client engine's own
per-session state; everything an instructor might query has its own column.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base for the simulator's tables."""


class SessionRow(Base):
    """One practice or exam session and its current trust state."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(64), index=True)
    persona_id: Mapped[str] = mapped_column(String(64))
    rubric_id: Mapped[str] = mapped_column(String(64))
    engine: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    end_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    trust: Mapped[float] = mapped_column(Float)
    client_state: Mapped[str] = mapped_column(String(32))
    unlocked: Mapped[list[str]] = mapped_column(JSON)
    history: Mapped[list[float]] = mapped_column(JSON)
    engine_state: Mapped[dict[str, Any]] = mapped_column(JSON)

    turns: Mapped[list[TurnRow]] = relationship(
        back_populates="session", order_by="TurnRow.index", cascade="all, delete-orphan"
    )
    ledger: Mapped[list[LedgerRow]] = relationship(
        back_populates="session", order_by="LedgerRow.seq", cascade="all, delete-orphan"
    )
    ruptures: Mapped[list[RuptureRow]] = relationship(
        back_populates="session", order_by="RuptureRow.seq", cascade="all, delete-orphan"
    )


class TurnRow(Base):
    """One turn of the transcript (trainee or client)."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("session_id", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    codes: Mapped[list[str]] = mapped_column(JSON)
    trust: Mapped[float] = mapped_column(Float)
    rupture: Mapped[str | None] = mapped_column(String(16), nullable=True)
    disclosed: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    move: Mapped[str | None] = mapped_column(String(32), nullable=True)

    session: Mapped[SessionRow] = relationship(back_populates="turns")


class LedgerRow(Base):
    """One change to trust, with its cause and reason."""

    __tablename__ = "ledger"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    turn: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    cause: Mapped[str] = mapped_column(Text)
    amount: Mapped[float] = mapped_column(Float)
    trust_after: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)

    session: Mapped[SessionRow] = relationship(back_populates="ledger")


class RuptureRow(Base):
    """A rupture and whether it was repaired."""

    __tablename__ = "ruptures"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    opened_turn: Mapped[int] = mapped_column(Integer)
    resolved_turn: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cause: Mapped[str] = mapped_column(Text)
    repair_credit: Mapped[float] = mapped_column(Float)

    session: Mapped[SessionRow] = relationship(back_populates="ruptures")
