"""Making Data Count SPC (XmR) for any series, with NHSRplotthedots 0.2.2's semantics.

Per series, ordered by date, and per rebase group: the centre line is the mean (of the first
`fix_after_n_points` points when fixed); the moving ranges are the absolute differences of consecutive
points, and with outlier screening (the default) moving ranges at or above 3.267 x their mean are left
out before the mean moving range is recomputed. Process limits are mean +- 2.66 x the mean moving range;
"close to limits" is beyond mean +- 1.773 x. Special causes, in this order: a point outside the limits;
a run of 7 points rising or falling; 2 of 3 points close to the limits on the same side (the close points
are flagged); 7 points on one side of the mean. Parity with the package's own outputs on 24 series x 5
option sets is tested (`data/reference/spc_parity/`).
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

LIMIT = 2.66
CLOSE = 2 * LIMIT / 3
SCREEN = 3.267
RUN = 7
SHORT_SERIES_POINTS = 12
DIRECTIONS = ("increase", "decrease", "neutral")
OUTPUT_COLUMNS = [
    "mean",
    "lpl",
    "upl",
    "outside_limits",
    "relative_to_mean",
    "close_to_limits",
    "special_cause_type",
    "point_type",
]


@dataclass(frozen=True)
class SpcOptions:
    improvement_direction: str = "increase"
    screen_outliers: bool = True
    fix_after_n_points: int | None = None
    rebase: tuple[str, ...] = ()  # ISO dates where a new set of limits starts
    target: float | None = None

    def __post_init__(self) -> None:
        if self.improvement_direction not in DIRECTIONS:
            raise ValueError(f"improvement direction must be one of {', '.join(DIRECTIONS)}")
        if self.fix_after_n_points is not None and self.fix_after_n_points < 2:
            raise ValueError("fix_after_n_points needs at least 2 points")


def spc(frame: pl.DataFrame, options: SpcOptions) -> pl.DataFrame:
    """`frame` has `date`, `value` and optionally `series`; returns it with the SPC columns, and
    `assurance` (per series, from its last limits) when a target is given, plus `short_series`."""
    data = frame if "series" in frame.columns else frame.with_columns(pl.lit("series").alias("series"))
    data = data.with_columns(pl.col("date").cast(pl.Date)).sort("series", "date", maintain_order=True)
    parts = [_series(part, options) for _, part in data.group_by("series", maintain_order=True)]
    out = pl.concat(parts) if parts else data
    return out if "series" in frame.columns else out.drop("series")


def _series(part: pl.DataFrame, options: SpcOptions) -> pl.DataFrame:
    y = part["value"].cast(pl.Float64).to_numpy()
    dates = [d.isoformat() for d in part["date"].to_list()]
    groups = np.cumsum([d in options.rebase for d in dates])
    columns: dict[str, list] = {c: [] for c in OUTPUT_COLUMNS}
    for group in np.unique(groups):
        rows = _group(y[groups == group], options)
        for column in OUTPUT_COLUMNS:
            columns[column].extend(rows[column])
    out = part.with_columns(
        pl.Series(c, v, dtype=pl.Boolean if c in ("outside_limits", "close_to_limits") else None)
        for c, v in columns.items()
    ).with_columns(
        pl.col("relative_to_mean").cast(pl.Int64),
        pl.lit(part.height < SHORT_SERIES_POINTS).alias("short_series"),
    )
    if options.target is not None:
        out = out.with_columns(
            pl.lit(assurance(columns["lpl"][-1], columns["upl"][-1], options)).alias("assurance")
        )
    return out


def _group(y: np.ndarray, options: SpcOptions) -> dict[str, list]:
    n = len(y)
    fixed = y.copy()
    if options.fix_after_n_points is not None:
        fixed[options.fix_after_n_points :] = np.nan
    mean = _mean(fixed)
    moving = np.concatenate(([np.nan], np.abs(np.diff(fixed))))
    average = _mean(moving)
    if options.screen_outliers:
        moving = np.where(moving < SCREEN * average, moving, np.nan)
        average = _mean(moving)
    lpl, upl = mean - LIMIT * average, mean + LIMIT * average
    outside = (y > upl) | (y < lpl)
    side = np.sign(y - mean)
    close = ~outside & ((y < mean - CLOSE * average) | (y > mean + CLOSE * average))
    rising, falling = _trends(y)
    one_side = _part_of_run(_run_ends(side))
    two_of_three = _two_in_three(close, side) & close
    types, points = [], []
    for i in range(n):
        kind, high = _cause(i, y, upl, outside, rising, falling, two_of_three, one_side, side)
        types.append(kind)
        points.append(_point_type(high, options.improvement_direction))
    return {
        "mean": [mean] * n,
        "lpl": [lpl] * n,
        "upl": [upl] * n,
        "outside_limits": outside.tolist(),
        "relative_to_mean": side.astype(int).tolist(),
        "close_to_limits": close.tolist(),
        "special_cause_type": types,
        "point_type": points,
    }


def _mean(values: np.ndarray) -> float:
    present = values[~np.isnan(values)]
    return float(present.mean()) if present.size else float("nan")


def _run_ends(side: np.ndarray) -> np.ndarray:
    """True where the point ends a run of 7 on the same (non-zero) side of the mean."""
    ends = np.zeros(len(side), bool)
    for i in range(RUN - 1, len(side)):
        window = side[i - RUN + 1 : i + 1]
        ends[i] = window[0] != 0 and np.all(window == window[0])
    return ends


def _part_of_run(ends: np.ndarray) -> np.ndarray:
    """A point is part of a run when it or one of the next 6 points ends one."""
    return np.array([ends[i : i + RUN].any() for i in range(len(ends))], bool)


def _trends(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    up, down = np.zeros(len(y), bool), np.zeros(len(y), bool)
    for i in range(RUN - 1, len(y)):
        steps = np.sign(np.diff(y[i - RUN + 1 : i + 1]))
        up[i], down[i] = np.all(steps == 1), np.all(steps == -1)
    return _part_of_run(up), _part_of_run(down)


def _two_in_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Points in a window of 3 with at least 2 close to the limits, all 3 on one side of the mean."""
    c = np.concatenate(([0, 0], close.astype(float), [0, 0]))
    s = np.concatenate(([0, 0], side, [0, 0]))
    return np.array(
        [
            any(c[i + a : i + a + 3].sum() >= 2 and abs(s[i + a : i + a + 3].sum()) == 3 for a in (0, 1, 2))
            for i in range(len(close))
        ],
        bool,
    )


def _cause(i, y, upl, outside, rising, falling, two_of_three, one_side, side) -> tuple[str, bool | None]:
    if outside[i]:
        return ("Above UCL", True) if y[i] > upl else ("Below LCL", False)
    if rising[i]:
        return "7 Point Trend (Increasing)", True
    if falling[i]:
        return "7 Point Trend (Decreasing)", False
    if two_of_three[i]:
        return ("2 in 3 Above CL", True) if side[i] > 0 else ("2 in 3 Below CL", False)
    if one_side[i]:
        return ("7 Points Above CL", True) if side[i] > 0 else ("7 Points Below CL", False)
    return "Common Cause", None


def _point_type(high: bool | None, direction: str) -> str:
    if high is None:
        return "common_cause"
    if direction == "neutral":
        return "special_cause_neutral_" + ("high" if high else "low")
    return "special_cause_improvement" if (direction == "increase") == high else "special_cause_concern"


def assurance(lpl: float, upl: float, options: SpcOptions) -> str | None:
    """Whether the process will meet the target: limits wholly on the good side pass, wholly on the bad
    side fail, otherwise inconsistent. None for a neutral direction."""
    target, direction = options.target, options.improvement_direction
    if target is None or direction == "neutral":
        return None
    good_low, good_high = (
        (lpl > target, upl < target) if direction == "increase" else (upl < target, lpl > target)
    )
    if good_low:
        return "consistent_pass"
    if good_high:
        return "consistent_fail"
    return "inconsistent"
