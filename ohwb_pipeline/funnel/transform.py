"""Each data type's variance-stabilising transformation and its z-score (Spiegelhalter 2005, section 3).

On the transformed scale every unit's estimate Y is approximately normal with a standard error s that
depends only on its denominator, so (Y - target) / s is comparable across units of any size."""

from dataclasses import dataclass

import numpy as np

from ohwb_pipeline.funnel.options import FunnelOptions


@dataclass(frozen=True)
class Transformed:
    y: np.ndarray  # the estimate on the transformed scale
    s: np.ndarray  # its within-unit standard error
    centre: float  # the target on the transformed scale
    target: float  # the target on the plotted scale (before the multiplier)
    z: np.ndarray  # (y - centre) / s


def transform(numerator: np.ndarray, denominator: np.ndarray, options: FunnelOptions) -> Transformed:
    o, e = numerator, denominator
    if options.data_type == "PR":
        # Arcsine square root: var(asin(sqrt(p))) ~ 1 / 4n; the target is the pooled proportion.
        target = float(o.sum() / e.sum())
        centre = float(np.arcsin(np.sqrt(target)))
        y, s = np.arcsin(np.sqrt(o / e)), 1 / (2 * np.sqrt(e))
    elif options.data_type == "RC":
        # Log ratio with a 0.5 continuity correction, so a zero count has a finite score.
        target = float(o.sum() / e.sum())
        centre = float(np.log(target))
        y = np.log((o + 0.5) / (e + 0.5))
        s = np.sqrt(o / (o + 0.5) ** 2 + e / (e + 0.5) ** 2)
    elif options.sr_method == "SHMI":
        # Log ratio, var(log(O/E)) ~ 1/E under Poisson. log(0) is -inf: a zero observed count scores
        # infinitely low, which truncation then sets aside like any other extreme.
        target, centre = 1.0, 0.0
        with np.errstate(divide="ignore"):
            y = np.log(o / e)
        s = 1 / np.sqrt(e)
    else:
        # CQC: square root, var(sqrt(O/E)) ~ 1 / 4E under Poisson, around 1.
        target, centre = 1.0, 1.0
        y, s = np.sqrt(o / e), 1 / (2 * np.sqrt(e))
    return Transformed(y=y, s=s, centre=centre, target=target, z=(y - centre) / s)
