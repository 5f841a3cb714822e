"""Check a unit/numerator/denominator frame before any arithmetic, naming the rows that are wrong."""

import numpy as np
import polars as pl

from ohwb_pipeline.funnel.options import MIN_UNITS, FunnelOptions

COLUMNS = ("unit", "numerator", "denominator")
_SHOWN = 5


def _rows(frame: pl.DataFrame, mask: pl.Series, column: str | None) -> str:
    # Row numbers as a spreadsheet shows them: the header is row 1.
    bad = frame.with_row_index("_row", offset=2).filter(mask)
    text = bad[column] if column else pl.Series([None] * bad.height)
    shown = ", ".join(
        f"row {r} ({u})" + (f": {t!r}" if t is not None else "")
        for r, u, t in zip(bad["_row"][:_SHOWN], bad["unit"][:_SHOWN], text[:_SHOWN], strict=True)
    )
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
        pl.col("numerator").cast(pl.Utf8).alias("_numerator"),
        pl.col("denominator").cast(pl.Utf8).alias("_denominator"),
    )
    # A text cell that is not a number casts to null, so it is reported with the missing ones.
    problems = [
        (pl.col("unit").is_null() | (pl.col("unit").str.strip_chars() == ""), "no unit", None),
        (
            pl.col("numerator").is_null() | pl.col("numerator").is_nan(),
            "numerator missing or not a number",
            "_numerator",
        ),
        (
            pl.col("denominator").is_null() | pl.col("denominator").is_nan(),
            "denominator missing or not a number",
            "_denominator",
        ),
        (pl.col("numerator").is_infinite(), "infinite numerator", "_numerator"),
        (pl.col("denominator").is_infinite(), "infinite denominator", "_denominator"),
        (pl.col("numerator") < 0, "negative numerator", "_numerator"),
        (pl.col("denominator") <= 0, "zero or negative denominator", "_denominator"),
        # FunnelPlotR sums rows of the same group; here a repeated unit is more likely a mistake.
        (pl.col("unit").is_duplicated(), "unit appears more than once", None),
    ]
    if options.data_type == "PR":
        problems.append(
            (pl.col("numerator") > pl.col("denominator"), "PR numerator above its denominator", "_numerator")
        )
    for condition, reason, column in problems:
        mask = data.select(condition.fill_null(False)).to_series()
        if mask.any():
            raise ValueError(f"{reason}: {_rows(data, mask, column)}")
    if data.height < MIN_UNITS:
        raise ValueError(
            f"a funnel plot needs at least {MIN_UNITS} units to estimate overdispersion; got {data.height}"
        )
    return data.drop("_numerator", "_denominator")


def as_arrays(data: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return data["numerator"].to_numpy().astype(float), data["denominator"].to_numpy().astype(float)
