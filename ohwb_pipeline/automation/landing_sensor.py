"""One sensor watches every landing folder and starts the run a changed partition needs: absence and
staff in post (monthly folders) run `absence_monthly`; survey (yearly folders) runs `survey_yearly`."""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from ohwb_pipeline.absence.automation import absence_monthly
from ohwb_pipeline.automation.landing_state import folder_tokens, state_hash
from ohwb_pipeline.core.partitions import monthly_partitions, yearly_survey_partitions
from ohwb_pipeline.core.resources import data_dir_from_env, sensor_interval_from_env
from ohwb_pipeline.ingest.read import ReadLimits
from ohwb_pipeline.survey.automation import survey_yearly


@dataclass(frozen=True)
class Watched:
    extract: str
    folder: re.Pattern
    job_name: str
    partitions: dg.PartitionsDefinition
    key_suffix: str  # folder name + suffix = partition key: 2024-02 -> 2024-02-01, 2024 -> 2024


_MONTH = re.compile(r"^\d{4}-\d{2}$")
WATCHED = [
    Watched("absence", _MONTH, absence_monthly.name, monthly_partitions, "-01"),
    Watched("staff_in_post", _MONTH, absence_monthly.name, monthly_partitions, "-01"),
    Watched("survey", re.compile(r"^\d{4}$"), survey_yearly.name, yearly_survey_partitions, ""),
]


@dataclass
class LandingChanges:
    requests: list[tuple[str, str, int, str]]  # job, partition key, change number, state hash
    cursor: dict
    skipped: list[str]


def landing_changes(
    landing: Path, cursor: dict, watched: list[Watched] = WATCHED, limits: ReadLimits | None = None
) -> LandingChanges:
    """Partitions whose landing state differs from the cursor's, each with its next change number.

    The cursor keeps, per partition, its last state hash and how many changes it has seen, and per file
    its (mtime_ns, size, token), so an untouched file is never re-hashed. A folder whose partition does
    not exist yet (the current month or survey year) is left out, so it starts its run on the first tick
    after the partition appears.
    """
    limits = limits or ReadLimits()
    cache = cursor.get("files", {}) if "partitions" in cursor else {}
    known: dict[str, list] = cursor.get("partitions", {})
    seen: dict[str, list] = {}
    tokens: dict[tuple[str, str], list[str]] = {}
    skipped: list[str] = []
    for spec in watched:
        valid = set(spec.partitions.get_partition_keys())
        root = landing / spec.extract
        folders = sorted(p for p in root.glob("*") if spec.folder.match(p.name)) if root.is_dir() else []
        for folder in folders:
            key = folder.name + spec.key_suffix
            if key not in valid:
                skipped.append(f"{spec.extract}/{folder.name}")
                continue
            found = folder_tokens(folder, landing, cache, seen, limits)
            tokens.setdefault((spec.job_name, key), []).extend(found)
    # A partition the cursor knew whose folders have all gone is a change too (to the empty state).
    for name in known:
        job, key = name.split("|", 1)
        tokens.setdefault((job, key), [])
    requests, partitions = [], {}
    for (job, key), found in sorted(tokens.items()):
        digest = state_hash(found)
        last_digest, changes = known.get(f"{job}|{key}", ["", 0])
        if digest != last_digest:
            changes += 1
            requests.append((job, key, changes, digest))
        partitions[f"{job}|{key}"] = [digest, changes]
    cursor_out = {"files": seen, "partitions": partitions, "skipped": skipped}
    return LandingChanges(requests, cursor_out, skipped)


def run_requests(changes: list[tuple[str, str, int, str]]) -> list[dg.RunRequest]:
    """One run per changed partition, except partitions landing for the first time: consecutive ones go
    out as one ranged run (the single-run backfill the jobs are built for), so turning the sensor on
    over 48 landed months queues one run, not 48 processes. A later change runs its partition alone."""
    keys = {spec.job_name: spec.partitions.get_partition_keys() for spec in WATCHED}
    new: dict[str, list[tuple[int, str, str]]] = {}
    requests = []
    for job, partition, number, digest in changes:
        if number == 1:
            new.setdefault(job, []).append((keys[job].index(partition), partition, digest))
        else:
            requests.append(_single(job, partition, number, digest))
    for job, found in sorted(new.items()):
        for block in _consecutive(sorted(found)):
            if len(block) == 1:
                _, partition, digest = block[0]
                requests.append(_single(job, partition, 1, digest))
                continue
            first, last = block[0][1], block[-1][1]
            digest = state_hash([d for _, _, d in block])
            requests.append(
                dg.RunRequest(
                    run_key=f"{job}:{first}...{last}:1:{digest[:16]}",
                    job_name=job,
                    tags={
                        "dagster/asset_partition_range_start": first,
                        "dagster/asset_partition_range_end": last,
                        "ohwb/landing_change": "1",
                    },
                )
            )
    return requests


def _single(job: str, partition: str, number: int, digest: str) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=f"{job}:{partition}:{number}:{digest[:16]}",
        job_name=job,
        partition_key=partition,
        tags={"ohwb/landing_change": str(number)},
    )


def _consecutive(found: list[tuple[int, str, str]]) -> list[list[tuple[int, str, str]]]:
    blocks: list[list[tuple[int, str, str]]] = []
    for item in found:
        if blocks and item[0] == blocks[-1][-1][0] + 1:
            blocks[-1].append(item)
        else:
            blocks.append([item])
    return blocks


@dg.sensor(
    jobs=[absence_monthly, survey_yearly],
    minimum_interval_seconds=sensor_interval_from_env(),
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Every 60 s (OHWB_SENSOR_INTERVAL_SECONDS), looks at landing/absence/, "
    "landing/staff_in_post/ (runs absence_monthly) and landing/survey/ (runs survey_yearly) and starts "
    "one run per partition whose files changed (new, "
    "changed, deleted, or back to an earlier state), each change once; partitions landing for the first "
    "time go out together, consecutive ones as one ranged run. Off until turned on in the UI "
    "(Automation).",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Requests a run for each (job, partition) whose landing folders changed in any way: a new, changed
    or deleted file, or a return to an earlier state (`run_requests`: first landings of consecutive
    partitions share one ranged run). The run key is the partition, its change number and
    its state hash, so each change runs exactly once and re-evaluating the same state never runs again.
    Bad entries (links, FIFOs, unreadable files) are part of the state and never abort or hang a tick.
    """
    landing = data_dir_from_env() / "landing"
    cursor = json.loads(context.cursor) if context.cursor else {}
    changes = landing_changes(landing, cursor)
    requests = run_requests(changes.requests)
    # Said once, when the set of waiting folders changes: a tick a minute would repeat it all month.
    if changes.skipped and changes.skipped != cursor.get("skipped"):
        context.log.warning(f"landing folders with no partition (yet), not run: {', '.join(changes.skipped)}")
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(changes.cursor, separators=(",", ":")))
