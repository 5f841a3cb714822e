"""Trust sizes and staff: who is in post when, in which staff group, at what FTE."""

import zlib

import numpy as np
import polars as pl

from ohwb_pipeline.synth import calibration as cal


def org_rng(seed: int, org_code: str, stream: int) -> np.random.Generator:
    # Keyed by the org code, so a trust's data does not depend on which other trusts are generated.
    return np.random.default_rng([seed, zlib.crc32(org_code.encode()), stream])


def trust_headcounts(organisations: pl.DataFrame, seed: int) -> dict[str, int]:
    """Plausible sizes (1,000 to 25,000 staff) that add up to about 1.4 million FTE nationally."""
    codes = organisations.get_column("org_code").to_list()
    raw = np.array([org_rng(seed, c, 0).lognormal(np.log(6_500), 0.65) for c in codes])
    target = cal.NATIONAL_FTE / cal.MEAN_FTE
    for _ in range(5):
        raw = np.clip(raw * target / raw.sum(), cal.MIN_HEADCOUNT, cal.MAX_HEADCOUNT)
    return dict(zip(codes, raw.round().astype(int), strict=True))


def staff_mix(org_name: str) -> dict[str, float]:
    return cal.AMBULANCE_MIX if "AMBULANCE" in org_name.upper() else cal.ACUTE_MIX


def simulate_staff(
    rng: np.random.Generator, headcount: int, mix: dict[str, float], groups: list[str], horizon_days: int
) -> dict[str, np.ndarray]:
    """Staff in post over [0, horizon_days): start and leave day (relative to day 0), group and FTE.

    Day 0 is the start of the simulation window; people already in post started before it.
    """
    joiners = rng.poisson(headcount * horizon_days / cal.MEAN_TENURE_DAYS * 1.01)
    n = headcount + joiners
    start = np.concatenate([-rng.integers(1, 20 * 365, headcount), rng.integers(0, horizon_days, joiners)])
    leave = np.maximum(start, 0) + rng.exponential(cal.MEAN_TENURE_DAYS, n).astype(np.int64)
    weights = np.array([mix.get(g, 0.0) for g in groups])
    group = rng.choice(len(groups), size=n, p=weights / weights.sum())
    fte = rng.choice(cal.FTE_VALUES, size=n, p=cal.FTE_WEIGHTS / cal.FTE_WEIGHTS.sum())
    return {"start": start, "leave": leave, "group": group, "fte": fte}
