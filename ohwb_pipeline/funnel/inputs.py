"""Check a unit/numerator/denominator frame before any arithmetic, naming the rows that are wrong."""

import numpy as np
import polars as pl

from ohwb_pipeline.funnel.options import MIN_UNITS, FunnelOptions

COLUMNS = ("unit", "numerator", "denominator")
_SHOWN = 5


def _rows(frame: pl.DataFrame, mask: pl.Series) -> str:
    # Row numbers as a spreadsheet shows them: the header is row 1.
    bad = frame.with_row_index("_row", offset=2).filter(mask)
    shown = ", ".join(f"row {r} ({u})" for r, u in zip(bad["_row"], bad["unit"], strict=True))
    more = bad.height - _SHOWN
    return shown if more <= 0 else f"{shown} and {more} more"


def checked(frame: pl.DataFrame, options: FunnelOptions) -> pl.DataFrame:
    """The frame with `unit` as text and the counts as Float64, or a ValueError that names the rows.

    Counts need not be integers (FTE days are not): they are used as they are, as FunnelPlotR does."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        found = ", ".join(frame.columns)
        raise ValueError(f"missing column(s) {', '.join(missing)}; the columns are {found}")
    data = frame.select(
        pl.col("unit").cast(pl.Utf8),
        pl.col("numerator").cast(pl.Float64, strict=False).alias("numerator"),
        pl.col("denominator").cast(pl.Float64, strict=False).alias("denominator"),
    )
    # A text cell that is not a number casts to null, so it is reported with the missing ones.
    problems = [
        (pl.col("unit").is_null() | (pl.col("unit").str.strip_chars() == ""), "no unit"),
        (pl.col("numerator").is_null() | pl.col("numerator").is_nan(), "numerator missing or not a number"),
        (
            pl.col("denominator").is_null() | pl.col("denominator").is_nan(),
            "denominator missing or not a number",
        ),
        (pl.col("numerator").is_infinite() | pl.col("denominator").is_infinite(), "an infinite count"),
        (pl.col("numerator") < 0, "negative numerator"),
        (pl.col("denominator") <= 0, "zero or negative denominator"),
        (pl.col("unit").is_duplicated(), "unit appears more than once"),
    ]
    if options.data_type == "PR":
        problems.append((pl.col("numerator") > pl.col("denominator"), "PR numerator above its denominator"))
    for condition, reason in problems:
        mask = data.select(condition.fill_null(False)).to_series()
        if mask.any():
            raise ValueError(f"{reason}: {_rows(data, mask)}")
    if data.height < MIN_UNITS:
        raise ValueError(
            f"a funnel plot needs at least {MIN_UNITS} units to estimate overdispersion; got {data.height}"
        )
    return data


def as_arrays(data: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return data["numerator"].to_numpy().astype(float), data["denominator"].to_numpy().astype(float)
