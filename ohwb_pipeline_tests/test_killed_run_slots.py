"""A run killed with kill -9 keeps its concurrency-pool slot; `ohwb repair` gives it back."""

import os
import signal
import subprocess
import sys
import time

import dagster as dg

from ohwb_pipeline.maintenance import free_pool_slots
from ohwb_pipeline_tests.conftest import synth_into

RUN = [
    sys.executable, "-m", "dagster", "job", "execute", "-m", "ohwb_pipeline.definitions",
    "-j", "absence_monthly", "--tags", '{"dagster/partition": "2024-01-01"}',
]  # fmt: skip


def test_a_killed_runs_slot_is_freed_and_the_next_run_goes_through(tmp_path, monkeypatch):
    synth_into(tmp_path, orgs=["RJ1"], last_month="2024-01")
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\nconcurrency:\n  pools:\n    default_limit: 1\n"
    )
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("OHWB_DATA_DIR", str(tmp_path))
    env = {**os.environ}
    # The storage is created here, before the run's process starts: two processes creating it at the
    # same moment race (alembic: "more than one head present"), as `make dagster-home` notes.
    instance = dg.DagsterInstance.get()
    instance.get_runs(limit=1)
    run = subprocess.Popen(
        RUN, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.time() + 120
    while not instance.event_log_storage.get_concurrency_info("ohwb_absence").claimed_slots:
        assert time.time() < deadline and run.poll() is None, "the run never claimed its slot"
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    [held] = instance.event_log_storage.get_concurrency_info("ohwb_absence").claimed_slots

    assert free_pool_slots() == 1
    assert instance.get_run_by_id(held.run_id).status == dg.DagsterRunStatus.FAILURE
    assert not instance.event_log_storage.get_concurrency_info("ohwb_absence").claimed_slots
    again = subprocess.run(RUN, env=env, capture_output=True, text=True, timeout=180)
    assert again.returncode == 0, again.stderr[-2000:]
