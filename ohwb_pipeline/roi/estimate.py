"""Every intervention x financial year x method: the estimate and its placebo inference.

Units are trusts for a trust's intervention and ICBs for an ICB-wide one. Windows are those of
intervention_roi.sql: the 12 months before the start, and the financial year's months from the start
(to end_month). A unit is eligible (as a placebo, donor or comparator) when it has facts for every
month of both windows and is not "contaminated": treated by another registered intervention whose
target reasons and window (12 months before its start to its end) overlap this one's.

- DiD comparator: the rest of the unit's ICB (trusts), or the rest of England (ICBs; trusts of an
  ICB-wide intervention compare with every other trust), without contaminated trusts.
- Placebos: every eligible untreated unit, with its own comparator built the same way.
- Synthetic-control donors: every eligible untreated unit; each placebo uses the others.
"""

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from ohwb_pipeline.roi import inference as inf
from ohwb_pipeline.roi.panel import Panel

METHODS = ("before_after", "difference_in_differences", "synthetic_control")
TOP_DONORS = 5


@dataclass
class Intervention:
    id: str
    org: str | None
    icb: str
    reasons: list[str]
    start: int
    end: int | None

    @property
    def icb_wide(self) -> bool:
        return self.org is None


@dataclass
class Units:
    """The panel aggregated to the intervention's level: trusts, or ICBs (their trusts' sums)."""

    names: list[str]
    lost: np.ndarray
    available: np.ndarray


@dataclass
class Results:
    inference: pl.DataFrame  # one row per intervention x financial year x method
    event_study: pl.DataFrame
    donors: pl.DataFrame
    excluded: pl.DataFrame  # (intervention_id, org_code): trusts kept out of its comparators


def month_idx(month: str | None) -> int | None:
    return None if month is None else int(month[:4]) * 12 + int(month[5:7]) - 1


def read_interventions(register: pl.DataFrame, icb_of: dict[str, str]) -> list[Intervention]:
    out = []
    for r in register.iter_rows(named=True):
        icb = r["icb_code"] or icb_of.get(r["org_code"], "")
        reasons = [c.strip() for c in r["target_reason_codes"].split(";") if c.strip()]
        out.append(
            Intervention(
                r["intervention_id"],
                r["org_code"],
                icb,
                reasons,
                month_idx(r["start_month"]),
                month_idx(r["end_month"]),
            )
        )
    return out


def estimate_all(panel: Panel, register: pl.DataFrame) -> Results:
    interventions = read_interventions(register, panel.icb_of)
    last = panel.first_month + panel.months - 1
    rows, events, donors, excluded = [], [], [], []
    for item in interventions:
        contaminated = _contaminated_trusts(item, interventions, panel, last)
        excluded += [{"intervention_id": item.id, "org_code": o} for o in sorted(contaminated)]
        units = _units(panel, item)
        own_name = item.icb if item.icb_wide else item.org
        if own_name not in units.names:
            continue
        treated = units.names.index(own_name)
        blocked = _blocked_units(units, contaminated, item, panel.icb_of)
        trusts = TrustSide(panel.orgs, panel.icb_of, panel.lost(item.reasons), panel.available, contaminated)
        for fy, base, evaluation in _windows(item, panel, last):
            found = _estimate_year(units, treated, blocked, base, evaluation, item, trusts)
            for method, (estimate, placebos) in found.items():
                rows.append(_row(item, fy, method, estimate, placebos, base))
                if method != "before_after" and estimate is not None:
                    events += _events(item, fy, method, estimate, placebos, base, evaluation, panel)
                if method == "synthetic_control" and estimate is not None:
                    donors += [
                        {"intervention_id": item.id, "financial_year": _fy_label(fy), "donor": d, "weight": w}
                        for d, w in list(estimate.weights.items())[:TOP_DONORS]
                    ]
    return Results(
        pl.DataFrame(rows, schema=INFERENCE_SCHEMA),
        pl.DataFrame(events, schema=EVENT_SCHEMA),
        pl.DataFrame(
            donors,
            schema={
                "intervention_id": pl.Utf8,
                "financial_year": pl.Utf8,
                "donor": pl.Utf8,
                "weight": pl.Float64,
            },
        ),
        pl.DataFrame(excluded, schema={"intervention_id": pl.Utf8, "org_code": pl.Utf8}),
    )


INFERENCE_SCHEMA = {
    "intervention_id": pl.Utf8,
    "financial_year": pl.Utf8,
    "method": pl.Utf8,
    "effect_rate": pl.Float64,
    "counterfactual_rate": pl.Float64,
    "days_avoided": pl.Float64,
    "comparator_baseline_rate": pl.Float64,
    "comparator_evaluation_rate": pl.Float64,
    "effect_ci_low": pl.Float64,
    "effect_ci_high": pl.Float64,
    "p_value": pl.Float64,
    "mde": pl.Float64,
    "pre_trend_ok": pl.Boolean,
    "verdict": pl.Utf8,
    "placebo_units": pl.Int64,
    "complete": pl.Boolean,
}
EVENT_SCHEMA = {
    "intervention_id": pl.Utf8,
    "evaluated_year": pl.Utf8,
    "method": pl.Utf8,
    "month_idx": pl.Int64,
    "relative_month": pl.Int64,
    "phase": pl.Utf8,
    "gap_points": pl.Float64,
    "placebo_gap_p05": pl.Float64,
    "placebo_gap_p95": pl.Float64,
}


def _fy_label(fy: int) -> str:
    return f"{fy}-{str(fy + 1)[-2:]}"


def _windows(item: Intervention, panel: Panel, last: int):
    """(financial year, baseline columns, evaluation columns) as intervention_roi.sql defines them."""
    stop = min(item.end if item.end is not None else last, last)
    for fy in range((item.start - 3) // 12, (stop - 3) // 12 + 1):
        first_eval = max(item.start, fy * 12 + 3)
        last_eval = min(item.end if item.end is not None else fy * 12 + 14, fy * 12 + 14, last)
        base = np.arange(item.start - 12, item.start) - panel.first_month
        evaluation = np.arange(first_eval, last_eval + 1) - panel.first_month
        if base[0] < 0 or not len(evaluation):
            yield fy, None, evaluation
            continue
        yield fy, base, evaluation


def _units(panel: Panel, item: Intervention) -> Units:
    lost = panel.lost(item.reasons)
    if not item.icb_wide:
        return Units(panel.orgs, lost, panel.available)
    icbs = sorted(set(panel.icb_of.values()))
    members = {icb: [panel.row(o) for o in panel.orgs if panel.icb_of[o] == icb] for icb in icbs}
    # A sum with one trust's month missing is missing: NaN propagates.
    return Units(
        icbs,
        np.array([lost[members[i]].sum(axis=0) for i in icbs]),
        np.array([panel.available[members[i]].sum(axis=0) for i in icbs]),
    )


def _treated_trusts(item: Intervention, panel: Panel) -> set[str]:
    if item.icb_wide:
        return {o for o in panel.orgs if panel.icb_of[o] == item.icb}
    return {item.org} if item.org else set()


def _contaminated_trusts(
    item: Intervention, everything: list[Intervention], panel: Panel, last: int
) -> set[str]:
    mine = set(item.reasons)
    window = (item.start - 12, item.end if item.end is not None else last)
    out: set[str] = set()
    for other in everything:
        if other.id == item.id or not mine & set(other.reasons):
            continue
        theirs = (other.start - 12, other.end if other.end is not None else last)
        if theirs[0] <= window[1] and window[0] <= theirs[1]:
            out |= _treated_trusts(other, panel)
    return out - _treated_trusts(item, panel)


def _blocked_units(
    units: Units, contaminated: set[str], item: Intervention, icb_of: dict[str, str]
) -> set[int]:
    """Units kept out of comparators, placebos and donors: contaminated trusts, or ICBs holding one."""
    names = {n: i for i, n in enumerate(units.names)}
    keys = {icb_of[o] for o in contaminated} if item.icb_wide else contaminated
    return {names[k] for k in keys if k in names}


def _estimate_year(
    units: Units, treated: int, blocked: set[int], base, evaluation, item: Intervention, trusts: "TrustSide"
) -> dict:
    if base is None:
        return {m: (None, []) for m in METHODS}
    cols = np.concatenate([base, evaluation])
    complete = ~np.isnan(units.available[:, cols]).any(axis=1) & (units.available[:, cols] > 0).all(axis=1)
    eligible = [i for i in range(len(units.names)) if complete[i] and i != treated and i not in blocked]
    if not complete[treated]:
        return {m: (None, []) for m in METHODS}
    out = {}
    out["before_after"] = (
        inf.before_after(units.lost[treated], units.available[treated], base, evaluation),
        [inf.before_after(units.lost[j], units.available[j], base, evaluation) for j in eligible],
    )
    out["difference_in_differences"] = _did(units, treated, eligible, base, evaluation, item, trusts)
    rates = units.lost / units.available
    names = [units.names[j] for j in eligible]
    donor_rates = rates[eligible].T if eligible else None
    if len(eligible) >= 2:
        own = inf.synthetic_control(
            rates[treated], units.available[treated], donor_rates, names, base, evaluation
        )
        placebos = []
        for k, j in enumerate(eligible):
            others = [m for m in range(len(eligible)) if m != k]
            placebos.append(
                inf.synthetic_control(
                    rates[j],
                    units.available[j],
                    donor_rates[:, others],
                    [names[m] for m in others],
                    base,
                    evaluation,
                )
            )
        out["synthetic_control"] = (own, placebos)
    else:
        out["synthetic_control"] = (None, [])
    return out


def _did(
    units: Units, treated: int, eligible: list[int], base, evaluation, item: Intervention, trusts: "TrustSide"
):
    """DiD for the treated unit and every eligible placebo, each against its own comparator trusts."""

    def one(unit: int):
        members = trusts.comparator(units.names[unit], units.names[treated], item)
        if not members:
            return None
        lost = trusts.lost[members].sum(axis=0)
        available = trusts.available[members].sum(axis=0)
        cols = np.concatenate([base, evaluation])
        if np.isnan(available[cols]).any():
            return None
        return inf.difference_in_differences(
            units.lost[unit], units.available[unit], lost, available, base, evaluation, len(members)
        )

    own = one(treated)
    placebos = [e for e in (one(j) for j in eligible) if e is not None]
    return own, placebos


@dataclass
class TrustSide:
    """Trust-level series for comparators: a comparator is always a set of trusts, as in the SQL."""

    orgs: list[str]
    icb_of: dict[str, str]
    lost: np.ndarray
    available: np.ndarray
    contaminated: set[str]

    def comparator(self, unit: str, treated: str, item: Intervention) -> list[int]:
        """Trusts in a trust's ICB (or, for an ICB, outside it), less treated and contaminated trusts."""
        out = []
        for i, org in enumerate(self.orgs):
            if org in self.contaminated:
                continue
            icb = self.icb_of[org]
            if item.icb_wide:
                if icb not in (unit, treated):
                    out.append(i)
            elif org not in (unit, treated) and icb == self.icb_of[unit]:
                out.append(i)
        return out


def _row(item: Intervention, fy: int, method: str, estimate, placebos, base) -> dict:
    row = {"intervention_id": item.id, "financial_year": _fy_label(fy), "method": method}
    if estimate is None:
        return {**row, "complete": False, "placebo_units": len(placebos)}
    result = inf.infer(estimate, placebos)
    return {
        **row,
        "effect_rate": estimate.effect,
        "counterfactual_rate": estimate.counterfactual,
        "days_avoided": estimate.days_avoided,
        "comparator_baseline_rate": estimate.comparator_baseline,
        "comparator_evaluation_rate": estimate.comparator_evaluation,
        "effect_ci_low": result.ci_low,
        "effect_ci_high": result.ci_high,
        "p_value": result.p_value,
        "mde": result.mde,
        "pre_trend_ok": inf.pre_trend_ok(estimate, placebos, base),
        "verdict": inf.verdict(result.p_value, estimate.effect),
        "placebo_units": result.placebos,
        "complete": True,
    }


def _events(item, fy, method, estimate, placebos, base, evaluation, panel) -> list[dict]:
    cols = np.concatenate([base, evaluation])
    placebo_gaps = np.array([p.gaps[cols] for p in placebos]) if placebos else None
    out = []
    for k, col in enumerate(cols):
        month = int(col) + panel.first_month
        band = (
            np.quantile(placebo_gaps[:, k], [0.05, 0.95]) * 100
            if placebo_gaps is not None and len(placebo_gaps) >= 2
            else (math.nan, math.nan)
        )
        out.append(
            {
                "intervention_id": item.id,
                "evaluated_year": _fy_label(fy),
                "method": method,
                "month_idx": month,
                "relative_month": month - item.start,
                "phase": "baseline" if k < len(base) else "evaluation",
                "gap_points": float(estimate.gaps[col]) * 100,
                "placebo_gap_p05": float(band[0]),
                "placebo_gap_p95": float(band[1]),
            }
        )
    return out
