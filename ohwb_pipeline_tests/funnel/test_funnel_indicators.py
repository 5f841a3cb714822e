"""funnel_indicators' rows from frames, by hand: the staff-mix ratio with a suppressed cell, an ICB's
ratio as the sum of its organisations', a funnel too small to assess, and the 3-high-months check."""

import polars as pl
import pytest

from ohwb_pipeline.absence.funnel_checks import high_runs
from ohwb_pipeline.absence.funnel_indicators import (
    HIGH_998,
    NOT_ASSESSED,
    RATE,
    RATIO,
    assess,
    icb_units,
    organisation_units,
    survey_year,
)
from ohwb_pipeline.report.funnel_chart import org_short_name

ALL = "All staff groups"


def _benchmark(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(
        [(*r, "complete", "esr_extract") for r in rows],
        schema={
            "ORG_CODE": pl.Utf8,
            "ORG_NAME": pl.Utf8,
            "ICB_CODE": pl.Utf8,
            "STAFF_GROUP": pl.Utf8,
            "FTE_DAYS_LOST": pl.Float64,
            "FTE_DAYS_AVAILABLE": pl.Float64,
            "data_status": pl.Utf8,
            "source": pl.Utf8,
        },
        orient="row",
    )


# A and B in ICB X, C in ICB Y. C's managers are suppressed (blank): 5 days lost of 300 available.
BENCHMARK = _benchmark(
    ("A", "TRUST A", "X", "Nurses", 60.0, 1000.0),
    ("A", "TRUST A", "X", "Managers", 10.0, 1000.0),
    ("A", "TRUST A", "X", ALL, 70.0, 2000.0),
    ("B", "TRUST B", "X", "Nurses", 40.0, 1000.0),
    ("B", "TRUST B", "X", "Managers", 30.0, 1000.0),
    ("B", "TRUST B", "X", ALL, 70.0, 2000.0),
    ("C", "TRUST C", "Y", "Nurses", 20.0, 500.0),
    ("C", "TRUST C", "Y", "Managers", None, None),
    ("C", "TRUST C", "Y", ALL, 25.0, 800.0),
)
ICS = pl.DataFrame(
    {
        "level": ["icb", "icb"],
        "area_code": ["X", "Y"],
        "area_name": ["ICB X", "ICB Y"],
        "parent_code": ["R1", "R1"],
        "indicator": [RATE, RATE],
        "source": ["organisations", "organisations"],
        "numerator": [140.0, 25.0],
        "denominator": [4000.0, 800.0],
        "orgs_included": [2, 1],
    }
)


def test_staff_mix_ratio_by_hand_with_a_suppressed_cell():
    units = organisation_units(BENCHMARK, "2024-01")
    ratio = {r["area_code"]: r for r in units.filter(pl.col("indicator") == RATIO).iter_rows(named=True)}
    # National rates over the unsuppressed cells: nurses 120 / 2500 = 0.048, managers 40 / 2000 = 0.02
    # (C's blank managers are in neither). Expected A = 1000 x 0.048 + 1000 x 0.02 = 68, likewise B;
    # C = 500 x 0.048 = 24 against its unsuppressed 20 observed: its blank cell is out of both, counted.
    assert ratio["A"]["numerator"] == 70 and ratio["A"]["denominator"] == pytest.approx(68)
    assert ratio["B"]["numerator"] == 70 and ratio["B"]["denominator"] == pytest.approx(68)
    assert ratio["C"]["numerator"] == 20 and ratio["C"]["denominator"] == pytest.approx(24)
    assert [ratio[o]["cells_used"] for o in "ABC"] == [2, 2, 1]
    assert [ratio[o]["cells_blank"] for o in "ABC"] == [0, 0, 1]
    rate = units.filter(pl.col("indicator") == RATE).sort("area_code")
    assert rate["numerator"].to_list() == [70.0, 70.0, 25.0], "the rate uses the All staff groups row"
    assert set(units["parent_code"]) == {"X", "Y"} and set(units["reference_period"]) == {"2024-01"}


def test_an_icb_ratio_is_its_organisations_observed_over_their_expected():
    organisations = organisation_units(BENCHMARK, "2024-01")
    icbs = icb_units(ICS, organisations, "2024-01")
    ratio = {r["area_code"]: r for r in icbs.filter(pl.col("indicator") == RATIO).iter_rows(named=True)}
    assert ratio["X"]["numerator"] == 140 and ratio["X"]["denominator"] == pytest.approx(136)
    assert ratio["Y"]["numerator"] == 20 and ratio["Y"]["denominator"] == pytest.approx(24)
    assert (ratio["X"]["organisations"], ratio["X"]["cells_used"], ratio["X"]["cells_blank"]) == (2, 4, 0)
    assert ratio["Y"]["cells_blank"] == 1
    rate = icbs.filter(pl.col("indicator") == RATE).sort("area_code")
    assert rate["numerator"].to_list() == [140.0, 25.0], "the rate is ics_indicators' own"
    assert rate["parent_code"].to_list() == ["R1", "R1"] and set(icbs["source"]) == {"esr_extract"}


def test_too_few_areas_are_published_with_figures_and_not_assessed():
    rows = assess(organisation_units(BENCHMARK, "2024-01"))
    ratio = rows.filter(pl.col("indicator") == RATIO).sort("area_code")
    assert ratio["value"].to_list() == pytest.approx([70 / 68, 70 / 68, 20 / 24])
    assert set(ratio["outlier"]) == {NOT_ASSESSED}
    assert ratio["phi"].is_null().all() and ratio["z"].is_null().all()
    assert ratio["adjustment"][0] == "not assessed: 3 areas with figures, fewer than 5"
    assert rows.filter(pl.col("indicator") == RATE)["value"].to_list() == pytest.approx([3.5, 3.5, 3.125])


def test_a_planted_organisation_is_flagged_high():
    rows = [(f"O{i}", f"TRUST {i}", "X", ALL, 50.0 + i, 1000.0) for i in range(9)]
    units = organisation_units(_benchmark(*rows, ("HI", "TRUST HI", "X", ALL, 150.0, 1000.0)), "2024-01")
    scored = assess(units).filter(pl.col("indicator") == RATE)
    assert scored.filter(pl.col("area_code") == "HI")["outlier"].to_list() == [HIGH_998]
    assert scored["phi"].n_unique() == 1 and scored["units"].to_list() == [10] * 10


def _history(flags: dict[str, list[str]]) -> pl.DataFrame:
    months = ["2024-01", "2024-02", "2024-03", "2024-04"]
    return pl.DataFrame(
        [
            ("organisation", code, f"TRUST {code}", RATE, month, flag, 9.0)
            for code, run in flags.items()
            for month, flag in zip(months, run, strict=True)
        ],
        schema=["level", "area_code", "area_name", "indicator", "period", "outlier", "value"],
        orient="row",
    )


def test_the_check_warns_on_three_high_months_running_and_only_then():
    within = "within limits"
    history = _history(
        {
            "RUN": [within, HIGH_998, HIGH_998, HIGH_998],  # high in February, March and April
            "GAP": [HIGH_998, HIGH_998, within, HIGH_998],  # three high months, not in a row
            "NEAR": [within, within, "high: beyond 95%", HIGH_998],
        }
    )
    assert high_runs(history, "2024-03").passed
    april = high_runs(history, "2024-04")
    assert not april.passed and april.severity.value == "WARN"
    assert april.metadata["organisations"].value == 1 and "| RUN |" in april.metadata["high_3_months"].value
    assert "GAP" not in april.metadata["high_3_months"].value


def test_the_survey_year_is_the_one_the_scorecard_pairs_with_the_financial_year():
    assert [survey_year(p) for p in ("2024-03", "2024-04", "2024-12", "2025-03")] == [
        "2023",
        "2024",
        "2024",
        "2024",
    ]


def test_organisation_short_names():
    assert org_short_name("GUY'S AND ST THOMAS' NHS FOUNDATION TRUST") == "Guy's and St Thomas'"
    assert org_short_name("NHS ENGLAND") == "NHS England"
    assert org_short_name("NHS Kent and Medway ICB") == "Kent and Medway ICB"
