"""The ROI table `make run` prints: measured (difference-in-differences) next to reported."""

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
        "\n=== Intervention ROI: measured (difference-in-differences, central; low to high) vs reported ==="
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
    print("ROI at the high unit cost (345/day) is the MFT report's implied cost per FTE day.")
    print(f"all rows, both methods: {lake.published_table('intervention_roi')}")
