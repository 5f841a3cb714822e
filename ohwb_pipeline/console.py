"""What `ohwb demo` prints: one line per stage, a progress bar while a Dagster run works, and the
run logs only when asked (`OHWB_LOG_LEVEL=INFO` or `DEBUG`; default WARNING, so warnings still show)."""

import os
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
BAR = 24


def log_level() -> str:
    level = os.environ.get("OHWB_LOG_LEVEL", "WARNING").upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"OHWB_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    return level


@contextmanager
def stage(number: int, total: int, label: str):
    """`[2/5] label ... ok (41 s)`; the body may set `progress.note` to say more on the line."""
    began = time.perf_counter()
    line = f"[{number}/{total}] {label}"
    progress = Progress(line)
    try:
        yield progress
    except BaseException:
        progress.stop()
        prefix = "\r" if sys.stdout.isatty() else ""
        print(f"{prefix}{line} ... FAILED after {time.perf_counter() - began:.0f} s", flush=True)
        raise
    progress.stop()
    note = f": {progress.note}" if progress.note else ""
    done = f"{line} ... ok in {time.perf_counter() - began:.0f} s{note}"
    print(f"\r{done.ljust(progress.width)}" if sys.stdout.isatty() else done, flush=True)


class Progress:
    def __init__(self, line: str) -> None:
        self.line = line
        self.note = ""
        self.width = len(line) + BAR + 20
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        if sys.stdout.isatty():
            print(f"{line} ...", end="", flush=True)

    def follow(self, instance: dg.DagsterInstance, run_id: str, steps: int) -> None:
        """Redraw a bar from the run's finished steps (only on a terminal, and only with quiet logs)."""
        if not sys.stdout.isatty() or log_level() in ("DEBUG", "INFO"):
            return

        def draw() -> None:
            while not self._done.wait(0.5):
                done = len(instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS))
                filled = min(BAR, round(BAR * done / max(steps, 1)))
                print(
                    f"\r{self.line} [{'#' * filled}{'.' * (BAR - filled)}] {done}/{steps} steps",
                    end="",
                    flush=True,
                )

        self._thread = threading.Thread(target=draw, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()


def _run_log_config() -> dict:
    """A run's console logger at OHWB_LOG_LEVEL, in process or launched."""
    return {"loggers": {"console": {"config": {"log_level": log_level()}}}}


def run_job(
    job: dg.JobDefinition, instance: dg.DagsterInstance, progress: Progress, tags: dict
) -> "LaunchedRun":
    """In process (no DAGSTER_HOME, e.g. a test), read back like a launched run."""
    run_id = str(uuid.uuid4())
    progress.follow(instance, run_id, steps=len(job.nodes))
    job.execute_in_process(
        instance=instance, tags=tags, raise_on_error=False, run_config=_run_log_config(), run_id=run_id
    )
    return LaunchedRun(instance, run_id)


WORKSPACE = Path(__file__).resolve().parent.parent / "workspace.yaml"
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


class LaunchedRun:
    """A finished run, read back from the instance (launched through the workspace, or in process)."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str) -> None:
        self.instance, self.run_id = instance, run_id

    @property
    def success(self) -> bool:
        run = self.instance.get_run_by_id(self.run_id)
        return run is not None and run.status == dg.DagsterRunStatus.SUCCESS

    def get_asset_check_evaluations(self) -> list:
        events = self.instance.all_logs(self.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        return [e.dagster_event.event_specific_data for e in events]

    def failure(self) -> str:
        events = self.instance.all_logs(self.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
        return "; ".join(str(e.dagster_event.event_specific_data.error.message).strip() for e in events)


class WorkspaceLauncher:
    """Launches runs as `dagster job launch -w workspace.yaml` does, so that each carries the workspace's
    origin and the UI's timeline, job pages and asset history show it like a run launched from the UI.
    The workspace (its code server) is opened once for all of a command's runs: a `dagster job launch`
    process per run imported Dagster and started a code server each time, about 5 s a run."""

    def __init__(self, instance: dg.DagsterInstance) -> None:
        from dagster._core.workspace.context import WorkspaceProcessContext
        from dagster._core.workspace.load_target import WorkspaceFileTarget

        self.instance = instance
        self._context = WorkspaceProcessContext(
            instance,
            WorkspaceFileTarget(paths=[str(WORKSPACE)]),
            code_server_log_level=log_level().lower(),
        )

    def __enter__(self) -> "WorkspaceLauncher":
        self._context.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._context.__exit__(*exc)

    def launch(self, job: dg.JobDefinition, progress: Progress, tags: dict) -> LaunchedRun:
        # The same calls, in the same order, as Dagster 1.13's `dagster job launch` (dagster/_cli/job.py).
        from dagster._cli.job import _create_run
        from dagster._cli.workspace.cli_target import (
            get_code_location_from_workspace,
            get_remote_job_from_remote_repo,
            get_remote_repository_from_code_location,
        )

        workspace = self._context.create_request_context()
        location = get_code_location_from_workspace(workspace, None)
        repo = get_remote_repository_from_code_location(location, None)
        run = _create_run(
            instance=self.instance,
            code_location=location,
            remote_repo=repo,
            remote_job=get_remote_job_from_remote_repo(repo, job.name),
            run_config=_run_log_config(),
            tags=tags,
            op_selection=None,
            run_id=str(uuid.uuid4()),
        )
        self.instance.submit_run(run.run_id, workspace)
        progress.follow(self.instance, run.run_id, steps=len(job.nodes))
        while True:
            current = self.instance.get_run_by_id(run.run_id)
            if current is not None and current.status in FINISHED:
                return LaunchedRun(self.instance, run.run_id)
            time.sleep(0.5)
