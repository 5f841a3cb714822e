"""`spc_indicators`: SPC over each published series, recomputed with every publication."""

import polars as pl

from ohwb_pipeline.absence.checks import special_causes
from ohwb_pipeline.absence.spc_indicators import DIRECTIONS, POINT_COLUMNS, TARGET_SCHEMA, compute
from ohwb_pipeline.spc.method import SpcOptions, spc
from ohwb_pipeline_tests.conftest import SMALL_ORGS, read_table

MONTHS = [f"{2023 + (m // 12)}-{m % 12 + 1:02d}" for m in range(16)]
STEADY = [5.0, 5.2, 4.9, 5.1, 5.0, 4.8, 5.1, 5.0, 4.9, 5.2, 5.0, 4.9, 5.1, 5.0, 4.9]


def _points(rows: list[tuple[str, str, str, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "period": period,
                "level": level,
                "area_code": code,
                "area_name": f"name of {code}",
                "parent_code": None,
                "indicator": "sickness_absence_rate",
                "value": value,
            }
            for period, level, code, value in rows
        ],
        schema={c: pl.Float64 if c == "value" else pl.Utf8 for c in POINT_COLUMNS},
    )


def test_a_jump_is_a_concern_above_the_limit_with_its_icon_and_assurance():
    jumped = [*STEADY, 9.0]
    points = _points(
        [(m, "trust", "RJ1", v) for m, v in zip(MONTHS, jumped, strict=True)]
        + [(m, "trust", "RN7", v) for m, v in zip(MONTHS, [*STEADY, 5.0], strict=True)]
    )
    targets = pl.DataFrame(
        {"indicator": ["sickness_absence_rate"] * 2, "area_code": [None, "RN7"], "target": [12.0, 4.0]},
        schema=TARGET_SCHEMA,
    )
    out = compute(points, targets)
    latest = {r["area_code"]: r for r in out.filter(pl.col("is_latest")).iter_rows(named=True)}
    assert latest["RJ1"]["special_cause_type"] == "Above UCL"
    assert latest["RJ1"]["point_type"] == "special_cause_concern"
    assert latest["RJ1"]["variation_icon"] == "concern_high", "absence is better lower: high is concern"
    assert latest["RJ1"]["improvement_direction"] == "decrease"
    # RJ1 takes the indicator-wide target (12%): its limits sit wholly below it.
    assert latest["RJ1"]["target"] == 12.0 and latest["RJ1"]["assurance"] == "consistent_pass"
    # RN7's own target (4%) wins, and its limits sit wholly above it.
    assert latest["RN7"]["target"] == 4.0 and latest["RN7"]["assurance"] == "consistent_fail"
    assert latest["RN7"]["variation_icon"] == "common_cause"
    earlier = out.filter(~pl.col("is_latest"))
    assert earlier["variation_icon"].is_null().all() and earlier["assurance"].is_null().all()
    assert set(out["points_in_series"]) == {16}
    assert not out["short_series"].any()


def test_withheld_months_are_not_points_and_limits_match_the_method():
    values = [*STEADY[:5], None, *STEADY[5:]]
    points = _points([(m, "icb", "QKS", v) for m, v in zip(MONTHS, values, strict=True)])
    out = compute(points, pl.DataFrame(schema=TARGET_SCHEMA))
    assert out.height == 15 and "2023-06" not in set(out["period"])
    direct = spc(
        pl.DataFrame(
            {
                "date": [f"{m}-01" for m, v in zip(MONTHS, values, strict=True) if v is not None],
                "value": STEADY,
            }
        ).with_columns(pl.col("date").str.to_date()),
        SpcOptions(improvement_direction="decrease"),
    )
    assert out["mean"].to_list() == direct["mean"].to_list()
    assert out["upl"].to_list() == direct["upl"].to_list()
    assert out["assurance"].is_null().all(), "no target, no assurance"


def test_the_check_names_trusts_and_rules_and_only_concerns_warn():
    jumped = _points([(m, "trust", "RJ1", v) for m, v in zip(MONTHS, [*STEADY, 9.0], strict=True)])
    dropped = _points([(m, "trust", "RN7", v) for m, v in zip(MONTHS, [*STEADY, 1.0], strict=True)])
    none = pl.DataFrame(schema=TARGET_SCHEMA)
    concern = special_causes(compute(jumped, none), [MONTHS[-1]])
    assert not concern.passed
    assert concern.metadata["trusts_of_concern"].value == 1
    assert "| RJ1 | name of RJ1 | Above UCL | special_cause_concern |" in concern.metadata["flagged"].value
    improvement = special_causes(compute(dropped, none), [MONTHS[-1]])
    assert improvement.passed, "an improvement is listed, not warned about"
    assert improvement.metadata["trust_months_of_improvement"].value == 1
    assert special_causes(compute(jumped, none), [MONTHS[0]]).passed, "only the run's months are judged"
    assert special_causes(compute(jumped, none), MONTHS[-3:]).passed is False, "the newest month of a range"
    assert special_causes(compute(jumped, none), [*MONTHS[:-1]]).passed, "history is not news"


def test_the_published_table_covers_every_series_of_the_pipeline(small_pipeline):
    root, result = small_pipeline
    spc_rows = read_table(root / "published/spc_indicators")
    ics = read_table(root / "published/ics_indicators")
    areas = ics.filter(pl.col("indicator").is_in(list(DIRECTIONS)), pl.col("value").is_not_null())
    expected = {(r["level"], r["area_code"], r["indicator"]) for r in areas.iter_rows(named=True)}
    expected |= {("trust", org, "sickness_absence_rate") for org in SMALL_ORGS}
    got = {(r["level"], r["area_code"], r["indicator"]) for r in spc_rows.iter_rows(named=True)}
    assert got == expected
    assert spc_rows.height == areas.height + 3 * len(SMALL_ORGS)
    per_series = spc_rows.group_by("level", "area_code", "indicator").agg(pl.col("is_latest").sum())
    assert (per_series["is_latest"] == 1).all()
    assert spc_rows["short_series"].all(), "three months is a short series"
    england = spc_rows.filter(pl.col("level") == "england", pl.col("indicator") == "sickness_absence_rate")
    published = ics.filter(pl.col("level") == "england", pl.col("indicator") == "sickness_absence_rate")
    assert england.sort("period")["value"].to_list() == published.sort("period")["value"].to_list()
    assert abs(england["mean"][0] - published["value"].mean()) < 1e-12
    checks = {e.asset_check_key.to_user_string() for e in result.get_asset_check_evaluations()}
    assert "absence_benchmark:special_cause_variation" in checks


def test_a_series_without_variation_has_no_limits_and_keeps_the_contract():
    from ohwb_pipeline.absence.contracts import CONTRACTS

    points = _points([(m, "icb", "QH8", 0.0) for m in MONTHS[:2]])
    out = compute(points, pl.DataFrame(schema=TARGET_SCHEMA))
    assert out["lpl"].is_null().all() and out["upl"].is_null().all()
    assert out["point_type"].to_list() == ["common_cause"] * 2
    for period in MONTHS[:2]:
        CONTRACTS["spc_indicators"].model.validate(out.filter(pl.col("period") == period).drop("period"))
