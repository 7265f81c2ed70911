"""One CSV row per scored transcript, for scoring a folder of transcripts at once."""

from __future__ import annotations

import csv
import io
from typing import Any

#: Indicator columns, after the per-dimension columns.
INDICATOR_COLUMNS = (
    "trainee_turns",
    "percent_complex_reflections",
    "reflection_to_question_ratio",
    "mi_adherent",
    "mi_non_adherent",
)


def report_row(name: str, report: dict[str, Any]) -> dict[str, Any]:
    """Flatten a report: transcript name, each dimension's score and value, main indicators,
    and rupture counts. A dimension not observed has empty cells."""
    row: dict[str, Any] = {"transcript": name}
    for dim_id, dim in report["dimensions"].items():
        row[dim_id] = "" if dim["score"] is None else dim["score"]
        row[f"{dim_id}_value"] = "" if dim["value"] is None else dim["value"]
    for key in INDICATOR_COLUMNS:
        value = report["indicators"][key]
        row[key] = "" if value is None else value
    row["ruptures"] = len(report["ruptures"])
    row["ruptures_repaired"] = sum(1 for r in report["ruptures"] if r["resolved"])
    return row


def rows_to_csv(rows: list[dict[str, Any]]) -> str:
    """Write rows as CSV text; the header is the union of the rows' keys in first-seen order."""
    header: list[str] = []
    for row in rows:
        header += [k for k in row if k not in header]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
