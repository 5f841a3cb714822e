"""Overdispersion: trim the z-scores, phi from what is left, and the additive between-unit variance tau2.

phi is the mean squared z-score after trimming; without overdispersion it is about 1. tau2 is the
DerSimonian-Laird moment estimate that Spiegelhalter (2005, section 5.2) uses for the additive random-
effects model, where each unit's variance becomes s^2 + tau2."""

from dataclasses import dataclass

import numpy as np

from ohwb_pipeline.funnel.options import FunnelOptions


@dataclass(frozen=True)
class Dispersion:
    trimmed_z: np.ndarray  # winsorised z, or NaN where SHMI truncation left the unit out
    trimmed: np.ndarray  # bool: the unit was winsorised or truncated
    phi: float
    tau2: float


def winsorise(z: np.ndarray, trim_by: float) -> tuple[np.ndarray, np.ndarray]:
    # R's default quantile (type 7) is numpy's "linear". A unit exactly at a quantile counts as
    # winsorised although its value does not move, as in FunnelPlotR.
    low, high = np.quantile(z, [trim_by, 1 - trim_by])
    return np.clip(z, low, high), ~((z > low) & (z < high))


def truncate(z: np.ndarray, trim_by: float) -> tuple[np.ndarray, np.ndarray]:
    # NHS Digital's SHMI method: split the ranks into 1 / trim_by groups and drop the first and the last.
    from scipy.stats import rankdata  # on use, as in limits.py: about 1 s a process loading the definitions

    groups = 1 / trim_by
    group = np.floor(rankdata(z, method="average") * groups / (len(z) + 1))
    out = ~((group > 0) & (group < groups - 1))
    return np.where(out, np.nan, z), out


def dispersion(z: np.ndarray, s: np.ndarray, options: FunnelOptions) -> Dispersion:
    cut = truncate if options.shmi else winsorise
    trimmed_z, trimmed = cut(z, options.trim_by)
    kept = ~np.isnan(trimmed_z)
    n = int(kept.sum())
    if n == 0:
        raise ValueError(f"trimming {options.trim_by:g} from each end left no unit to estimate phi")
    phi = float(np.sum(trimmed_z[kept] ** 2) / n)
    if not np.isfinite(phi):
        raise ValueError(
            "a unit with an infinite z-score (a zero observed count on the SHMI log scale) survived "
            "the truncation, so phi cannot be estimated; use sr_method CQC or trim more"
        )
    return Dispersion(trimmed_z=trimmed_z, trimmed=trimmed, phi=phi, tau2=tau2(n, phi, s[kept]))


def tau2(n: int, phi: float, s: np.ndarray) -> float:
    """0 when n x phi < n - 1, that is when the z-scores vary less than chance alone would make them."""
    if n * phi < n - 1:
        return 0.0
    w = 1 / s**2
    spread = w.sum() - (w**2).sum() / w.sum()
    # One unit left after trimming has no between-unit variance to estimate.
    return max(0.0, (n * phi - (n - 1)) / spread) if spread > 0 else 0.0
