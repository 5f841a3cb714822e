"""Contracts of the published absence tables. BI tools rely on these names and types: a change to a
contract bumps its version, which the manifest records.

Each contract is checked inside the publication step before any partition is swapped in (a blocking
check): a table that breaks its contract, or would publish an empty month, is not published.

Withheld organisation-months (docs/operations.md, "Completeness gate"): every org row carries
`data_status`; a row whose status is not `complete` has null figures, never 0. Every org row also says
which `source` its figures come from: the trust's own ESR extracts or NHS England's published rates
(README "Real data"); a value a source cannot give is null with `withheld_reason`.
"""

import datetime as dt

import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

from ohwb_pipeline.absence.funnel_indicators import LEVELS as FUNNEL_LEVELS
from ohwb_pipeline.absence.funnel_indicators import NOT_ASSESSED as FUNNEL_NOT_ASSESSED
from ohwb_pipeline.absence.funnel_indicators import SOURCES as FUNNEL_SOURCES
from ohwb_pipeline.absence.status import DATA_STATUSES, SOURCES
from ohwb_pipeline.core.dictionary import column
from ohwb_pipeline.core.publishing import PublishedContract
from ohwb_pipeline.funnel.method import FLAGS as FUNNEL_FLAGS
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


WITHHELD = "null when data_status is not complete (the trust-month is withheld, never 0)"
SUPPRESSED = (
    "null when FTE_DAYS_AVAILABLE <= 330 (suppressed, as in the official benchmark table); " + WITHHELD
)
AREA_CODE = "ODS code of the ICB or NHS England region; E92000001 for England"
SOURCE = (
    "where the figures come from: esr_extract (the trust's own ESR extracts) or nhs_published_rates "
    "(NHS England's published benchmark file, real data)"
)
NO_SOURCE = "null when nothing landed for the organisation-month"
ORG = "the organisation (trust, ICB, CSU or other body) as the publication names it that month"


class AbsenceBenchmark(pa.DataFrameModel):
    DATE: dt.date = column("last day of the reporting month", "date")
    NHSE_REGION_CODE: str = column("ODS code of the organisation's NHS England region (QZZ: special bodies)")
    NHSE_REGION_NAME: str = column("name of the NHS England region")
    ICB_CODE: str = column(
        "ODS code of the organisation's Integrated Care Board (ICS_CODE; QZZ: special bodies)"
    )
    ICB_NAME: str = column("the ICB's short name, as NHS England's publication writes it")
    ORG_CODE: str = column("ODS code of the organisation")
    ORG_NAME: str = column("name of " + ORG)
    STAFF_GROUP: str = column("ESR staff group, or 'All staff groups' for the trust's total")
    FTE_DAYS_LOST: float = column(
        "FTE days lost to sickness absence in the month", "FTE days", SUPPRESSED, nullable=True, ge=0
    )
    FTE_DAYS_AVAILABLE: float = column(
        "FTE days available (contracted) in the month", "FTE days", SUPPRESSED, nullable=True, gt=330
    )
    SICKNESS_ABSENCE_RATE_PERCENT: float = column(
        "FTE days lost / FTE days available x 100", "%", SUPPRESSED, nullable=True, ge=0, le=100
    )
    data_status: str = column(
        "complete, or why this organisation-month's figures are withheld (see data_completeness)",
        isin=DATA_STATUSES,
    )
    source: str = column(SOURCE, rule=NO_SOURCE, nullable=True, isin=SOURCES)

    @pa.dataframe_check(name="withheld_means_null")
    def withheld_means_null(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("data_status") == "complete") | pl.col("SICKNESS_ABSENCE_RATE_PERCENT").is_null()
        )

    @pa.dataframe_check(name="complete_has_a_source")
    def complete_has_a_source(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("data_status") != "complete") | pl.col("source").is_not_null())

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
    icb_code: str = column(
        "ODS code of the organisation's Integrated Care Board", rule="null on England's rows", nullable=True
    )
    org_code: str = column("ODS code of the organisation; E92000001 for England (the publisher's totals)")
    staff_group: str = column("ESR staff group, or 'All staff groups'")
    reason_code: str = column(
        "ESR sickness reason code (S10-S99)",
        rule="null on the single row of a withheld organisation-month or of one without reasons",
        nullable=True,
    )
    reason_label: str = column("the reason's ESR label", rule="null on a withheld row", nullable=True)
    reason_group: str = column(
        "reason group (mental_health, musculoskeletal, ...)", rule="null on a withheld row", nullable=True
    )
    fte_days_lost: float = column(
        "FTE days lost to this reason in the month",
        "FTE days",
        "null when the group's FTE days available <= 330 (suppressed); " + WITHHELD,
        nullable=True,
        ge=0,
    )
    fte_days_available: float = column(
        "the trust and staff group's FTE days available in the month",
        "FTE days",
        "null when <= 330 (suppressed); " + WITHHELD,
        nullable=True,
        gt=330,
    )
    share_of_days_lost_percent: float = column(
        "this reason's share of the group's FTE days lost",
        "%",
        "null when suppressed or withheld, as fte_days_lost",
        nullable=True,
        ge=0,
        le=100,
    )
    data_status: str = column("complete, or why the organisation-month is withheld", isin=DATA_STATUSES)
    source: str = column(
        SOURCE + "; nhs_published_national on England's rows (NHS England's national totals, real data)",
        rule=NO_SOURCE,
        nullable=True,
        isin=[*SOURCES, "nhs_published_national"],
    )
    withheld_reason: str = column(
        "why a complete organisation-month has no reasons (its source gives none)",
        rule="null when the reasons are given or the month is withheld (data_status)",
        nullable=True,
    )

    @pa.dataframe_check(name="withheld_means_null")
    def withheld_means_null(cls, data: PolarsData) -> pl.LazyFrame:
        given = (pl.col("data_status") == "complete") & pl.col("withheld_reason").is_null()
        return data.lazyframe.select(
            (given & pl.col("reason_code").is_not_null())
            | (~given & pl.col("fte_days_lost").is_null() & pl.col("reason_code").is_null())
        )

    class Config:
        strict = True
        ordered = True


class IcsIndicators(pa.DataFrameModel):
    level: str = column("icb, region or england", isin=["icb", "region", "england"])
    area_code: str = column(AREA_CODE)
    area_name: str = column("name of the area")
    parent_code: str = column("the area one level up (an ICB's region); null for England", nullable=True)
    indicator: str = column(
        "sickness_absence_rate, mental_health_rate (S10), msk_rate (S11+S12), long_term_share, fte, "
        "headcount, leavers or turnover_12m",
        isin=INDICATORS,
    )
    source: str = column(
        "organisations (summed over the area's complete organisations) or nhs_published_national "
        "(England's totals as NHS England publishes them, real data)",
        isin=["organisations", "nhs_published_national"],
    )
    numerator: float = column(
        "sum over the area's complete organisations: FTE days lost (rates), long-term days lost "
        "(long_term_share), FTE days available (fte), headcount or leavers",
        "FTE days or people",
        "withheld organisations are left out, never counted as 0; null with withheld_reason",
        nullable=True,
        ge=0,
    )
    denominator: float = column(
        "FTE days available (rates), FTE days lost (long_term_share), days in the month (fte), "
        "average headcount (turnover_12m), 1 for counts",
        "FTE days, days or people",
        "withheld trusts are left out",
        nullable=True,
        ge=0,
    )
    value: float = column(
        "numerator / denominator (x 100 for rates and shares)",
        "% for rates, shares and turnover; FTE, people otherwise",
        "null when no expected organisation is complete, or with withheld_reason; read coverage_percent "
        "before comparing",
        nullable=True,
        ge=0,
    )
    rolling_12m_value: float = column(
        "the same indicator over the 12 months to this one (leavers: their sum)",
        "as value",
        "null until 12 months of the area exist, and when any of the 12 is withheld",
        nullable=True,
        ge=0,
    )
    change_on_last_year: float = column(
        "value minus the value 12 months earlier",
        "percentage points or as value",
        "null without a value 12 months earlier",
        nullable=True,
    )
    rank_among_icbs: int = column(
        "rank of the ICB among ICBs this month, 1 = lowest value",
        "rank",
        "null for regions, England and null values",
        nullable=True,
        ge=1,
        le=42,
    )
    difference_from_publisher: float = column(
        "England from the organisations minus NHS England's own national value, same month and indicator",
        "percentage points or as value",
        "null except on England's organisations rows of months with both",
        nullable=True,
    )
    withheld_reason: str = column(
        "why the value is withheld: a source of the area's organisations does not give it",
        rule="null when the value is given (or simply has no data)",
        nullable=True,
    )
    orgs_expected: int = column(
        "organisations in the area expected to report this month",
        "organisations",
        "null on nhs_published_national rows",
        nullable=True,
        ge=0,
    )
    orgs_included: int = column(
        "organisations whose figures are in the value (complete)",
        "organisations",
        "null on nhs_published_national rows",
        nullable=True,
        ge=0,
    )
    coverage_percent: float = column(
        "share of the expected organisations' FTE days available that the value includes (withheld ones "
        "weighted by their last complete month)",
        "%",
        "null on nhs_published_national rows",
        nullable=True,
        ge=0,
        le=100,
    )

    @pa.dataframe_check(name="percentages_within_0_100")
    def percentages_within_0_100(cls, data: PolarsData) -> pl.LazyFrame:
        is_pct = pl.col("indicator").is_in(PERCENT_INDICATORS)
        return data.lazyframe.select(~is_pct | pl.col("value").is_null() | (pl.col("value") <= 100))

    @pa.dataframe_check(name="withheld_means_null")
    def withheld_means_null(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("withheld_reason").is_null() | pl.col("value").is_null())

    class Config:
        strict = True
        ordered = True


class DataCompleteness(pa.DataFrameModel):
    org_code: str = column("ODS code of the organisation")
    org_name: str = column("name of " + ORG)
    icb_code: str = column("ODS code of the organisation's Integrated Care Board (QZZ: special bodies)")
    expected: bool = column(
        "true when the organisation is expected this month: in the expected-submitters list, or shown "
        "by the publication in this or an earlier month, and not recorded closed (organisation_changes)"
    )
    source: str = column(SOURCE, rule=NO_SOURCE, nullable=True, isin=SOURCES)
    data_status: str = column(
        "complete (figures published), or missing_absence, missing_staff_in_post, missing_both, "
        "rejected_file, suspect_truncation, missing_from_publication (an organisation the published "
        "file no longer shows), rejected_rows (its published rows failed a check) (figures withheld)",
        isin=DATA_STATUSES,
    )
    absence_file_status: str = column(
        "the month's absence file: ok, missing, rejected_file or suspect_truncation",
        isin=["ok", "missing", "rejected_file", "suspect_truncation"],
    )
    staff_in_post_file_status: str = column(
        "the month's staff-in-post file: ok, missing, rejected_file or suspect_truncation",
        isin=["ok", "missing", "rejected_file", "suspect_truncation"],
    )
    published_file_status: str = column(
        "the month's NHS England benchmark file: ok, missing, rejected_file or suspect_truncation",
        isin=["ok", "missing", "rejected_file", "suspect_truncation"],
    )
    absence_sha256: str = column(
        "SHA-256 of the absence file the figures come from", rule="null when no file was used", nullable=True
    )
    staff_in_post_sha256: str = column(
        "SHA-256 of the staff-in-post file the figures come from",
        rule="null when no file was used",
        nullable=True,
    )
    published_sha256: str = column(
        "SHA-256 of NHS England's benchmark file the figures come from",
        rule="null unless source is nhs_published_rates",
        nullable=True,
    )
    last_seen_in_publication: str = column(
        "the latest month, up to this one, whose published file shows the organisation (YYYY-MM)",
        rule="null for an organisation never in the publication",
        nullable=True,
    )
    closed_from: str = column(
        "the month from which organisation_changes records it closed or merged (YYYY-MM)",
        rule="null while no change is recorded",
        nullable=True,
    )

    @pa.dataframe_check(name="one_row_per_org")
    def one_row_per_org(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.col("org_code").is_duplicated())

    class Config:
        strict = True
        ordered = True


NO_LIMITS = (
    "null when the mean moving range is undefined: a one-point series, or one with no variation at all "
    "(every moving range is 0, which outlier screening leaves out, as NHSRplotthedots does)"
)
POINT_TYPES = [
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
]


class SpcIndicators(pa.DataFrameModel):
    level: str = column("trust, icb, region or england", isin=["trust", "icb", "region", "england"])
    area_code: str = column("ODS code of the trust or area; E92000001 for England")
    area_name: str = column("name of the trust or area")
    parent_code: str = column("a trust's ICB, an ICB's region; null for England", nullable=True)
    indicator: str = column(
        "the ics_indicators indicator; trusts have sickness_absence_rate only", isin=INDICATORS
    )
    improvement_direction: str = column(
        "which way is better, from the indicator's definition (all published ones: decrease)",
        isin=["increase", "decrease", "neutral"],
    )
    value: float = column(
        "the published value (ics_indicators.value; a trust's All staff groups rate)",
        "as the indicator",
        "withheld and suppressed months are not points of the series",
    )
    mean: float = column("centre line: mean of the series (of its rebase group)", "as the indicator")
    lpl: float = column(
        "lower process limit: mean - 2.66 x mean moving range (moving ranges >= 3.267 x their mean left out)",
        "as the indicator",
        NO_LIMITS,
        nullable=True,
    )
    upl: float = column(
        "upper process limit: mean + 2.66 x mean moving range",
        "as the indicator",
        NO_LIMITS,
        nullable=True,
    )
    outside_limits: bool = column("true when the point is beyond a process limit")
    relative_to_mean: int = column("1 above the mean, -1 below, 0 on it", isin=[-1, 0, 1])
    close_to_limits: bool = column("true when beyond mean +- 1.773 x mean moving range, within the limits")
    special_cause_type: str = column(
        "the first rule the point meets: Above UCL / Below LCL, 7 Point Trend (Increasing/Decreasing), "
        "2 in 3 Above/Below CL, 7 Points Above/Below CL, or Common Cause"
    )
    point_type: str = column(
        "common_cause, special_cause_improvement, special_cause_concern, special_cause_neutral_high/low",
        isin=POINT_TYPES,
    )
    points_in_series: int = column("points in the series", "points", ge=1)
    short_series: bool = column("true under 12 points: limits are provisional (NHSRplotthedots warns)")
    is_latest: bool = column("true on the series' latest point")
    variation_icon: str = column(
        "Making Data Count variation icon of the latest point: common_cause, improvement_high/low, "
        "concern_high/low, neutral_high/low",
        rule="null except on the latest point",
        nullable=True,
        isin=VARIATION_ICONS,
    )
    target: float = column(
        "target from config/spc_targets.csv", "as the indicator", "null without a target", nullable=True
    )
    assurance: str = column(
        "Making Data Count assurance of the latest point against the target: consistent_pass, "
        "consistent_fail or inconsistent",
        rule="null except on the latest point, and without a target",
        nullable=True,
        isin=["consistent_pass", "consistent_fail", "inconsistent"],
    )

    @pa.dataframe_check(name="limits_around_the_mean")
    def limits_around_the_mean(cls, data: PolarsData) -> pl.LazyFrame:
        around = (pl.col("lpl") <= pl.col("mean")) & (pl.col("mean") <= pl.col("upl"))
        return data.lazyframe.select(around.fill_null(True))

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


NOT_SCORED = "null when outlier is 'not assessed' (fewer than 5 areas, or the method says why in adjustment)"


class FunnelIndicators(pa.DataFrameModel):
    """docs/funnel.md: the method, the reference population and the suppressed-cell rule."""

    level: str = column("organisation or icb: the units compared in one funnel", isin=list(FUNNEL_LEVELS))
    area_code: str = column("ODS code of the organisation or ICB")
    area_name: str = column(
        "name of the organisation or ICB", rule="null if the source gives none", nullable=True
    )
    parent_code: str = column("an organisation's ICB, an ICB's region", nullable=True)
    indicator: str = column(
        "sickness_absence_rate (PR), staff_mix_ratio (SR: observed / staff-mix-expected FTE days lost) or "
        "survey_<question> (PR: a staff survey health-and-wellbeing question)"
    )
    indicator_label: str = column("the indicator in words, for labels")
    reference_period: str = column(
        "the month the figures cover (YYYY-MM), or the survey year (YYYY) of a survey indicator: the one "
        "the ICS scorecard pairs with the month's financial year"
    )
    source: str = column(
        "esr_extract (trusts' own extracts; SYNTHETIC in the demo), nhs_published_rates (REAL NHS England "
        "published figures), mixed (an ICB with both) or staff_survey",
        isin=FUNNEL_SOURCES,
        nullable=True,
    )
    organisations: int = column(
        "organisations in the figures (1 on organisation rows)",
        "organisations",
        "null on survey rows",
        nullable=True,
        ge=1,
    )
    cells_used: int = column(
        "staff_mix_ratio: organisation x staff-group cells in observed and expected",
        "cells",
        "null on other indicators",
        nullable=True,
        ge=1,
    )
    cells_blank: int = column(
        "staff_mix_ratio: suppressed (blank) staff-group cells left out of observed and expected alike",
        "cells",
        "null on other indicators",
        nullable=True,
        ge=0,
    )
    numerator: float = column(
        "FTE days lost (rate), observed FTE days lost (ratio), answers in the indicator codes (survey)",
        "FTE days or respondents",
        ge=0,
    )
    denominator: float = column(
        "FTE days available (rate), expected FTE days lost (ratio), valid answers (survey)",
        "FTE days or respondents",
        gt=0,
    )
    value: float = column("numerator / denominator x multiplier", "% (PR) or ratio (SR)", ge=0)
    national_value: float = column(
        "the funnel's target: the pooled value over its areas (PR), 1 (SR)",
        "as value",
        NOT_SCORED,
        nullable=True,
    )
    z: float = column(
        "z-score on the data type's transformed scale, unadjusted",
        "z",
        NOT_SCORED + "; null for a zero observed count on the SHMI log scale (-inf)",
        nullable=True,
    )
    z_adjusted: float = column("z-score with tau2 added to its variance", "z", "as z", nullable=True)
    lower_95_adjusted: float = column(
        "lower 95% limit at the denominator, adjusted for overdispersion",
        "as value",
        NOT_SCORED,
        nullable=True,
    )
    upper_95_adjusted: float = column("upper 95% limit, adjusted", "as value", NOT_SCORED, nullable=True)
    lower_998_adjusted: float = column("lower 99.8% limit, adjusted", "as value", NOT_SCORED, nullable=True)
    upper_998_adjusted: float = column("upper 99.8% limit, adjusted", "as value", NOT_SCORED, nullable=True)
    outlier: str = column(
        "high: beyond 99.8%, high: beyond 95%, within limits, low: beyond 95%, low: beyond 99.8%, or not "
        "assessed; judged on the adjusted limits when adjustment says so, else on the unadjusted ones",
        isin=[*FUNNEL_FLAGS, FUNNEL_NOT_ASSESSED],
    )
    phi: float = column(
        "dispersion ratio of the funnel (trimmed z-scores)", "ratio", NOT_SCORED, nullable=True, ge=0
    )
    tau2: float = column(
        "additive between-area variance on the transformed scale",
        "transformed scale",
        NOT_SCORED,
        nullable=True,
        ge=0,
    )
    adjustment: str = column("additive random effects (tau2); none: phi <= 1; or not assessed: why")
    units: int = column("areas in the funnel (its level, indicator and month)", "areas", ge=1)
    data_type: str = column("FunnelPlotR data type: PR or SR", isin=["PR", "SR"])
    method: str = column("method options in short, e.g. SR/SHMI trim 0.1")
    draw_adjusted: bool = column("FunnelPlotR draw_adjusted: adjust for overdispersion when phi > 1")
    sr_method: str = column("SHMI (log scale, truncation) for SR", rule="null for PR", nullable=True)
    trim_by: float = column(
        "share of z-scores trimmed (or winsorised) at each end to estimate phi", "fraction"
    )
    multiplier: float = column("value scale: 100 for percentages, 1 for ratios")

    @pa.dataframe_check(name="one_row_per_area_and_indicator")
    def one_row_per_area_and_indicator(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.struct("level", "area_code", "indicator").is_duplicated())

    @pa.dataframe_check(name="scored_unless_not_assessed")
    def scored_unless_not_assessed(cls, data: PolarsData) -> pl.LazyFrame:
        assessed = pl.col("outlier") != FUNNEL_NOT_ASSESSED
        return data.lazyframe.select(assessed == pl.col("phi").is_not_null())

    @pa.dataframe_check(name="limits_in_order")
    def limits_in_order(cls, data: PolarsData) -> pl.LazyFrame:
        ordered = (pl.col("lower_998_adjusted") <= pl.col("lower_95_adjusted")) & (
            pl.col("upper_95_adjusted") <= pl.col("upper_998_adjusted")
        )
        return data.lazyframe.select(ordered.fill_null(True))

    class Config:
        strict = True
        ordered = True


CONTRACTS: dict[str, PublishedContract] = {
    "absence_benchmark": PublishedContract(
        AbsenceBenchmark,
        "3.0",
        identity=("ORG_CODE", "STAFF_GROUP"),
        area_column="ORG_CODE",
        description=(
            "NHS-compatible sickness absence benchmark table (official columns and suppression rule), "
            "with each organisation-month's data_status and source; withheld ones have null figures. "
            "Rows with source nhs_published_rates are REAL published NHS England figures; esr_extract "
            "rows are the trusts' own extracts (synthetic in the demo)."
        ),
    ),
    "absence_by_reason": PublishedContract(
        AbsenceByReason,
        "3.0",
        identity=("org_code", "staff_group", "reason_code"),
        area_column="org_code",
        check_each_partition=True,
        description=(
            "FTE days lost by ESR reason per organisation and staff group, with each reason's share; "
            "England's rows are NHS England's published national totals (REAL data)."
        ),
    ),
    "ics_indicators": PublishedContract(
        IcsIndicators,
        "3.0",
        identity=("level", "area_code", "indicator", "source"),
        area_column="area_code",
        description=(
            "ICB, region and England indicators (long format) with rolling 12 months, change, rank, and"
            " the coverage of expected organisations behind each value; England also as NHS England "
            "publishes it (source nhs_published_national, REAL data), with the difference."
        ),
    ),
    "data_completeness": PublishedContract(
        DataCompleteness,
        "2.0",
        identity=("org_code",),
        area_column="org_code",
        check_each_partition=True,
        sources=("absence_sha256", "staff_in_post_sha256", "published_sha256"),
        description=(
            "Per organisation and month: expected or not, source, data_status, the hashes of the files "
            "its figures come from, and when the publication last showed it."
        ),
    ),
    "spc_indicators": PublishedContract(
        SpcIndicators,
        "1.0",
        identity=("level", "area_code", "indicator"),
        area_column="area_code",
        check_each_partition=True,
        log_revisions=False,
        description=(
            "Making Data Count SPC (NHSRplotthedots rules) over each area's full history: every ICB, "
            "region and England indicator and every trust's absence rate, with limits, point types, and"
            " the latest point's variation icon and assurance. Every month is recomputed in each "
            "publication."
        ),
    ),
    "funnel_indicators": PublishedContract(
        FunnelIndicators,
        "1.0",
        identity=("level", "area_code", "indicator"),
        area_column="area_code",
        check_each_partition=True,
        # Every row is relative to the whole month (phi, tau2, limits): one trust's resubmission moves all
        # of them, and those moves would bury the revisions of real figures (as for spc_indicators).
        log_revisions=False,
        # A month whose organisations are all withheld has nothing to compare: no rows, and the
        # absence tables of that month are still published.
        allow_empty=True,
        description=(
            "Overdispersion-adjusted funnel plots (FunnelPlotR 0.6.0's method) per month: organisations and "
            "ICBs on the sickness absence rate, the staff-mix-standardised ratio and the staff survey's "
            "health-and-wellbeing questions, with z-scores, adjusted limits, phi, tau2 and the outlier flag "
            "in words. Rows with source nhs_published_rates are REAL NHS England figures."
        ),
    ),
}
