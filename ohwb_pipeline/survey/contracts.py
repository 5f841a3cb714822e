"""Contracts of the published survey tables (checked, blocking, before any partition is swapped in)."""

import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

from ohwb_pipeline.core.publishing import PublishedContract
from ohwb_pipeline.survey.suppression import MIN_VALID

LEVELS = ["org", "icb", "region", "england"]
_COUNTS = ("n_valid", "n_indicator", "pct")


class SurveyIndicators(pa.DataFrameModel):
    level: str = pa.Field(isin=LEVELS)
    area_code: str = pa.Field(description="ODS code of the trust, ICB or region; E92000001 for England")
    area_name: str
    parent_code: str = pa.Field(nullable=True, description="the area one level up; null for England")
    staff_group: str = pa.Field(description="a staff group, or 'All staff groups'")
    question_id: str
    question_text: str = pa.Field(description="as in survey_questions.csv, for labels")
    theme: str
    higher_is_better: bool
    n_valid: int = pa.Field(nullable=True, ge=MIN_VALID, description="valid (non-blank) answers")
    n_indicator: int = pa.Field(nullable=True, ge=0, description="answers in the indicator codes")
    pct: float = pa.Field(
        nullable=True, ge=0, le=100, description="pooled: n_indicator / n_valid x 100 over respondents"
    )
    suppressed: bool = pa.Field(description="true: n_valid, n_indicator and pct are withheld")
    pct_weighted: float = pa.Field(
        nullable=True,
        ge=0,
        le=100,
        description="post-stratified by the area's staff-in-post staff-group mix (All staff groups rows)",
    )
    weight_coverage: float = pa.Field(
        nullable=True, ge=0, le=1, description="share of the area's staff in the groups pct_weighted uses"
    )
    weighting_period: str = pa.Field(nullable=True, description="the staff-in-post month used as weights")

    @pa.dataframe_check(name="suppressed_cells_are_empty")
    def suppressed_cells_are_empty(cls, data: PolarsData) -> pl.LazyFrame:
        empty = pl.all_horizontal(pl.col(c).is_null() for c in (*_COUNTS, "pct_weighted"))
        filled = pl.all_horizontal(pl.col(c).is_not_null() for c in _COUNTS)
        return data.lazyframe.select(pl.when(pl.col("suppressed")).then(empty).otherwise(filled))

    @pa.dataframe_check(name="indicator_within_valid")
    def indicator_within_valid(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("n_indicator") <= pl.col("n_valid")).fill_null(True))

    @pa.dataframe_check(name="one_row_per_cell")
    def one_row_per_cell(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            ~pl.struct("level", "area_code", "staff_group", "question_id").is_duplicated()
        )

    class Config:
        strict = True
        ordered = True


class IcsWellbeingScorecard(pa.DataFrameModel):
    level: str = pa.Field(isin=["icb", "england"])
    area_code: str
    area_name: str
    financial_year: str = pa.Field(
        str_matches=r"^\d{4}/\d{2}$", description="April after the survey's autumn"
    )
    absence_months: int = pa.Field(ge=0, le=12, description="months of absence data in the financial year")
    sickness_absence_rate: float = pa.Field(nullable=True, ge=0, le=100)
    mental_health_absence_rate: float = pa.Field(nullable=True, ge=0, le=100, description="S10")
    work_stress_pct: float = pa.Field(nullable=True, ge=0, le=100, description="q11c, pooled")
    work_stress_pct_weighted: float = pa.Field(nullable=True, ge=0, le=100)
    msk_absence_rate: float = pa.Field(nullable=True, ge=0, le=100, description="S11 + S12")
    msk_from_work_pct: float = pa.Field(nullable=True, ge=0, le=100, description="q11b, pooled")
    msk_from_work_pct_weighted: float = pa.Field(nullable=True, ge=0, le=100)
    turnover_12m: float = pa.Field(nullable=True, ge=0, description="at March, the financial year's end")
    thinking_of_leaving_pct: float = pa.Field(nullable=True, ge=0, le=100, description="q26a, pooled")
    thinking_of_leaving_pct_weighted: float = pa.Field(nullable=True, ge=0, le=100)

    class Config:
        strict = True
        ordered = True


CONTRACTS: dict[str, PublishedContract] = {
    "survey_indicators": PublishedContract(
        SurveyIndicators,
        "1.0",
        identity=("level", "area_code", "staff_group", "question_id"),
        area_column="area_code",
        key="year",
        check_each_partition=True,
    ),
    "ics_wellbeing_scorecard": PublishedContract(
        IcsWellbeingScorecard,
        "1.0",
        identity=("level", "area_code"),
        area_column="area_code",
        key="year",
        check_each_partition=True,
    ),
}
