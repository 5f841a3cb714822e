"""ROI inference: placebo p-values, intervals, synthetic control, MDE, verdict and clean comparators."""

import hashlib
import math

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.roi import inference as inf
from ohwb_pipeline.roi.estimate import estimate_all
from ohwb_pipeline.roi.panel import load_panel
from ohwb_pipeline_tests.roi.helpers import materialize_roi, roi_rows, write_facts, write_register

BASE = np.arange(12)
EVAL = np.arange(12, 24)


def _placebo(stat: float) -> inf.Estimate:
    return inf.Estimate(stat, 0.05, 0.0, 1.0, np.zeros(24))


def test_the_p_value_is_the_rank_among_placebos_over_n_plus_1():
    placebos = [_placebo(s) for s in [*range(-19, 0), *range(1, 20)]]  # 38, symmetric about 0
    treated = inf.Estimate(18.5, 0.05, 0.0, 1.0, np.zeros(24))  # beyond all but +-19
    result = inf.infer(treated, placebos)
    assert result.placebos == 38
    assert result.p_value == 3 / 39, "rank 3 (after -19 and 19) of 38 + 1"
    assert inf.infer(inf.Estimate(25.0, 0.05, 0.0, 1.0, np.zeros(24)), placebos).p_value == 1 / 39


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=20, max_size=80),
    st.floats(-10, 10, allow_nan=False),
    st.floats(0.1, 3),
)
def test_the_interval_excludes_zero_exactly_when_p_is_below_5_percent(stats, effect, scale):
    treated = inf.Estimate(effect, 0.05, 0.0, scale, np.zeros(24))
    result = inf.infer(treated, [_placebo(s) for s in stats])
    excludes = result.ci_low > 1e-9 or result.ci_high < -1e-9
    near_edge = min(abs(result.ci_low), abs(result.ci_high)) < 1e-9
    assert near_edge or excludes == (result.p_value < 0.05)
    assert result.ci_low <= effect - scale * float(np.median(stats)) <= result.ci_high


def test_too_few_placebos_give_no_interval_and_no_detection():
    result = inf.infer(_placebo(50.0), [_placebo(s) for s in range(-5, 5)])
    assert result.ci_low is None and result.mde is None
    assert result.p_value >= 1 / 11
    assert inf.verdict(result.p_value, 50.0) == "inconclusive"


def test_synthetic_control_weights_reproduce_an_exact_mix_of_two_donors():
    rng = np.random.default_rng(7)
    donors = rng.normal(0.05, 0.01, size=(24, 6))
    treated = 0.3 * donors[:, 1] + 0.7 * donors[:, 4]
    estimate = inf.synthetic_control(
        treated, np.full(24, 1000.0), donors, [f"D{i}" for i in range(6)], BASE, EVAL
    )
    assert estimate.weights.keys() == {"D4", "D1"}
    assert abs(estimate.weights["D1"] - 0.3) < 1e-3 and abs(estimate.weights["D4"] - 0.7) < 1e-3
    assert abs(estimate.effect) < 1e-6, "an exact mix has no gap after the start either"


def test_the_verdict_reads_the_p_value_and_the_sign():
    assert inf.verdict(0.01, 0.002) == "saving_detected"
    assert inf.verdict(0.01, -0.002) == "harm_detected"
    assert inf.verdict(0.2, 0.002) == "inconclusive"
    assert inf.verdict(None, 0.002) == "inconclusive"


# --- end to end on hand-built facts: 30 trusts of 5 ICBs (as in the reference) with deterministic noise

TRUSTS = {
    "QKK": ["RJ1", "RJ2", "RJZ", "RPG", "RRU", "RV5"],
    "QKS": ["RN7", "RPA", "RVV", "RWF", "RXY", "RYY"],
    "QNC": ["RJE", "RLY", "RRE"],
    "QOP": ["R0A", "RBV", "RM3", "RMC", "RMP", "RT2", "RWJ", "RX7", "RXV"],
    "QRV": ["R1K", "RAS", "RKL", "RQM", "RV3", "RYJ"],
}
START = "2023-04"


def _noise(org: str, period: str) -> float:
    digest = hashlib.sha256(f"{org}{period}".encode()).digest()
    return (int.from_bytes(digest[:4], "big") / 2**32 - 0.5) * 0.004


def _rates(effect: dict[str, float]):
    def rate(org):
        return lambda period: max(
            0.03 + _noise(org, period) - (effect.get(org, 0) * 0.03 if period >= START else 0), 0
        )

    return {org: rate(org) for orgs in TRUSTS.values() for org in orgs}


def _pipeline(root, effect: dict[str, float], register: list[str]):
    write_facts(root, "2022-04", "2024-03", _rates(effect), heads=200)
    write_register(root, register)
    assert materialize_roi(root).success
    return roi_rows(root)


def test_a_known_halving_is_found_with_its_interval_and_verdict(tmp_path):
    rows = _pipeline(tmp_path, {"RJ1": 0.5}, ["HALF,RJ1,,t,msk,S11,2023-04,,1000,reported,,,,,,,,,n"])
    did = rows.filter(pl.col("financial_year") == "2023-24").row(0, named=True)
    assert abs(did["effect_percent"] - 50) < 8, did["effect_percent"]
    assert did["effect_percent_ci_low"] > 0 and did["effect_percent_ci_high"] > did["effect_percent"]
    assert did["verdict"] == "saving_detected" and did["p_value"] < 0.05
    assert did["placebo_units"] == 29
    assert (
        did["absence_days_avoided_ci_low"] < did["absence_days_avoided"] < did["absence_days_avoided_ci_high"]
    )
    assert did["roi_ratio_ci_low"] < did["roi_ratio_central"] < did["roi_ratio_ci_high"]
    assert did["mde_percent"] < 50, "a 50% fall is well above what this trust can detect"
    sc = (
        roi_rows(tmp_path, "synthetic_control")
        .filter(pl.col("financial_year") == "2023-24")
        .row(0, named=True)
    )
    assert sc["verdict"] == "saving_detected" and abs(sc["effect_percent"] - 50) < 10


def test_no_effect_is_inconclusive_with_an_interval_around_zero(tmp_path):
    rows = _pipeline(tmp_path, {}, ["NONE,RJ1,,t,msk,S11,2023-04,,1000,reported,,,,,,,,,n"])
    did = rows.filter(pl.col("financial_year") == "2023-24").row(0, named=True)
    assert did["verdict"] == "inconclusive"
    assert did["effect_percent_ci_low"] < 0 < did["effect_percent_ci_high"]


def test_a_trust_with_its_own_overlapping_intervention_is_kept_out(tmp_path):
    register = [
        "A,RJ1,,t,msk,S11;S12,2023-04,,1000,reported,,,,,,,,,n",
        "B,RJ2,,u,msk,S11,2022-10,,1000,reported,,,,,,,,,n",  # overlaps A's reasons and window
        "C,RJZ,,v,mental_health,S10,2023-04,,1000,reported,,,,,,,,,n",  # other reasons: no overlap
    ]
    write_facts(tmp_path, "2022-04", "2024-03", _rates({"RJ2": 0.6}), heads=200)
    write_register(tmp_path, register)
    settings_ = OhwbSettings(data_dir=str(tmp_path))
    assert materialize_roi(tmp_path).success
    register_frame = pl.read_parquet(tmp_path / "warehouse/interventions/interventions.parquet")
    results = estimate_all(load_panel(settings_), register_frame)
    excluded = {tuple(r) for r in results.excluded.iter_rows()}
    assert ("A", "RJ2") in excluded and ("B", "RJ1") in excluded
    assert ("A", "RJZ") not in excluded and ("C", "RJ1") not in excluded
    rows = roi_rows(tmp_path).filter(pl.col("intervention_id") == "A", pl.col("financial_year") == "2023-24")
    assert rows["placebo_units"].item() == 28, "30 trusts less A's own and RJ2"
    # A's comparator is the rest of QKK without RJ2, whose 60% fall would otherwise bias A's DiD.
    assert abs(rows["effect_percent"].item()) < 10
    events = pl.read_parquet(tmp_path / "published/roi_event_study/*/*.parquet", hive_partitioning=True)
    a = events.filter(pl.col("intervention_id") == "A", pl.col("method") == "difference_in_differences")
    assert a.filter(pl.col("phase") == "baseline").height == 12 * a["financial_year"].n_unique()
    assert math.isclose(a.filter(pl.col("phase") == "baseline")["gap_points"].mean(), 0, abs_tol=1e-9)


def test_the_noise_model_judges_a_large_unit_by_its_own_size():
    """Placebo effects with variance a + b / size: small units are noisy, large ones have a floor. A large
    unit's modest effect is not extreme for its size, though it would be against small units' scale."""
    rng = np.random.default_rng(3)
    sizes = rng.choice([1e4, 1e5, 1e6], size=300)
    effects = rng.normal(0, np.sqrt(1e-6 + 1e-2 / sizes))
    placebos = [
        inf.Estimate(e, 0.05, 0.0, 1.0, np.zeros(24), size=s) for e, s in zip(effects, sizes, strict=True)
    ]
    model = inf.noise_model(placebos)
    big, small = (inf.Estimate(0, 0.05, 0, 1, np.zeros(24), size=s) for s in (1e6, 1e4))
    assert abs(model(big) / np.sqrt(1e-6 + 1e-8) - 1) < 0.35
    assert abs(model(small) / np.sqrt(1e-6 + 1e-6) - 1) < 0.35
    large = inf.Estimate(0.0015, 0.05, 0.0, 1e-9, np.zeros(24), size=1e6)  # 1.5 sd for its size
    assert inf.infer(large, placebos).p_value > 0.05


def test_the_python_estimates_are_the_days_the_sql_publishes(tmp_path):
    _pipeline(tmp_path, {"RJ1": 0.2}, ["P,RJ1,,t,msk,S11,2023-04,,1000,reported,,,,,,,,,n"])
    register = pl.read_parquet(tmp_path / "warehouse/interventions/interventions.parquet")
    python = estimate_all(load_panel(OhwbSettings(data_dir=str(tmp_path))), register).inference
    for method in ("before_after", "difference_in_differences", "synthetic_control"):
        sql = roi_rows(tmp_path, method).select("financial_year", "absence_days_avoided")
        mine = python.filter(pl.col("method") == method).select("financial_year", "days_avoided")
        joined = sql.join(mine, on="financial_year")
        assert joined.height == sql.height > 0
        for published, estimated in joined.select("absence_days_avoided", "days_avoided").iter_rows():
            assert math.isclose(published, estimated, rel_tol=1e-9), (method, published, estimated)
