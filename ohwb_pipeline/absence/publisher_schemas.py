"""pandera models for NHS England's own files (README "Real data"): the monthly NHS Sickness Absence
Rates benchmarking CSV (organisation x staff group) and the national "by reason and staff group" CSV.

Both hold public totals, no identifiers. Headers are read in lower case; older or newer names for a
column (`ICB_CODE` for `ICS_CODE`) are read as the contract's own. Staff groups are checked against the
staff groups and their aliases (`staff_group_aliases.csv`), added at run time like the extracts'
reference checks.
"""

import datetime as dt

import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

from ohwb_pipeline.ingest.truncation import NATIONAL_RULE
from ohwb_pipeline.ingest.validate import PERIOD_END, SOURCE_FILE, Contract, first_copy_of_each_row

RATE_COLUMNS = [
    "date",
    "nhse_region_code",
    "nhse_region_name",
    "ics_code",
    "ics_name",
    "org_code",
    "org_name",
    "cluster_group",
    "benchmark_group",
    "staff_group",
    "fte_days_lost",
    "fte_days_available",
    "sickness_absence_rate_percent",
]
# The file's REASON column is read as `absence_reason`: `reason` is the quarantine's own column.
REASON_COLUMNS = ["date", "staff_group", "absence_reason", "fte_days_lost", "fte_days_available"]
ALL_REASONS = "ALL REASONS"
# The publisher rounds the rate to 2 dp; its days carry float noise (33854.765120000004), so the rate is
# checked against the days to half a unit of its last place, plus that noise.
RATE_TOLERANCE = 0.005 + 1e-9
SUPPRESSION_LIMIT = 330
COLUMN_ALIASES = {
    "icb_code": "ics_code",
    "icb_name": "ics_name",
    "region_code": "nhse_region_code",
    "region_name": "nhse_region_name",
    "sickness_absence_rate": "sickness_absence_rate_percent",
    "fte_days_sick": "fte_days_lost",
    "reason": "absence_reason",
}


def _ok(data: PolarsData, expr: pl.Expr) -> pl.LazyFrame:
    return data.lazyframe.select(expr.fill_null(True))


class _MonthFile(pa.DataFrameModel):
    date: dt.date = pa.Field(description="last day of the month, dd/mm/yyyy")

    @pa.dataframe_check(name="date_is_the_folder_month")
    def date_is_the_folder_month(cls, data: PolarsData) -> pl.LazyFrame:
        return _ok(data, pl.col("date") == pl.col(PERIOD_END))

    class Config:
        strict = False


class PublishedRate(_MonthFile):
    nhse_region_code: str = pa.Field(str_matches=r"^(Y\d{2}|QZZ)$")
    nhse_region_name: str
    ics_code: str = pa.Field(str_matches=r"^Q[A-Z0-9]{2}$", description="ICB code, or QZZ for special bodies")
    ics_name: str
    org_code: str = pa.Field(str_matches=r"^[A-Z0-9]{3,5}$")
    org_name: str
    cluster_group: str = pa.Field(nullable=True)
    benchmark_group: str = pa.Field(nullable=True)
    staff_group: str = pa.Field(description="a staff group in staff_groups.csv or one of its aliases")
    fte_days_lost: float = pa.Field(nullable=True, ge=0, description="blank where suppressed")
    fte_days_available: float = pa.Field(
        nullable=True, gt=SUPPRESSION_LIMIT, description="blank where <= 330"
    )
    sickness_absence_rate_percent: float = pa.Field(nullable=True, ge=0, le=100)

    @pa.dataframe_check(name="suppressed_together")
    def suppressed_together(cls, data: PolarsData) -> pl.LazyFrame:
        blank = [
            pl.col(c).is_null()
            for c in ("fte_days_lost", "fte_days_available", "sickness_absence_rate_percent")
        ]
        return data.lazyframe.select((blank[0] == blank[1]) & (blank[1] == blank[2]))

    @pa.dataframe_check(name="rate_matches_days")
    def rate_matches_days(cls, data: PolarsData) -> pl.LazyFrame:
        rate = pl.col("fte_days_lost") / pl.col("fte_days_available") * 100
        return _ok(data, (rate - pl.col("sickness_absence_rate_percent")).abs() <= RATE_TOLERANCE)

    @pa.dataframe_check(name="not_a_duplicate_row")
    def not_a_duplicate_row(cls, data: PolarsData) -> pl.LazyFrame:
        return first_copy_of_each_row(data.lazyframe, [SOURCE_FILE, *RATE_COLUMNS], [SOURCE_FILE, "org_code"])

    @pa.dataframe_check(name="one_row_per_org_and_staff_group")
    def one_row_per_org_and_staff_group(cls, data: PolarsData) -> pl.LazyFrame:
        return _one_row_per(data, RATE_COLUMNS, ["org_code", "staff_group"])


class PublishedReason(_MonthFile):
    staff_group: str = pa.Field(str_length={"min_value": 1, "max_value": 200})
    absence_reason: str = pa.Field(
        str_matches=r"^(ALL REASONS|S\d{2} .+)$", description="`S10 Anxiety/...` or `ALL REASONS`"
    )
    fte_days_lost: float = pa.Field(ge=0)
    fte_days_available: float = pa.Field(ge=0, description="on ALL REASONS rows only; 0.0 on reason rows")

    @pa.dataframe_check(name="all_reasons_rows_have_days_available")
    def all_reasons_rows_have_days_available(cls, data: PolarsData) -> pl.LazyFrame:
        return _ok(data, (pl.col("absence_reason") != ALL_REASONS) | (pl.col("fte_days_available") > 0))

    @pa.dataframe_check(name="not_a_duplicate_row")
    def not_a_duplicate_row(cls, data: PolarsData) -> pl.LazyFrame:
        return first_copy_of_each_row(
            data.lazyframe, [SOURCE_FILE, *REASON_COLUMNS], [SOURCE_FILE, "absence_reason"]
        )

    @pa.dataframe_check(name="one_row_per_staff_group_and_reason")
    def one_row_per_staff_group_and_reason(cls, data: PolarsData) -> pl.LazyFrame:
        return _one_row_per(data, REASON_COLUMNS, ["staff_group", "absence_reason"])


def _one_row_per(data: PolarsData, columns: list[str], key: list[str]) -> pl.LazyFrame:
    """False on every copy of a key that has two different rows: which one is right cannot be known, so
    none is used. An exact repeat of a row is `not_a_duplicate_row`'s (its first copy is kept)."""
    rows = data.lazyframe.select(SOURCE_FILE, *columns)
    folded = [pl.col(c).str.to_lowercase() if c == "staff_group" else pl.col(c) for c in key]
    variants = pl.struct(*columns).n_unique().over(SOURCE_FILE, *folded)
    return rows.select(variants.fill_null(1) <= 1)


_RATE_FRAME_CHECKS = {
    "date_is_the_folder_month": "date",
    "suppressed_together": "(row)",
    "rate_matches_days": "sickness_absence_rate_percent",
    "not_a_duplicate_row": "(row)",
    "one_row_per_org_and_staff_group": "(row)",
}
_WORDS = {
    "date_is_the_folder_month": "is not the last day of the folder's month",
    "suppressed_together": "days lost, days available and rate must be blank together (suppressed) or "
    "all given",
    "rate_matches_days": "is not days lost / days available x 100 (to 2 dp)",
    "not_a_duplicate_row": "repeats an earlier row exactly (the first copy is used)",
    "one_row_per_org_and_staff_group": "the organisation and staff group have two different rows: "
    "neither is used",
    "one_row_per_staff_group_and_reason": "the staff group and reason have two different rows: neither "
    "is used",
    "all_reasons_rows_have_days_available": "an ALL REASONS row must give its days available",
}
_NUMBERS = {"fte_days_lost": pl.Float64, "fte_days_available": pl.Float64}

PUBLISHED_RATES = Contract(
    name="published_rates",
    columns={
        c: pl.Date if c == "date" else _NUMBERS.get(c, pl.Float64 if c.endswith("_percent") else pl.Utf8)
        for c in RATE_COLUMNS
    },
    model=PublishedRate,
    frame_check_columns=_RATE_FRAME_CHECKS,
    optional=("cluster_group", "benchmark_group"),
    row_count_rule=NATIONAL_RULE,
    date_format="%d/%m/%Y",
    aliases=COLUMN_ALIASES,
    national_file=True,
    frame_check_words=_WORDS,
)
PUBLISHED_REASONS = Contract(
    name="published_reasons",
    columns={c: pl.Date if c == "date" else _NUMBERS.get(c, pl.Utf8) for c in REASON_COLUMNS},
    model=PublishedReason,
    frame_check_columns={
        "date_is_the_folder_month": "date",
        "all_reasons_rows_have_days_available": "fte_days_available",
        "not_a_duplicate_row": "(row)",
        "one_row_per_staff_group_and_reason": "(row)",
    },
    row_count_rule=NATIONAL_RULE,
    date_format="%d/%m/%Y",
    aliases=COLUMN_ALIASES,
    national_file=True,
    frame_check_words=_WORDS,
)
