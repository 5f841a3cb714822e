"""The ROI table `make run` prints: the measured effect with its interval and verdict, next to reported."""

import duckdb
import polars as pl

from ohwb_pipeline.core.duck import load_sql
from ohwb_pipeline.core.lake import Lake, table_glob


def print_roi(lake: Lake) -> None:
    frame = duckdb.sql(
        load_sql(__file__, "roi_report"),
        params={"roi": table_glob(lake.published_table("intervention_roi"))},
    ).pl()
    print(
        "\n=== Intervention ROI (synthetic demo trusts): difference-in-differences, 95% intervals "
        "(placebo test) vs reported ==="
    )
    with pl.Config(
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_width_chars=200,
        tbl_rows=100,
        tbl_cols=20,
        fmt_str_lengths=40,
    ):
        print(frame)
    print(
        "effect_pct: fall in target-reason absence vs expected; inconclusive = within noise (mde_pct: the "
        "smallest effect detectable); unknown interval: too few untreated units to compare with."
    )
    print(f"all rows, all three methods: {lake.published_table('intervention_roi')}")
