"""Realistic bad rows for demos and tests. Each fault is a copy of a good row, spoiled one way and
appended to a file, so a run with `--faults N` must quarantine exactly N more rows per extract-month.
"""

import datetime as dt

import numpy as np
import polars as pl

EPISODE_FAULTS = [
    "unknown_org",
    "unknown_reason",
    "fte_zero",
    "fte_too_high",
    "end_before_start",
    "not_in_month",
    "duplicate_row",
    "blank_required",
    "fte_not_a_number",
    "date_not_iso",
]
STAFF_FAULTS = [f for f in EPISODE_FAULTS if f != "unknown_reason"]
SURVEY_FAULTS = [
    "unknown_org",
    "answer_out_of_scale",
    "duplicate_row",
    "blank_required",
    "answer_not_a_number",
]


def _spoil(row: dict, kind: str, month_start: dt.date) -> dict:
    row = dict(row)
    if "respondent_id" in row:
        # A spoiled survey row is another respondent's; reusing the id would also fail the copied row.
        row["respondent_id"] = f"{row['respondent_id']}F"
    if kind == "unknown_org":
        row["org_code"] = "ZZZ99"
    elif kind == "unknown_reason":
        row["reason_code"] = "S77"
    elif kind == "fte_zero":
        row["fte"] = "0"
    elif kind == "fte_too_high":
        row["fte"] = "1.7"
    elif kind == "end_before_start":
        start = dt.date.fromisoformat(row["start_date"])
        row["start_date"] = max(start, month_start).isoformat()
        row["end_date"] = (max(start, month_start) - dt.timedelta(days=3)).isoformat()
    elif kind == "not_in_month":
        row["end_date"] = (month_start - dt.timedelta(days=1)).isoformat()
        row["start_date"] = (month_start - dt.timedelta(days=10)).isoformat()
    elif kind == "blank_required":
        row["staff_group"] = ""
    elif kind == "fte_not_a_number":
        row["fte"] = "1,0"
    elif kind in ("answer_out_of_scale", "answer_not_a_number"):
        first_question = next(k for k in row if k.startswith("q"))
        row[first_question] = "7" if kind == "answer_out_of_scale" else "Agree"
    elif kind == "date_not_iso":
        row["start_date"] = dt.date.fromisoformat(row["start_date"]).strftime("%d/%m/%Y")
    return row


def inject(
    frames: dict[str, pl.DataFrame], n: int, kinds: list[str], rng: np.random.Generator, month_start: dt.date
) -> dict[str, int]:
    """Append `n` spoiled rows across the month's per-org text frames (in place); returns counts by kind."""
    counts: dict[str, int] = {}
    orgs = sorted(o for o, f in frames.items() if f.height)
    for i in range(n if orgs else 0):
        org = orgs[i % len(orgs)]
        frame = frames[org]
        kind = kinds[i % len(kinds)]
        row = frame.row(int(rng.integers(0, frame.height)), named=True)
        bad = row if kind == "duplicate_row" else _spoil(row, kind, month_start)
        frames[org] = pl.concat([frame, pl.DataFrame([bad], schema=frame.schema)])
        counts[kind] = counts.get(kind, 0) + 1
    return counts
