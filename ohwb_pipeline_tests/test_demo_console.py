"""`make run`'s console: one line per stage, then a summary that fits a screen (issue 14, point 7)."""

import re

from ohwb_pipeline.cli import main as ohwb

MAX_LINES = 60


def test_the_demo_prints_a_stage_line_each_and_launches_every_run_through_the_workspace(
    tmp_path, monkeypatch, capfd
):
    """As `make run` runs it (DAGSTER_HOME set): one line per stage and a summary that fits a screen,
    nothing from the code server or the run workers in between (capfd: their output is the terminal's
    too), and, issue 14, runs that carry the workspace's origin, so the UI's timeline and job pages list
    them (execute_in_process records none). `ohwb real`'s test covers the in-process path."""
    import dagster as dg

    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\nconcurrency:\n  pools:\n    default_limit: 1\n"
        "run_coordinator:\n  module: dagster.core.run_coordinator\n  class: DefaultRunCoordinator\n"
        "python_logs:\n  python_log_level: INFO\n"
    )
    monkeypatch.setenv("OHWB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv("OHWB_LOG_LEVEL", raising=False)
    monkeypatch.delenv("OHWB_PSEUDO_KEY", raising=False)
    assert ohwb(["demo", "--from", "2024-09", "--to", "2024-11", "--size-factor", "0.02"]) == 0
    captured = capfd.readouterr()
    out = captured.out.splitlines() + captured.err.splitlines()
    assert len(out) <= MAX_LINES, "\n".join(out)
    stages = [line for line in out if re.match(r"\[\d/5\] .* \.\.\. ok in \d+ s", line)]
    assert len(stages) == 5, out
    assert not [line for line in out if " INFO " in line or "BetaWarning" in line], "run logs stay quiet"
    assert sum("development key" in line for line in out) == 1, "the key warning once, not once per run"
    assert any(line.startswith("checks that warned or failed:") for line in out)
    report = next(line for line in out if "monthly report" in line).split()[-1]
    assert report.endswith("ohwb_report_2024-11.html") and (tmp_path / "data/published/report").exists()
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
