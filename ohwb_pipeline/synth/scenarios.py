"""Injected effects: `org_code,reason_codes,start_month,rate_multiplier` (see README)."""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Scenario:
    org_code: str
    reason_codes: tuple[str, ...]
    start_month: str
    rate_multiplier: float

    @property
    def start(self) -> dt.date:
        return dt.date.fromisoformat(f"{self.start_month}-01")


def read_scenarios(path: Path | None) -> list[Scenario]:
    if path is None:
        return []
    frame = pl.read_csv(path, infer_schema=False, comment_prefix="#")
    missing = {"org_code", "reason_codes", "start_month", "rate_multiplier"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: scenario file is missing columns {sorted(missing)}")
    scenarios = []
    for row in frame.iter_rows(named=True):
        multiplier = float(row["rate_multiplier"])
        if multiplier < 0:
            raise ValueError(f"{path}: rate_multiplier must be >= 0, got {multiplier}")
        dt.date.fromisoformat(f"{row['start_month']}-01")
        codes = tuple(c.strip() for c in row["reason_codes"].split(";") if c.strip())
        scenarios.append(Scenario(row["org_code"].strip(), codes, row["start_month"].strip(), multiplier))
    return scenarios


def boost_rates(
    rates: np.ndarray, reasons: list[str], month_starts: list[dt.date], scenario: Scenario
) -> None:
    """Multipliers above 1 add episodes: scale the start rates from the scenario's month on."""
    if scenario.rate_multiplier <= 1:
        return
    r_idx = [reasons.index(c) for c in scenario.reason_codes]
    m_idx = [i for i, m in enumerate(month_starts) if m >= scenario.start]
    rates[np.ix_(range(rates.shape[0]), m_idx, r_idx)] *= scenario.rate_multiplier


def thin_episodes(
    rng: np.random.Generator,
    episodes: dict[str, np.ndarray],
    reasons: list[str],
    start_day: int,
    scenario: Scenario,
    month_bounds: np.ndarray,
) -> dict[str, np.ndarray]:
    """Multipliers below 1 remove the fraction 1 - m of the targeted absence days from `start_day` on.

    Within each month (by the day an episode's affected part begins), episodes are taken in random
    order and removed until (1 - m) of that month's targeted days are gone, to within half an
    episode: the injected effect is then known in every month, not just on average. A removed episode
    that began before `start_day` ends the day before it (a return to work) instead of vanishing.
    """
    if scenario.rate_multiplier >= 1:
        return episodes
    targeted = np.isin(episodes["reason"], [reasons.index(c) for c in scenario.reason_codes])
    idx = np.flatnonzero(targeted & (episodes["end"] >= start_day))
    first_day = np.maximum(episodes["start"][idx], start_day)
    days = (episodes["end"][idx] - first_day + 1).astype(float)
    month = np.searchsorted(month_bounds, first_day, side="right") - 1
    order = rng.permutation(len(idx))
    order = order[np.argsort(month[order], kind="stable")]  # random order within each month
    idx, days, month = idx[order], days[order], month[order]
    cumulative = np.cumsum(days)
    month_start = np.searchsorted(month, month, side="left")
    before = cumulative - days - np.concatenate([[0.0], cumulative])[month_start]
    totals = np.bincount(month, weights=days, minlength=len(month_bounds))
    lose_idx = idx[before + days / 2 < (1 - scenario.rate_multiplier) * totals[month]]
    lose = np.zeros(len(episodes["start"]), dtype=bool)
    lose[lose_idx] = True
    truncate = lose & (episodes["start"] < start_day)
    out = {k: v.copy() for k, v in episodes.items()}
    out["end"][truncate] = start_day - 1
    keep = ~(lose & ~truncate)
    return {k: v[keep] for k, v in out.items()}
