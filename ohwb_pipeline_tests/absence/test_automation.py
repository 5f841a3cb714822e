"""The landing sensor and the monthly schedule, evaluated with Dagster's test contexts."""

import datetime as dt
import json
import os

import dagster as dg

from ohwb_pipeline.definitions import defs
from ohwb_pipeline_tests.conftest import synth_into


def _tick(monkeypatch, root, cursor=None):
    monkeypatch.setenv("OHWB_DATA_DIR", str(root))
    sensor = defs.resolve_sensor_def("landing_sensor")
    context = dg.build_sensor_context(cursor=cursor, definitions=defs)
    result = sensor.evaluate_tick(context)
    return result.run_requests, result.cursor


def test_months_landing_for_the_first_time_go_out_as_one_ranged_run(monkeypatch, tmp_path):
    synth_into(tmp_path, orgs=["RJ1", "RN7"])
    [request], cursor = _tick(monkeypatch, tmp_path)
    assert request.job_name == "absence_monthly" and request.partition_key is None
    window = request.partition_key_range
    assert (window.start, window.end) == ("2024-01-01", "2024-03-01")
    assert _tick(monkeypatch, tmp_path, cursor)[0] == [], "each state runs once"


def test_first_landings_with_a_gap_make_one_range_per_consecutive_block(monkeypatch, tmp_path):
    import shutil

    synth_into(tmp_path, orgs=["RJ1"], first_month="2023-10", last_month="2024-03")
    for extract in ("absence", "staff_in_post"):
        shutil.rmtree(tmp_path / f"landing/{extract}/2024-01")
    requests = [r for r in _tick(monkeypatch, tmp_path)[0] if r.job_name == "absence_monthly"]
    ranges = sorted((r.partition_key_range.start, r.partition_key_range.end) for r in requests)
    assert ranges == [("2023-10-01", "2023-12-01"), ("2024-02-01", "2024-03-01")]
    assert len({r.run_key for r in requests}) == 2


def test_a_single_new_month_after_the_first_tick_runs_alone(monkeypatch, tmp_path):
    synth_into(tmp_path, orgs=["RJ1"], last_month="2024-02")
    _, cursor = _tick(monkeypatch, tmp_path)
    synth_into(tmp_path, orgs=["RJ1"], first_month="2024-03", last_month="2024-03")
    [request], _ = _tick(monkeypatch, tmp_path, cursor)
    assert request.partition_key == "2024-03-01" and request.partition_key_range is None


def test_nothing_new_means_no_run_and_a_touch_without_change_is_ignored(monkeypatch, tmp_path):
    synth_into(tmp_path, orgs=["RJ1"])
    _, cursor = _tick(monkeypatch, tmp_path)
    assert _tick(monkeypatch, tmp_path, cursor)[0] == []
    path = tmp_path / "landing/absence/2024-02/RJ1.csv"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    requests, cursor = _tick(monkeypatch, tmp_path, cursor)
    assert requests == []
    assert _tick(monkeypatch, tmp_path, cursor)[0] == []


def test_a_resubmission_reruns_its_month_exactly_once(monkeypatch, tmp_path):
    synth_into(tmp_path, orgs=["RJ1", "RN7"])
    first, cursor = _tick(monkeypatch, tmp_path)
    path = tmp_path / "landing/absence/2024-02/RN7.csv"
    path.write_text(path.read_text() + path.read_text().splitlines()[1] + "\n")
    requests, cursor = _tick(monkeypatch, tmp_path, cursor)
    assert [r.partition_key for r in requests] == ["2024-02-01"]
    assert requests[0].run_key not in {r.run_key for r in first}
    assert _tick(monkeypatch, tmp_path, cursor)[0] == []


def test_landing_folders_outside_the_partitions_are_ignored(monkeypatch, tmp_path):
    (tmp_path / "landing/absence/2019-01").mkdir(parents=True)
    (tmp_path / "landing/absence/2019-01/RJ1.csv").write_text("org_code\nRJ1\n")
    (tmp_path / "landing/absence/not-a-month").mkdir(parents=True)
    (tmp_path / "landing/absence/not-a-month/RJ1.csv").write_text("x\n")
    assert _tick(monkeypatch, tmp_path)[0] == []


def test_the_schedule_runs_the_previous_month_on_the_15th():
    schedule = defs.resolve_schedule_def("absence_monthly_schedule")
    assert schedule.cron_schedule == "0 6 15 * *"
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2024, 5, 15, 6, 0))
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2024-04-01"


def _keys(requests):
    return [(r.partition_key, r.run_key) for r in requests]


def test_a_to_b_to_a_to_b_runs_four_times(monkeypatch, tmp_path):
    synth_into(tmp_path, orgs=["RJ1"], last_month="2024-01")
    _, cursor = _tick(monkeypatch, tmp_path)
    path = tmp_path / "landing/absence/2024-01/RJ1.csv"
    a = path.read_bytes()
    b = a + a.splitlines(keepends=True)[1]
    keys = []
    for content in (b, a, b):
        path.write_bytes(content)
        requests, cursor = _tick(monkeypatch, tmp_path, cursor)
        keys += _keys(requests)
        assert _tick(monkeypatch, tmp_path, cursor)[0] == [], "the same state runs once"
    assert [k[0] for k in keys] == ["2024-01-01"] * 3
    assert len({k[1] for k in keys}) == 3, "a return to an earlier state is a new change"


def test_a_deleted_file_starts_a_run(monkeypatch, tmp_path):
    synth_into(tmp_path, orgs=["RJ1", "RN7"], last_month="2024-01")
    _, cursor = _tick(monkeypatch, tmp_path)
    (tmp_path / "landing/absence/2024-01/RN7.csv").unlink()
    requests, cursor = _tick(monkeypatch, tmp_path, cursor)
    assert [r.partition_key for r in requests] == ["2024-01-01"]
    import shutil

    shutil.rmtree(tmp_path / "landing/absence/2024-01")
    shutil.rmtree(tmp_path / "landing/staff_in_post/2024-01")
    requests, _ = _tick(monkeypatch, tmp_path, cursor)
    assert [r.partition_key for r in requests] == ["2024-01-01"], "a month whose folders went is a change"


def test_a_fifo_a_device_link_and_an_unreadable_file_never_hang_or_abort_a_tick(monkeypatch, tmp_path):
    from ohwb_pipeline.automation import landing_state

    synth_into(tmp_path, orgs=["RJ1"], last_month="2024-01")
    folder = tmp_path / "landing/absence/2024-01"
    os.mkfifo(folder / "RN7.csv")
    (folder / "RRE.csv").symlink_to("/dev/zero")
    locked = folder / "RJ1.csv"
    real_open = os.open

    def deny(path, flags, *args):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(landing_state.os, "open", deny)
    requests, cursor = _tick(monkeypatch, tmp_path)
    assert [r.partition_key for r in requests] == ["2024-01-01"]
    state = json.loads(cursor)["files"]
    assert state["absence/2024-01/RJ1.csv"][2] == "unreadable:Permission denied"
    assert "absence/2024-01/RN7.csv" not in state, "a FIFO is never opened"
    monkeypatch.setattr(landing_state.os, "open", real_open)
    requests, _ = _tick(monkeypatch, tmp_path, cursor)
    assert [r.partition_key for r in requests] == ["2024-01-01"], "readable again: a change"


def test_the_sensor_interval_defaults_to_a_minute_and_refuses_nonsense(monkeypatch):
    import pytest

    from ohwb_pipeline.core.resources import sensor_interval_from_env

    monkeypatch.delenv("OHWB_SENSOR_INTERVAL_SECONDS", raising=False)
    assert sensor_interval_from_env() == 60
    assert defs.resolve_sensor_def("landing_sensor").minimum_interval_seconds == 60
    monkeypatch.setenv("OHWB_SENSOR_INTERVAL_SECONDS", "15")
    assert sensor_interval_from_env() == 15
    for bad in ("4", "0", "-5", "ten", "1.5"):
        monkeypatch.setenv("OHWB_SENSOR_INTERVAL_SECONDS", bad)
        with pytest.raises(ValueError, match=r"OHWB_SENSOR_INTERVAL_SECONDS.*at least 5"):
            sensor_interval_from_env()


def test_a_folder_waiting_for_its_partition_is_named_once_not_every_tick(monkeypatch, tmp_path, capfd):
    synth_into(tmp_path, orgs=["RJ1"], last_month="2024-01")
    future = tmp_path / "landing/absence/2099-01"
    future.mkdir(parents=True)
    (future / "RJ1.csv").write_text("org_code\nRJ1\n")

    def warned(cursor):
        capfd.readouterr()
        _, cursor = _tick(monkeypatch, tmp_path, cursor)
        return [line for line in capfd.readouterr().err.splitlines() if "no partition" in line], cursor

    said, cursor = warned(None)
    assert len(said) == 1 and "absence/2099-01" in said[0]
    assert warned(cursor)[0] == [], "the same waiting folders, said again"
    (tmp_path / "landing/absence/2099-02").mkdir()
    said, cursor = warned(cursor)
    assert len(said) == 1 and "absence/2099-01, absence/2099-02" in said[0]
