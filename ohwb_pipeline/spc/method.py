"""Making Data Count SPC (XmR) for any series, with NHSRplotthedots 0.2.2's semantics, in polars.

Per series, ordered by date, and per rebase group: the centre line is the mean (of the first
`fix_after_n_points` points when fixed); the moving ranges are the absolute differences of consecutive
points, and with outlier screening (the default) moving ranges at or above 3.267 x their mean are left
out before the mean moving range is recomputed. Process limits are mean +- 2.66 x the mean moving range;
"close to limits" is beyond mean +- 1.773 x. Special causes, in this order: a point outside the limits;
a run of 7 points rising or falling; 2 of 3 points close to the limits on the same side (the close points
are flagged); 7 points on one side of the mean. Every series is computed at once with window
expressions, so the published table's ~450 series cost one pass. Parity with the package's own outputs
on 24 series x 5 option sets is tested (`data/reference/spc_parity/`).
"""

from dataclasses import dataclass

import polars as pl

LIMIT = 2.66
CLOSE = 2 * LIMIT / 3
SCREEN = 3.267
RUN = 7
SHORT_SERIES_POINTS = 12
DIRECTIONS = ("increase", "decrease", "neutral")
# The Making Data Count icon for the latest point's variation, by point type and direction.
VARIATION_ICONS = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)
_GROUP = ["series", "_rebase_group"]
# An optional boolean column: a new set of limits starts at this point of this series only (a merger
# rebases the successor's series, not every series).
REBASE_HERE = "rebase_here"


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
    """`frame` has `date`, `value` and optionally `series`; returns it with the SPC columns,
    `short_series`, and `assurance` (per series, from its last limits) when a target is given."""
    has_series = "series" in frame.columns
    data = frame if has_series else frame.with_columns(pl.lit("series").alias("series"))
    rebase = pl.Series([*options.rebase], dtype=pl.Utf8).str.to_date()
    data = data.with_columns(pl.col("date").cast(pl.Date), pl.col("value").cast(pl.Float64)).sort(
        "series", "date", maintain_order=True
    )
    starts = pl.col("date").is_in(rebase.implode())
    if REBASE_HERE in data.columns:
        starts = starts | pl.col(REBASE_HERE).fill_null(False)
    data = data.with_columns(starts.cum_sum().over("series").alias("_rebase_group"))
    out = (
        data.with_columns(_limits(options))
        .with_columns(_position())
        .with_columns(_rules())
        .with_columns(_cause())
        .with_columns(
            _point_type(options.improvement_direction),
            (pl.len().over("series") < SHORT_SERIES_POINTS).alias("short_series"),
        )
        .drop(
            "_rebase_group",
            REBASE_HERE,
            "_average",
            "_rising",
            "_falling",
            "_two_of_three",
            "_one_side",
            "_high",
            strict=False,
        )
    )
    if options.target is not None:
        last = pl.col("lpl").last().over("series"), pl.col("upl").last().over("series")
        out = out.with_columns(assurance_expr(*last, options.target, options.improvement_direction))
    return out if has_series else out.drop("series")


def _limits(options: SpcOptions) -> list[pl.Expr]:
    value = pl.col("value")
    if options.fix_after_n_points is not None:
        position = pl.int_range(pl.len()).over(_GROUP)
        value = pl.when(position < options.fix_after_n_points).then(value)
    mean = value.mean().over(_GROUP)
    moving = (value - value.shift(1)).abs().over(_GROUP)
    average = moving.mean().over(_GROUP)
    if options.screen_outliers:
        average = pl.when(moving < SCREEN * average).then(moving).mean().over(_GROUP)
    return [
        mean.alias("mean"),
        (mean - LIMIT * average).alias("lpl"),
        (mean + LIMIT * average).alias("upl"),
        average.alias("_average"),
    ]


def _position() -> list[pl.Expr]:
    value, mean, average = pl.col("value"), pl.col("mean"), pl.col("_average")
    # A one-point series has no moving range, so no limits: nothing is outside or close to them.
    outside = ((value > pl.col("upl")) | (value < pl.col("lpl"))).fill_null(False)
    close = ~outside & ((value < mean - CLOSE * average) | (value > mean + CLOSE * average)).fill_null(False)
    return [
        outside.alias("outside_limits"),
        (value - mean).sign().cast(pl.Int64).alias("relative_to_mean"),
        close.alias("close_to_limits"),
    ]


def _ending_within(flag: pl.Expr, points: int) -> pl.Expr:
    """True where a window ending at this point or one of the next `points - 1` is flagged."""
    return flag.reverse().rolling_max(points, min_samples=1).reverse().over(_GROUP)


def _rules() -> list[pl.Expr]:
    value, side, close = pl.col("value"), pl.col("relative_to_mean"), pl.col("close_to_limits")
    step = (value - value.shift(1)).sign().over(_GROUP).fill_null(0)
    rose = (step == 1).cast(pl.Int32).rolling_sum(RUN - 1).over(_GROUP) == RUN - 1
    fell = (step == -1).cast(pl.Int32).rolling_sum(RUN - 1).over(_GROUP) == RUN - 1
    above = (side == 1).cast(pl.Int32).rolling_sum(RUN).over(_GROUP) == RUN
    below = (side == -1).cast(pl.Int32).rolling_sum(RUN).over(_GROUP) == RUN
    two_close = close.cast(pl.Int32).rolling_sum(3).over(_GROUP) >= 2
    same_side = side.rolling_sum(3).over(_GROUP).abs() == 3
    return [
        _ending_within(rose.fill_null(False), RUN).alias("_rising"),
        _ending_within(fell.fill_null(False), RUN).alias("_falling"),
        (_ending_within((two_close & same_side).fill_null(False), 3) & close).alias("_two_of_three"),
        _ending_within((above | below).fill_null(False), RUN).alias("_one_side"),
    ]


def _cause() -> list[pl.Expr]:
    high_side = pl.col("relative_to_mean") > 0
    kind = (
        pl.when(pl.col("outside_limits"))
        .then(
            pl.when(pl.col("value") > pl.col("upl")).then(pl.lit("Above UCL")).otherwise(pl.lit("Below LCL"))
        )
        .when(pl.col("_rising"))
        .then(pl.lit("7 Point Trend (Increasing)"))
        .when(pl.col("_falling"))
        .then(pl.lit("7 Point Trend (Decreasing)"))
        .when(pl.col("_two_of_three"))
        .then(pl.when(high_side).then(pl.lit("2 in 3 Above CL")).otherwise(pl.lit("2 in 3 Below CL")))
        .when(pl.col("_one_side"))
        .then(pl.when(high_side).then(pl.lit("7 Points Above CL")).otherwise(pl.lit("7 Points Below CL")))
        .otherwise(pl.lit("Common Cause"))
    )
    high = (
        pl.when(pl.col("outside_limits"))
        .then(pl.col("value") > pl.col("upl"))
        .when(pl.col("_rising"))
        .then(True)
        .when(pl.col("_falling"))
        .then(False)
        .when(pl.col("_two_of_three") | pl.col("_one_side"))
        .then(high_side)
    )
    return [kind.alias("special_cause_type"), high.alias("_high")]


def _point_type(direction: str) -> pl.Expr:
    high = pl.col("_high")
    if direction == "neutral":
        special = (
            pl.when(high)
            .then(pl.lit("special_cause_neutral_high"))
            .otherwise(pl.lit("special_cause_neutral_low"))
        )
    else:
        good = high if direction == "increase" else ~high
        special = (
            pl.when(good).then(pl.lit("special_cause_improvement")).otherwise(pl.lit("special_cause_concern"))
        )
    return pl.when(high.is_null()).then(pl.lit("common_cause")).otherwise(special).alias("point_type")


def variation_icon(point_type: pl.Expr, direction: str) -> pl.Expr:
    """The MDC variation icon of a point: improvement/concern named by the side the value moved to."""
    improving_side, concerning_side = {"increase": ("high", "low"), "decrease": ("low", "high")}.get(
        direction, ("", "")
    )
    return (
        pl.when(point_type == "special_cause_improvement")
        .then(pl.lit(f"improvement_{improving_side}"))
        .when(point_type == "special_cause_concern")
        .then(pl.lit(f"concern_{concerning_side}"))
        .when(point_type.str.starts_with("special_cause_neutral_"))
        .then(point_type.str.strip_prefix("special_cause_"))
        .otherwise(pl.lit("common_cause"))
    )


def assurance_expr(lpl: pl.Expr, upl: pl.Expr, target: float | pl.Expr | None, direction: str) -> pl.Expr:
    """Whether the process will meet the target: limits wholly on the good side pass, wholly on the bad
    side fail, otherwise inconsistent. Null without a target or for a neutral direction."""
    target = pl.lit(target, pl.Float64) if not isinstance(target, pl.Expr) else target
    if direction == "neutral":
        return pl.lit(None, pl.Utf8).alias("assurance")
    passes, fails = (lpl > target, upl < target) if direction == "increase" else (upl < target, lpl > target)
    return (
        pl.when(target.is_null())
        .then(pl.lit(None, pl.Utf8))
        .when(passes)
        .then(pl.lit("consistent_pass"))
        .when(fails)
        .then(pl.lit("consistent_fail"))
        .otherwise(pl.lit("inconsistent"))
        .alias("assurance")
    )


def assurance(lpl: float, upl: float, options: SpcOptions) -> str | None:
    """`assurance_expr` for one pair of limits."""
    frame = pl.DataFrame({"lpl": [lpl], "upl": [upl]}, schema={"lpl": pl.Float64, "upl": pl.Float64})
    expr = assurance_expr(pl.col("lpl"), pl.col("upl"), options.target, options.improvement_direction)
    return frame.select(expr).item()
