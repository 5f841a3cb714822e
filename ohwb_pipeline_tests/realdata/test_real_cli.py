"""`ohwb real`, the first half of `make run`, as a user runs it (in process: no DAGSTER_HOME)."""

from ohwb_pipeline.cli import main
from ohwb_pipeline.realdata.shipped import OGL_LINE


def test_ohwb_real_publishes_the_months_and_prints_the_real_summary(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OHWB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert main(["real", "--from", "2025-05", "--to", "2025-06"]) == 0
    out = capsys.readouterr().out
    assert "=== REAL DATA: NHS England's published NHS Sickness Absence Rates" in out
    assert "England sickness absence rate, 2025-06: 4.93% (SPC:" in out
    # May and June 2025: 3,088 + 3,092 rows; no national file covers them.
    assert "backtest: 6,180 of 6,180 publisher rows compared, 6,180 rates equal (2 dp), 6,180 blanks" in out
    assert "no month here has NHS England's national file" in out
    league = [line for line in out.splitlines() if line.startswith("  ") and "organisations)" in line]
    assert len(league) == 42
    assert OGL_LINE in out
    assert (tmp_path / "published/report/ohwb_report_2025-06.html").exists()
    assert main(["real", "--from", "2030-01", "--to", "2030-02"]) == 2, "no shipped month: a clear error"
