"""Publication: contract check -> atomic multi-table commit -> manifest -> revisions.

One call to `commit` publishes any number of partitions of any number of tables as one version:

1. Under the publication lock, any earlier commit left unfinished (a kill -9, a full disk) is
   finished first (`recover`), so commits never interleave.
2. Every new partition, the rows of `revisions/` and the next `_manifest.json` are written to
   `published/_staging/commit-<id>/`. A failure here (disk full, contract, kill) leaves the
   published tables untouched and the staging folder is removed, now or by the next recovery.
3. `published/_commits/<id>.json` is written durably: this is the commit point. It lists every
   swap to make and the content hash each target must end with.
4. Each partition is swapped in with `renameat2(RENAME_EXCHANGE)`, the revisions are moved in, the
   manifest is replaced last, then the record and the staging folder are deleted.

Recovery replays step 4 from the record: a swap whose target already holds the new hash is done, so
replaying is safe at any point. After recovery every table holds the old version of every partition
in a commit (the record was never written) or the new one (it was), and the manifest agrees with
the files. A concurrent reader sees each partition whole: the swap is a single syscall.
"""

import contextlib
import fcntl
import json
import shutil
import uuid
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandera.polars as pa
import polars as pl
import pyarrow.parquet as pq

from ohwb_pipeline.core.atomic import fsync_dir, swap_in, write_durably
from ohwb_pipeline.core.catalog import refresh_catalog
from ohwb_pipeline.core.checks_per_month import CheckEvent, PartitionResult, check_spec, emit, run_partitions
from ohwb_pipeline.core.dictionary import describe
from ohwb_pipeline.core.lake import (
    PART_FILE,
    STAGING,
    Lake,
    clean_stale_staging,
    existing_partitions,
    file_sha256,
    partition_dir,
    retire,
)
from ohwb_pipeline.core.metadata import (
    column_schema,
    markdown_preview,
    month_partition,
    partition_observations,
    row_count_metadata,
)

COMMITS = "_commits"
LOCK = "_publish.lock"
REVISIONS = "revisions"
CONTRACT_CHECK = "contract"
REVISION_SCHEMA = {
    "period": pl.Utf8,
    "table": pl.Utf8,
    "area_code": pl.Utf8,
    "row_key": pl.Utf8,
    "column": pl.Utf8,
    "old_value": pl.Utf8,
    "new_value": pl.Utf8,
    "old_source_sha256": pl.Utf8,
    "new_source_sha256": pl.Utf8,
    "revised_at": pl.Datetime("us", "UTC"),
    "run_id": pl.Utf8,
    "commit_id": pl.Utf8,
}


class ContractViolation(Exception):
    """A table breaks its published contract, or would publish an empty partition: nothing was published."""


class CommitRecordError(Exception):
    """A commit record cannot be replayed: a staged folder is gone and its target is not the new version."""


@dataclass(frozen=True)
class PublishedContract:
    """What BI tools rely on: the pandera model, its version (in the manifest), and how rows are named.

    `identity` names a row within a partition (for revisions); `area_column` is the identity column that
    names the trust or area. `sources`: columns holding the content hashes of the files a row came from;
    the table that has them lends them to every revision row of the same partition and area.
    `log_revisions` is off for derived tables whose every value moves by design with each new month
    (SPC limits over a full history): their changes would bury the revisions of real figures.
    `allow_empty`: a month may have no rows (a comparison table when no area can be compared), which
    must not block the month's other tables.
    """

    model: type[pa.DataFrameModel]
    version: str
    identity: tuple[str, ...]
    area_column: str
    key: str = "period"
    check_each_partition: bool = False
    sources: tuple[str, ...] = ()
    log_revisions: bool = True
    allow_empty: bool = False
    description: str = ""


@dataclass
class TableUpdate:
    """New contents for some partitions of one table; `remove` lists partitions to delete (full recompute)."""

    table: str
    contract: PublishedContract
    frame: pl.DataFrame
    partitions: list[str]
    remove: list[str] = field(default_factory=list)

    def part(self, partition: str) -> pl.DataFrame:
        return self.frame.filter(pl.col(self.contract.key) == partition).drop(self.contract.key)


@dataclass
class CommitResult:
    commit_id: str
    rows: dict[str, dict[str, int]]
    revisions: int


def contract_spec(
    asset: str, description: str | None = None, partitions_def: dg.PartitionsDefinition | None = None
) -> dg.AssetCheckSpec:
    """Partitioned like a partitioned asset, so each month (or year) of a run has its own result."""
    return check_spec(
        CONTRACT_CHECK,
        asset=asset,
        partitions_def=partitions_def,
        blocking=True,
        description=description
        or "Schema, types and rules of the published table, and no empty partition; checked before "
        "anything is swapped in",
    )


def contract_check(update: TableUpdate) -> dg.AssetCheckResult:
    """Every partition must satisfy the contract and hold at least one row: one result for the table."""
    return _contract_result(update, update.partitions, _failure_cases(update), update.frame.height)


def contract_results(update: TableUpdate, run_keys: Sequence[str] = ()) -> list[PartitionResult]:
    """The contract result for each of the run's Dagster partitions, judged on that partition's rows.

    The table is validated once (or per partition, `check_each_partition`) and each failing row counts
    against its own partition; a failure tied to no row (a missing column, a wrong type) fails every
    partition. A partition the commit rewrites outside the run (ics_indicators' later months) counts
    with the run's last month, whose republication made it change. One result with partition None for
    an unpartitioned run or table."""
    to_key = DAGSTER_KEYS.get(update.contract.key)
    if not run_keys or to_key is None:
        return [(None, contract_check(update))]
    owned: dict[str, list[str]] = {k: [] for k in run_keys}
    for partition in update.partitions:
        owned[to_key(partition) if to_key(partition) in owned else run_keys[-1]].append(partition)
    cases = _failure_cases(update)
    return [(k, _contract_result(update, partitions, cases)) for k, partitions in owned.items()]


def _failure_cases(update: TableUpdate) -> dict[str | None, pl.DataFrame]:
    """Contract failures (column, check) by the partition of the failing row; None: tied to no row."""
    contract = update.contract
    if not update.partitions:
        return {}
    if contract.check_each_partition:
        found = {p: _failures(contract, update.part(p)) for p in update.partitions}
        return {p: cases.select("column", "check") for p, cases in found.items() if cases is not None}
    cases = _failures(contract, update.frame.drop(contract.key))
    if cases is None:
        return {}
    rows = update.frame.select(pl.col(contract.key).alias("_partition")).with_row_index("index")
    tied = cases.with_columns(pl.col("index").cast(pl.UInt32)).join(rows, on="index", how="left")
    return {
        partition: part.select("column", "check")
        for (partition,), part in tied.group_by("_partition", maintain_order=True)
    }


def _failures(contract: PublishedContract, frame: pl.DataFrame) -> pl.DataFrame | None:
    try:
        contract.model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors.failure_cases
    return None


def _contract_result(
    update: TableUpdate, partitions: list[str], cases: dict[str | None, pl.DataFrame], rows: int | None = None
) -> dg.AssetCheckResult:
    contract = update.contract
    failures = [cases[p] for p in [None, *partitions] if p in cases]
    in_scope = (
        update.frame.filter(pl.col(contract.key).is_in(partitions)) if partitions else update.frame.clear()
    )
    present = dict(in_scope.group_by(contract.key).len().iter_rows())
    empty = [] if contract.allow_empty else [p for p in partitions if not present.get(p)]
    metadata: dict = {"schema_version": contract.version, "rows": in_scope.height if rows is None else rows}
    if len(partitions) > 1 and rows is None:
        metadata["partitions_checked"] = ", ".join(partitions)
    if failures:
        metadata["failures"] = markdown_preview(pl.concat(failures).group_by("column", "check").len())
    if empty:
        metadata["empty_partitions"] = ", ".join(empty)
    return dg.AssetCheckResult(
        asset_key=update.table,
        check_name=CONTRACT_CHECK,
        passed=not failures and not empty,
        metadata=metadata,
    )


def check_contracts(
    context: dg.AssetExecutionContext, updates: list[TableUpdate]
) -> Generator[CheckEvent, None, list[PartitionResult]]:
    """Every table's contract results, one per partition of the run; if any failed, yield them all and
    raise (nothing is published).

    When all pass, the results come back as the generator's return value, for the caller to yield
    (`checks_per_month.emit`) after its materialisations: each result targets the latest
    materialisation when it is logged, so a result logged first would point at the previous run's."""
    run_keys = run_partitions(context)
    results = {u.table: contract_results(u, run_keys) for u in updates}
    failed = {t: [k for k, r in rs if not r.passed] for t, rs in results.items()}
    failed = {t: keys for t, keys in failed.items() if keys}
    every = [pair for rs in results.values() for pair in rs]
    if failed:
        yield from emit(context, every)
        where = "; ".join(t + "".join(f" {k}" for k in keys if k) for t, keys in failed.items())
        raise ContractViolation(
            f"{where} broke the contract or had an empty partition; nothing was published"
        )
    return every


def publish_table(
    context: dg.AssetExecutionContext, lake: Lake, update: TableUpdate, extra_metadata: dict | None = None
) -> Iterator[CheckEvent | dg.MaterializeResult | dg.AssetObservation]:
    """A one-table publication from inside an asset: its contract check, the commit, its materialisation."""
    passed = yield from check_contracts(context, [update])
    result = commit(lake, [update], context.run_id)
    rows = result.rows[update.table]
    context.log.info(f"published {update.table}: {sum(rows.values()):,} rows in {len(rows)} partitions")
    yield dg.MaterializeResult(
        metadata={**published_metadata(lake, update, result), **(extra_metadata or {})}
    )
    yield from observations(update, result)
    yield from emit(context, passed)


DAGSTER_KEYS = {"period": month_partition, "year": str}  # storage key -> the asset's Dagster partition


def published_metadata(lake: Lake, update: TableUpdate, result: CommitResult) -> dict:
    """What every published table's materialisation records (per-partition counts: `observations`)."""
    rows = result.rows[update.table]
    partitioned = update.contract.key in DAGSTER_KEYS
    counts = row_count_metadata(rows) if partitioned else {"dagster/row_count": sum(rows.values())}
    return {
        **counts,
        "dagster/column_schema": column_schema(update.contract.model),
        "schema_version": update.contract.version,
        "commit_id": result.commit_id,
        "revised_values": result.revisions,
        "path": str(lake.published_table(update.table)),
    }


def observations(update: TableUpdate, result: CommitResult) -> list[dg.AssetObservation]:
    """Each partition's own row count, for a commit of several partitions of a Dagster-partitioned table."""
    key = DAGSTER_KEYS.get(update.contract.key)
    return partition_observations(update.table, result.rows[update.table], key) if key else []


@contextlib.contextmanager
def publication_lock(lake: Lake) -> Iterator[None]:
    lake.published.mkdir(parents=True, exist_ok=True)
    with (lake.published / LOCK).open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def commit(lake: Lake, updates: list[TableUpdate], run_id: str, now: datetime | None = None) -> CommitResult:
    """Publish `updates` as one version (see the module docstring). Contracts are the caller's to check."""
    now = now or datetime.now(UTC)
    with publication_lock(lake):
        _recover_locked(lake)
        commit_id = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        stage = lake.published / STAGING / f"commit-{commit_id}"
        try:
            moves, rows, staged_sha = _stage_partitions(lake, stage, updates)
            revisions = _revisions(lake, updates, run_id, commit_id, now)
            if revisions.height:
                staged_file = stage / REVISIONS / f"{commit_id}.parquet"
                staged_file.parent.mkdir(parents=True, exist_ok=True)
                revisions.write_parquet(staged_file, compression="zstd")
                target = f"{REVISIONS}/revised_on={now:%Y-%m-%d}/{commit_id}.parquet"
                moves.append({"op": "add_file", "staged": _rel(lake, staged_file), "target": target})
            manifest = _next_manifest(lake, updates, rows, staged_sha, run_id, commit_id, now, revisions)
            staged_manifest = stage / "_manifest.json"
            staged_manifest.write_text(json.dumps(manifest, indent=2))
            record = {
                "commit_id": commit_id,
                "run_id": run_id,
                "moves": moves,
                "manifest": _rel(lake, staged_manifest),
                "stage": _rel(lake, stage),
            }
            write_durably(_record_path(lake, commit_id), json.dumps(record, indent=2).encode())
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        _apply(lake, record)
    return CommitResult(commit_id, rows, revisions.height)


def _rel(lake: Lake, path: Path) -> str:
    return path.relative_to(lake.published).as_posix()


def _record_path(lake: Lake, commit_id: str) -> Path:
    return lake.published / COMMITS / f"{commit_id}.json"


def _stage_partitions(
    lake: Lake, stage: Path, updates: list[TableUpdate]
) -> tuple[list[dict], dict[str, dict[str, int]], dict[tuple[str, str], str]]:
    moves, rows, shas = [], {}, {}
    for update in updates:
        key = update.contract.key
        rows[update.table] = {}
        for partition in update.partitions:
            part = update.part(partition)
            staged_dir = partition_dir(stage / update.table, partition, key)
            staged_dir.mkdir(parents=True, exist_ok=True)
            part.write_parquet(staged_dir / PART_FILE, compression="zstd", statistics=True)
            sha = file_sha256(staged_dir / PART_FILE)
            target = partition_dir(lake.published_table(update.table), partition, key)
            moves.append(
                {
                    "op": "partition",
                    "staged": _rel(lake, staged_dir),
                    "target": _rel(lake, target),
                    "sha256": sha,
                }
            )
            rows[update.table][partition] = part.height
            shas[(update.table, partition)] = sha
        for partition in update.remove:
            target = partition_dir(lake.published_table(update.table), partition, key)
            aside = stage / "_removed" / update.table / f"{key}={partition}"
            moves.append({"op": "remove", "staged": _rel(lake, aside), "target": _rel(lake, target)})
    return moves, rows, shas


def _apply(lake: Lake, record: dict) -> None:
    published = lake.published
    for move in record["moves"]:
        staged, target = published / move["staged"], published / move["target"]
        if move["op"] == "partition":
            current = target / PART_FILE
            if current.exists() and file_sha256(current) == move["sha256"]:
                shutil.rmtree(staged, ignore_errors=True)
                continue
            if not staged.exists():
                raise CommitRecordError(
                    f"commit {record['commit_id']}: {move['staged']} is missing and {move['target']} is "
                    "not the committed version; restore the folder or delete the record to abandon it"
                )
            if swap_in(staged, target):
                retire(staged, published)
        elif move["op"] == "add_file":
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                staged.replace(target)
        elif move["op"] == "remove" and target.exists():
            retire(target, published)
    staged_manifest = published / record["manifest"]
    if staged_manifest.exists():
        staged_manifest.replace(lake.manifest_path)
    fsync_dir(published)
    refresh_catalog(lake)
    shutil.rmtree(published / record["stage"], ignore_errors=True)
    _record_path(lake, record["commit_id"]).unlink(missing_ok=True)


@dataclass
class Recovery:
    commits_finished: list[str]
    staging_removed: list[str]


def recover(lake: Lake) -> Recovery:
    """Finish any commit whose record was written and remove staging no live writer owns (`ohwb repair`)."""
    if not lake.published.exists():
        removed = clean_stale_staging(lake.root)
        return Recovery([], [p.as_posix() for p in removed])
    with publication_lock(lake):
        return _recover_locked(lake)


def _recover_locked(lake: Lake) -> Recovery:
    finished = []
    records = sorted((lake.published / COMMITS).glob("*.json")) if (lake.published / COMMITS).exists() else []
    for path in records:
        _apply(lake, json.loads(path.read_text()))
        finished.append(path.stem)
    # A kill while the record itself was being written leaves only its temporary file: no commit.
    if (lake.published / COMMITS).exists():
        for partial in (lake.published / COMMITS).glob(".*.tmp"):
            partial.unlink(missing_ok=True)
    # Under the lock no publication is staging, so every published staging folder is abandoned.
    removed = []
    staging = lake.published / STAGING
    if staging.exists():
        for leftover in staging.iterdir():
            shutil.rmtree(leftover, ignore_errors=True)
            removed.append(leftover)
    removed += clean_stale_staging(lake.root)
    return Recovery(finished, [p.as_posix() for p in removed])


def verify(lake: Lake) -> list[str]:
    """Every way the published folder disagrees with its manifest, or holds unfinished work."""
    problems = []
    if (lake.published / COMMITS).exists():
        problems += [f"unfinished commit {p.stem}" for p in (lake.published / COMMITS).glob("*.json")]
        problems += [
            f"half-written commit record {p.name}" for p in (lake.published / COMMITS).glob(".*.tmp")
        ]
    if (lake.published / STAGING).exists():
        problems += [f"staging leftover {p.name}" for p in (lake.published / STAGING).iterdir()]
    manifest = json.loads(lake.manifest_path.read_text()) if lake.manifest_path.exists() else {"tables": {}}
    for table, entry in manifest.get("tables", {}).items():
        if table == REVISIONS:
            continue
        key = entry.get("partition_key", "period")
        root = lake.published_table(table)
        on_disk = set(existing_partitions(root, key))
        for partition, info in entry["partitions"].items():
            path = partition_dir(root, partition, key) / PART_FILE
            if not path.exists():
                problems.append(f"{table} {partition}: in the manifest, not on disk")
                continue
            if file_sha256(path) != info["sha256"]:
                problems.append(f"{table} {partition}: file hash differs from the manifest")
            if pq.ParquetFile(path).metadata.num_rows != info["rows"]:
                problems.append(f"{table} {partition}: row count differs from the manifest")
        problems += [
            f"{table} {p}: on disk, not in the manifest" for p in sorted(on_disk - set(entry["partitions"]))
        ]
    return problems


def _next_manifest(
    lake: Lake,
    updates: list[TableUpdate],
    rows: dict[str, dict[str, int]],
    shas: dict[tuple[str, str], str],
    run_id: str,
    commit_id: str,
    now: datetime,
    revisions: pl.DataFrame,
) -> dict:
    manifest = json.loads(lake.manifest_path.read_text()) if lake.manifest_path.exists() else {}
    tables = manifest.setdefault("tables", {})
    stamp = now.isoformat(timespec="seconds")
    for update in updates:
        key = update.contract.key
        entry = tables.setdefault(update.table, {"partitions": {}})
        entry.update(
            {
                "schema_version": update.contract.version,
                "columns": {k: str(v) for k, v in update.frame.drop(key).schema.items()},
                "path": f"{update.table}/{key}=*/{PART_FILE}",
                "partition_key": key,
                "description": update.contract.description,
                "dictionary": describe(update.contract.model, update.table, key),
            }
        )
        for partition, count in rows[update.table].items():
            entry["partitions"][partition] = {
                "rows": count,
                "sha256": shas[(update.table, partition)],
                "run_id": run_id,
                "commit_id": commit_id,
                "written_at": stamp,
            }
        for partition in update.remove:
            entry["partitions"].pop(partition, None)
        entry["partitions"] = dict(sorted(entry["partitions"].items()))
    if revisions.height:
        entry = tables.setdefault(
            REVISIONS,
            {"path": f"{REVISIONS}/revised_on=*/*.parquet", "partition_key": "revised_on", "partitions": {}},
        )
        day = entry["partitions"].setdefault(f"{now:%Y-%m-%d}", {"rows": 0, "files": 0})
        day["rows"] += revisions.height
        day["files"] += 1
    manifest["updated_at"] = stamp
    manifest["last_commit"] = {"commit_id": commit_id, "run_id": run_id}
    return manifest


def _revisions(
    lake: Lake, updates: list[TableUpdate], run_id: str, commit_id: str, now: datetime
) -> pl.DataFrame:
    """Every published value this commit changes: old and new, with the source files behind each."""
    sources = _source_hashes(lake, updates)
    found = []
    for update in (u for u in updates if u.contract.log_revisions):
        for partition in update.partitions:
            old_path = (
                partition_dir(lake.published_table(update.table), partition, update.contract.key) / PART_FILE
            )
            if not old_path.exists():
                continue
            changed = _changed_values(pl.read_parquet(old_path), update.part(partition), update.contract)
            if changed.height:
                found.append(
                    changed.with_columns(
                        pl.lit(partition).alias("period"), pl.lit(update.table).alias("table")
                    )
                )
    if not found:
        return pl.DataFrame(schema=REVISION_SCHEMA)
    changes = pl.concat(found)
    if sources is not None:
        changes = changes.join(sources, on=["period", "area_code"], how="left")
    else:
        changes = changes.with_columns(
            pl.lit(None, pl.Utf8).alias("old_source_sha256"), pl.lit(None, pl.Utf8).alias("new_source_sha256")
        )
    return changes.with_columns(
        pl.lit(now).cast(REVISION_SCHEMA["revised_at"]).alias("revised_at"),
        pl.lit(run_id).alias("run_id"),
        pl.lit(commit_id).alias("commit_id"),
    ).select(list(REVISION_SCHEMA))


def _changed_values(old: pl.DataFrame, new: pl.DataFrame, contract: PublishedContract) -> pl.DataFrame:
    # The area column joins the row's identity here even where it is a value (an intervention's ICB).
    identity = list(dict.fromkeys([*contract.identity, contract.area_column]))
    values = [c for c in new.columns if c not in identity]
    if old.schema == new.schema and old.equals(new):
        # A re-run of an unchanged month (a retry, an overlapping backfill): nothing to compare cell by cell.
        old, new = old.clear(), new.clear()

    def long(frame: pl.DataFrame) -> pl.DataFrame:
        present = [c for c in values if c in frame.columns]
        return frame.select(
            *identity, pl.lit("present").alias("(row)"), *[pl.col(c).cast(pl.Utf8) for c in present]
        ).unpivot(index=identity, variable_name="_column", value_name="_value")

    joined = long(old).join(long(new), on=[*identity, "_column"], how="full", coalesce=True, nulls_equal=True)
    changed = joined.filter(pl.col("_value").ne_missing(pl.col("_value_right")))
    others = [c for c in contract.identity if c != contract.area_column]
    row_key = pl.concat_str([pl.format(f"{c}={{}}", pl.col(c).fill_null("")) for c in others], separator="; ")
    return changed.select(
        pl.col(contract.area_column).cast(pl.Utf8).alias("area_code"),
        (row_key if others else pl.lit("")).alias("row_key"),
        pl.col("_column").alias("column"),
        pl.col("_value").alias("old_value"),
        pl.col("_value_right").alias("new_value"),
    )


def _source_hashes(lake: Lake, updates: list[TableUpdate]) -> pl.DataFrame | None:
    """(period, area_code) -> the old and new source hashes, from the table in the commit that has them."""
    holder = next((u for u in updates if u.contract.sources), None)
    if holder is None:
        return None
    contract = holder.contract

    def hashes(frame: pl.DataFrame, partition: str, name: str) -> pl.DataFrame:
        joined = pl.concat_str(
            [pl.format(f"{c}:{{}}", pl.col(c).fill_null("-")) for c in contract.sources], separator=" "
        )
        return frame.select(
            pl.lit(partition).alias("period"),
            pl.col(contract.area_column).alias("area_code"),
            joined.alias(name),
        )

    frames_old, frames_new = [], []
    for partition in holder.partitions:
        frames_new.append(hashes(holder.part(partition), partition, "new_source_sha256"))
        old_path = partition_dir(lake.published_table(holder.table), partition, contract.key) / PART_FILE
        if old_path.exists():
            old = pl.read_parquet(old_path)
            if all(c in old.columns for c in contract.sources):
                frames_old.append(hashes(old, partition, "old_source_sha256"))
    new = (
        pl.concat(frames_new)
        if frames_new
        else pl.DataFrame(schema={"period": pl.Utf8, "area_code": pl.Utf8, "new_source_sha256": pl.Utf8})
    )
    if not frames_old:
        return new.with_columns(pl.lit(None, pl.Utf8).alias("old_source_sha256"))
    return new.join(pl.concat(frames_old), on=["period", "area_code"], how="full", coalesce=True)
