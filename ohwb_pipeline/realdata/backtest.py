"""The backtest against the publisher (README "Real data"), as NHS RAP projects do it: every row of every
shipped NHS England benchmark file against the pipeline's published `absence_benchmark`, and the
pipeline's England rate against NHS England's national rate.

`python -m ohwb_pipeline.realdata.backtest [DATA_DIR]` prints both for a data folder that has published
the shipped months (`make run` publishes them into `data/real`); the test suite asserts them.
"""

import argparse
import gzip
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ohwb_pipeline.core.lake import existing_partitions
from ohwb_pipeline.core.resources import SHIPPED_REFERENCE
from ohwb_pipeline.realdata.shipped import shipped_files

ENGLAND_TOLERANCE_PP = 0.05
_KEY = ["period", "org_code", "staff_group"]


@dataclass(frozen=True)
class RowBacktest:
    rows_in_files: int
    rows_compared: int
    rates_equal: int
    blanks_equal: int
    unequal: pl.DataFrame

    @property
    def exact(self) -> bool:
        return self.rows_in_files == self.rows_compared == self.rates_equal == self.blanks_equal


def publisher_rows(periods: list[str] | None = None) -> pl.DataFrame:
    """Every row of the shipped benchmark files: period, org, staff group (as the file writes it), rate."""
    frames = []
    for period, path in shipped_files("benchmark").items():
        if periods is not None and period not in periods:
            continue
        with gzip.open(path, "rb") as f:
            raw = pl.read_csv(io.BytesIO(f.read()), infer_schema=False)
        frames.append(
            raw.select(
                pl.lit(period).alias("period"),
                pl.col("ORG_CODE").alias("org_code"),
                pl.col("STAFF_GROUP").alias("published_staff_group"),
                pl.col("SICKNESS_ABSENCE_RATE_PERCENT").cast(pl.Float64).alias("published_rate"),
            )
        )
    return pl.concat(frames)


def compare_rows(published_root: Path, periods: list[str] | None = None) -> RowBacktest:
    """Each publisher row against the pipeline's row of the same org and staff group (through the alias
    table): the same rate to 2 dp, and blank exactly where the publisher's is blank."""
    aliases = pl.read_csv(SHIPPED_REFERENCE / "staff_group_aliases.csv").select("alias", "staff_group")
    theirs = (
        publisher_rows(periods)
        .join(aliases, left_on="published_staff_group", right_on="alias", how="left")
        .with_columns(pl.coalesce("staff_group", "published_staff_group").alias("staff_group"))
    )
    ours = (
        pl.read_parquet(published_root / "absence_benchmark" / "*" / "*.parquet", hive_partitioning=True)
        .with_columns(pl.col("period").cast(pl.Utf8))
        .filter(pl.col("source") == "nhs_published_rates")
        .select(
            "period",
            pl.col("ORG_CODE").alias("org_code"),
            pl.col("STAFF_GROUP").alias("staff_group"),
            pl.col("SICKNESS_ABSENCE_RATE_PERCENT").alias("rate"),
        )
    )
    joined = theirs.join(ours, on=_KEY, how="left", coalesce=True, suffix="_ours").with_columns(
        pl.struct("period", "org_code", "staff_group")
        .is_in(ours.select(pl.struct(_KEY)).to_series().implode())
        .alias("compared")
    )
    same_blank = pl.col("published_rate").is_null() == pl.col("rate").is_null()
    same_rate = (pl.col("published_rate") == pl.col("rate")).fill_null(same_blank)
    compared = joined.filter(pl.col("compared"))
    return RowBacktest(
        rows_in_files=theirs.height,
        rows_compared=compared.height,
        rates_equal=int(compared.select(same_rate & same_blank).to_series().sum()),
        blanks_equal=int(compared.select(same_blank).to_series().sum()),
        unequal=joined.filter(~pl.col("compared") | ~(same_rate & same_blank)),
    )


def england_differences(published_root: Path) -> pl.DataFrame:
    """Per month with both: the pipeline's England sickness absence rate, NHS England's, the difference."""
    ics = pl.read_parquet(published_root / "ics_indicators" / "*" / "*.parquet", hive_partitioning=True)
    england = ics.with_columns(pl.col("period").cast(pl.Utf8)).filter(
        (pl.col("level") == "england") & (pl.col("indicator") == "sickness_absence_rate")
    )
    ours = england.filter(pl.col("source") == "organisations").select(
        "period", "value", "difference_from_publisher"
    )
    theirs = england.filter(pl.col("source") == "nhs_published_national").select(
        "period", pl.col("value").alias("publisher_value")
    )
    return (
        ours.join(theirs, on="period", how="inner")
        .select(
            "period",
            pl.col("value").alias("pipeline_rate"),
            "publisher_value",
            pl.col("difference_from_publisher").alias("difference_pp"),
        )
        .sort("period")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", default="data/real", help="a data folder (default data/real)")
    args = parser.parse_args(argv)
    published = Path(args.data_dir) / "published"
    if not (published / "absence_benchmark").is_dir():
        print(f"{published}: nothing published yet (make run publishes the real months into data/real)")
        return 2
    months = existing_partitions(published / "absence_benchmark")
    shipped = [p for p in shipped_files("benchmark") if p in months]
    print(
        f"{len(shipped)} shipped months published in {published} ({shipped[0]} to {shipped[-1]})"
        if shipped
        else ""
    )
    rows = compare_rows(published, shipped)
    print(
        f"rows in NHS England's files: {rows.rows_in_files:,}; compared: {rows.rows_compared:,}; "
        f"rate equal (2 dp): {rows.rates_equal:,}; blank cells equal: {rows.blanks_equal:,}"
    )
    if rows.unequal.height:
        print(rows.unequal.head(20))
    england = england_differences(published)
    with pl.Config(tbl_rows=50, float_precision=4, tbl_hide_dataframe_shape=True):
        print(
            "England sickness absence rate, pipeline (all organisations) against NHS England's national file:"
        )
        print(england)
    worst = float(england["difference_pp"].abs().max() or 0) if england.height else 0.0
    ok = rows.exact and worst <= ENGLAND_TOLERANCE_PP
    print(
        f"largest England difference: {worst:.4f} pp (at most {ENGLAND_TOLERANCE_PP}); "
        f"backtest {'passed' if ok else 'FAILED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
