"""One sensor watches every landing folder and starts the run that a new or changed file needs:
absence and staff in post (monthly folders) run `absence_monthly`; survey (yearly folders) runs
`survey_yearly`."""

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from ohwb_pipeline.absence.automation import absence_monthly
from ohwb_pipeline.core.lake import file_sha256
from ohwb_pipeline.core.partitions import monthly_partitions, yearly_survey_partitions
from ohwb_pipeline.core.resources import data_dir_from_env
from ohwb_pipeline.survey.automation import survey_yearly


@dataclass(frozen=True)
class Watched:
    extract: str
    folder: re.Pattern
    job_name: str
    partitions: dg.PartitionsDefinition
    key_suffix: str  # folder name + suffix = partition key: 2024-02 -> 2024-02-01, 2024 -> 2024-01-01


_MONTH = re.compile(r"^\d{4}-\d{2}$")
WATCHED = [
    Watched("absence", _MONTH, absence_monthly.name, monthly_partitions, "-01"),
    Watched("staff_in_post", _MONTH, absence_monthly.name, monthly_partitions, "-01"),
    Watched("survey", re.compile(r"^\d{4}$"), survey_yearly.name, yearly_survey_partitions, "-01-01"),
]


def changed_landing_files(
    landing: Path, cursor: dict[str, list], watched: list[Watched] = WATCHED
) -> tuple[dict[tuple[str, str], list[tuple[str, str]]], dict, list[str]]:
    """Files new or changed since the cursor, by (job, partition key); the new cursor; skipped folders.

    The cursor keeps (mtime_ns, size, sha256) per file, so an untouched file is never re-hashed, and a
    file touched but unchanged in content (same hash) does not trigger a run. A folder whose partition
    does not exist yet (the current month or survey year) is left out of the cursor, so its files
    start a run on the first tick after the partition appears.
    """
    changed: dict[tuple[str, str], list[tuple[str, str]]] = {}
    seen: dict[str, list] = {}
    skipped: list[str] = []
    for spec in watched:
        valid = set(spec.partitions.get_partition_keys())
        for folder in sorted(p for p in (landing / spec.extract).glob("*") if spec.folder.match(p.name)):
            key = folder.name + spec.key_suffix
            if key not in valid:
                skipped.append(f"{spec.extract}/{folder.name}")
                if key > max(valid, default=""):
                    continue
            for path in sorted(folder.glob("*.csv")):
                rel = path.relative_to(landing).as_posix()
                stat = path.stat()
                before = cursor.get(rel)
                if before and before[0] == stat.st_mtime_ns and before[1] == stat.st_size:
                    seen[rel] = before
                    continue
                digest = file_sha256(path)
                seen[rel] = [stat.st_mtime_ns, stat.st_size, digest]
                if key in valid and (not before or before[2] != digest):
                    changed.setdefault((spec.job_name, key), []).append((rel, digest))
    return changed, seen, skipped


@dg.sensor(
    jobs=[absence_monthly, survey_yearly],
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Requests one run per (job, partition) whose landing files are new or changed.

    The run key is built from the changed files' paths and content hashes, so a trust's resubmission
    re-runs its partition exactly once, and re-evaluating the same files never starts a second run.
    """
    landing = data_dir_from_env() / "landing"
    cursor = json.loads(context.cursor) if context.cursor else {}
    changed, seen, skipped = changed_landing_files(landing, cursor)
    requests = []
    for (job, partition), files in sorted(changed.items()):
        digest = hashlib.sha256("|".join(f"{p}:{h}" for p, h in sorted(files)).encode()).hexdigest()[:32]
        requests.append(
            dg.RunRequest(
                run_key=f"{job}:{partition}:{digest}",
                job_name=job,
                partition_key=partition,
                tags={"ohwb/changed_files": str(len(files))},
            )
        )
    if skipped:
        context.log.warning(f"landing folders with no partition (yet), not run: {', '.join(skipped)}")
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(seen, separators=(",", ":")))
