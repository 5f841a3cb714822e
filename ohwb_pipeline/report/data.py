"""What the monthly report shows, read from the published tables (and the quarantine's counts).

Every number in the report comes from here, so a test can compare the HTML with the Parquet.
"""

from dataclasses import dataclass

import polars as pl

from ohwb_pipeline.absence.funnel_indicators import RATIO
from ohwb_pipeline.absence.publisher_schemas import PUBLISHED_RATES, PUBLISHED_REASONS
from ohwb_pipeline.absence.schemas import EPISODES, STAFF_IN_POST
from ohwb_pipeline.absence.spc_indicators import DIRECTIONS
from ohwb_pipeline.core.lake import Lake, existing_partitions, partition_file, table_glob
from ohwb_pipeline.funnel.method import FLAGS
from ohwb_pipeline.ingest.validate import check_in_words
from ohwb_pipeline.realdata.labels import DataLabel, data_label
from ohwb_pipeline.spc.method import assurance_expr, variation_icon

RATE = "sickness_absence_rate"
OWN = "organisations"  # ics_indicators' own areas; nhs_published_national rows are the publisher's
QUARANTINE_CONTRACTS = {c.name: c for c in (EPISODES, STAFF_IN_POST, PUBLISHED_RATES, PUBLISHED_REASONS)}


class NothingPublished(Exception):
    """The month has no published absence figures: there is nothing to report."""


@dataclass
class ReportData:
    period: str
    england_spc: pl.DataFrame  # England's absence rate series with its SPC
    league: pl.DataFrame  # ICBs this month: rate, rolling, change, coverage, icons
    icb_spc: pl.DataFrame  # every ICB's absence rate series with its SPC
    reason_mix: pl.DataFrame  # England: mental health, MSK and other reasons' rates per month, with source
    scorecard: pl.DataFrame  # survey wellbeing scorecard, latest financial year
    roi: pl.DataFrame  # interventions of the latest financial year with an ROI
    withheld: pl.DataFrame  # expected trusts whose figures are withheld this month
    quarantine: pl.DataFrame  # quarantined rows by extract, column and check (in words), this month
    suppression: pl.DataFrame  # suppressed cells by table
    england: dict  # England's ics_indicators absence-rate row for the month
    label: DataLabel  # real or synthetic, and the licence line real figures carry
    publisher_england: float | None  # NHS England's own England rate for the month, when published
    funnels: pl.DataFrame  # funnel_indicators rows of the month (empty before the table existed)


def load(lake: Lake, period: str) -> ReportData:
    ics_file = partition_file(lake.published_table("ics_indicators"), period)
    if not ics_file.exists():
        raise NothingPublished(f"ics_indicators has no published month {period}")
    spc_rows = _read(lake, "spc_indicators").filter(pl.col("period") <= period)
    # Every point's own icons (the published ones are the latest point's): the report may be of an
    # earlier month, and shows that month's point as its SPC chart does.
    direction = DIRECTIONS[RATE]
    rate_series = spc_rows.filter(pl.col("indicator") == RATE).with_columns(
        variation_icon(pl.col("point_type"), direction).alias("point_icon"),
        assurance_expr(pl.col("lpl"), pl.col("upl"), pl.col("target"), direction).alias("point_assurance"),
    )
    every = pl.read_parquet(ics_file)
    ics = every.filter(pl.col("source") == OWN)
    england = ics.filter(pl.col("level") == "england", pl.col("indicator") == RATE).row(0, named=True)
    publisher = every.filter(
        (pl.col("source") != OWN) & (pl.col("level") == "england") & (pl.col("indicator") == RATE)
    )["value"]
    sources = pl.read_parquet(
        partition_file(lake.published_table("absence_benchmark"), period), columns=["source"]
    )["source"]
    funnels = _month(lake, "funnel_indicators", period)
    return ReportData(
        period=period,
        england_spc=rate_series.filter(pl.col("level") == "england").sort("period"),
        league=_with_funnel_flags(_league(ics, rate_series, period), funnels),
        icb_spc=rate_series.filter(pl.col("level") == "icb").sort("area_name", "period"),
        reason_mix=_reason_mix(lake, period),
        scorecard=_latest(lake, "ics_wellbeing_scorecard", "financial_year"),
        roi=_roi(lake),
        withheld=_withheld(lake, period),
        quarantine=_quarantine(lake, period),
        suppression=_suppression(lake, period),
        england=england,
        label=data_label(lake, set(sources.drop_nulls())),
        publisher_england=publisher[0] if publisher.len() else None,
        funnels=funnels,
    )


def _month(lake: Lake, table: str, period: str) -> pl.DataFrame:
    path = partition_file(lake.published_table(table), period)
    return pl.read_parquet(path) if path.exists() else pl.DataFrame()


FLAG_ORDER = {flag: i for i, flag in enumerate(FLAGS)}


def _with_funnel_flags(league: pl.DataFrame, funnels: pl.DataFrame) -> pl.DataFrame:
    """Each ICB's funnel flags on the rate and the staff-mix ratio, the rate's flag first in the order:
    a rank cannot say whether an ICB differs from the rest or is noise; the funnel can."""
    names = {RATE: "funnel_rate", RATIO: "funnel_ratio"}
    if funnels.is_empty():
        return league.with_columns(
            *(pl.lit(None, dtype=pl.Utf8).alias(n) for n in names.values()),
            pl.lit(None, dtype=pl.Float64).alias("ratio_value"),
        )
    icb = funnels.filter(pl.col("level") == "icb")
    flags = icb.filter(pl.col("indicator").is_in(list(names))).pivot(
        on="indicator", index="area_code", values="outlier"
    )
    flags = flags.rename({k: v for k, v in names.items() if k in flags.columns})
    for column in names.values():
        if column not in flags.columns:
            flags = flags.with_columns(pl.lit(None, dtype=pl.Utf8).alias(column))
    ratio = icb.filter(pl.col("indicator") == RATIO).select("area_code", pl.col("value").alias("ratio_value"))
    order = pl.col("funnel_rate").replace_strict(FLAG_ORDER, default=len(FLAGS), return_dtype=pl.Int64)
    return (
        league.join(flags, on="area_code", how="left")
        .join(ratio, on="area_code", how="left")
        .sort(order, pl.col("value"), descending=[False, True], nulls_last=True)
    )


def latest_period(lake: Lake) -> str | None:
    months = existing_partitions(lake.published_table("ics_indicators"))
    return months[-1] if months else None


def _read(lake: Lake, table: str, key: str = "period") -> pl.DataFrame:
    root = lake.published_table(table)
    if not existing_partitions(root, key):
        return pl.DataFrame()
    frame = pl.read_parquet(table_glob(root), hive_partitioning=True)
    return frame.with_columns(pl.col(key).cast(pl.Utf8))


def _league(ics: pl.DataFrame, rate_series: pl.DataFrame, period: str) -> pl.DataFrame:
    """The ICB table for the month, with the month's SPC icons."""
    points = rate_series.filter(pl.col("period") == period, pl.col("level") == "icb").select(
        "area_code",
        pl.col("point_icon").alias("variation_icon"),
        pl.col("special_cause_type"),
        pl.col("point_assurance").alias("assurance"),
    )
    return (
        ics.filter(pl.col("level") == "icb", pl.col("indicator") == RATE)
        .join(points, on="area_code", how="left")
        .select(
            "rank_among_icbs",
            "area_code",
            "area_name",
            "value",
            "rolling_12m_value",
            "change_on_last_year",
            "coverage_percent",
            "orgs_included",
            "orgs_expected",
            "variation_icon",
            "special_cause_type",
            "assurance",
        )
        .sort("rank_among_icbs", "area_name", nulls_last=True)
    )


def _reason_mix(lake: Lake, period: str) -> pl.DataFrame:
    """England's reason mix per month: from the organisations where they give reasons, else from NHS
    England's national file (the published rates give none); months with neither are left out."""
    ics = _read(lake, "ics_indicators").filter(
        pl.col("level") == "england",
        pl.col("period") <= period,
        pl.col("indicator").is_in([RATE, "mental_health_rate", "msk_rate"]),
    )
    wide = ics.pivot(on="indicator", index=["period", "source"], values="value")
    own_first = pl.when(pl.col("source") == OWN).then(0).otherwise(1)
    chosen = (
        wide.filter(pl.col("mental_health_rate").is_not_null() & pl.col("msk_rate").is_not_null())
        .sort("period", own_first)
        .unique("period", keep="first")
        .sort("period")
    )
    return chosen.select(
        "period",
        "source",
        pl.col("mental_health_rate").alias("Mental health (S10)"),
        pl.col("msk_rate").alias("Musculoskeletal (S11, S12)"),
        (pl.col(RATE) - pl.col("mental_health_rate") - pl.col("msk_rate")).alias("All other reasons"),
    ).unpivot(index=["period", "source"], variable_name="reason", value_name="rate_percent")


def _latest(lake: Lake, table: str, column: str) -> pl.DataFrame:
    frame = _read(lake, table, key="year")
    if frame.is_empty():
        return frame
    return frame.filter(pl.col(column) == frame[column].max())


def _roi(lake: Lake) -> pl.DataFrame:
    roi = _read(lake, "intervention_roi", key="financial_year")
    if roi.is_empty():
        return roi
    latest = roi.filter(pl.col("financial_year") == roi["financial_year"].max())
    return latest.filter(pl.col("method") == "difference_in_differences").select(
        "financial_year",
        "intervention_id",
        "name",
        "home_icb",
        "status",
        "absence_days_avoided",
        "cost_gbp",
        "roi_ratio_low",
        "roi_ratio_central",
        "roi_ratio_high",
        "reported_roi",
        "effect_percent",
        "effect_percent_ci_low",
        "effect_percent_ci_high",
        "p_value",
        "mde_percent",
        "verdict",
        "roi_ratio_ci_low",
        "roi_ratio_ci_high",
    )


def _withheld(lake: Lake, period: str) -> pl.DataFrame:
    status = pl.read_parquet(partition_file(lake.published_table("data_completeness"), period))
    return (
        status.filter(pl.col("expected"), pl.col("data_status") != "complete")
        .select("icb_code", "org_code", "org_name", "data_status", "last_seen_in_publication")
        .sort("icb_code", "org_code")
    )


def _quarantine(lake: Lake, period: str) -> pl.DataFrame:
    """Quarantined rows by extract, column and check, the check said in words."""
    parts = []
    for extract, contract in QUARANTINE_CONTRACTS.items():
        path = partition_file(lake.quarantine_table(extract), period)
        if path.exists():
            checks = (
                pl.read_parquet(path, columns=["check", "column"]).group_by("check", "column").len("rows")
            )
            words = {c: check_in_words(c, contract) for c in checks["check"].to_list()}
            parts.append(
                checks.select(
                    pl.lit(extract).alias("extract"),
                    "column",
                    pl.col("check").replace_strict(words, return_dtype=pl.Utf8).alias("problem"),
                    "rows",
                )
            )
    if not parts:
        return pl.DataFrame(
            schema={"extract": pl.Utf8, "column": pl.Utf8, "problem": pl.Utf8, "rows": pl.UInt32}
        )
    return pl.concat(parts).sort("rows", "extract", descending=[True, False])


def _suppression(lake: Lake, period: str) -> pl.DataFrame:
    benchmark = pl.read_parquet(partition_file(lake.published_table("absence_benchmark"), period))
    by_reason = pl.read_parquet(partition_file(lake.published_table("absence_by_reason"), period))
    rows = [
        (
            "absence_benchmark",
            "organisation x staff group cells with <= 330 FTE days available",
            benchmark.filter(
                (pl.col("data_status") == "complete") & pl.col("SICKNESS_ABSENCE_RATE_PERCENT").is_null()
            ).height,
            benchmark.height,
        ),
        (
            "absence_by_reason",
            "reason cells of suppressed groups",
            by_reason.filter(
                (pl.col("data_status") == "complete") & pl.col("fte_days_lost").is_null()
            ).height,
            by_reason.height,
        ),
    ]
    survey = _read(lake, "survey_indicators", key="year")
    if not survey.is_empty():
        year = survey["year"].max()
        latest = survey.filter(pl.col("year") == year)
        rows.append(
            (
                f"survey_indicators {year}",
                "cells with < 11 answers, or complements",
                int(latest["suppressed"].sum()),
                latest.height,
            )
        )
    return pl.DataFrame(rows, schema=["table", "rule", "suppressed", "cells"], orient="row")
