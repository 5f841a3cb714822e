"""Contracts of the published survey tables (checked, blocking, before any partition is swapped in)."""

import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

from ohwb_pipeline.core.dictionary import column
from ohwb_pipeline.core.publishing import PublishedContract
from ohwb_pipeline.survey.suppression import MIN_VALID

LEVELS = ["org", "icb", "region", "england"]
_COUNTS = ("n_valid", "n_indicator", "pct")


SUPPRESSED = (
    "null when suppressed (fewer than 11 valid answers, or a complement that stops recovery by subtraction)"
)


class SurveyIndicators(pa.DataFrameModel):
    level: str = column("org (a trust), icb, region or england", isin=LEVELS)
    area_code: str = column("ODS code of the trust, ICB or region; E92000001 for England")
    area_name: str = column("name of the trust or area")
    parent_code: str = column("the area one level up; null for England", nullable=True)
    staff_group: str = column("a staff group, or 'All staff groups'")
    question_id: str = column("NHS Staff Survey question code (survey_questions.csv)")
    question_text: str = column("the question as in survey_questions.csv, for labels")
    theme: str = column("the question's theme (survey_questions.csv)")
    higher_is_better: bool = column("true when a higher percentage is the better result")
    n_valid: int = column("valid (non-blank) answers", "respondents", SUPPRESSED, nullable=True, ge=MIN_VALID)
    n_indicator: int = column(
        "answers in the question's indicator codes", "respondents", SUPPRESSED, nullable=True, ge=0
    )
    pct: float = column(
        "pooled: n_indicator / n_valid x 100 over respondents", "%", SUPPRESSED, nullable=True, ge=0, le=100
    )
    suppressed: bool = column("true: n_valid, n_indicator, pct and pct_weighted are withheld")
    pct_weighted: float = column(
        "post-stratified by the area's staff-in-post staff-group mix (All staff groups rows)",
        "%",
        SUPPRESSED + "; null on staff-group rows",
        nullable=True,
        ge=0,
        le=100,
    )
    weight_coverage: float = column(
        "share of the area's staff in the groups pct_weighted uses",
        "fraction 0-1",
        "null where pct_weighted is null",
        nullable=True,
        ge=0,
        le=1,
    )
    weighting_period: str = column(
        "the staff-in-post month used as weights, YYYY-MM",
        rule="null where pct_weighted is null",
        nullable=True,
    )

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


NO_DATA = "null when the area has no data for it in the year"


class IcsWellbeingScorecard(pa.DataFrameModel):
    level: str = column("icb or england", isin=["icb", "england"])
    area_code: str = column("ODS code of the ICB; E92000001 for England")
    area_name: str = column("name of the area")
    financial_year: str = column(
        "the financial year after the survey's autumn, YYYY/YY", str_matches=r"^\d{4}/\d{2}$"
    )
    absence_months: int = column("months of absence data in the financial year", "months", ge=0, le=12)
    sickness_absence_rate: float = column(
        "FTE days lost / available x 100 over the financial year", "%", NO_DATA, nullable=True, ge=0, le=100
    )
    mental_health_absence_rate: float = column(
        "as sickness_absence_rate, reason S10 (anxiety, stress, depression)",
        "%",
        NO_DATA,
        nullable=True,
        ge=0,
        le=100,
    )
    work_stress_pct: float = column(
        "q11c (unwell from work-related stress), pooled",
        "%",
        NO_DATA + " or suppressed",
        nullable=True,
        ge=0,
        le=100,
    )
    work_stress_pct_weighted: float = column(
        "q11c, staff-mix weighted", "%", NO_DATA + " or suppressed", nullable=True, ge=0, le=100
    )
    msk_absence_rate: float = column(
        "as sickness_absence_rate, reasons S11 + S12 (musculoskeletal)",
        "%",
        NO_DATA,
        nullable=True,
        ge=0,
        le=100,
    )
    msk_from_work_pct: float = column(
        "q11b (MSK problems from work activities), pooled",
        "%",
        NO_DATA + " or suppressed",
        nullable=True,
        ge=0,
        le=100,
    )
    msk_from_work_pct_weighted: float = column(
        "q11b, staff-mix weighted", "%", NO_DATA + " or suppressed", nullable=True, ge=0, le=100
    )
    turnover_12m: float = column(
        "12-month turnover at March, the financial year's end", "%", NO_DATA, nullable=True, ge=0
    )
    thinking_of_leaving_pct: float = column(
        "q26a (often think about leaving), pooled",
        "%",
        NO_DATA + " or suppressed",
        nullable=True,
        ge=0,
        le=100,
    )
    thinking_of_leaving_pct_weighted: float = column(
        "q26a, staff-mix weighted", "%", NO_DATA + " or suppressed", nullable=True, ge=0, le=100
    )

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
        description=(
            "% of valid answers in each question's indicator codes, per survey year, level, area and "
            "staff group, with leak-proof small-number suppression and a staff-mix weighted value next "
            "to the pooled one."
        ),
    ),
    "ics_wellbeing_scorecard": PublishedContract(
        IcsWellbeingScorecard,
        "1.0",
        identity=("level", "area_code"),
        area_column="area_code",
        key="year",
        check_each_partition=True,
        description=(
            "Each ICB's (and England's) survey wellbeing indicators next to its absence indicators for "
            "the financial year after the survey."
        ),
    ),
}
