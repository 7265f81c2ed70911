"""The session engine: the one turn loop every front end uses.

``from simulator.session import Session, TurnRecord, TurnCompleted, ...`` is the
public import path. The package is split by concern:

- :mod:`simulator.session.records`: the transcript record and the events a turn yields;
- :mod:`simulator.session.loop`: :class:`Session` (start, resume, respond, end, report);
- :mod:`simulator.session.reply`: what the client engine is told and how its reply streams;
- :mod:`simulator.session.persistence`: snapshots to and from the session store;
- :mod:`simulator.session.report`: the rubric report and its pass/fail assessment.

No Textual import here or below: see ``tests/test_boundaries.py``.
"""

from __future__ import annotations

from simulator.session.loop import Session
from simulator.session.records import (
    ClientChunk,
    ContentLibrary,
    Mode,
    SessionEnded,
    SessionEvent,
    SessionFinishedError,
    TraineeAnalysed,
    TurnCompleted,
    TurnRecord,
)

__all__ = [
    "ClientChunk",
    "ContentLibrary",
    "Mode",
    "Session",
    "SessionEnded",
    "SessionEvent",
    "SessionFinishedError",
    "TraineeAnalysed",
    "TurnCompleted",
    "TurnRecord",
]
