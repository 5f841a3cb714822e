"""Known answers and edge cases of the funnel method."""

import numpy as np
import polars as pl
import pytest

from ohwb_pipeline.funnel.method import ADJUSTED, NOT_OVERDISPERSED, NOT_REQUESTED, funnel
from ohwb_pipeline.funnel.options import Z_998, FunnelOptions

LIMITS = ("lower_95", "upper_95", "lower_998", "upper_998")


def units(numerator, denominator) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit": [f"U{i:03d}" for i in range(len(numerator))],
            "numerator": np.asarray(numerator, dtype=float),
            "denominator": np.asarray(denominator, dtype=float),
        }
    )


def overdispersed_proportions(seed: int, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    denominator = rng.integers(200, 5000, n).astype(float)
    p = 1 / (1 + np.exp(-rng.normal(np.log(0.05 / 0.95), 0.3, n)))
    return rng.binomial(denominator.astype(int), p).astype(float), denominator


@pytest.mark.parametrize("data_type", ["PR", "RC"])
def test_without_overdispersion_the_adjusted_limits_are_the_unadjusted_ones(data_type):
    # Numerators a fraction of a standard error from the pooled rate: phi far below 1.
    denominator = np.linspace(100, 2000, 40)
    wiggle = np.tile([-0.3, 0.3], 20) * np.sqrt(denominator * 0.1 * 0.9)
    result = funnel(units(0.1 * denominator + wiggle, denominator), FunnelOptions(data_type))
    assert result.phi < 1 and result.tau2 == 0 and not result.adjusted
    assert result.adjustment == NOT_OVERDISPERSED
    out = result.units
    for name in LIMITS:
        assert np.allclose(out[name], out[f"{name}_adjusted"], rtol=1e-15, atol=0), name
    assert out["z_adjusted"].to_list() == out["z"].to_list()
    assert set(out["outlier"]) == {"none"}


def test_without_overdispersion_sr_outliers_are_judged_on_the_exact_poisson_limits():
    expected = np.linspace(50, 900, 30)
    observed = expected + np.tile([-0.2, 0.2], 15) * np.sqrt(expected)
    observed[0] = expected[0] * 2  # far beyond the exact Poisson limit for E = 50
    result = funnel(units(observed, expected), FunnelOptions("SR"))
    assert not result.adjusted
    out = result.units
    assert out["outlier"].to_list() == ["high"] + ["none"] * 29
    assert out["value"][0] > out["upper_998"][0]


def test_identical_units_have_no_dispersion_and_no_outlier():
    # Every z-score is 0: phi is 0, so nothing is adjusted, and every unit is on the target.
    result = funnel(units([50] * 12, [1000] * 12), FunnelOptions("PR"))
    assert result.phi == 0 and result.tau2 == 0 and result.adjustment == NOT_OVERDISPERSED
    assert set(result.units["outlier"]) == {"none"}
    assert set(result.units["flag"]) == {"within limits"}


def test_units_sampled_from_one_rate_are_not_adjusted():
    rng = np.random.default_rng(8)
    denominator = rng.integers(100, 3000, 400).astype(float)
    numerator = rng.binomial(denominator.astype(int), 0.08).astype(float)
    result = funnel(units(numerator, denominator), FunnelOptions("PR"))
    # The mean square of a standard normal winsorised at its 10% and 90% quantiles is 0.68, not 1:
    # FunnelPlotR's phi reads low, so binomial data are never adjusted.
    assert 0.5 < result.phi < 0.85 and not result.adjusted
    assert set(result.units["outlier"]) == {"none"}


@pytest.mark.parametrize(
    "options",
    [FunnelOptions("PR"), FunnelOptions("RC"), FunnelOptions("SR"), FunnelOptions("SR", sr_method="CQC")],
)
def test_a_planted_outlier_is_flagged(options):
    numerator, denominator = overdispersed_proportions(seed=3)
    numerator[10] = denominator[10] * 0.25  # five times the typical rate
    numerator[20] = denominator[20] * 0.005  # a tenth of it
    if options.data_type == "SR":
        denominator = denominator * 0.05  # expected counts at the typical rate
    result = funnel(units(numerator, denominator), options)
    assert result.adjusted and result.adjustment == ADJUSTED and result.phi > 1 and result.tau2 > 0
    out = result.units
    assert out["outlier"][10] == "high" and out["flag"][10] == "high: beyond 99.8%"
    assert out["outlier"][20] == "low" and out["flag"][20] == "low: beyond 99.8%"
    assert abs(out["z_adjusted"][10]) > Z_998 and abs(out["z_adjusted"][20]) > Z_998
    # The adjustment shrinks every z-score towards 0.
    assert (out["z_adjusted"].abs() <= out["z"].abs() + 1e-12).all()


def test_no_adjust_judges_on_the_unadjusted_limits_and_still_estimates_phi():
    numerator, denominator = overdispersed_proportions(seed=4)
    adjusted = funnel(units(numerator, denominator), FunnelOptions("PR"))
    plain = funnel(units(numerator, denominator), FunnelOptions("PR", draw_adjusted=False))
    assert plain.adjustment == NOT_REQUESTED and not plain.adjusted and plain.tau2_applied == 0
    assert plain.phi == adjusted.phi and plain.tau2 == adjusted.tau2
    assert (plain.units["outlier"] != "none").sum() > (adjusted.units["outlier"] != "none").sum()


def test_the_95_percent_warning_sits_between_the_limits():
    numerator, denominator = overdispersed_proportions(seed=5, n=200)
    out = funnel(units(numerator, denominator), FunnelOptions("PR")).units
    warned = out.filter(pl.col("flag") == "high: beyond 95%")
    assert warned.height > 0
    assert (warned["value"] > warned["upper_95_adjusted"]).all()
    assert (warned["value"] <= warned["upper_998_adjusted"]).all()
    assert set(warned["outlier"]) == {"none"}


def test_non_integer_counts_are_used_as_they_are():
    numerator, denominator = overdispersed_proportions(seed=6)
    whole = funnel(units(numerator, denominator), FunnelOptions("PR"))
    fractional = funnel(units(numerator + 0.25, denominator + 0.5), FunnelOptions("PR"))
    assert fractional.units["value"][0] == (numerator[0] + 0.25) / (denominator[0] + 0.5)
    assert fractional.phi != whole.phi


def test_a_zero_numerator_is_scored_not_rejected():
    numerator, denominator = overdispersed_proportions(seed=8)
    numerator[0] = 0
    for options in (FunnelOptions("PR"), FunnelOptions("RC"), FunnelOptions("SR", sr_method="CQC")):
        den = denominator * 0.05 if options.data_type == "SR" else denominator
        out = funnel(units(numerator, den), options).units
        assert out["value"][0] == 0 and np.isfinite(out["z"][0]) and out["outlier"][0] == "low"
    # On the SHMI log scale a zero scores -inf; truncation sets it aside and it is a low outlier.
    out = funnel(units(numerator, denominator * 0.05), FunnelOptions("SR")).units
    assert out["z"][0] == -np.inf and out["trimmed"][0] and out["outlier"][0] == "low"


def test_many_shmi_zeros_surviving_truncation_are_a_clear_error():
    numerator, denominator = overdispersed_proportions(seed=9, n=20)
    numerator[:8] = 0
    with pytest.raises(ValueError, match="infinite z-score"):
        funnel(units(numerator, denominator * 0.05), FunnelOptions("SR"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"denominator": 0.0}, r"zero or negative denominator: row 4 \(U002\)"),
        ({"denominator": -5.0}, r"zero or negative denominator: row 4 \(U002\)"),
        ({"numerator": -1.0}, r"negative numerator: row 4 \(U002\)"),
        ({"numerator": None}, r"numerator missing or not a number: row 4 \(U002\)"),
        ({"numerator": 5000.0}, r"PR numerator above its denominator: row 4 \(U002\)"),
        ({"unit": "U001"}, r"unit appears more than once: row 3 \(U001\), row 4 \(U001\)"),
    ],
)
def test_bad_rows_are_named(change, message):
    frame = units([10, 20, 30, 40, 50, 60], [100, 200, 300, 400, 500, 600])
    frame = frame.with_columns(
        **{
            column: pl.when(pl.int_range(pl.len()) == 2).then(pl.lit(v)).otherwise(pl.col(column))
            for column, v in change.items()
        }
    )
    with pytest.raises(ValueError, match=message):
        funnel(frame, FunnelOptions("PR"))


def test_text_that_is_not_a_number_is_quoted():
    frame = pl.DataFrame(
        {"unit": list("ABCDEF"), "numerator": ["1", "2", "1,5", "4", "5", "6"], "denominator": ["90"] * 6}
    )
    with pytest.raises(ValueError, match=r"numerator missing or not a number: row 4 \(C\): '1,5'"):
        funnel(frame, FunnelOptions("PR"))


def test_fewer_than_five_units_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 5 units"):
        funnel(units([1, 2, 3, 4], [10, 20, 30, 40]), FunnelOptions("PR"))
    assert funnel(units([1, 2, 3, 4, 5], [10, 20, 30, 40, 50]), FunnelOptions("PR")).units.height == 5


def test_a_missing_column_is_named():
    with pytest.raises(ValueError, match="missing column"):
        funnel(pl.DataFrame({"unit": ["A"], "numerator": [1.0]}), FunnelOptions("PR"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data_type": "XX"},
        {"data_type": "SR", "sr_method": "NHS"},
        {"data_type": "PR", "trim_by": 0.5},
        {"data_type": "PR", "trim_by": 0},
        {"data_type": "PR", "multiplier": 0},
    ],
)
def test_bad_options_are_refused(kwargs):
    with pytest.raises(ValueError):
        FunnelOptions(**kwargs)
