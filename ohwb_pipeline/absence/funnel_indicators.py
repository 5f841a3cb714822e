"""`funnel_indicators`: each month's funnel-plot comparison of organisations and of ICBs.

Indicators (one funnel per level, indicator and month; method in docs/funnel.md):
- `sickness_absence_rate` (PR x 100): FTE days lost / available, All staff groups. Organisations from
  the published `absence_benchmark`; ICBs from `ics_indicators`, so the value is the league table's.
- `staff_mix_ratio` (SR, SHMI): observed / staff-mix-expected FTE days lost (funnel/standardise.py),
  from the benchmark's staff-group rows; an ICB's is the sum of its organisations' observed over the sum
  of their expected. Blank (suppressed) cells are left out of observed and expected alike and counted.
- `survey_<question>` (PR x 100): the staff survey's health-and-wellbeing questions, All staff groups,
  unsuppressed, from the survey year the ICS scorecard pairs with the month's financial year.

Fewer than MIN_UNITS areas with figures cannot show overdispersion: their rows carry the figures, no
scores, and `outlier` "not assessed" (why, in `adjustment`). Pure functions of frames: the asset that
reads and publishes them is in funnel_publication.py.
"""

import numpy as np
import polars as pl

from ohwb_pipeline.funnel.limits import NAMES, limits_at
from ohwb_pipeline.funnel.method import FLAGS, FunnelResult, funnel
from ohwb_pipeline.funnel.options import MIN_UNITS, FunnelOptions
from ohwb_pipeline.funnel.standardise import ALL_STAFF, staff_mix_expected

TABLE = "funnel_indicators"
RATE = "sickness_absence_rate"
RATIO = "staff_mix_ratio"
SURVEY_PREFIX = "survey_"
SURVEY_THEME = "health_and_wellbeing"
LEVELS = ("organisation", "icb")
NOT_ASSESSED = "not assessed"
HIGH_998 = FLAGS[0]
SOURCES = ["esr_extract", "nhs_published_rates", "mixed", "staff_survey"]
RATE_OPTIONS = FunnelOptions("PR", multiplier=100.0)
RATIO_OPTIONS = FunnelOptions("SR", sr_method="SHMI")
LABELS = {
    RATE: "Sickness absence rate (%)",
    RATIO: "Staff-mix-standardised absence ratio (observed / expected)",
}
UNIT_COLUMNS = {
    "level": pl.Utf8,
    "area_code": pl.Utf8,
    "area_name": pl.Utf8,
    "parent_code": pl.Utf8,
    "indicator": pl.Utf8,
    "indicator_label": pl.Utf8,
    "reference_period": pl.Utf8,
    "source": pl.Utf8,
    "organisations": pl.Int64,
    "cells_used": pl.Int64,
    "cells_blank": pl.Int64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
}
SCORE_COLUMNS = [
    "value",
    "national_value",
    "z",
    "z_adjusted",
    "lower_95_adjusted",
    "upper_95_adjusted",
    "lower_998_adjusted",
    "upper_998_adjusted",
    "outlier",
    "phi",
    "tau2",
    "adjustment",
    "units",
    "data_type",
    "method",
    "draw_adjusted",
    "sr_method",
    "trim_by",
    "multiplier",
]


def survey_year(period: str) -> str:
    """The survey year the scorecard pairs with the month: the financial year starts in its April."""
    year, month = int(period[:4]), int(period[5:7])
    return str(year if month >= 4 else year - 1)


def organisation_units(benchmark: pl.DataFrame, period: str) -> pl.DataFrame:
    """The rate's and the ratio's organisation rows from one month of `absence_benchmark`."""
    complete = benchmark.filter(pl.col("data_status") == "complete")
    names = complete.filter(pl.col("STAFF_GROUP") == ALL_STAFF).select(
        pl.col("ORG_CODE").alias("area_code"),
        pl.col("ORG_NAME").alias("area_name"),
        pl.col("ICB_CODE").alias("parent_code"),
        "source",
    )
    rate = (
        complete.filter(pl.col("STAFF_GROUP") == ALL_STAFF, pl.col("FTE_DAYS_AVAILABLE").is_not_null())
        .select(
            pl.col("ORG_CODE").alias("area_code"),
            pl.col("FTE_DAYS_LOST").alias("numerator"),
            pl.col("FTE_DAYS_AVAILABLE").alias("denominator"),
        )
        .with_columns(pl.lit(RATE).alias("indicator"))
    )
    groups = complete.filter(pl.col("STAFF_GROUP") != ALL_STAFF)
    blank = groups.group_by(pl.col("ORG_CODE").alias("area_code")).agg(
        (pl.col("FTE_DAYS_LOST").is_null() | pl.col("FTE_DAYS_AVAILABLE").is_null())
        .sum()
        .alias("cells_blank")
    )
    expected = staff_mix_expected(
        groups.select(
            pl.col("ORG_CODE").alias("org_code"),
            pl.col("STAFF_GROUP").alias("staff_group"),
            pl.col("FTE_DAYS_LOST").alias("fte_days_lost"),
            pl.col("FTE_DAYS_AVAILABLE").alias("fte_days_available"),
        )
    )
    ratio = expected.select(
        pl.col("unit").alias("area_code"),
        "numerator",
        "denominator",
        pl.col("staff_groups").alias("cells_used"),
        pl.lit(RATIO).alias("indicator"),
    ).join(blank, on="area_code", how="left")
    units = pl.concat([rate, ratio], how="diagonal_relaxed").join(names, on="area_code", how="left")
    return _shaped(
        units.with_columns(pl.lit("organisation").alias("level"), pl.lit(1).alias("organisations")), period
    )


def icb_units(ics: pl.DataFrame, organisations: pl.DataFrame, period: str) -> pl.DataFrame:
    """ICB rows: the rate as `ics_indicators` publishes it, and the ratio summed over the ICB's
    organisations (`organisations`: organisation_units' rows). The ICBs are ics_indicators' own, so
    bodies that count into no ICB (aggregation_rules: special bodies, QZZ) are in no ICB here either."""
    icbs = ics.filter(
        pl.col("level") == "icb", pl.col("source") == "organisations", pl.col("indicator") == RATE
    )
    members = organisations.filter(
        pl.col("indicator") == RATIO, pl.col("parent_code").is_in(icbs["area_code"])
    )
    sources = (
        organisations.filter(pl.col("indicator") == RATE)
        .group_by(pl.col("parent_code").alias("area_code"))
        .agg(pl.col("source").unique().alias("sources"))
        .select("area_code", _one_source(pl.col("sources")).alias("source"))
    )
    rate = icbs.filter(pl.col("numerator").is_not_null(), pl.col("denominator") > 0).select(
        "area_code",
        "numerator",
        "denominator",
        pl.col("orgs_included").cast(pl.Int64).alias("organisations"),
        pl.lit(RATE).alias("indicator"),
    )
    ratio = members.group_by(pl.col("parent_code").alias("area_code")).agg(
        pl.col("numerator").sum(),
        pl.col("denominator").sum(),
        pl.len().cast(pl.Int64).alias("organisations"),
        pl.col("cells_used").sum(),
        pl.col("cells_blank").sum(),
        pl.lit(RATIO).alias("indicator"),
    )
    names = icbs.select("area_code", "area_name", "parent_code")
    units = (
        pl.concat([rate, ratio], how="diagonal_relaxed")
        .join(names, on="area_code", how="left")
        .join(sources, on="area_code", how="left")
    )
    return _shaped(units.with_columns(pl.lit("icb").alias("level")), period)


def _one_source(sources: pl.Expr) -> pl.Expr:
    return pl.when(sources.list.len() == 1).then(sources.list.first()).otherwise(pl.lit("mixed"))


def survey_units(survey: pl.DataFrame) -> pl.DataFrame:
    """Survey rows from one year of `survey_indicators` (with a `year` column): HWB questions, All staff
    groups, unsuppressed organisation and ICB cells."""
    if survey.is_empty():
        return _shaped(pl.DataFrame(), "")
    rows = survey.filter(
        pl.col("theme") == SURVEY_THEME,
        pl.col("staff_group") == ALL_STAFF,
        pl.col("level").is_in(["org", "icb"]),
        ~pl.col("suppressed"),
    )
    units = rows.select(
        pl.col("level").replace({"org": "organisation"}),
        "area_code",
        "area_name",
        "parent_code",
        (pl.lit(SURVEY_PREFIX) + pl.col("question_id")).alias("indicator"),
        pl.format("Staff survey {}: {} (% of answers)", "question_id", "question_text").alias(
            "indicator_label"
        ),
        pl.col("year").cast(pl.Utf8).alias("reference_period"),
        pl.lit("staff_survey").alias("source"),
        pl.col("n_indicator").alias("numerator"),
        pl.col("n_valid").alias("denominator"),
    )
    return _shaped(units, "")


def _shaped(units: pl.DataFrame, period: str) -> pl.DataFrame:
    """UNIT_COLUMNS in order; absence rows get their label and the month as their reference period."""
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in UNIT_COLUMNS.items() if c not in units.columns]
    frame = units.with_columns(*missing) if units.width else pl.DataFrame(schema=UNIT_COLUMNS)
    frame = frame.with_columns(
        pl.coalesce("indicator_label", pl.col("indicator").replace_strict(LABELS, default=None)).alias(
            "indicator_label"
        ),
        pl.coalesce("reference_period", pl.lit(period or None, dtype=pl.Utf8)).alias("reference_period"),
    )
    return frame.select([pl.col(c).cast(t) for c, t in UNIT_COLUMNS.items()])


def options_for(indicator: str) -> FunnelOptions:
    return RATIO_OPTIONS if indicator == RATIO else RATE_OPTIONS


def assess(units: pl.DataFrame) -> pl.DataFrame:
    """One funnel per (level, indicator): UNIT_COLUMNS plus SCORE_COLUMNS, sorted."""
    parts = [
        _scored(part, options_for(str(indicator)))
        for (_, indicator), part in units.group_by("level", "indicator", maintain_order=True)
    ]
    if not parts:
        return pl.DataFrame(schema={**UNIT_COLUMNS, **_score_schema()})
    return pl.concat(parts, how="vertical_relaxed").sort("level", "indicator", "area_code")


def _score_schema() -> dict:
    floats = {c: pl.Float64 for c in SCORE_COLUMNS}
    return {
        **floats,
        "outlier": pl.Utf8,
        "adjustment": pl.Utf8,
        "units": pl.Int64,
        "data_type": pl.Utf8,
        "method": pl.Utf8,
        "draw_adjusted": pl.Boolean,
        "sr_method": pl.Utf8,
    }


def _scored(part: pl.DataFrame, options: FunnelOptions) -> pl.DataFrame:
    frame = part.with_columns(pl.col("area_code").alias("unit"))
    common = [
        pl.lit(part.height, dtype=pl.Int64).alias("units"),
        pl.lit(options.data_type).alias("data_type"),
        pl.lit(options.method_label).alias("method"),
        pl.lit(options.draw_adjusted).alias("draw_adjusted"),
        pl.lit(options.sr_method if options.data_type == "SR" else None, dtype=pl.Utf8).alias("sr_method"),
        pl.lit(options.trim_by).alias("trim_by"),
        pl.lit(options.multiplier).alias("multiplier"),
    ]
    reason = f"{NOT_ASSESSED}: {part.height} areas with figures, fewer than {MIN_UNITS}"
    if part.height >= MIN_UNITS:
        try:
            result = funnel(frame, options)
        except ValueError as error:  # a clear result, never a crash: the method says why
            reason = f"{NOT_ASSESSED}: {error}"
        else:
            return _with_scores(part, result).with_columns(*common).select(*UNIT_COLUMNS, *SCORE_COLUMNS)
    value = pl.col("numerator") / pl.col("denominator") * options.multiplier
    nulls = [
        pl.lit(None, dtype=pl.Float64).alias(c)
        for c in ("national_value", "z", "z_adjusted", "phi", "tau2", *(f"{n}_adjusted" for n in NAMES))
    ]
    return part.with_columns(
        value.alias("value"),
        *nulls,
        pl.lit(NOT_ASSESSED).alias("outlier"),
        pl.lit(reason).alias("adjustment"),
        *common,
    ).select(*UNIT_COLUMNS, *SCORE_COLUMNS)


def _with_scores(part: pl.DataFrame, result: FunnelResult) -> pl.DataFrame:
    scores = result.units.select(
        pl.col("unit").alias("area_code"),
        "value",
        pl.col("z").fill_nan(None),
        pl.col("z_adjusted").fill_nan(None),
        "lower_95_adjusted",
        "upper_95_adjusted",
        "lower_998_adjusted",
        "upper_998_adjusted",
        pl.col("flag").alias("outlier"),
    )
    # A zero observed count scores -inf on the SHMI log scale: published as null, its flag says low.
    scores = scores.with_columns(
        [
            pl.when(pl.col(c).is_infinite()).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("z", "z_adjusted")
        ]
    )
    national = result.target * result.options.multiplier
    return part.join(scores, on="area_code", how="left").with_columns(
        pl.lit(national).alias("national_value"),
        pl.lit(result.phi).alias("phi"),
        pl.lit(result.tau2).alias("tau2"),
        pl.lit(result.adjustment).alias("adjustment"),
    )


def limit_lines(rows: pl.DataFrame, points: int = 200) -> pl.DataFrame:
    """The adjusted 95% and 99.8% limits of one funnel (rows of one level, indicator and month) along its
    denominators, for a chart: denominator, lower_95, upper_95, lower_998, upper_998."""
    first = rows.row(0, named=True)
    options = options_for(first["indicator"])
    low, high = float(rows["denominator"].min()), float(rows["denominator"].max())
    x = np.unique(
        np.r_[np.geomspace(max(low * 0.8, 1.0), high * 1.05, points), rows["denominator"].to_numpy()]
    )
    _, adjusted = limits_at(x, first["national_value"] / options.multiplier, first["tau2"], options)
    return pl.DataFrame({"denominator": x, **adjusted})
