"""`spc_indicators`: Making Data Count SPC over each area's full published history.

Series: every ICB, region and England series of the area indicators below, and every organisation's
sickness absence rate (All staff groups). A recorded merger (organisation_changes.csv) starts new limits
in the successor's series at the merger month. A withheld month (null value) is not a point: the series
runs over the
months that have figures. Limits use the whole history, so every month of the table is recomputed in
each publication, in the same commit as the figures it is drawn from.

Assurance needs a target: `<data dir>/config/spc_targets.csv` (indicator, area_code, target; a blank
area_code applies to every area). Without one, `assurance` is null: no national target is assumed.
"""

import polars as pl

from ohwb_pipeline.absence.contracts import CONTRACTS
from ohwb_pipeline.core.lake import Lake, existing_partitions, table_glob
from ohwb_pipeline.core.publishing import TableUpdate
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.reference.load import read_reference
from ohwb_pipeline.spc.method import REBASE_HERE, SpcOptions, assurance_expr, spc, variation_icon

TABLE = "spc_indicators"
# Every published SPC indicator is better lower; the direction is part of the indicator's definition.
DIRECTIONS = {
    "sickness_absence_rate": "decrease",
    "mental_health_rate": "decrease",
    "msk_rate": "decrease",
    "long_term_share": "decrease",
    "turnover_12m": "decrease",
}
TRUST_INDICATOR = "sickness_absence_rate"
POINT_COLUMNS = ["period", "level", "area_code", "area_name", "parent_code", "indicator", "value"]
# (A trust's series also carries REBASE_HERE: true at a recorded merger month of the successor.)
TARGET_SCHEMA = {"indicator": pl.Utf8, "area_code": pl.Utf8, "target": pl.Float64}
_SERIES = ["level", "area_code", "indicator"]


def spc_update(settings: OhwbSettings, benchmark: TableUpdate, ics: TableUpdate) -> TableUpdate:
    """The whole of `spc_indicators`, from the published history with this commit's months replaced."""
    lake = Lake(settings.root)
    points = pl.concat(
        [
            _area_points(lake, ics).with_columns(pl.lit(False).alias(REBASE_HERE)),
            _trust_points(lake, benchmark),
        ]
    )
    frame = compute(points, read_targets(settings))
    periods = sorted(frame["period"].unique().to_list())
    gone = [p for p in existing_partitions(lake.published_table(TABLE)) if p not in set(periods)]
    return TableUpdate(TABLE, CONTRACTS[TABLE], frame, periods, remove=gone)


def compute(points: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """`points` has POINT_COLUMNS; returns the table's rows (with `period`), one per non-null point."""
    columns = ["period", *CONTRACTS[TABLE].model.to_schema().columns]
    present = points.filter(pl.col("value").is_not_null()).with_columns(
        pl.col("indicator").replace_strict(DIRECTIONS, return_dtype=pl.Utf8).alias("improvement_direction"),
        pl.concat_str(_SERIES, separator="|").alias("series"),
        (pl.col("period") + "-01").str.to_date().alias("date"),
    )
    present = _with_targets(present, targets)
    parts = []
    for (direction,), part in present.group_by("improvement_direction"):
        out = spc(part, SpcOptions(improvement_direction=str(direction)))
        latest = pl.col("date") == pl.col("date").max().over("series")
        parts.append(
            out.with_columns(
                pl.len().over("series").cast(pl.Int64).alias("points_in_series"),
                latest.alias("is_latest"),
                pl.when(latest)
                .then(variation_icon(pl.col("point_type"), str(direction)))
                .alias("variation_icon"),
                pl.when(latest)
                .then(assurance_expr(pl.col("lpl"), pl.col("upl"), pl.col("target"), str(direction)))
                .alias("assurance"),
            ).select(columns)
        )
    if not parts:
        schema = CONTRACTS[TABLE].model.to_schema().columns
        return pl.DataFrame(schema={"period": pl.Utf8, **{n: c.dtype.type for n, c in schema.items()}})
    return pl.concat(parts).sort("period", "level", "area_code", "indicator")


def read_targets(settings: OhwbSettings) -> pl.DataFrame:
    path = settings.spc_targets_path
    if not path.is_file():
        return pl.DataFrame(schema=TARGET_SCHEMA)
    targets = pl.read_csv(path, schema_overrides=TARGET_SCHEMA, comment_prefix="#")
    missing = set(TARGET_SCHEMA) - set(targets.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    unknown = set(targets["indicator"]) - set(DIRECTIONS)
    if unknown:
        raise ValueError(f"{path}: no SPC series for indicator(s) {', '.join(sorted(unknown))}")
    return targets.select(list(TARGET_SCHEMA))


def _with_targets(points: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """An area's own target wins over its indicator's blank-area target."""
    own = targets.filter(pl.col("area_code").is_not_null())
    every = targets.filter(pl.col("area_code").is_null()).select("indicator", pl.col("target").alias("_all"))
    return (
        points.join(own, on=["indicator", "area_code"], how="left")
        .join(every, on="indicator", how="left")
        .with_columns(pl.coalesce("target", "_all").alias("target"))
        .drop("_all")
    )


def _history(lake: Lake, table: str, replaced: list[str]) -> pl.LazyFrame | None:
    root = lake.published_table(table)
    kept = [p for p in existing_partitions(root) if p not in set(replaced)]
    if not kept:
        return None
    scan = pl.scan_parquet(table_glob(root), hive_partitioning=True)
    return scan.with_columns(pl.col("period").cast(pl.Utf8)).filter(pl.col("period").is_in(kept))


def _area_points(lake: Lake, ics: TableUpdate) -> pl.DataFrame:
    # The pipeline's own areas only: NHS England's national totals are a comparison, not a series here.
    wanted = pl.col("indicator").is_in(list(DIRECTIONS)) & (pl.col("source") == "organisations")
    parts = [ics.frame.lazy()]
    earlier = _history(lake, ics.table, ics.partitions)
    if earlier is not None:
        parts.append(earlier)
    return pl.concat([p.filter(wanted).select(POINT_COLUMNS) for p in parts]).collect()


def _trust_points(lake: Lake, benchmark: TableUpdate) -> pl.DataFrame:
    parts = [benchmark.frame.lazy()]
    earlier = _history(lake, benchmark.table, benchmark.partitions)
    if earlier is not None:
        parts.append(earlier)
    return (
        pl.concat(
            [
                p.select(
                    "period",
                    "ORG_CODE",
                    "ORG_NAME",
                    "ICB_CODE",
                    "STAFF_GROUP",
                    "SICKNESS_ABSENCE_RATE_PERCENT",
                )
                for p in parts
            ]
        )
        .filter(pl.col("STAFF_GROUP") == "All staff groups")
        .select(
            "period",
            pl.lit("trust").alias("level"),
            pl.col("ORG_CODE").alias("area_code"),
            pl.col("ORG_NAME").alias("area_name"),
            pl.col("ICB_CODE").alias("parent_code"),
            pl.lit(TRUST_INDICATOR).alias("indicator"),
            pl.col("SICKNESS_ABSENCE_RATE_PERCENT").alias("value"),
        )
        .collect()
        .join(_merger_months(lake), on=["area_code", "period"], how="left")
        .with_columns(pl.col(REBASE_HERE).fill_null(False))
    )


def _merger_months(lake: Lake) -> pl.DataFrame:
    """(successor, month) of every recorded merger: a merger is a known change to the successor's
    process, so its series starts a new set of limits there."""
    changes = read_reference(lake, "organisation_changes")
    return (
        changes.filter(pl.col("successor_code").is_not_null() & (pl.col("change") == "merger"))
        .select(pl.col("successor_code").alias("area_code"), pl.col("closed_from").alias("period"))
        .unique()
        .with_columns(pl.lit(True).alias(REBASE_HERE))
    )
