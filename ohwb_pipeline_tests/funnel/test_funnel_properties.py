"""Invariants of the funnel method, by hypothesis."""

import numpy as np
import polars as pl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ohwb_pipeline.funnel.method import funnel
from ohwb_pipeline.funnel.options import Z_998, FunnelOptions

OPTIONS = [
    FunnelOptions("PR"),
    FunnelOptions("PR", trim_by=0.05, multiplier=100),
    FunnelOptions("RC"),
    FunnelOptions("SR"),
    FunnelOptions("SR", sr_method="CQC"),
    FunnelOptions("SR", draw_adjusted=False),
]
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def unit_sets(draw, min_units=5, max_units=40):
    """Units with integer denominators from 5 to 100,000 and overdispersed rates around 1% to 50%."""
    n = draw(st.integers(min_units, max_units))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    denominator = np.round(np.exp(rng.uniform(np.log(5), np.log(1e5), n)))
    base = draw(st.floats(0.01, 0.5))
    spread = draw(st.floats(0.0, 1.0))
    p = 1 / (1 + np.exp(-(np.log(base / (1 - base)) + rng.normal(0, spread, n))))
    numerator = rng.binomial(denominator.astype(int), p).astype(float)
    return pl.DataFrame(
        {"unit": [f"U{i:03d}" for i in range(n)], "numerator": numerator, "denominator": denominator}
    )


def _for(frame: pl.DataFrame, options: FunnelOptions) -> pl.DataFrame:
    # SR reads the denominator as expected counts at the pooled rate.
    if options.data_type != "SR":
        return frame
    rate = frame["numerator"].sum() / frame["denominator"].sum()
    return frame.with_columns(pl.col("denominator") * rate)


@FAST
@given(frame=unit_sets(), which=st.sampled_from(range(len(OPTIONS))))
def test_limits_widen_as_the_denominator_falls(frame, which):
    options = OPTIONS[which]
    frame = _for(frame, options)
    assume((frame["numerator"] > 0).all() or not options.shmi)
    out = funnel(frame, options).units.sort("denominator")
    tolerance = 1e-12 * options.multiplier
    for suffix in ("", "_adjusted"):
        for level in ("95", "998"):
            lower, upper = out[f"lower_{level}{suffix}"].to_numpy(), out[f"upper_{level}{suffix}"].to_numpy()
            assert (np.diff(lower) >= -tolerance).all(), f"lower_{level}{suffix}"
            assert (np.diff(upper) <= tolerance).all(), f"upper_{level}{suffix}"
            assert (lower <= upper).all()


@FAST
@given(frame=unit_sets(), which=st.sampled_from(range(len(OPTIONS))), data=st.data())
def test_permuting_units_changes_nothing(frame, which, data):
    options = OPTIONS[which]
    frame = _for(frame, options)
    assume((frame["numerator"] > 0).all() or not options.shmi)
    order = data.draw(st.permutations(range(frame.height)))
    first, second = funnel(frame, options), funnel(frame[list(order)], options)
    assert first.units.equals(second.units)
    assert (first.phi, first.tau2, first.adjustment) == (second.phi, second.tau2, second.adjustment)


@FAST
@given(
    n=st.integers(8, 60),
    expected=st.integers(20, 5000),
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(2, 20),
    sr_method=st.sampled_from(["SHMI", "CQC"]),
)
def test_scaling_observed_and_expected_together_changes_no_sr_flag(n, expected, seed, k, sr_method):
    """With one expected value for every unit the additive adjustment makes the flags independent of the
    unit of measure: phi scales by k, and tau2 grows by exactly what the within-unit variance loses.
    (With unequal expected values this holds approximately, to about 1/phi; see docs/funnel.md.)"""
    rng = np.random.default_rng(seed)
    observed = np.round(expected * np.exp(rng.normal(0, 0.3, n)), 2)
    frame = pl.DataFrame(
        {"unit": [f"U{i:03d}" for i in range(n)], "numerator": observed, "denominator": [float(expected)] * n}
    )
    options = FunnelOptions("SR", sr_method=sr_method)
    small = funnel(frame, options)
    assume(small.adjusted and small.tau2 > 0)
    # A unit within rounding of the limit may fall either side of it.
    assume((np.abs(np.abs(small.units["z_adjusted"]) - Z_998) > 1e-9).all())
    large = funnel(frame.with_columns(pl.col("numerator", "denominator") * k), options)
    assert large.units["outlier"].to_list() == small.units["outlier"].to_list()
    assert np.allclose(large.units["z_adjusted"], small.units["z_adjusted"], rtol=1e-9)
    assert np.isclose(large.phi, k * small.phi, rtol=1e-9)
