"""Contracts of the published absence tables. BI tools rely on these names and types: a change to a
contract bumps its version, which the manifest records.

Each contract is checked inside the publication step before any partition is swapped in (a blocking
check): a table that breaks its contract, or would publish an empty month, is not published.

Withheld trust-months (README "Completeness"): every org row carries `data_status`; a row whose status
is not `complete` has null figures, never 0.
"""

import datetime as dt

import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

from ohwb_pipeline.absence.status import DATA_STATUSES
from ohwb_pipeline.core.publishing import PublishedContract
from ohwb_pipeline.spc.method import VARIATION_ICONS

INDICATORS = [
    "sickness_absence_rate",
    "mental_health_rate",
    "msk_rate",
    "long_term_share",
    "fte",
    "headcount",
    "leavers",
    "turnover_12m",
]
PERCENT_INDICATORS = ["sickness_absence_rate", "mental_health_rate", "msk_rate", "long_term_share"]


class AbsenceBenchmark(pa.DataFrameModel):
    DATE: dt.date = pa.Field(description="last day of the month")
    NHSE_REGION_CODE: str
    NHSE_REGION_NAME: str
    ICB_CODE: str
    ICB_NAME: str
    ORG_CODE: str
    ORG_NAME: str
    STAFF_GROUP: str
    FTE_DAYS_LOST: float = pa.Field(nullable=True, ge=0)
    FTE_DAYS_AVAILABLE: float = pa.Field(nullable=True, gt=330, description="null when <= 330 (suppressed)")
    SICKNESS_ABSENCE_RATE_PERCENT: float = pa.Field(nullable=True, ge=0, le=100)
    data_status: str = pa.Field(
        isin=DATA_STATUSES, description="complete, or why this trust-month's figures are withheld (null)"
    )

    @pa.dataframe_check(name="withheld_means_null")
    def withheld_means_null(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("data_status") == "complete") | pl.col("SICKNESS_ABSENCE_RATE_PERCENT").is_null()
        )

    @pa.dataframe_check(name="every_org_has_all_staff_groups")
    def every_org_has_all_staff_groups(cls, data: PolarsData) -> pl.LazyFrame:
        has_total = (pl.col("STAFF_GROUP") == "All staff groups").any().over("DATE", "ORG_CODE")
        return data.lazyframe.select(has_total)

    @pa.dataframe_check(name="suppressed_together")
    def suppressed_together(cls, data: PolarsData) -> pl.LazyFrame:
        nulls = [
            pl.col(c).is_null()
            for c in ("FTE_DAYS_LOST", "FTE_DAYS_AVAILABLE", "SICKNESS_ABSENCE_RATE_PERCENT")
        ]
        return data.lazyframe.select((nulls[0] == nulls[1]) & (nulls[1] == nulls[2]))

    @pa.dataframe_check(name="one_row_per_org_and_group")
    def one_row_per_org_and_group(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.struct("DATE", "ORG_CODE", "STAFF_GROUP").is_duplicated())

    class Config:
        strict = True
        ordered = True


class AbsenceByReason(pa.DataFrameModel):
    icb_code: str
    org_code: str
    staff_group: str
    reason_code: str = pa.Field(nullable=True, description="null on a withheld trust-month's single row")
    reason_label: str = pa.Field(nullable=True)
    reason_group: str = pa.Field(nullable=True)
    fte_days_lost: float = pa.Field(nullable=True, ge=0)
    fte_days_available: float = pa.Field(nullable=True, gt=330)
    share_of_days_lost_percent: float = pa.Field(nullable=True, ge=0, le=100)
    data_status: str = pa.Field(isin=DATA_STATUSES)

    @pa.dataframe_check(name="withheld_means_null")
    def withheld_means_null(cls, data: PolarsData) -> pl.LazyFrame:
        complete = pl.col("data_status") == "complete"
        return data.lazyframe.select(
            (complete & pl.col("reason_code").is_not_null())
            | (~complete & pl.col("fte_days_lost").is_null() & pl.col("reason_code").is_null())
        )

    class Config:
        strict = True
        ordered = True


class IcsIndicators(pa.DataFrameModel):
    level: str = pa.Field(isin=["icb", "region", "england"])
    area_code: str
    area_name: str
    parent_code: str = pa.Field(nullable=True)
    indicator: str = pa.Field(isin=INDICATORS)
    numerator: float = pa.Field(nullable=True, ge=0)
    denominator: float = pa.Field(nullable=True, ge=0)
    value: float = pa.Field(nullable=True, ge=0)
    rolling_12m_value: float = pa.Field(nullable=True, ge=0)
    change_on_last_year: float = pa.Field(nullable=True)
    rank_among_icbs: int = pa.Field(nullable=True, ge=1, le=42)
    orgs_expected: int = pa.Field(ge=0, description="trusts in the area expected to submit this month")
    orgs_included: int = pa.Field(ge=0, description="trusts whose figures are in the value (complete)")
    coverage_percent: float = pa.Field(
        ge=0, le=100, description="share of the expected FTE days available that the value includes"
    )

    @pa.dataframe_check(name="percentages_within_0_100")
    def percentages_within_0_100(cls, data: PolarsData) -> pl.LazyFrame:
        is_pct = pl.col("indicator").is_in(PERCENT_INDICATORS)
        return data.lazyframe.select(~is_pct | pl.col("value").is_null() | (pl.col("value") <= 100))

    class Config:
        strict = True
        ordered = True


class DataCompleteness(pa.DataFrameModel):
    org_code: str
    org_name: str
    icb_code: str
    expected: bool = pa.Field(description="in the expected-submitters list for this month")
    data_status: str = pa.Field(isin=DATA_STATUSES)
    absence_file_status: str = pa.Field(isin=["ok", "missing", "rejected_file", "suspect_truncation"])
    staff_in_post_file_status: str = pa.Field(isin=["ok", "missing", "rejected_file", "suspect_truncation"])
    absence_sha256: str = pa.Field(nullable=True, description="content hash of the absence file used")
    staff_in_post_sha256: str = pa.Field(nullable=True, description="content hash of the staff file used")

    @pa.dataframe_check(name="one_row_per_org")
    def one_row_per_org(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.col("org_code").is_duplicated())

    class Config:
        strict = True
        ordered = True


POINT_TYPES = [
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
]


class SpcIndicators(pa.DataFrameModel):
    level: str = pa.Field(isin=["trust", "icb", "region", "england"])
    area_code: str
    area_name: str
    parent_code: str = pa.Field(nullable=True)
    indicator: str = pa.Field(isin=INDICATORS)
    improvement_direction: str = pa.Field(isin=["increase", "decrease", "neutral"])
    value: float
    mean: float
    lpl: float = pa.Field(nullable=True, description="null for a one-point series")
    upl: float = pa.Field(nullable=True, description="null for a one-point series")
    outside_limits: bool
    relative_to_mean: int = pa.Field(isin=[-1, 0, 1])
    close_to_limits: bool
    special_cause_type: str
    point_type: str = pa.Field(isin=POINT_TYPES)
    points_in_series: int = pa.Field(ge=1)
    short_series: bool
    is_latest: bool
    variation_icon: str = pa.Field(nullable=True, isin=VARIATION_ICONS)
    target: float = pa.Field(nullable=True)
    assurance: str = pa.Field(nullable=True, isin=["consistent_pass", "consistent_fail", "inconsistent"])

    @pa.dataframe_check(name="limits_around_the_mean")
    def limits_around_the_mean(cls, data: PolarsData) -> pl.LazyFrame:
        around = (pl.col("lpl") <= pl.col("mean")) & (pl.col("mean") <= pl.col("upl"))
        return data.lazyframe.select(around.fill_null(pl.col("points_in_series") == 1))

    @pa.dataframe_check(name="icons_only_on_the_latest_point")
    def icons_only_on_the_latest_point(cls, data: PolarsData) -> pl.LazyFrame:
        latest = pl.col("is_latest")
        return data.lazyframe.select(
            (latest == pl.col("variation_icon").is_not_null())
            & (latest | pl.col("assurance").is_null())
            & (pl.col("target").is_not_null() | pl.col("assurance").is_null())
        )

    @pa.dataframe_check(name="one_point_per_series")
    def one_point_per_series(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.struct("level", "area_code", "indicator").is_duplicated())

    class Config:
        strict = True
        ordered = True


CONTRACTS: dict[str, PublishedContract] = {
    "absence_benchmark": PublishedContract(
        AbsenceBenchmark, "2.0", identity=("ORG_CODE", "STAFF_GROUP"), area_column="ORG_CODE"
    ),
    "absence_by_reason": PublishedContract(
        AbsenceByReason,
        "2.0",
        identity=("org_code", "staff_group", "reason_code"),
        area_column="org_code",
        check_each_partition=True,
    ),
    "ics_indicators": PublishedContract(
        IcsIndicators, "2.0", identity=("level", "area_code", "indicator"), area_column="area_code"
    ),
    "data_completeness": PublishedContract(
        DataCompleteness,
        "1.0",
        identity=("org_code",),
        area_column="org_code",
        check_each_partition=True,
        sources=("absence_sha256", "staff_in_post_sha256"),
    ),
    "spc_indicators": PublishedContract(
        SpcIndicators,
        "1.0",
        identity=("level", "area_code", "indicator"),
        area_column="area_code",
        check_each_partition=True,
        log_revisions=False,
    ),
}
