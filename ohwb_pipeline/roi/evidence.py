"""The published inference columns: effect in % of the expected rate, intervals, p, MDE, verdict.

`inference` (estimate.py) has the effect, its interval and the expected (counterfactual) rate in rate
units; this turns them into the contract's columns on the costed rows of intervention_roi.sql.
An interval at the central unit cost moves only the absence saving: retention and GP savings are
reported figures, not estimates.
"""

import polars as pl

INFERENCE_COLUMNS = [
    "effect_percent",
    "effect_percent_ci_low",
    "effect_percent_ci_high",
    "absence_days_avoided_ci_low",
    "absence_days_avoided_ci_high",
    "p_value",
    "mde_percent",
    "verdict",
    "pre_trend_ok",
    "roi_ratio_ci_low",
    "roi_ratio_ci_high",
    "placebo_units",
]


def attach(costed: pl.DataFrame, inference: pl.DataFrame, day_central: float) -> pl.DataFrame:
    keys = ["intervention_id", "financial_year", "method"]
    joined = costed.join(
        inference.select(
            *keys,
            "effect_rate",
            "counterfactual_rate",
            "effect_ci_low",
            "effect_ci_high",
            "p_value",
            "mde",
            "pre_trend_ok",
            "verdict",
            "placebo_units",
        ),
        on=keys,
        how="left",
    )
    ok = pl.col("status") == "ok"
    cf = pl.col("counterfactual_rate")
    available = pl.col("fte_days_available")

    def days(bound: str) -> pl.Expr:
        return pl.col(bound) * available

    def roi(bound: str) -> pl.Expr:
        shift = (days(bound) - pl.col("absence_days_avoided")) * day_central
        return (pl.col("total_savings_central") + shift) / pl.col("cost_gbp")

    return joined.with_columns(
        pl.when(ok).then(pl.col("effect_rate") / cf * 100).alias("effect_percent"),
        pl.when(ok).then(pl.col("effect_ci_low") / cf * 100).alias("effect_percent_ci_low"),
        pl.when(ok).then(pl.col("effect_ci_high") / cf * 100).alias("effect_percent_ci_high"),
        pl.when(ok).then(days("effect_ci_low")).alias("absence_days_avoided_ci_low"),
        pl.when(ok).then(days("effect_ci_high")).alias("absence_days_avoided_ci_high"),
        pl.when(ok).then(pl.col("p_value")).alias("p_value"),
        pl.when(ok).then(pl.col("mde") / cf * 100).alias("mde_percent"),
        # The verdict is inference.verdict's; a row the SQL could not cost was not evaluated.
        pl.when(ok)
        .then(pl.col("verdict").fill_null("inconclusive"))
        .otherwise(pl.lit("not_evaluated"))
        .alias("verdict"),
        pl.when(ok).then(pl.col("pre_trend_ok")).alias("pre_trend_ok"),
        pl.when(ok).then(roi("effect_ci_low")).alias("roi_ratio_ci_low"),
        pl.when(ok).then(roi("effect_ci_high")).alias("roi_ratio_ci_high"),
        pl.col("placebo_units").fill_null(0),
    ).select(*costed.columns, *INFERENCE_COLUMNS)
