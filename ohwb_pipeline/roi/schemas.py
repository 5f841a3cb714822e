"""pandera models for the interventions register and unit costs, and contracts of the ROI tables."""

import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

from ohwb_pipeline.ingest.validate import Contract

CATEGORIES = ["msk", "mental_health", "menopause", "culture", "other"]
COST_BASES = ["reported", "implied_from_roi", "assumed"]
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
OPTIONAL_NUMBERS = [
    "reported_roi",
    "gp_visits_avoided",
    "staff_retained",
    "appointments_booked",
    "appointments_attended",
    "reported_absence_savings_gbp",
    "reported_retention_savings_gbp",
    "reported_gp_savings_gbp",
]


def _ok(data: PolarsData, expr: pl.Expr) -> pl.LazyFrame:
    return data.lazyframe.select(expr.fill_null(True))


class Intervention(pa.DataFrameModel):
    intervention_id: str = pa.Field(str_length={"min_value": 1, "max_value": 64})
    org_code: str = pa.Field(nullable=True, description="the trust; empty for an ICB-wide intervention")
    icb_code: str = pa.Field(nullable=True, description="the ICB of an ICB-wide intervention")
    name: str
    category: str = pa.Field(isin=CATEGORIES)
    target_reason_codes: str = pa.Field(
        str_matches=r"^S\d{2}(;S\d{2})*$", description="';'-separated ESR codes"
    )
    start_month: str = pa.Field(str_matches=MONTH)
    end_month: str = pa.Field(nullable=True, str_matches=MONTH)
    annual_cost_gbp: float = pa.Field(gt=0)
    cost_basis: str = pa.Field(isin=COST_BASES)
    reported_roi: float = pa.Field(nullable=True, ge=0)
    gp_visits_avoided: float = pa.Field(nullable=True, ge=0)
    staff_retained: float = pa.Field(nullable=True, ge=0)
    appointments_booked: float = pa.Field(nullable=True, ge=0)
    appointments_attended: float = pa.Field(nullable=True, ge=0)
    reported_absence_savings_gbp: float = pa.Field(nullable=True, ge=0)
    reported_retention_savings_gbp: float = pa.Field(nullable=True, ge=0)
    reported_gp_savings_gbp: float = pa.Field(nullable=True, ge=0)
    source_note: str = pa.Field(nullable=True)

    @pa.dataframe_check(name="org_code_or_icb_code")
    def org_code_or_icb_code(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("org_code").is_null() != pl.col("icb_code").is_null())

    @pa.dataframe_check(name="end_on_or_after_start")
    def end_on_or_after_start(cls, data: PolarsData) -> pl.LazyFrame:
        return _ok(data, pl.col("end_month") >= pl.col("start_month"))

    @pa.dataframe_check(name="attended_at_most_booked")
    def attended_at_most_booked(cls, data: PolarsData) -> pl.LazyFrame:
        return _ok(data, pl.col("appointments_attended") <= pl.col("appointments_booked"))

    @pa.dataframe_check(name="unique_intervention_id")
    def unique_intervention_id(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("intervention_id").is_first_distinct())

    class Config:
        strict = False


INTERVENTIONS = Contract(
    name="interventions",
    columns={
        c: (pl.Float64 if c in OPTIONAL_NUMBERS or c == "annual_cost_gbp" else pl.Utf8)
        for c in Intervention.to_schema().columns
    },
    model=Intervention,
    frame_check_columns={
        "org_code_or_icb_code": "org_code",
        "end_on_or_after_start": "end_month",
        "attended_at_most_booked": "appointments_attended",
        "unique_intervention_id": "intervention_id",
        "target_reasons_in_reference": "target_reason_codes",
    },
    # A register file may leave these out entirely; they are then empty.
    optional=(*OPTIONAL_NUMBERS, "end_month", "source_note", "org_code", "icb_code"),
)


def target_reasons_check(reason_codes: list[str]) -> pa.Check:
    """Every code in `target_reason_codes` must exist in absence_reasons."""
    known = pl.Series(reason_codes, dtype=pl.Utf8)

    def check(data: PolarsData) -> pl.LazyFrame:
        codes = pl.col("target_reason_codes").str.split(";")
        return data.lazyframe.select(codes.list.eval(pl.element().is_in(known)).list.all().fill_null(True))

    return pa.Check(check, name="target_reasons_in_reference")


class UnitCost(pa.DataFrameModel):
    cost_item: str = pa.Field(
        unique=True, isin=["fte_sickness_day", "recruitment_replacement", "gp_appointment"]
    )
    unit: str
    low_gbp: float = pa.Field(ge=0)
    central_gbp: float = pa.Field(ge=0)
    high_gbp: float = pa.Field(ge=0)
    source_note: str = pa.Field(nullable=True)

    @pa.dataframe_check(name="low_central_high_ordered")
    def low_central_high_ordered(cls, data: PolarsData) -> pl.LazyFrame:
        ordered = (pl.col("low_gbp") <= pl.col("central_gbp")) & (pl.col("central_gbp") <= pl.col("high_gbp"))
        return data.lazyframe.select(ordered)


UNIT_COSTS = Contract(
    name="unit_costs",
    columns={c: (pl.Float64 if c.endswith("_gbp") else pl.Utf8) for c in UnitCost.to_schema().columns},
    model=UnitCost,
    optional=("source_note",),
)
