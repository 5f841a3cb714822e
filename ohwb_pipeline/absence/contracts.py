"""Contracts of the published tables. BI tools rely on these names and types: a change to a
contract bumps its SCHEMA_VERSION, which the manifest records.

Each contract is checked inside its asset before any partition is swapped in (a blocking check):
a table that breaks its contract is not published.
"""

import datetime as dt

import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

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
    reason_code: str
    reason_label: str
    reason_group: str
    fte_days_lost: float = pa.Field(nullable=True, ge=0)
    fte_days_available: float = pa.Field(nullable=True, gt=330)
    share_of_days_lost_percent: float = pa.Field(nullable=True, ge=0, le=100)

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

    @pa.dataframe_check(name="percentages_within_0_100")
    def percentages_within_0_100(cls, data: PolarsData) -> pl.LazyFrame:
        is_pct = pl.col("indicator").is_in(PERCENT_INDICATORS)
        return data.lazyframe.select(~is_pct | pl.col("value").is_null() | (pl.col("value") <= 100))

    class Config:
        strict = True
        ordered = True


CONTRACTS: dict[str, tuple[type[pa.DataFrameModel], str]] = {
    "absence_benchmark": (AbsenceBenchmark, "1.0"),
    "absence_by_reason": (AbsenceByReason, "1.0"),
    "ics_indicators": (IcsIndicators, "1.0"),
}
