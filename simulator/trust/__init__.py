"""The trust model: explicit trust state with a ledger, ruptures and disclosure layers.

No Textual import here or below: every front end shares this engine.
"""

from __future__ import annotations

from simulator.trust.effects import BAND_CUTOFFS, BASE_EFFECTS, band_for
from simulator.trust.state import LedgerEntry, RuptureRecord, TrustState, TurnOutcome

__all__ = [
    "BAND_CUTOFFS",
    "BASE_EFFECTS",
    "LedgerEntry",
    "RuptureRecord",
    "TrustState",
    "TurnOutcome",
    "band_for",
]
