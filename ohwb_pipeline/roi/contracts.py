"""Contracts of the published ROI tables (checked before publishing, recorded in the manifest)."""

import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

from ohwb_pipeline.core.dictionary import column
from ohwb_pipeline.core.publishing import PublishedContract

METHODS = ["before_after", "difference_in_differences", "synthetic_control"]
SCHEMA_VERSION = "2.0"


INCOMPLETE = "null when status is incomplete"
UNKNOWN = (
    "null when status is incomplete, or with fewer than 20 placebos (no 5% test exists: the interval "
    "is unknown, not zero)"
)
VERDICTS = ["saving_detected", "harm_detected", "inconclusive", "not_evaluated"]


class InterventionRoi(pa.DataFrameModel):
    intervention_id: str = column("the register's intervention id")
    org_code: str = column(
        "ODS code of the trust that ran it", rule="null for an ICB-wide intervention", nullable=True
    )
    icb_code: str = column(
        "ODS code of the ICB that ran it ICB-wide", rule="null for a trust's intervention", nullable=True
    )
    home_icb: str = column("the ICB the intervention belongs to (its own, or its trust's)")
    name: str = column("the intervention's name in the register")
    category: str = column("msk, mental_health, menopause, culture or other")
    method: str = column(
        "before_after, difference_in_differences or synthetic_control (docs/roi.md)", isin=METHODS
    )
    status: str = column(
        "ok, or incomplete when a treated or comparator trust lacks facts for a month of either window",
        isin=["ok", "incomplete"],
    )
    months_evaluated: int = column("months in the evaluation window", "months", ge=1, le=12)
    baseline_rate_percent: float = column(
        "treated trusts' absence rate (target reasons) in the baseline window", "%", INCOMPLETE, nullable=True
    )
    evaluation_rate_percent: float = column(
        "treated trusts' absence rate in the evaluation window", "%", INCOMPLETE, nullable=True
    )
    comparator_baseline_rate_percent: float = column(
        "comparator trusts' rate in the baseline window",
        "%",
        "null for before_after, or when incomplete",
        nullable=True,
    )
    comparator_evaluation_rate_percent: float = column(
        "comparator trusts' rate in the evaluation window",
        "%",
        "null for before_after, or when incomplete",
        nullable=True,
    )
    fte_days_available: float = column(
        "treated trusts' FTE days available in the evaluation window", "FTE days", INCOMPLETE, nullable=True
    )
    absence_days_avoided: float = column(
        "rate change x FTE days available (negative when absence rose)",
        "FTE days",
        INCOMPLETE,
        nullable=True,
    )
    absence_savings_low: float = column(
        "days avoided x cost of an FTE sickness day (low unit costs)", "GBP", INCOMPLETE, nullable=True
    )
    absence_savings_central: float = column(
        "days avoided x cost of an FTE sickness day (central unit costs)", "GBP", INCOMPLETE, nullable=True
    )
    absence_savings_high: float = column(
        "days avoided x cost of an FTE sickness day (high unit costs)", "GBP", INCOMPLETE, nullable=True
    )
    retention_savings_low: float = column("staff retained x replacement cost (low unit costs)", "GBP")
    retention_savings_central: float = column("staff retained x replacement cost (central unit costs)", "GBP")
    retention_savings_high: float = column("staff retained x replacement cost (high unit costs)", "GBP")
    gp_savings_low: float = column("GP visits avoided x GP appointment cost (low unit costs)", "GBP")
    gp_savings_central: float = column("GP visits avoided x GP appointment cost (central unit costs)", "GBP")
    gp_savings_high: float = column("GP visits avoided x GP appointment cost (high unit costs)", "GBP")
    total_savings_low: float = column(
        "absence + retention + GP savings (low unit costs)", "GBP", INCOMPLETE, nullable=True
    )
    total_savings_central: float = column(
        "absence + retention + GP savings (central unit costs)", "GBP", INCOMPLETE, nullable=True
    )
    total_savings_high: float = column(
        "absence + retention + GP savings (high unit costs)", "GBP", INCOMPLETE, nullable=True
    )
    cost_gbp: float = column("the intervention's cost over the evaluated months", "GBP", gt=0)
    roi_ratio_low: float = column(
        "total savings / cost (low unit costs)", "ratio (x:1)", INCOMPLETE, nullable=True
    )
    roi_ratio_central: float = column(
        "total savings / cost (central unit costs)", "ratio (x:1)", INCOMPLETE, nullable=True
    )
    roi_ratio_high: float = column(
        "total savings / cost (high unit costs)", "ratio (x:1)", INCOMPLETE, nullable=True
    )
    net_benefit_low: float = column("total savings - cost (low unit costs)", "GBP", INCOMPLETE, nullable=True)
    net_benefit_central: float = column(
        "total savings - cost (central unit costs)", "GBP", INCOMPLETE, nullable=True
    )
    net_benefit_high: float = column(
        "total savings - cost (high unit costs)", "GBP", INCOMPLETE, nullable=True
    )
    reported_savings_gbp: float = column(
        "the case study's own reported savings, pro rata to the months evaluated",
        "GBP",
        "null when the register reports none",
        nullable=True,
        ge=0,
    )
    roi_from_reported_savings: float = column(
        "reported savings / cost",
        "ratio (x:1)",
        "null when the register reports no savings",
        nullable=True,
        ge=0,
    )
    reported_roi: float = column(
        "the case study's own ROI, for comparison", "ratio (x:1)", "null when not reported", nullable=True
    )
    attendance_rate: float = column(
        "appointments attended / booked", "fraction 0-1", "null when not reported", nullable=True, ge=0, le=1
    )
    cost_basis: str = column("reported, implied_from_roi or assumed: where the cost figure comes from")
    unit_cost_version: str = column("content hash of the unit-cost table used")
    effect_percent: float = column(
        "the fall in the target-reason absence rate, as a % of the rate expected without the intervention "
        "(positive: fewer days lost; a service that halves its target absence shows +50)",
        "%",
        INCOMPLETE,
        nullable=True,
    )
    effect_percent_ci_low: float = column(
        "lower end of the 95% confidence interval of effect_percent (placebo test inverted)",
        "%",
        UNKNOWN,
        nullable=True,
    )
    effect_percent_ci_high: float = column(
        "upper end of the 95% confidence interval of effect_percent", "%", UNKNOWN, nullable=True
    )
    absence_days_avoided_ci_low: float = column(
        "lower end of the 95% interval of absence_days_avoided", "FTE days", UNKNOWN, nullable=True
    )
    absence_days_avoided_ci_high: float = column(
        "upper end of the 95% interval of absence_days_avoided", "FTE days", UNKNOWN, nullable=True
    )
    p_value: float = column(
        "how often untreated units (placebos) show an effect at least this extreme, for their size: "
        "rank / (placebos + 1); below 0.05 the effect is unlikely to be noise",
        "probability 0-1",
        INCOMPLETE + ", or without any placebo",
        nullable=True,
        ge=0,
        le=1,
    )
    mde_percent: float = column(
        "minimum detectable effect: the smallest effect_percent this unit and window would detect with "
        "80% power at the 5% level (a smaller true effect will usually read as inconclusive)",
        "%",
        UNKNOWN,
        nullable=True,
    )
    verdict: str = column(
        "saving_detected (p < 0.05, fewer days lost), harm_detected (p < 0.05, more days lost), "
        "inconclusive (otherwise: read mde_percent), or not_evaluated (status incomplete)",
        isin=VERDICTS,
    )
    pre_trend_ok: bool = column(
        "false when the treated unit's baseline gap to its comparator trends more steeply than 90% of the "
        "placebos': the comparison is then suspect",
        rule=INCOMPLETE + ", or with fewer than 10 placebos",
        nullable=True,
    )
    roi_ratio_ci_low: float = column(
        "ROI at central unit costs with absence_days_avoided_ci_low", "ratio (x:1)", UNKNOWN, nullable=True
    )
    roi_ratio_ci_high: float = column(
        "ROI at central unit costs with absence_days_avoided_ci_high", "ratio (x:1)", UNKNOWN, nullable=True
    )
    placebo_units: int = column(
        "untreated units the effect was ranked among (trusts, or ICBs for an ICB-wide intervention)",
        "units",
        ge=0,
    )

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


class RoiEventStudy(pa.DataFrameModel):
    intervention_id: str = column("the register's intervention id")
    method: str = column(
        "difference_in_differences (gap to the comparator) or synthetic_control (gap to the synthetic unit)",
        isin=["difference_in_differences", "synthetic_control"],
    )
    period: str = column("the month, YYYY-MM", str_matches=r"^\d{4}-\d{2}$")
    relative_month: int = column("months since the start (-12 to -1: the baseline)", "months")
    phase: str = column("baseline or evaluation", isin=["baseline", "evaluation"])
    gap_points: float = column(
        "treated rate minus comparator (or synthetic) rate, less its baseline mean: 0 through the baseline "
        "if the comparison holds; below 0 afterwards means fewer days lost",
        "percentage points",
    )
    placebo_gap_p05: float = column(
        "5th percentile of the placebos' gap that month",
        "percentage points",
        "null with fewer than 2 placebos",
        nullable=True,
    )
    placebo_gap_p95: float = column(
        "95th percentile of the placebos' gap that month",
        "percentage points",
        "null with fewer than 2 placebos",
        nullable=True,
    )

    class Config:
        strict = True
        ordered = True


class IcsRoiSummary(pa.DataFrameModel):
    icb_code: str = column("ODS code of the ICB")
    icb_name: str = column("name of the ICB")
    method: str = column("before_after or difference_in_differences", isin=METHODS)
    interventions: int = column("interventions of the ICB evaluated with the method", "interventions", ge=1)
    interventions_incomplete: int = column(
        "of which incomplete (left out of the sums below)", "interventions", ge=0
    )
    total_cost_gbp: float = column(
        "cost of the complete interventions", "GBP", "null when none is complete", nullable=True, ge=0
    )
    absence_days_avoided: float = column(
        "sum over complete interventions", "FTE days", "null when none is complete", nullable=True
    )
    total_savings_low: float = column(
        "sum of total savings (low unit costs)", "GBP", "null when none is complete", nullable=True
    )
    total_savings_central: float = column(
        "sum of total savings (central unit costs)", "GBP", "null when none is complete", nullable=True
    )
    total_savings_high: float = column(
        "sum of total savings (high unit costs)", "GBP", "null when none is complete", nullable=True
    )
    roi_ratio_low: float = column(
        "summed savings / summed cost (low unit costs)",
        "ratio (x:1)",
        "null when none is complete",
        nullable=True,
    )
    roi_ratio_central: float = column(
        "summed savings / summed cost (central unit costs)",
        "ratio (x:1)",
        "null when none is complete",
        nullable=True,
    )
    roi_ratio_high: float = column(
        "summed savings / summed cost (high unit costs)",
        "ratio (x:1)",
        "null when none is complete",
        nullable=True,
    )
    net_benefit_central: float = column(
        "summed central savings - summed cost", "GBP", "null when none is complete", nullable=True
    )

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
        description=(
            "ROI per intervention, financial year and method (before/after, difference-in-differences, "
            "synthetic control), at low, central and high unit costs, each with its effect in % of the "
            "expected rate, a 95% interval and p-value from placebo inference, the minimum detectable "
            "effect and a verdict; the case study's own figures for comparison."
        ),
    ),
    "roi_event_study": PublishedContract(
        RoiEventStudy,
        "1.0",
        identity=("intervention_id", "method", "period"),
        area_column="intervention_id",
        key="financial_year",
        description=(
            "Event study: each intervention's monthly gap to its comparator (DiD) or synthetic unit, from 12 "
            "months before the start, with the placebos' 5-95% band; partitioned by the financial year "
            "evaluated."
        ),
    ),
    "ics_roi_summary": PublishedContract(
        IcsRoiSummary,
        SCHEMA_VERSION,
        identity=("icb_code", "method"),
        area_column="icb_code",
        key="financial_year",
        description=(
            "Total investment, savings and ROI of the complete interventions per ICB, method and "
            "financial year."
        ),
    ),
}
