"""Run the fact SQL directly on hand-made warehouse partitions: the method without the plumbing."""

import datetime as dt
from pathlib import Path

import polars as pl

from ohwb_pipeline.absence import assets as absence_assets
from ohwb_pipeline.absence.schemas import STAFF_IN_POST
from ohwb_pipeline.core import duck
from ohwb_pipeline.core.lake import table_glob
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.ingest.validate import month_bounds
from ohwb_pipeline_tests.conftest import write_partition

EPISODE_SCHEMA = {
    "org_code": pl.Utf8,
    "employee_key": pl.Utf8,
    "staff_group": pl.Utf8,
    "fte": pl.Float64,
    "reason_code": pl.Utf8,
    "start_date": pl.Date,
    "end_date": pl.Date,
}
STAFF_SCHEMA = {k: v for k, v in EPISODE_SCHEMA.items() if k != "reason_code"}


def monthly_rows(spells: list[dict], period: str) -> list[dict]:
    """The rows a trust's file for `period` holds: spells overlapping the month; a later end is unknown."""
    first, last = month_bounds(period)
    rows = []
    for spell in spells:
        end = spell["end_date"]
        if spell["start_date"] <= last and (end is None or end >= first):
            rows.append({**spell, "end_date": end if end is not None and end <= last else None})
    return rows


def facts(
    tmp: Path, name: str, table: str, spells: list[dict], periods: list[str], flagged: bool = True
) -> pl.DataFrame:
    """`flagged`: staff partitions carry `holds_several_posts` as ingest writes it; False, as partitions
    written before the flag existed."""
    schema = EPISODE_SCHEMA if table == "absence_episodes" else STAFF_SCHEMA
    root = tmp / "warehouse" / table
    for period in periods:
        rows = pl.DataFrame(monthly_rows(spells, period), schema=schema)
        if table == "staff_in_post" and flagged:
            rows = rows.with_columns(
                pl.struct("org_code", "employee_key").is_duplicated().alias(STAFF_IN_POST.repeat_flag)
            )
        write_partition(root, period, rows)
    params = {
        "episodes" if table == "absence_episodes" else "staff": table_glob(root),
        "first": periods[0],
        "last": periods[-1],
    }
    con = duck.connect(OhwbSettings(data_dir=str(tmp), duckdb_threads=1))
    return con.sql(duck.load_sql(absence_assets.__file__, name), params=params).pl()


def episode(fte: float, start: str, end: str | None, reason: str = "S10", person: str = "p1") -> dict:
    return {
        "org_code": "RJ1",
        "employee_key": person,
        "staff_group": "Nurses & health visitors",
        "fte": fte,
        "reason_code": reason,
        "start_date": dt.date.fromisoformat(start),
        "end_date": dt.date.fromisoformat(end) if end else None,
    }


def post(
    fte: float, start: str, end: str | None, person: str = "p1", group: str = "Nurses & health visitors"
) -> dict:
    row = episode(fte, start, end, person=person)
    row.pop("reason_code")
    return {**row, "staff_group": group}
