"""Contracts of the published ROI tables (checked before publishing, recorded in the manifest)."""

import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

from ohwb_pipeline.core.publishing import PublishedContract

METHODS = ["before_after", "difference_in_differences"]
SCHEMA_VERSION = "1.0"


class InterventionRoi(pa.DataFrameModel):
    intervention_id: str
    org_code: str = pa.Field(nullable=True)
    icb_code: str = pa.Field(nullable=True)
    home_icb: str
    name: str
    category: str
    method: str = pa.Field(isin=METHODS)
    status: str = pa.Field(isin=["ok", "incomplete"])
    months_evaluated: int = pa.Field(ge=1, le=12)
    baseline_rate_percent: float = pa.Field(nullable=True)
    evaluation_rate_percent: float = pa.Field(nullable=True)
    comparator_baseline_rate_percent: float = pa.Field(nullable=True)
    comparator_evaluation_rate_percent: float = pa.Field(nullable=True)
    fte_days_available: float = pa.Field(nullable=True)
    absence_days_avoided: float = pa.Field(nullable=True, description="negative when absence rose")
    absence_savings_low: float = pa.Field(nullable=True)
    absence_savings_central: float = pa.Field(nullable=True)
    absence_savings_high: float = pa.Field(nullable=True)
    retention_savings_low: float
    retention_savings_central: float
    retention_savings_high: float
    gp_savings_low: float
    gp_savings_central: float
    gp_savings_high: float
    total_savings_low: float = pa.Field(nullable=True)
    total_savings_central: float = pa.Field(nullable=True)
    total_savings_high: float = pa.Field(nullable=True)
    cost_gbp: float = pa.Field(gt=0)
    roi_ratio_low: float = pa.Field(nullable=True)
    roi_ratio_central: float = pa.Field(nullable=True)
    roi_ratio_high: float = pa.Field(nullable=True)
    net_benefit_low: float = pa.Field(nullable=True)
    net_benefit_central: float = pa.Field(nullable=True)
    net_benefit_high: float = pa.Field(nullable=True)
    reported_savings_gbp: float = pa.Field(nullable=True, ge=0)
    roi_from_reported_savings: float = pa.Field(nullable=True, ge=0)
    reported_roi: float = pa.Field(nullable=True)
    attendance_rate: float = pa.Field(nullable=True, ge=0, le=1)
    cost_basis: str
    unit_cost_version: str

    @pa.dataframe_check(name="low_central_high_ordered")
    def low_central_high_ordered(cls, data: PolarsData) -> pl.LazyFrame:
        ordered = (pl.col("total_savings_low") <= pl.col("total_savings_central") + 1e-6) & (
            pl.col("total_savings_central") <= pl.col("total_savings_high") + 1e-6
        )
        return data.lazyframe.select(ordered.fill_null(True))

    @pa.dataframe_check(name="incomplete_has_no_roi")
    def incomplete_has_no_roi(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("status") == "ok") | pl.col("roi_ratio_central").is_null())

    class Config:
        strict = True
        ordered = True


class IcsRoiSummary(pa.DataFrameModel):
    icb_code: str
    icb_name: str
    method: str = pa.Field(isin=METHODS)
    interventions: int = pa.Field(ge=1)
    interventions_incomplete: int = pa.Field(ge=0)
    total_cost_gbp: float = pa.Field(nullable=True, ge=0)
    absence_days_avoided: float = pa.Field(nullable=True)
    total_savings_low: float = pa.Field(nullable=True)
    total_savings_central: float = pa.Field(nullable=True)
    total_savings_high: float = pa.Field(nullable=True)
    roi_ratio_low: float = pa.Field(nullable=True)
    roi_ratio_central: float = pa.Field(nullable=True)
    roi_ratio_high: float = pa.Field(nullable=True)
    net_benefit_central: float = pa.Field(nullable=True)

    class Config:
        strict = True
        ordered = True


CONTRACTS: dict[str, PublishedContract] = {
    "intervention_roi": PublishedContract(
        InterventionRoi,
        SCHEMA_VERSION,
        identity=("intervention_id", "method"),
        area_column="home_icb",
        key="financial_year",
    ),
    "ics_roi_summary": PublishedContract(
        IcsRoiSummary,
        SCHEMA_VERSION,
        identity=("icb_code", "method"),
        area_column="icb_code",
        key="financial_year",
    ),
}
