"""A staff-mix-standardised absence ratio's observed and expected FTE days lost (indirect standardisation).

Expected = sum over an organisation's staff groups of the national rate of that group that month times
the organisation's FTE days available in it, so a ratio above 1 means more absence than the same staff mix
would have nationally. "National" is every organisation in the month's rows with a figure for that group."""

import duckdb
import polars as pl

from ohwb_pipeline.core.duck import load_sql

ALL_STAFF = "All staff groups"
# NHS England's files name the unknown group both ways across months.
UNKNOWN_ALIAS = ("Other staff or those with unknown classification", "Unknown classification")
COLUMNS = ("org_code", "staff_group", "fte_days_lost", "fte_days_available")


def staff_mix_expected(rows: pl.DataFrame) -> pl.DataFrame:
    """`rows`: one month of org_code, staff_group, fte_days_lost, fte_days_available (blank when
    suppressed), with or without an `All staff groups` row. Returns unit, numerator (observed),
    denominator (expected) and the number of staff groups used, for `funnel(..., FunnelOptions("SR"))`."""
    missing = [c for c in COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(f"missing column(s) {', '.join(missing)}")
    staff_group_rows = rows.select(
        pl.col("org_code").cast(pl.Utf8),
        pl.col("staff_group").cast(pl.Utf8),
        pl.col("fte_days_lost").cast(pl.Float64),
        pl.col("fte_days_available").cast(pl.Float64),
    )
    with duckdb.connect(":memory:") as con:
        con.register("staff_group_rows", staff_group_rows)
        sql = load_sql(__file__, "staff_mix_expected")
        return con.sql(sql, params=[ALL_STAFF, *UNKNOWN_ALIAS]).pl()
