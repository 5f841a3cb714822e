"""Known answer from the generator: inject an MSK effect and a national trend, then check that
difference-in-differences recovers the injected days and that before/after is biased by the trend."""

import duckdb
import polars as pl
import pytest

from ohwb_pipeline.synth.scenarios import Scenario
from ohwb_pipeline_tests.conftest import range_tags, run_absence_job, synth_into
from ohwb_pipeline_tests.roi.helpers import materialize_roi, roi_rows, write_register

TREATED = "RN7"  # Dartford and Gravesham, in Kent and Medway (QKS)
ICB = ["QKS"]
MSK = ("S11", "S12")
START = "2022-04"
TREND = 1.25  # every Kent trust's MSK absence rises by a quarter from April 2022 ...
EFFECT = 0.4  # ... and the treated trust's falls to 40% of that


def _scenarios(with_effect: bool) -> list[Scenario]:
    from ohwb_pipeline.core.resources import SHIPPED_REFERENCE
    from ohwb_pipeline.synth.generate import select_orgs

    orgs = select_orgs(pl.read_csv(SHIPPED_REFERENCE / "organisations.csv"), None, ICB)["org_code"].to_list()
    trend = [Scenario(o, MSK, START, TREND) for o in orgs]
    return trend + ([Scenario(TREATED, MSK, START, EFFECT)] if with_effect else [])


def _treated_msk_days(root, first: str, last: str) -> float:
    glob = str(root / "landing/absence/*/RN7.csv")
    sql = """
        WITH rows AS (SELECT *, CAST(split_part(filename, '/', -2) || '-01' AS DATE) AS m
                      FROM read_csv($g, filename = true, header = true))
        SELECT sum(fte * (date_diff('day', greatest(start_date, m),
                                    least(coalesce(end_date, last_day(m)), last_day(m))) + 1))
        FROM rows WHERE reason_code IN ('S11', 'S12') AND strftime(m, '%Y-%m') BETWEEN $a AND $b
    """
    return duckdb.sql(sql, params={"g": glob, "a": first, "b": last}).fetchall()[0][0]


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    common = {
        "first_month": "2021-04",
        "last_month": "2023-03",
        "size_factor": 1.0,
        "size_overrides": {TREATED: 3.0},
    }
    # Each trust draws from its own random streams, so the treated trust alone has the same draws as in
    # the whole ICB: the counterfactual needs only that trust.
    without = tmp_path_factory.mktemp("trend_only")
    synth_into(without, scenarios=_scenarios(False), orgs=[TREATED], icbs=None, **common)
    root = tmp_path_factory.mktemp("trend_and_effect")
    synth_into(root, scenarios=_scenarios(True), orgs=None, icbs=ICB, **common)
    assert run_absence_job(root, tags=range_tags("2021-04", "2023-03")).success
    write_register(root, [f"E1,{TREATED},,Physio,msk,S11;S12,{START},,100000,assumed,,,,,,,,,"])
    assert materialize_roi(root).success
    # The same random draws with and without the effect: the difference is exactly what was removed.
    truth = _treated_msk_days(without, "2022-04", "2023-03") - _treated_msk_days(root, "2022-04", "2023-03")
    return root, truth


def test_difference_in_differences_recovers_the_injected_effect_within_5_percent(injected):
    root, truth = injected
    did = roi_rows(root).filter(pl.col("financial_year") == "2022-23").row(0, named=True)
    assert did["status"] == "ok"
    assert did["absence_days_avoided"] == pytest.approx(truth, rel=0.05)


def test_before_after_is_biased_by_the_national_trend(injected):
    root, truth = injected
    ba = roi_rows(root, "before_after").filter(pl.col("financial_year") == "2022-23").row(0, named=True)
    # The trend raised everyone's MSK absence, so before/after credits the service with too little.
    assert ba["absence_days_avoided"] < 0.8 * truth
