"""`make run`'s console: one line per stage, then a summary that fits a screen (issue 14, point 7)."""

import re

from ohwb_pipeline.cli import main as ohwb

MAX_LINES = 60


def test_the_demo_prints_a_stage_line_each_and_a_short_summary(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OHWB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("OHWB_LOG_LEVEL", raising=False)
    assert ohwb(["demo", "--from", "2024-09", "--to", "2024-11", "--size-factor", "0.02"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) <= MAX_LINES, "\n".join(out)
    stages = [line for line in out if re.match(r"\[\d/5\] .* \.\.\. ok in \d+ s", line)]
    assert len(stages) == 5, out
    assert not [line for line in out if " INFO " in line or "BetaWarning" in line], "run logs stay quiet"
    assert any(line.startswith("checks that warned or failed:") for line in out)
    report = next(line for line in out if "monthly report" in line).split()[-1]
    assert report.endswith("ohwb_report_2024-11.html") and (tmp_path / "published/report").exists()


def test_with_an_instance_the_demo_launches_the_workspace_jobs(tmp_path, monkeypatch, capsys):
    """Issue 14: runs launched through the workspace carry its origin, so the UI's timeline and job pages
    list them (execute_in_process records none)."""
    import dagster as dg

    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\nconcurrency:\n  pools:\n    default_limit: 1\n"
        "run_coordinator:\n  module: dagster.core.run_coordinator\n  class: DefaultRunCoordinator\n"
    )
    monkeypatch.setenv("OHWB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert ohwb(["demo", "--from", "2024-09", "--to", "2024-11", "--size-factor", "0.02"]) == 0
    assert "checks that warned or failed" in capsys.readouterr().out
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
    assert sorted(r.job_name for r in runs) == sorted(
        ["absence_monthly", "survey_yearly", "roi_refresh", "report_monthly"]
    )
    for run in runs:
        assert run.status == dg.DagsterRunStatus.SUCCESS, run.job_name
        assert run.remote_job_origin is not None, f"{run.job_name} has no workspace origin"
        assert run.remote_job_origin.location_name == "ohwb_pipeline.definitions"


def test_a_check_that_warned_in_many_months_is_summarised_by_count_and_span():
    from ohwb_pipeline.demo import months_in_words

    assert months_in_words(["2024-02", "2024-01", "2024-02"]) == "2024-01, 2024-02"
    many = [f"2022-{m:02d}" for m in range(1, 13)] + ["2021-11"]
    assert months_in_words(many) == "13 months, 2021-11 to 2022-12"
