"""`ohwb repair` and `ohwb accept-file`: the two operations a data engineer runs by hand."""

import argparse
import os
from pathlib import Path

import dagster as dg

from ohwb_pipeline.absence.assets import POOL as ABSENCE_POOL
from ohwb_pipeline.absence.publisher_assets import RATES_LANDING, REASONS_LANDING
from ohwb_pipeline.core.lake import Lake, file_sha256
from ohwb_pipeline.core.publishing import recover, verify
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.ingest.month import NATIONAL
from ohwb_pipeline.ingest.truncation import record_override

POOLS = [ABSENCE_POOL]


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    repair = subparsers.add_parser(
        "repair",
        help="finish an interrupted publication, remove dead writers' staging, verify the manifest",
    )
    repair.add_argument("--data-dir", default="", help="default: OHWB_DATA_DIR or ./data")
    repair.add_argument(
        "--free-pool-slots",
        action="store_true",
        help="free every Dagster pool slot, even of runs whose process seems alive (only when no run is "
        "really running)",
    )
    repair.set_defaults(func=run_repair)
    accept = subparsers.add_parser(
        "accept-file",
        help="accept a landed file the truncation guard holds as suspect (recorded in the ingest log)",
    )
    accept.add_argument("path", type=Path, help="landing/<extract>/<period>/<ORG>.csv")
    accept.add_argument("--by", required=True, help="who accepts it (recorded)")
    accept.add_argument("--reason", required=True, help="why the smaller file is right (recorded)")
    accept.add_argument("--data-dir", default="", help="default: OHWB_DATA_DIR or ./data")
    accept.set_defaults(func=run_accept_file)


def run_repair(args: argparse.Namespace) -> int:
    lake = Lake(OhwbSettings(data_dir=args.data_dir).root)
    done = recover(lake)
    print(f"interrupted publications finished: {len(done.commits_finished)} {done.commits_finished or ''}")
    print(f"staging folders removed: {len(done.staging_removed)}")
    freed = free_pool_slots(force=args.free_pool_slots)
    if freed is not None:
        print(f"Dagster pool slots freed: {freed}")
    problems = verify(lake)
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    print("published folder agrees with its manifest" if not problems else f"{len(problems)} problems")
    return 0 if not problems else 1


NATIONAL_LANDINGS = (RATES_LANDING, REASONS_LANDING)


def run_accept_file(args: argparse.Namespace) -> int:
    settings = OhwbSettings(data_dir=args.data_dir)
    path = args.path.resolve()
    landing = (settings.root / "landing").resolve()
    if not path.is_file() or path.parent.parent.parent != landing:
        raise ValueError(f"{args.path} is not a file in {landing}/<extract>/<period>/")
    extract, period, org = path.parent.parent.name, path.parent.name, path.stem
    if extract in NATIONAL_LANDINGS:  # one national file a month: the guard keys it as NATIONAL
        org = NATIONAL
    sha = file_sha256(path)
    record_override(settings.ingest_overrides_path, extract, period, org, sha, args.by, args.reason)
    print(
        f"accepted {extract}/{period}/{path.name} (sha256 {sha[:12]}...) in {settings.ingest_overrides_path}"
    )
    print(f"re-run the month to use it ({period}-01), from the UI or as README 'Running months' shows")
    return 0


def free_pool_slots(force: bool = False) -> int | None:
    """Free the pool slots held by runs that can no longer give them back; how many runs were freed.

    A run killed with kill -9 stays "started" in Dagster's storage and keeps its slot, so every later run
    of the pool would wait for ever. A run that has ended is freed; a run still marked as running whose
    process is gone (no process of its events' pids is alive) is first marked failed. With `force`, every
    slot is freed. None when there is no DAGSTER_HOME (no persistent instance, so no slots).
    """
    if not os.environ.get("DAGSTER_HOME"):
        return None
    instance = dg.DagsterInstance.get()
    storage = instance.event_log_storage
    freed = 0
    for pool in POOLS:
        info = storage.get_concurrency_info(pool)
        holders = {s.run_id for s in info.claimed_slots} | {s.run_id for s in info.pending_steps}
        for run_id in sorted(holders):
            run = instance.get_run_by_id(run_id)
            if run is not None and not run.is_finished and not force:
                if _process_alive(instance, run_id):
                    continue
                instance.report_run_failed(
                    run, "its process is gone (killed); marked failed by `ohwb repair`"
                )
            storage.free_concurrency_slots_for_run(run_id)
            freed += 1
    return freed


def _process_alive(instance: dg.DagsterInstance, run_id: str) -> bool:
    pids = {
        record.dagster_event.pid
        for record in instance.all_logs(run_id)
        if record.dagster_event is not None and record.dagster_event.pid
    }
    for pid in pids:
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            continue
        except PermissionError:
            return True
    return False
