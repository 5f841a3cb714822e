"""A funnel plot's numbers for one set of units: FunnelPlotR 0.6.0's method, on numpy arrays.

z-scores on the data type's transformed scale; phi from the trimmed z-scores; tau2, the additive
between-unit variance; limits at each unit's denominator; outliers judged on the adjusted 99.8% limits
when the data are overdispersed (phi > 1) and adjustment is asked for, and on the unadjusted ones
otherwise. The formulas and references are in docs/funnel.md."""

from dataclasses import dataclass

import numpy as np
import polars as pl

from ohwb_pipeline.funnel.dispersion import dispersion
from ohwb_pipeline.funnel.inputs import as_arrays, checked
from ohwb_pipeline.funnel.limits import NAMES, unit_limits
from ohwb_pipeline.funnel.options import FunnelOptions
from ohwb_pipeline.funnel.transform import transform

ADJUSTED = "additive random effects (tau2)"
NOT_OVERDISPERSED = "none: phi <= 1, no overdispersion"
NOT_REQUESTED = "none: adjustment not requested"
FLAGS = ("high: beyond 99.8%", "high: beyond 95%", "within limits", "low: beyond 95%", "low: beyond 99.8%")


@dataclass(frozen=True)
class FunnelResult:
    """`units` has one row per unit, sorted by unit. `phi` and `tau2` are estimated whatever the options
    (FunnelPlotR reports both as 0 without `draw_adjusted`); `tau2_applied` is what the adjusted limits
    use (0 without `draw_adjusted`); `adjusted` says whether outliers were judged on adjusted limits."""

    units: pl.DataFrame
    phi: float
    tau2: float
    tau2_applied: float
    adjusted: bool
    adjustment: str
    target: float
    options: FunnelOptions


def funnel(frame: pl.DataFrame, options: FunnelOptions) -> FunnelResult:
    """`frame` has `unit`, `numerator` and `denominator`; see `inputs.checked` for what it may hold."""
    data = checked(frame, options).sort("unit")
    numerator, raw_denominator = as_arrays(data)
    # The ratio is taken before SHMI rounding, the scores after it, as in FunnelPlotR.
    ratio = numerator / raw_denominator
    denominator = np.round(raw_denominator, 2) if options.shmi and options.shmi_rounding else raw_denominator
    if not (denominator > 0).all():
        raise ValueError("an expected value rounds to 0 at 2 dp; use shmi_rounding=False or sr_method CQC")
    t = transform(numerator, denominator, options)
    d = dispersion(t.z, t.s, options)
    tau2_applied = d.tau2 if options.draw_adjusted else 0.0
    adjusted = options.draw_adjusted and d.phi > 1
    adjustment = ADJUSTED if adjusted else NOT_OVERDISPERSED if options.draw_adjusted else NOT_REQUESTED
    unadjusted_limits, adjusted_limits = unit_limits(denominator, t.target, tau2_applied, options)
    judged = adjusted_limits if adjusted else unadjusted_limits
    value = ratio * options.multiplier
    z_adjusted = (t.y - t.centre) / np.sqrt(t.s**2 + tau2_applied) if adjusted else t.z
    units = data.with_columns(
        pl.Series("denominator", denominator),
        pl.Series("ratio", ratio),
        pl.Series("value", value),
        pl.Series("z", t.z),
        pl.Series("z_trimmed", d.trimmed_z, nan_to_null=True),
        pl.Series("trimmed", d.trimmed),
        pl.Series("z_adjusted", z_adjusted),
        *(pl.Series(name, unadjusted_limits[name]) for name in NAMES),
        *(pl.Series(f"{name}_adjusted", adjusted_limits[name]) for name in NAMES),
        pl.Series("outlier", _outlier(value, judged["lower_998"], judged["upper_998"])),
        pl.Series("flag", _flag(value, judged)),
    )
    return FunnelResult(
        units=units,
        phi=d.phi,
        tau2=d.tau2,
        tau2_applied=tau2_applied,
        adjusted=adjusted,
        adjustment=adjustment,
        target=t.target,
        options=options,
    )


def _outlier(value: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    # A value exactly on a limit is inside it, as in FunnelPlotR.
    return np.where(value > upper, "high", np.where(value < lower, "low", "none"))


def _flag(value: np.ndarray, limits: dict[str, np.ndarray]) -> np.ndarray:
    high_998, high_95, within, low_95, low_998 = FLAGS
    return np.select(
        [
            value > limits["upper_998"],
            value > limits["upper_95"],
            value < limits["lower_998"],
            value < limits["lower_95"],
        ],
        [high_998, high_95, low_998, low_95],
        default=within,
    )
