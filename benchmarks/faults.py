"""`make faults`: kill -9, a full disk and concurrent readers against the publication (core/publishing.py).

1. Setup: three trusts x three months are generated and published by the real `absence_monthly` job
   (version A). Two months of one trust's absence file are then changed and the job runs again
   (version B). `compute_updates` gives the inputs of each version (5 tables x 3 months, one commit).
2. kill -9: each trial restores the published folder to A, starts a child process that commits B, and
   SIGKILLs it at a random moment, or, for the trials aimed at the swap, just before or just after
   its k-th `swap_in`. `recover` then runs here, and every month must hold A in all five tables or B
   in all five (B exactly when the commit record was written), `verify` must find nothing, and no
   staging or commit record may be left.
3. Disk full (root only): the data dir sits on a 16 MiB tmpfs filled until the commit's staging cannot
   fit; the commit must fail, and after the space is freed `recover` leaves A and a retry publishes B.
4. Readers: a child process republishes B and A in turn while this process lists and reads every
   table, counting partitions found missing, doubled or unreadable; then two processes replace the same
   warehouse partition with `replace_partition` at once, counting writes that raised.

Every count in the final table must be 0 (the exit status is 1 otherwise); the table is also saved as
JSON (`benchmarks/results/faults.json`, git-ignored).
"""

import argparse
import csv
import errno
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from ohwb_pipeline.absence.published import TABLES
from ohwb_pipeline.core.lake import PART_FILE, STAGING, Lake, file_sha256, partition_dir, replace_partition

REPO = Path(__file__).resolve().parents[1]
ORGS = ["RJ1", "RN7", "RRE"]
FIRST, LAST = "2024-01", "2024-03"
CHANGED_ORG, CHANGED_MONTHS = "RN7", ["2024-02", "2024-03"]
COMMITS = "_commits"
CHILD_ENV = {"PYTHONWARNINGS": "ignore"}
AIMED_SWAP_OF_50 = 18
DEFAULT_OUT = Path(__file__).parent / "results" / "faults.json"

# The counts that must all be 0, in the order they are printed.
MUST_BE_ZERO = {
    "mixed_months": "mixed months after recovery",
    "wrong_version_months": "months not at the version their commit record implies",
    "manifest_mismatches": "manifest mismatches",
    "staging_leftovers": "staging leftovers",
    "failed_recoveries": "failed recoveries",
    "missing_partition_reads": "missing-partition reads",
    "doubled_partition_reads": "doubled-partition reads",
    "failed_reads": "reads that raised",
    "replace_raised": "concurrent replace_partition writes that raised",
    "child_failures": "child processes that failed",
}


@dataclass
class Counts:
    mixed_months: int = 0
    wrong_version_months: int = 0
    manifest_mismatches: int = 0
    staging_leftovers: int = 0
    failed_recoveries: int = 0
    missing_partition_reads: int = 0
    doubled_partition_reads: int = 0
    failed_reads: int = 0
    replace_raised: int = 0
    child_failures: int = 0
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        """Keep and print the first 50 problems (a broken build would otherwise print thousands)."""
        if len(self.notes) < 50:
            self.notes.append(text)
            print(f"   ! {text}")


@dataclass
class Versions:
    """Content hashes of every (table, month) the commit touches, in version A and in version B."""

    a: dict[tuple[str, str], str]
    b: dict[tuple[str, str], str]
    partitions: dict[str, list[str]]

    @property
    def months(self) -> list[str]:
        return sorted({p for parts in self.partitions.values() for p in parts})


# ---------------------------------------------------------------------------------------------------
# Child processes: `python -c "from benchmarks.faults import _child; _child()" <mode> <args...>`


def _load_updates(inputs: Path, version: str) -> list:
    from ohwb_pipeline.absence.contracts import CONTRACTS
    from ohwb_pipeline.core.publishing import TableUpdate

    meta = json.loads((inputs / "meta.json").read_text())
    return [
        TableUpdate(t, CONTRACTS[t], pl.read_ipc(inputs / version / f"{t}.arrow"), meta["partitions"][t])
        for t in meta["tables"]
    ]


def _child() -> None:
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "commit":
        _child_commit(Path(args[0]), Path(args[1]), args[2], args[3], int(args[4]))
    elif mode == "loop":
        _child_loop(Path(args[0]), Path(args[1]), float(args[2]))
    elif mode == "replace":
        _child_replace(Path(args[0]), args[1], int(args[2]), args[3])
    else:
        raise SystemExit(f"unknown mode {mode}")


def _child_commit(root: Path, inputs: Path, version: str, aim: str, k: int) -> None:
    """Commit `version`; with aim before/after, SIGKILL itself just before/after the k-th swap; with aim
    record, inside the durable write of the commit record (its first fsync, before the rename)."""
    from ohwb_pipeline.core import publishing

    if aim == "record":
        os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)

    updates = _load_updates(inputs, version)
    real_swap_in, swaps = publishing.swap_in, [0]

    def counted_swap_in(new: Path, target: Path) -> bool:
        swaps[0] += 1
        if aim == "before" and swaps[0] == k:
            os.kill(os.getpid(), signal.SIGKILL)
        swapped = real_swap_in(new, target)
        if aim == "after" and swaps[0] == k:
            os.kill(os.getpid(), signal.SIGKILL)
        return swapped

    publishing.swap_in = counted_swap_in
    print("ready", flush=True)
    began = time.perf_counter()
    publishing.commit(Lake(root), updates, f"faults-{version}")
    print(f"done {time.perf_counter() - began:.6f} {swaps[0]}", flush=True)
    sys.stdin.read()  # stay alive until released or killed, so a random kill always lands


def _child_loop(root: Path, inputs: Path, seconds: float) -> None:
    """Publish B, A, B, ... for `seconds` while the parent reads."""
    from ohwb_pipeline.core.publishing import commit

    updates = {v: _load_updates(inputs, v) for v in ("A", "B")}
    lake, commits, errors = Lake(root), 0, 0
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        version = "B" if commits % 2 == 0 else "A"
        try:
            commit(lake, updates[version], f"faults-loop-{version}")
        except Exception:
            errors += 1
            traceback.print_exc()
        commits += 1
    print(json.dumps({"commits": commits, "errors": errors}), flush=True)


def _child_replace(table_root: Path, period: str, writes: int, tag: str) -> None:
    """Replace one partition `writes` times, starting when the parent sends a line."""
    print("ready", flush=True)
    sys.stdin.readline()
    raised = 0
    for i in range(writes):
        try:
            with replace_partition(table_root, period) as path:
                pl.DataFrame({"writer": [tag], "write": [i]}).write_parquet(path)
        except Exception:
            raised += 1
            traceback.print_exc()
    print(json.dumps({"writes": writes, "raised": raised}), flush=True)


def _spawn(mode: str, *args: object, stderr_path: Path) -> subprocess.Popen:
    stderr_path.parent.mkdir(parents=True, exist_ok=True)
    with stderr_path.open("w") as stderr:
        return subprocess.Popen(
            [sys.executable, "-c", "from benchmarks.faults import _child; _child()", mode, *map(str, args)],
            cwd=REPO,
            env={**os.environ, **CHILD_ENV},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )


def _expect_ready(proc: subprocess.Popen, stderr_path: Path) -> None:
    line = proc.stdout.readline().strip()
    if line != "ready":
        proc.kill()
        proc.wait()
        raise RuntimeError(f"child did not start ({line!r}): {stderr_path.read_text()[-2000:]}")


# ---------------------------------------------------------------------------------------------------
# Setup: versions A and B from the real job


def _run_job(root: Path) -> None:
    from ohwb_pipeline.core.resources import OhwbSettings
    from ohwb_pipeline.definitions import defs

    job = defs.resolve_job_def("absence_monthly")
    result = job.execute_in_process(
        resources={"settings": OhwbSettings(data_dir=str(root))},
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
        tags={
            "dagster/asset_partition_range_start": f"{FIRST}-01",
            "dagster/asset_partition_range_end": f"{LAST}-01",
        },
    )
    if not result.success:
        raise RuntimeError("the absence_monthly job failed during setup")


def _save_inputs(root: Path, inputs: Path, version: str) -> None:
    from ohwb_pipeline.absence.published import compute_updates
    from ohwb_pipeline.core.partitions import shift_month
    from ohwb_pipeline.core.resources import OhwbSettings

    periods = [FIRST]
    while periods[-1] < LAST:
        periods.append(shift_month(periods[-1], 1))
    updates = compute_updates(OhwbSettings(data_dir=str(root)), periods, [])
    (inputs / version).mkdir(parents=True, exist_ok=True)
    for update in updates:
        update.frame.write_ipc(inputs / version / f"{update.table}.arrow")
    meta = {"tables": [u.table for u in updates], "partitions": {u.table: u.partitions for u in updates}}
    (inputs / "meta.json").write_text(json.dumps(meta, indent=2))


def _change_landing(landing: Path) -> int:
    """Version B: a third of one trust's absence rows get another FTE, and those that start in the month
    end the day they start. The file stays valid CSV ending with a newline."""
    changed = 0
    for month in CHANGED_MONTHS:
        path = landing / "absence" / month / f"{CHANGED_ORG}.csv"
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
        header, body = rows[0], rows[1:]
        fte, start, end = header.index("fte"), header.index("start_date"), header.index("end_date")
        for i, row in enumerate(body):
            if i % 3:
                continue
            row[fte] = "0.5" if float(row[fte]) >= 1 else "1.0"
            if row[start].startswith(month):
                row[end] = row[start]
            changed += 1
        with path.open("w", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows([header, *body])
    return changed


def setup(work: Path) -> tuple[Path, Path, Path]:
    """Generate, publish A, snapshot it, change the landing data, publish B. Returns the A and B
    snapshots of `published/` and the folder with both versions' commit inputs."""
    from ohwb_pipeline.core.resources import SHIPPED_REFERENCE
    from ohwb_pipeline.reference.expected import write_expected_submitters
    from ohwb_pipeline.synth.generate import SynthConfig, generate

    data, inputs = work / "setup", work / "inputs"
    summary = generate(
        SynthConfig(
            out=data / "landing",
            first_month=FIRST,
            last_month=LAST,
            reference_dir=SHIPPED_REFERENCE,
            orgs=ORGS,
            size_factor=0.05,
        )
    )
    write_expected_submitters(data / "config", summary.orgs)
    _run_job(data)
    _save_inputs(data, inputs, "A")
    snap_a = work / "published_A"
    shutil.copytree(data / "published", snap_a)
    rows = _change_landing(data / "landing")
    _run_job(data)
    _save_inputs(data, inputs, "B")
    snap_b = work / "published_B"
    shutil.copytree(data / "published", snap_b)
    print(
        f"   {summary.staff_rows:,} staff rows, {summary.episode_rows:,} episodes; version B changes "
        f"{rows} absence rows of {CHANGED_ORG} in {', '.join(CHANGED_MONTHS)}"
    )
    return snap_a, snap_b, inputs


def _hashes(published: Path, partitions: dict[str, list[str]]) -> dict[tuple[str, str], str]:
    found = {}
    for table, periods in partitions.items():
        for period in periods:
            path = partition_dir(published / table, period) / PART_FILE
            if path.exists():
                found[(table, period)] = file_sha256(path)
    return found


def _restore(published: Path, snapshot: Path) -> None:
    if published.exists():
        shutil.rmtree(published)
    shutil.copytree(snapshot, published)


# ---------------------------------------------------------------------------------------------------
# Checks after recovery


def _leftovers(root: Path, tables: list[str]) -> list[str]:
    """Anything a finished or recovered publication should not leave behind."""
    found = []
    for folder in (root / "published" / STAGING, root / "published" / COMMITS, root / "warehouse" / STAGING):
        if folder.exists():
            found += [p.relative_to(root).as_posix() for p in folder.iterdir()]
    for table in tables:
        table_root = root / "published" / table
        if not table_root.exists():
            continue
        for entry in table_root.iterdir():
            if not entry.is_dir() or not entry.name.startswith("period="):
                found.append(entry.relative_to(root).as_posix())
            else:
                found += [p.relative_to(root).as_posix() for p in entry.iterdir() if p.name != PART_FILE]
    return found


def _months_state(published: Path, versions: Versions) -> dict[str, set[str]]:
    """For each month, the versions ({'A'}, {'B'}, both, or none: mixed) that all its tables agree on."""
    state = {}
    for month in versions.months:
        agree = {"A", "B"}
        for table, periods in versions.partitions.items():
            if month not in periods:
                continue
            path = partition_dir(published / table, month) / PART_FILE
            sha = file_sha256(path) if path.exists() else None
            hashes = {"A": versions.a.get((table, month)), "B": versions.b[(table, month)]}
            agree &= {version for version, h in hashes.items() if h == sha}
        state[month] = agree
    return state


def _phase(root: Path) -> str:
    """Where the kill landed, judged from what it left (before recovery)."""
    published = root / "published"
    if any((published / COMMITS).glob("*.json")):
        return "after the commit point"
    if (published / STAGING).exists() and any((published / STAGING).iterdir()):
        return "while staging"
    manifest = json.loads((published / "_manifest.json").read_text())
    if manifest.get("last_commit", {}).get("run_id") == "faults-B":
        return "after the commit finished"
    return "before staging"


def recover_and_check(root: Path, versions: Versions, expected: str, counts: Counts, label: str) -> str:
    """Run `recover`, then count mixed months, months at the wrong version, `verify` problems and
    leftovers. Returns the version the months ended at ('A', 'B', or 'mixed')."""
    from ohwb_pipeline.core.publishing import recover, verify

    lake = Lake(root)
    try:
        recover(lake)
    except Exception as exc:
        counts.failed_recoveries += 1
        counts.note(f"{label}: recover raised {exc!r}")
    state = _months_state(lake.published, versions)
    ended = set()
    for month, agree in state.items():
        if not agree:
            counts.mixed_months += 1
            counts.note(f"{label}: {month} is mixed")
            ended.add("mixed")
        elif expected not in agree:
            counts.wrong_version_months += 1
            counts.note(f"{label}: {month} holds {sorted(agree)}, expected {expected}")
            ended |= agree
        else:
            ended.add(expected)
    try:
        problems = verify(lake)
    except Exception as exc:
        problems = [f"verify raised {exc!r}"]
    counts.manifest_mismatches += len(problems)
    if problems:
        counts.note(f"{label}: verify: {problems[:3]}")
    leftovers = _leftovers(root, list(versions.partitions))
    counts.staging_leftovers += len(leftovers)
    if leftovers:
        counts.note(f"{label}: leftovers {leftovers[:3]}")
    return "mixed" if "mixed" in ended else "+".join(sorted(ended))


# ---------------------------------------------------------------------------------------------------
# Phases


def calibrate(work: Path, snap_a: Path, snap_b: Path, inputs: Path, runs: int) -> tuple[Versions, dict]:
    """Clean B publications in a child: the B hashes, the commit's duration and its number of swaps."""
    meta = json.loads((inputs / "meta.json").read_text())
    partitions = meta["partitions"]
    root = work / "kill"
    elapsed, swaps, b_hashes = [], 0, {}
    for run in range(runs):
        _restore(root / "published", snap_a)
        stderr_path = work / "logs" / f"calibrate-{run}.err"
        proc = _spawn("commit", root, inputs, "B", "none", 0, stderr_path=stderr_path)
        _expect_ready(proc, stderr_path)
        line = proc.stdout.readline().split()
        proc.stdin.close()
        proc.wait()
        if not line or line[0] != "done" or proc.returncode:
            raise RuntimeError(f"the clean B publication failed: {stderr_path.read_text()[-2000:]}")
        elapsed.append(float(line[1]))
        swaps = int(line[2])
        b_hashes = _hashes(root / "published", partitions)
    versions = Versions(_hashes(snap_a, partitions), b_hashes, partitions)
    job_b = _hashes(snap_b, partitions)
    changed = [
        m for m in versions.months if all(versions.a.get((t, m)) != versions.b[(t, m)] for t in partitions)
    ]
    published_bytes = sum(
        (root / "published" / t / f"period={p}" / PART_FILE).stat().st_blocks * 512
        for t, ps in partitions.items()
        for p in ps
    )
    extra = sum(f.stat().st_blocks * 512 for f in (root / "published" / "revisions").rglob("*.parquet"))
    extra += (root / "published" / "_manifest.json").stat().st_blocks * 512
    info = {
        "commit_seconds": statistics.median(elapsed),
        "swaps": swaps,
        "partitions": sum(len(p) for p in partitions.values()),
        "months_changed_in_every_table": changed,
        "clean_b_matches_job_b": job_b == versions.b,
        "staged_bytes": published_bytes + extra,
    }
    if len(changed) < 2:
        raise RuntimeError(f"version B changes every table in only {changed}: the trials would prove little")
    if len(versions.a) != len(versions.b):
        raise RuntimeError("version A lacks some partitions of the commit")
    return versions, info


def kill_trials(
    work: Path,
    snap_a: Path,
    inputs: Path,
    versions: Versions,
    info: dict,
    kills: int,
    record_kills: int,
    rng: random.Random,
    counts: Counts,
) -> dict:
    root = work / "kill"
    aimed = -(-kills * AIMED_SWAP_OF_50 // 50)  # 18 of 50, rounded up
    plan = ["aimed"] * aimed + ["random"] * (kills - aimed) + ["record"] * record_kills
    rng.shuffle(plan)
    delivered, late, phases, outcomes = 0, 0, {}, {}
    for trial, kind in enumerate(plan, 1):
        _restore(root / "published", snap_a)
        if kind == "aimed":
            aim, k = rng.choice(["before", "after"]), rng.randint(1, info["swaps"])
        else:
            aim, k = kind, 0
        stderr_path = work / "logs" / f"kill-{trial}.err"
        proc = _spawn("commit", root, inputs, "B", aim, k, stderr_path=stderr_path)
        try:
            _expect_ready(proc, stderr_path)
        except RuntimeError as exc:
            counts.child_failures += 1
            counts.note(f"trial {trial}: {exc}")
            continue
        if kind == "random":
            time.sleep(rng.uniform(0, info["commit_seconds"]))
            proc.send_signal(signal.SIGKILL)
            rest = proc.stdout.read()
        else:
            rest = proc.stdout.readline()  # '' when it killed itself; 'done' if it never reached swap k
            if rest:
                proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        proc.stdin.close()
        if proc.returncode == -signal.SIGKILL:
            delivered += 1
        else:
            counts.child_failures += 1
            counts.note(f"trial {trial}: child exited {proc.returncode}: {stderr_path.read_text()[-500:]}")
        finished = rest.startswith("done")
        late += finished
        phase = _phase(root)
        phases[phase] = phases.get(phase, 0) + 1
        expected = "B" if phase in ("after the commit point", "after the commit finished") else "A"
        label = f"trial {trial} ({kind} {aim} {k})"
        ended = recover_and_check(root, versions, expected, counts, label)
        outcomes[ended] = outcomes.get(ended, 0) + 1
        where = {"aimed": f"swap {k} ({aim})", "random": "random moment", "record": "commit record"}[kind]
        print(f"   trial {trial:>3}: kill at {where:<20} landed {phase:<26} -> {ended}")
    return {
        "trials": kills + record_kills,
        "aimed_at_swap": aimed,
        "aimed_at_commit_record": record_kills,
        "delivered": delivered,
        "landed_after_commit_returned": late,
        "phases": phases,
        "outcomes": outcomes,
    }


def _enospc(exc: BaseException) -> bool:
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return True
        if "No space left" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def disk_full(
    work: Path, snap_a: Path, inputs: Path, versions: Versions, info: dict, runs: int, counts: Counts
) -> dict:
    from ohwb_pipeline.core.publishing import commit

    if runs <= 0:
        return {"skipped": "0 runs asked"}
    if os.geteuid() != 0:
        print("   skipped: not root")
        return {"skipped": "not root"}
    mount = work / "tmpfs"
    mount.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode:
        print(f"   skipped: mount failed ({done.stderr.strip()})")
        return {"skipped": f"mount failed: {done.stderr.strip()}"}
    updates = _load_updates(inputs, "B")
    need = info["staged_bytes"]
    result = {
        "runs": 0,
        "commits_failed": 0,
        "enospc_raised": 0,
        "other_errors": 0,
        "retries_published_b": 0,
        "runs_detail": [],
    }
    try:
        for run in range(runs):
            root = mount / "data"
            if root.exists():
                shutil.rmtree(root)
            _restore(root / "published", snap_a)
            remaining = (need * run // runs) // 4096 * 4096
            filler = mount / "filler"
            _fill(mount, filler, remaining)
            free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
            error = None
            try:
                commit(Lake(root), updates, "faults-disk-full")
            except Exception as exc:
                error = exc
            left_by_commit = _leftovers(root, [])
            filler.unlink()
            label = f"disk-full run {run + 1} ({free:,} bytes free)"
            result["commits_failed"] += error is not None
            if error is None:
                raised = "nothing (the commit fitted)"
            elif _enospc(error):
                raised = "ENOSPC"
                result["enospc_raised"] += 1
            else:  # e.g. polars' "Invalid thrift: transport error" when the footer write hits ENOSPC
                raised = repr(error)
                result["other_errors"] += 1
            expected = "B" if error is None or any((root / "published" / COMMITS).glob("*.json")) else "A"
            ended = recover_and_check(root, versions, expected, counts, label)
            try:
                commit(Lake(root), updates, "faults-B")
                retry = recover_and_check(root, versions, "B", counts, f"{label}, retry")
                result["retries_published_b"] += retry == "B"
            except Exception as exc:
                counts.failed_recoveries += 1
                counts.note(f"{label}: the retry with space freed raised {exc!r}")
                retry = "raised"
            result["runs"] += 1
            result["runs_detail"].append(
                {
                    "free_bytes": free,
                    "raised": raised,
                    "error": str(error)[:300] if error else None,
                    "left_by_the_failed_commit": left_by_commit,
                    "ended": ended,
                    "retry": retry,
                }
            )
            print(
                f"   run {run + 1}: {free:>9,} bytes free: commit raised {raised}; after recover {ended}, "
                f"retry -> {retry}"
            )
    finally:
        subprocess.run(["umount", str(mount)], check=False)
    return result


def _fill(mount: Path, filler: Path, remaining: int) -> None:
    """Write a file of zeros until only `remaining` bytes are free."""
    free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
    left = max(0, free - remaining)
    chunk = b"\0" * (1 << 20)
    with filler.open("wb") as handle:
        try:
            while left > 0:
                handle.write(chunk[: min(left, len(chunk))])
                left -= min(left, len(chunk))
            handle.flush()
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise


class Reader:
    """Lists each table's partitions (as a BI tool's glob would) and reads every file it found."""

    def __init__(self, counts: Counts) -> None:
        import duckdb

        self.counts = counts
        self.reads = 0
        self.duck = duckdb.connect()

    def check(self, table_root: Path, expected: set[str], use_duckdb: bool = False) -> None:
        self.reads += 1
        found: dict[str, int] = {}
        files = list(table_root.glob(f"*/{PART_FILE.replace('0', '*')}"))
        for path in files:
            period = path.parent.name.split("=", 1)[1]
            found[period] = found.get(period, 0) + 1
        missing = expected - set(found)
        if missing:
            self.counts.missing_partition_reads += 1
            self.counts.note(f"{table_root.name}: a listing found no file for {sorted(missing)}")
        if any(n > 1 for n in found.values()):
            self.counts.doubled_partition_reads += 1
            self.counts.note(f"{table_root.name}: doubled {found}")
        try:
            for path in files:
                pq.ParquetFile(path).metadata.num_rows  # noqa: B018 (the read is the point)
            if use_duckdb:
                seen = self.duck.execute(
                    f"select count(distinct period) from read_parquet('{table_root}/*/*.parquet', "
                    "hive_partitioning = true)"
                ).fetchone()[0]
                if seen < len(expected):
                    self.counts.missing_partition_reads += 1
                    self.counts.note(f"{table_root.name}: duckdb saw {seen} of {len(expected)} months")
        except Exception as exc:
            self.counts.failed_reads += 1
            self.counts.note(f"{table_root.name}: read raised {exc!r}")


def readers_vs_writers(
    work: Path,
    snap_a: Path,
    inputs: Path,
    versions: Versions,
    seconds: float,
    replace_writes: int,
    counts: Counts,
) -> dict:
    root = work / "readers"
    if root.exists():
        shutil.rmtree(root)
    _restore(root / "published", snap_a)
    reader = Reader(counts)
    stderr_path = work / "logs" / "writer-loop.err"
    writer = _spawn("loop", root, inputs, seconds, stderr_path=stderr_path)
    _expect_ready(writer, stderr_path)
    turn = 0
    while writer.poll() is None:
        for table, periods in versions.partitions.items():
            reader.check(root / "published" / table, set(periods), use_duckdb=turn % 4 == 0)
            turn += 1
    summary = json.loads(writer.stdout.read().strip().splitlines()[-1])
    writer.stdin.close()
    writer.stdout.close()
    if writer.returncode or summary["errors"]:
        counts.child_failures += 1
        counts.note(f"writer loop: exit {writer.returncode}, {summary}: {stderr_path.read_text()[-500:]}")
    # The writer alternates B and A: the months end at whichever it published last.
    last = "B" if summary["commits"] % 2 else "A"
    recover_and_check(root, versions, last, counts, "after the writer loop")
    commit_reads = reader.reads

    # Two processes replace one warehouse partition at once.
    table_root = root / "warehouse" / "faults_stress"
    with replace_partition(table_root, "2024-01") as path:
        pl.DataFrame({"writer": ["setup"], "write": [0]}).write_parquet(path)
    writers = []
    for tag in ("w1", "w2"):
        err = work / "logs" / f"replace-{tag}.err"
        proc = _spawn("replace", table_root, "2024-01", replace_writes, tag, stderr_path=err)
        writers.append((proc, err))
    for proc, err in writers:
        _expect_ready(proc, err)
    for proc, _ in writers:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    while any(proc.poll() is None for proc, _ in writers):
        reader.check(table_root, {"2024-01"})
    raised = 0
    for proc, err in writers:
        out = proc.stdout.read().strip().splitlines()
        proc.stdin.close()
        proc.stdout.close()
        if proc.returncode or not out:
            counts.child_failures += 1
            counts.note(f"replace writer: exit {proc.returncode}: {err.read_text()[-500:]}")
            continue
        raised += json.loads(out[-1])["raised"]
    counts.replace_raised += raised
    leftovers = _leftovers(root, [])
    counts.staging_leftovers += len(leftovers)
    if leftovers:
        counts.note(f"after the replace_partition writers: leftovers {leftovers[:3]}")
    final = pl.read_parquet(table_root / "period=2024-01" / PART_FILE)
    if final.height != 1 or final["writer"][0] not in ("w1", "w2"):
        counts.note(f"replace_partition: the partition ended as {final.to_dicts()}")
        counts.replace_raised += 1
    return {
        "writer_commits": summary["commits"],
        "reads_during_commits": commit_reads,
        "reads_during_replaces": reader.reads - commit_reads,
        "reads": reader.reads,
        "replace_writes": 2 * replace_writes,
        "replace_raised": raised,
    }


# ---------------------------------------------------------------------------------------------------


def render(results: dict) -> str:
    counts, kills, disk, rw = results["counts"], results["kills"], results["disk_full"], results["readers"]
    if "skipped" in disk:
        disk_text = f"skipped: {disk['skipped']}"
    else:
        disk_text = f"{disk['runs']} ({disk['commits_failed']} failed, {disk['enospc_raised']} as ENOSPC)"
    rows = [
        ("kill -9 trials (aimed at the swap)", f"{kills['trials']} ({kills['aimed_at_swap']})"),
        *(
            [("   of which aimed at the commit record write", str(kills["aimed_at_commit_record"]))]
            if kills["aimed_at_commit_record"]
            else []
        ),
        (
            "kills delivered (after the commit returned)",
            f"{kills['delivered']} ({kills['landed_after_commit_returned']})",
        ),
        ("disk-full runs", disk_text),
    ]
    for key, label in MUST_BE_ZERO.items():
        if key == "missing_partition_reads":
            label = f"{label} ({rw['reads']:,} reads)"
        elif key == "replace_raised":
            label = f"{label} ({rw['replace_writes']:,} writes)"
        rows.append((label, str(counts[key])))
    width, value_width = max(len(r[0]) for r in rows), max(len("count"), *(len(r[1]) for r in rows))
    lines = [
        f"| {'measure':<{width}} | {'count':<{value_width}} |",
        f"|{'-' * (width + 2)}|{'-' * (value_width + 2)}|",
    ]
    lines += [f"| {label:<{width}} | {value:<{value_width}} |" for label, value in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="benchmarks.faults", description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=50, help="kill -9 trials (36%% aimed at the swap)")
    parser.add_argument(
        "--record-kills",
        type=int,
        default=0,
        help="extra trials killed inside the durable write of the commit record (default 0)",
    )
    parser.add_argument("--disk-full-runs", type=int, default=5)
    parser.add_argument("--reader-seconds", type=float, default=10.0)
    parser.add_argument("--replace-writes", type=int, default=300, help="per writer, two writers")
    parser.add_argument("--calibration-runs", type=int, default=3)
    parser.add_argument("--root", type=Path, help="work folder (default: a temporary one, removed after)")
    parser.add_argument("--seed", type=int, default=20240201)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message=".*is currently in (beta|preview).*")
    os.environ.setdefault("OHWB_PSEUDO_KEY", "faults-key")  # synthetic data only

    began = time.perf_counter()
    temporary = args.root is None
    work = Path(tempfile.mkdtemp(prefix="ohwb-faults-")) if temporary else args.root.resolve()
    for sub in ("setup", "inputs", "published_A", "published_B", "kill", "readers", "logs"):
        if (work / sub).exists():
            shutil.rmtree(work / sub)
    rng = random.Random(args.seed)
    counts = Counts()
    try:
        print(f"1. setup in {work}: {len(ORGS)} trusts x {FIRST}..{LAST}, version A then B via the real job")
        snap_a, snap_b, inputs = setup(work)
        versions, info = calibrate(work, snap_a, snap_b, inputs, max(1, args.calibration_runs))
        print(
            f"   commit: {info['partitions']} partitions ({info['swaps']} swaps) in {len(TABLES)} tables, "
            f"{info['commit_seconds'] * 1000:.0f} ms; every table changes in "
            f"{', '.join(info['months_changed_in_every_table'])}; clean B = job's B: "
            f"{info['clean_b_matches_job_b']}"
        )
        print(
            f"2. kill -9: {args.kills} trials"
            + (f" + {args.record_kills} at the commit record" if args.record_kills else "")
        )
        kills = kill_trials(work, snap_a, inputs, versions, info, args.kills, args.record_kills, rng, counts)
        print(f"   landed: {kills['phases']}; ended: {kills['outcomes']}")
        print(f"3. disk full: {args.disk_full_runs} runs on a 16 MiB tmpfs")
        disk = disk_full(work, snap_a, inputs, versions, info, args.disk_full_runs, counts)
        print(
            f"4. readers vs writers: {args.reader_seconds:g}s of commits, then {args.replace_writes} x 2 "
            "concurrent replace_partition writes"
        )
        readers = readers_vs_writers(
            work, snap_a, inputs, versions, args.reader_seconds, args.replace_writes, counts
        )
        print(f"   {readers['writer_commits']} commits and {readers['reads']:,} reads")
    finally:
        if temporary:
            shutil.rmtree(work, ignore_errors=True)
    results = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": args.seed,
        "seconds": round(time.perf_counter() - began, 1),
        "setup": info,
        "kills": kills,
        "disk_full": disk,
        "readers": readers,
        "counts": {key: getattr(counts, key) for key in MUST_BE_ZERO},
        "notes": counts.notes,
    }
    results["ok"] = not any(results["counts"].values())
    table = render(results)
    results["table"] = table
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str))
    print(table)
    print(f"{results['seconds']}s; {'all counts 0' if results['ok'] else 'FAILED: a count is not 0'}")
    return results


if __name__ == "__main__":
    sys.exit(0 if main()["ok"] else 1)
