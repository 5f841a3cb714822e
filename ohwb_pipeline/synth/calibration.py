"""Calibration of the synthetic workforce and absence to published national figures.

Reason shares of days lost and their seasonal profile come from the real national series in
`national_absence_days_lost.csv` (Mar 2024 to Feb 2025); everything else here is a documented
assumption chosen to look like NHS workforce statistics.
"""

import calendar
from pathlib import Path

import numpy as np
import polars as pl

# Share of all calendar days that an average member of staff is off sick (England about 5%).
BASE_ABSENCE_RATE = 0.050
# Episodes are drawn without regard to whether the person is already off; overlapping draws are
# dropped afterwards, which removes about BASE_ABSENCE_RATE of them. This puts them back.
OVERLAP_COMPENSATION = 1 / (1 - BASE_ABSENCE_RATE)
# Year-on-year national level (2022 was the post-pandemic peak; 2019 was 4.3%).
YEAR_LEVEL = {2020: 1.0, 2021: 1.04, 2022: 1.10, 2023: 1.0, 2024: 0.98, 2025: 0.98, 2026: 0.98}

# Each trust's own persistent month-to-month variation on top of episode-level randomness: its
# absence level is multiplied by exp(x_t), x_t = PHI x_{t-1} + e_t, stationary sd SIGMA (mean-preserving).
# With PHI 0.6 a shock halves in about 1.4 months; SIGMA 0.03 lets a trust's seasonally adjusted
# monthly rate wander about +-3% of its own level (5.0% +- 0.15 points) beyond the episode-level
# randomness, which alone gives a 10,000-staff trust about +-3 to 4%: together about the +-0.2 to 0.3
# points a large trust's published monthly rate moves around its seasonal pattern. It does not shrink
# with size, so a full-size trust is not made unrealistically smooth by its many staff.
TRUST_AR1_PHI = 0.6
TRUST_AR1_SIGMA = 0.03

# Mean calendar length of an episode by reason, in days (lognormal, sigma below).
MEAN_EPISODE_DAYS = {
    "S10": 30,
    "S11": 18,
    "S12": 22,
    "S13": 4,
    "S14": 6,
    "S15": 8,
    "S16": 3,
    "S17": 60,
    "S18": 20,
    "S19": 30,
    "S20": 10,
    "S21": 6,
    "S22": 4,
    "S23": 8,
    "S24": 20,
    "S25": 4,
    "S26": 15,
    "S27": 7,
    "S28": 25,
    "S29": 25,
    "S30": 14,
    "S31": 8,
    "S32": 30,
    "S98": 12,
    "S99": 6,
}
EPISODE_SIGMA = 1.0
MAX_EPISODE_DAYS = 400

ACUTE_MIX = {
    "HCHS Doctors": 0.10,
    "Nurses & health visitors": 0.27,
    "Midwives": 0.02,
    "Ambulance staff": 0.0,
    "Scientific, therapeutic & technical staff": 0.13,
    "Support to doctors, nurses & midwives": 0.20,
    "Support to ambulance staff": 0.0,
    "Support to ST&T staff": 0.06,
    "Central functions": 0.09,
    "Hotel, property & estates": 0.06,
    "Senior managers": 0.01,
    "Managers": 0.04,
    "Other staff or those with unknown classification": 0.02,
}
AMBULANCE_MIX = {
    "HCHS Doctors": 0.005,
    "Nurses & health visitors": 0.03,
    "Midwives": 0.0,
    "Ambulance staff": 0.45,
    "Scientific, therapeutic & technical staff": 0.02,
    "Support to doctors, nurses & midwives": 0.0,
    "Support to ambulance staff": 0.30,
    "Support to ST&T staff": 0.0,
    "Central functions": 0.10,
    "Hotel, property & estates": 0.03,
    "Senior managers": 0.01,
    "Managers": 0.05,
    "Other staff or those with unknown classification": 0.005,
}
# Relative absence by staff group (support and ambulance staff highest, doctors lowest).
GROUP_ABSENCE = {
    "HCHS Doctors": 0.35,
    "Nurses & health visitors": 1.05,
    "Midwives": 1.1,
    "Ambulance staff": 1.35,
    "Scientific, therapeutic & technical staff": 0.8,
    "Support to doctors, nurses & midwives": 1.3,
    "Support to ambulance staff": 1.25,
    "Support to ST&T staff": 1.0,
    "Central functions": 0.75,
    "Hotel, property & estates": 1.25,
    "Senior managers": 0.4,
    "Managers": 0.6,
    "Other staff or those with unknown classification": 0.9,
}

NATIONAL_FTE = 1_400_000
MIN_HEADCOUNT, MAX_HEADCOUNT = 1_000, 25_000
FTE_VALUES = np.array([1.0, 0.9, 0.8, 0.75, 0.6, 0.5, 0.4, 0.3, 0.2])
FTE_WEIGHTS = np.array([0.62, 0.06, 0.08, 0.04, 0.08, 0.06, 0.03, 0.02, 0.01])
MEAN_FTE = float(FTE_VALUES @ FTE_WEIGHTS)
MEAN_TENURE_DAYS = 3_100  # about 11.8% annual leaving rate
TRUST_SPREAD_SIGMA = 0.15  # trusts vary around the national rate


def reason_profile(reference_dir: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Reason codes, their share of days lost, and a (reason x calendar month) daily seasonal index."""
    national = pl.read_csv(
        reference_dir / "national_absence_days_lost.csv", schema_overrides={"period": pl.Utf8}
    )
    reasons = pl.read_csv(reference_dir / "absence_reasons.csv").get_column("reason_code").to_list()
    national = national.with_columns(pl.col("period").str.slice(5, 2).cast(pl.Int32).alias("month"))
    days_in = {m: calendar.monthrange(2023, m)[1] for m in range(1, 13)}
    daily = np.zeros((len(reasons), 12))
    for code, month, days in national.select("reason_code", "month", "fte_days_lost").iter_rows():
        daily[reasons.index(code), month - 1] += days / days_in[month]
    shares = daily.sum(axis=1) / daily.sum()
    seasonal = daily / np.where(daily.mean(axis=1, keepdims=True) > 0, daily.mean(axis=1, keepdims=True), 1)
    return reasons, shares, seasonal


def trust_wander(rng: np.random.Generator, months: int, sd: float = TRUST_AR1_SIGMA) -> np.ndarray:
    """The AR(1) multiplier of one trust's absence level per month (mean 1 over the long run)."""
    shocks = rng.normal(0.0, sd * np.sqrt(1 - TRUST_AR1_PHI**2), months)
    x = np.empty(months)
    x[0] = rng.normal(0.0, sd)
    for t in range(1, months):
        x[t] = TRUST_AR1_PHI * x[t - 1] + shocks[t]
    return np.exp(x - sd**2 / 2)
