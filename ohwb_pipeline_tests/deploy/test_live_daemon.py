"""A live `dagster-daemon run` over a temporary instance (issue 24 point 2): `pytest -k daemon` runs it.

The deployment's shape, on SQLite: deploy/dagster.yaml without its PostgreSQL storage (so the queued run
coordinator, its limits and the pools), a standing code server and the daemon, each started here as a
process of its own and stopped by its process id. The landing sensor is turned on with the CLI, as an
operator would; then the test waits for what the daemon does by itself.
"""

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import yaml

from ohwb_pipeline.definitions import defs
from ohwb_pipeline_tests.conftest import synth_into

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _latest_partition() -> str:
    return defs.resolve_job_def("absence_monthly").partitions_def.get_last_partition_key()


def _wait(what: str, seconds: float, condition, *logs: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(1)
    tails = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs if log.exists())
    raise AssertionError(f"{what}: not within {seconds} s\n{tails}")


def _stop(process: subprocess.Popen, name: str) -> float:
    """TERM by process id; the seconds it took to exit (killed, and the test failed, after 60 s)."""
    started = time.monotonic()
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise AssertionError(f"the {name} did not stop on TERM within 60 s") from None
    return time.monotonic() - started


def _months_of(run: dg.DagsterRun) -> list[str]:
    """The partitions a run covers: its one partition, or its range (a single-run backfill)."""
    if "dagster/partition" in run.tags:
        return [run.tags["dagster/partition"]]
    window = dg.PartitionKeyRange(
        run.tags["dagster/asset_partition_range_start"], run.tags["dagster/asset_partition_range_end"]
    )
    return defs.resolve_job_def("absence_monthly").partitions_def.get_partition_keys_in_range(window)


def _absence_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    return list(reversed(instance.get_runs(dg.RunsFilter(job_name="absence_monthly"))))


def _landing_ticks(instance: dg.DagsterInstance):
    [state] = [s for s in instance.all_instigator_state() if s.instigator_name == "landing_sensor"]
    return list(reversed(instance.get_ticks(state.instigator_origin_id, state.selector_id)))


def test_the_live_daemon_runs_landed_months_a_changed_file_once_and_writes_the_report(tmp_path):
    latest = _latest_partition()
    first = (dt.date.fromisoformat(latest) - dt.timedelta(days=1)).strftime("%Y-%m")
    months = [f"{first}-01", latest]
    data, home = tmp_path / "data", tmp_path / "dagster_home"
    synth_into(data, orgs=["RJ1", "RN7"], first_month=first, last_month=latest[:7], size_factor=0.02)
    home.mkdir()
    config = yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text())
    del config["storage"]  # SQLite under DAGSTER_HOME; everything else as deployed
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    port = _free_port()
    env = {
        **os.environ,
        "OHWB_DATA_DIR": str(data),
        "DAGSTER_HOME": str(home),
        "OHWB_CODE_SERVER_PORT": str(port),
        # Ticks every 5 s, not 60: the same sensors, a minute less waiting at each of the test's steps.
        "OHWB_SENSOR_INTERVAL_SECONDS": "5",
    }
    instance = dg.DagsterInstance.from_config(str(home))
    instance.get_runs(limit=1)  # create the storage before any other process opens it
    logs = {name: tmp_path / f"{name}.log" for name in ("code-server", "daemon")}
    processes: dict[str, subprocess.Popen] = {}
    timings: dict[str, float] = {}

    def start(name: str, command: list[str]) -> None:
        with logs[name].open("w") as log:
            processes[name] = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    t0 = time.monotonic()
    try:
        start("code-server", [
            str(BIN / "dagster"), "code-server", "start", "-h", "127.0.0.1", "-p", str(port),
            "-m", "ohwb_pipeline.definitions", "--location-name", "ohwb_pipeline.definitions",
            "--use-python-environment-entry-point",
        ])  # fmt: skip
        health = [str(BIN / "dagster"), "api", "grpc-health-check", "-h", "127.0.0.1", "-p", str(port)]
        _wait(
            "the code server answers",
            180,
            lambda: subprocess.run(health, env=env, capture_output=True).returncode == 0,
            *logs.values(),
        )
        start("daemon", [str(BIN / "dagster-daemon"), "run", "-w", "deploy/workspace.yaml"])
        on = subprocess.run(
            [str(BIN / "dagster"), "sensor", "start", "landing_sensor", "-w", "deploy/workspace.yaml"],
            cwd=REPO, env=env, capture_output=True, text=True,
        )  # fmt: skip
        assert on.returncode == 0, on.stdout + on.stderr
        timings["code server up, sensor on"] = time.monotonic() - t0

        # 1. Turning the sensor on runs the landed months and publishes them.
        t1 = time.monotonic()
        first_tick = _wait(
            "the landing sensor's first tick with runs",
            180,
            lambda: next((t for t in _landing_ticks(instance) if t.run_ids), None),
            *logs.values(),
        )
        timings["sensor on -> first tick"] = time.monotonic() - t1
        # The first tick's state is in the cursor now: change one file while its runs go on.
        changed = data / f"landing/absence/{first}/RJ1.csv"
        lines = changed.read_text().splitlines(keepends=True)
        changed.write_text("".join(lines[:-1]))  # one episode fewer
        landed = _wait(
            "the landed months' runs succeed",
            300,
            lambda: (
                (runs := [instance.get_run_by_id(i) for i in first_tick.run_ids])
                and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
                and runs
            ),
            *logs.values(),
        )
        timings["sensor on -> landed months published"] = time.monotonic() - t1
        covered = sorted(month for run in landed for month in _months_of(run))
        assert covered == months, "every landed month runs, each once"
        for month in months:
            assert (data / f"published/ics_indicators/period={month[:7]}/part-0.parquet").exists()

        # 2. The changed file runs its month once: one more run, for that month, and then no other.
        changed_run = _wait(
            "the changed file's run succeeds",
            240,
            lambda: (
                (runs := [r for r in _absence_runs(instance) if r.run_id not in first_tick.run_ids])
                and runs[0].status == dg.DagsterRunStatus.SUCCESS
                and runs[0]
            ),
            *logs.values(),
        )
        assert _months_of(changed_run) == [months[0]], "the changed month alone"
        # Queued while the first runs went on, it started only after they ended (`ohwb/writes` limit 1).
        first_ended = max(instance.get_run_record_by_id(i).end_time for i in first_tick.run_ids)
        assert instance.get_run_record_by_id(changed_run.run_id).start_time >= first_ended
        timings["file changed -> its run done"] = time.monotonic() - t1 - timings["sensor on -> first tick"]
        changed_tick = next(t for t in _landing_ticks(instance) if changed_run.run_id in t.run_ids)
        _wait(
            "a landing tick after the changed file's",
            150,
            lambda: any(t.timestamp > changed_tick.timestamp for t in _landing_ticks(instance)),
            *logs.values(),
        )
        later = [t for t in _landing_ticks(instance) if t.timestamp > changed_tick.timestamp]
        assert all(not t.run_ids for t in later), "an unchanged state started another run"
        assert len(_absence_runs(instance)) == len(first_tick.run_ids) + 1

        # 3. The report sensor writes the latest month's report by itself.
        report = data / f"published/report/ohwb_report_{latest[:7]}.html"
        _wait("the report sensor writes the report", 180, report.exists, *logs.values())
        timings["sensor on -> report written"] = time.monotonic() - t1
        [report_run] = [
            r for r in instance.get_runs() if dg.AssetKey("monthly_report") in (r.asset_selection or ())
        ]
        assert _wait(
            "the report run ends", 120, lambda: instance.get_run_by_id(report_run.run_id).is_finished
        )
        assert instance.get_run_by_id(report_run.run_id).status == dg.DagsterRunStatus.SUCCESS
    finally:
        # 4. Stop the daemon, then the code server, each by its process id.
        for name in ("daemon", "code-server"):
            if name in processes and processes[name].poll() is None:
                timings[f"{name} stop"] = _stop(processes[name], name)
        instance.dispose()
        print("live daemon timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
        print("log lines: " + ", ".join(f"{n} {len(p.read_text().splitlines())}" for n, p in logs.items()))
    assert all(p.returncode is not None for p in processes.values())
    # The runs' own event streams (DEBUG STEP_START and the like) do not go into the daemon's output:
    # with a standing code server the runs are its children, not the daemon's.
    daemon_output = logs["daemon"].read_text()
    assert "STEP_START" not in daemon_output and " - DEBUG - " not in daemon_output
    # Nor into the code server's, whose children they are: the deployed dagster.yaml sets the run
    # workers' console to INFO. Their own messages (and warnings, errors) still show there.
    code_server_output = logs["code-server"].read_text()
    assert " - DEBUG - " not in code_server_output, "a run's DEBUG event stream in the code server's log"
    assert "published commit" in code_server_output
    assert "No heartbeat received" not in daemon_output + code_server_output, "code server churn"


def test_the_schedules_next_tick_requests_the_previous_month():
    schedule = defs.resolve_schedule_def("absence_monthly_schedule")
    now = dt.datetime.now(dt.UTC)
    tick = now.replace(day=15, hour=6, minute=0, second=0, microsecond=0)
    if tick <= now:
        tick = (tick.replace(day=1) + dt.timedelta(days=32)).replace(day=15)
    [request] = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=tick)).run_requests
    previous = (tick.date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    assert request.partition_key == previous.isoformat()
