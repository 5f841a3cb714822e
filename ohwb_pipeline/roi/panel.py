"""The monthly trust panel every ROI estimator reads: FTE days available and days lost by reason.

Months are indexed as year * 12 + month - 1 (as in intervention_roi.sql). A trust-month without
staff-in-post facts is NaN in `available`, so any window that touches it is incomplete, never zero.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

from ohwb_pipeline.core import duck
from ohwb_pipeline.core.lake import Lake, table_glob
from ohwb_pipeline.core.resources import OhwbSettings


@dataclass
class Panel:
    orgs: list[str]
    icb_of: dict[str, str]
    first_month: int
    available: np.ndarray  # orgs x months, NaN where the trust has no facts
    lost_by_reason: dict[str, np.ndarray]  # reason -> orgs x months (0 where nothing was lost)

    @property
    def months(self) -> int:
        return self.available.shape[1]

    def lost(self, reasons: list[str]) -> np.ndarray:
        total = np.zeros_like(self.available)
        for reason in reasons:
            if reason in self.lost_by_reason:
                total = total + self.lost_by_reason[reason]
        return np.where(np.isnan(self.available), np.nan, total)

    def row(self, org: str) -> int:
        return self._rows[org]

    def __post_init__(self) -> None:
        self._rows = {o: i for i, o in enumerate(self.orgs)}


def load_panel(settings: OhwbSettings) -> Panel:
    lake = Lake(settings.root)
    con = duck.connect(settings)
    available = con.sql(
        duck.load_sql(__file__, "roi_panel_available"),
        params={
            "workforce_facts": table_glob(lake.warehouse_table("workforce_facts")),
            "organisations": str(lake.reference_table("organisations")),
        },
    ).pl()
    lost = con.sql(
        duck.load_sql(__file__, "roi_panel_lost"),
        params={"absence_facts": table_glob(lake.warehouse_table("absence_facts"))},
    ).pl()
    return build_panel(available, lost)


def build_panel(available: pl.DataFrame, lost: pl.DataFrame) -> Panel:
    """`available`: org_code, icb_code, month_idx, fte_days_available; `lost`: org_code, month_idx,
    reason_code, fte_days_lost."""
    orgs = sorted(available["org_code"].unique().to_list())
    rows = {o: i for i, o in enumerate(orgs)}
    first = int(available["month_idx"].min())
    months = int(available["month_idx"].max()) - first + 1
    grid = np.full((len(orgs), months), np.nan)
    r = np.array([rows[o] for o in available["org_code"]])
    c = available["month_idx"].to_numpy() - first
    grid[r, c] = available["fte_days_available"].to_numpy()
    by_reason = {}
    known = lost.filter(
        pl.col("org_code").is_in(orgs) & pl.col("month_idx").is_between(first, first + months - 1)
    )
    for (reason,), part in known.group_by("reason_code"):
        days = np.zeros((len(orgs), months))
        rr = np.array([rows[o] for o in part["org_code"]])
        days[rr, part["month_idx"].to_numpy() - first] = part["fte_days_lost"].to_numpy()
        by_reason[str(reason)] = days
    icb_of = dict(available.select("org_code", "icb_code").unique().iter_rows())
    return Panel(orgs, icb_of, first, grid, by_reason)
