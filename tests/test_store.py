"""The session store: a real SQLite file through SQLAlchemy."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from simulator.config import data_dir
from simulator.store import (
    SessionNotFoundError,
    SessionStore,
    StoredSession,
    StoreError,
    database_url,
)


def stored(session_id: str = "abc", *, turns: int = 1, finished: bool = False) -> StoredSession:
    return StoredSession(
        id=session_id,
        scenario_id="dale-first-session",
        persona_id="dale-kowalski",
        rubric_id="default",
        engine="scripted",
        model="scripted",
        mode="practice",
        seed=3,
        trust=22.5,
        client_state="guarded",
        unlocked=["surface"],
        history=[20.0, 22.5],
        turns=[
            {
                "index": i,
                "speaker": "client" if i % 2 == 0 else "trainee",
                "text": f"turn {i}",
                "codes": ["neutral"],
                "trust": 20.0 + i,
                "rupture": None,
                "disclosed": ["surface"] if i == 0 else [],
                "state": "guarded",
                "move": None,
            }
            for i in range(turns)
        ],
        ledger=[
            {
                "turn": 0,
                "source": "start",
                "cause": "initial",
                "amount": 0.0,
                "trust_after": 20.0,
                "reason": "session starts",
            }
        ],
        ruptures=[
            {
                "kind": "withdrawal",
                "opened_turn": 1,
                "resolved_turn": None,
                "cause": "x",
                "repair_credit": 0.5,
            }
        ],
        engine_state={"used": {"guarded.any": [1, 0]}},
        finished=finished,
    )


def test_default_file_is_in_the_data_dir() -> None:
    store = SessionStore()
    store.save(stored())
    assert (data_dir() / "simulator.sqlite3").is_file()
    assert database_url() == f"sqlite:///{data_dir() / 'simulator.sqlite3'}"


def test_url_overridable_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere.db"
    monkeypatch.setenv("SIMULATOR_DB_URL", f"sqlite:///{target}")
    SessionStore().save(stored())
    assert target.is_file()
    assert not (data_dir() / "simulator.sqlite3").exists()


def test_round_trip_and_incremental_saves(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db")
    data = stored(turns=1)
    store.save(data)
    data.turns = stored(turns=3).turns
    data.ledger.append({**data.ledger[0], "turn": 1, "source": "code", "amount": 2.5})
    data.ruptures[0]["resolved_turn"] = 2
    store.save(data)
    again = SessionStore(tmp_path / "s.db").load("abc")  # a fresh connection reads it all
    assert again.turns == data.turns
    assert again.ledger == data.ledger
    assert again.ruptures == data.ruptures
    assert again.engine_state == data.engine_state
    assert (again.trust, again.unlocked, again.history) == (22.5, ["surface"], [20.0, 22.5])
    # Each row is stored once, in its own table.
    with sqlite3.connect(tmp_path / "s.db") as raw:
        assert raw.execute("select count(*) from turns").fetchone() == (3,)
        assert raw.execute("select count(*) from ledger").fetchone() == (2,)
        assert raw.execute("select count(*) from ruptures").fetchone() == (1,)


def test_list_unfinished(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db")
    store.save(stored("one", turns=3))
    store.save(stored("two", turns=1, finished=True))
    store.save(stored("three", turns=5))
    unfinished = store.list_unfinished()
    assert [s.id for s in unfinished] == ["three", "one"]  # most recent first
    assert [s.trainee_turns for s in unfinished] == [2, 1]
    assert {s.id for s in store.list_sessions()} == {"one", "two", "three"}


def test_unknown_session_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SessionNotFoundError, match="no stored session 'nope'"):
        SessionStore(tmp_path / "s.db").load("nope")


def test_unusable_database_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open"):
        SessionStore(tmp_path / "missing-dir" / "s.db")
