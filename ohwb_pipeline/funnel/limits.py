"""Funnel limits at any denominator: unadjusted, and adjusted for overdispersion by adding tau2.

The adjusted limits are target +- z x sqrt(s^2 + tau2) on the transformed scale, mapped back. For SR the
unadjusted limits are exact Poisson limits from chi-squared quantiles; for PR and RC they are the adjusted
formula with tau2 = 0."""

import numpy as np

from ohwb_pipeline.funnel.options import Z_95, Z_998, FunnelOptions

NAMES = ("lower_95", "upper_95", "lower_998", "upper_998")
# (z, lower tail?) per limit, in the order of NAMES.
_SIDES = ((-Z_95, True), (Z_95, False), (-Z_998, True), (Z_998, False))
_GRID_POINTS = 1000


def poisson_limits(x: np.ndarray, target: float, multiplier: float) -> list[np.ndarray]:
    # Exact limits for an observed Poisson count with mean x, as a ratio to x (Spiegelhalter 2005, A.1).
    # scipy.stats is imported on use: it costs about 1 s, and every process that loads the definitions
    # (code server, daemon, sensors) would pay it without computing a funnel.
    from scipy.stats import chi2

    scale = multiplier * target / x
    return [
        scale * chi2.isf(0.975, 2 * x) / 2,
        scale * chi2.isf(0.025, 2 * (x + 1)) / 2,
        scale * chi2.isf(0.999, 2 * x) / 2,
        scale * chi2.isf(0.001, 2 * (x + 1)) / 2,
    ]


def normal_limits(x: np.ndarray, target: float, tau2: float, options: FunnelOptions) -> list[np.ndarray]:
    m = options.multiplier
    if options.shmi:
        sd = np.sqrt(1 / x + tau2)
        return [m * np.exp(z * sd) for z, _ in _SIDES]
    # FunnelPlotR uses 1 / (2 sqrt(x)) here for RC too, not the RC z-score's standard error.
    sd = np.sqrt(1 / (4 * x) + tau2)
    if options.data_type == "SR":
        # CQC: FunnelPlotR does not square these back from the square-root scale (its issue #33), so the
        # funnel is about half as wide as the z-scores imply. Kept for parity; docs/funnel.md says so.
        return [m * (1 + z * sd) for z, _ in _SIDES]
    if options.data_type == "RC":
        return [m * np.exp(np.log(target) + z * sd) for z, _ in _SIDES]
    centre = np.arcsin(np.sqrt(target))
    return [_monotone(m * np.sin(centre + z * sd) ** 2, lower, m) for z, lower in _SIDES]


def _monotone(limit: np.ndarray, lower: bool, ceiling: float) -> np.ndarray:
    # sin^2 folds back once the angle passes 0 or pi/2, so at small denominators an arcsine limit turns
    # back towards the target. Clip to [0, multiplier], then, where a limit is beyond its value at the
    # next larger denominator, it is set to the bound: the funnel only narrows as the denominator grows.
    limit = np.clip(limit, 0.0, None) if lower else np.clip(limit, None, ceiling)
    following = np.append(limit[1:], np.nan)
    if lower:
        return np.where(limit > following, 0.0, limit)
    return np.where(limit < following, ceiling, limit)


def grid(denominator: np.ndarray, options: FunnelOptions) -> np.ndarray:
    """FunnelPlotR's plotting grid joined with the data's denominators. The PR clipping above looks at the
    next grid point, so a unit's limits depend on this grid, not only on its own denominator."""
    start = 1.1 if options.data_type == "SR" else 3.0
    return np.unique(np.r_[np.linspace(start, np.ceil(denominator.max()), _GRID_POINTS), denominator])


def limits_at(
    x: np.ndarray, target: float, tau2: float, options: FunnelOptions
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Unadjusted and adjusted limits at each point of the sorted array `x`, on the plotted scale."""
    if options.data_type == "SR":
        unadjusted = poisson_limits(x, target, options.multiplier)
    else:
        unadjusted = normal_limits(x, target, 0.0, options)
    adjusted = normal_limits(x, target, tau2, options)
    return dict(zip(NAMES, unadjusted, strict=True)), dict(zip(NAMES, adjusted, strict=True))


def unit_limits(
    denominator: np.ndarray, target: float, tau2: float, options: FunnelOptions
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The limits at each unit's own denominator."""
    x = grid(denominator, options)
    at = np.searchsorted(x, denominator)
    unadjusted, adjusted = limits_at(x, target, tau2, options)
    return {k: v[at] for k, v in unadjusted.items()}, {k: v[at] for k, v in adjusted.items()}
