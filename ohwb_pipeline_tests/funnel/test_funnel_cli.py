"""`ohwb funnel`: the output columns, option flags, column mapping and errors that name the row."""

import numpy as np
import polars as pl
import pytest

from ohwb_pipeline.cli import main as ohwb
from ohwb_pipeline.core.resources import SHIPPED_REFERENCE
from ohwb_pipeline.funnel.cli import OUTPUT_COLUMNS

PARITY = SHIPPED_REFERENCE / "funnel_parity"
ISSUE_COLUMNS = [
    "unit", "numerator", "denominator", "value", "z", "lower_95", "upper_95", "lower_998", "upper_998",
    "lower_95_adjusted", "upper_95_adjusted", "lower_998_adjusted", "upper_998_adjusted", "outlier", "phi",
    "tau2",
]  # fmt: skip


@pytest.mark.parametrize(
    ("case_id", "flags"),
    [
        ("pr_org_trim05_x100_202506", ["--type", "PR", "--trim", "0.05", "--multiplier", "100"]),
        ("sr_org_cqc_202406", ["--type", "SR", "--sr-method", "CQC"]),
        ("sr_org_shmi_202301", ["--type", "SR"]),
        ("pr_org_unadjusted_202301", ["--type", "PR", "--no-adjust"]),
        ("rc_synthetic", ["--type", "RC"]),
    ],
)
def test_the_cli_reproduces_funnelplotr(tmp_path, capsys, case_id, flags):
    out = tmp_path / "out.csv"
    assert ohwb(["funnel", str(PARITY / "inputs" / f"{case_id}.csv"), *flags, "--out", str(out)]) == 0
    ours = pl.read_csv(out)
    theirs = pl.read_csv(PARITY / "expected" / f"{case_id}.csv", null_values="NA").sort("unit")
    assert ours.columns[: len(ISSUE_COLUMNS)] == ISSUE_COLUMNS and ours.columns == list(OUTPUT_COLUMNS)
    # A CSV round trip keeps every digit of a double.
    for mine, their in [
        ("value", "value"),
        ("z", "Uzscore"),
        ("upper_998", "UCL99"),
        ("lower_998_adjusted", "OD99LCL"),
    ]:
        assert np.allclose(ours[mine], theirs[their], rtol=1e-12, atol=0), mine
    assert ((ours["outlier"] != "none").cast(pl.Int64) == theirs["outlier"]).all()
    assert set(ours["outlier"]) <= {"high", "low", "none"}
    assert ours["phi"].n_unique() == 1 and ours["tau2"].n_unique() == 1
    if "--no-adjust" in flags:
        assert set(ours["adjustment"]) == {"none: adjustment not requested"}
        # Judged on the unadjusted limits.
        high = ours.filter(pl.col("outlier") == "high")
        assert (high["value"] > high["upper_998"]).all()
    assert f"{ours.height} units, phi" in capsys.readouterr().out


def test_other_column_names_map_with_flags(tmp_path):
    source = pl.read_csv(PARITY / "inputs" / "pr_survey_n30.csv").rename(
        {"unit": "org_code", "numerator": "positive", "denominator": "answered"}
    )
    source.write_csv(tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    args = ["funnel", str(tmp_path / "in.csv"), "--type", "PR", "--out", str(out)]
    assert ohwb([*args, "--unit", "org_code", "--numerator", "positive", "--denominator", "answered"]) == 0
    assert pl.read_csv(out)["unit"].to_list() == sorted(source["org_code"].to_list())


def test_bad_input_gets_a_clear_error_naming_the_row(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,numerator,denominator\nA,1,10\nB,2,20\nC,3,0\nD,4,40\nE,5,50\nF,6,60\n")
    out = tmp_path / "out.csv"
    assert ohwb(["funnel", str(bad), "--type", "PR", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv: zero or negative denominator: row 4 (C): '0'" in err
    assert not out.exists()
    assert ohwb(["funnel", str(bad), "--type", "PR", "--unit", "trust", "--out", str(out)]) == 2
    assert "missing column(s) trust" in capsys.readouterr().err
