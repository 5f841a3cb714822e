"""Asset check results for each partition of a run, so a ranged run records one result per month.

Dagster turns an `AssetCheckResult` into one evaluation for the step's partition; in a ranged run the
step has no single partition, so every check would record one result with partition None and the
per-month rows Dagster planned for the run would stay unevaluated. Dagster 1.13's supported way, used
here, is to yield for each partition a `dg.AssetCheckEvaluation` with `partition=<key>` and that
partition's latest materialisation as its target, plus the check's `dg.Output` once:

- the planned rows are (asset_key, check_name, run_id, partition), one per partition of the run
  (`_store_asset_check_evaluation_planned` in `dagster/_core/storage/event_log/sql_event_log.py`), and
  `_update_asset_check_evaluation` fills exactly the row of the evaluation's partition; a re-run of one
  month has a new run id, so it replaces that month's latest result and no other;
- `AssetCheckPartitionInfo.is_current` compares the evaluation's target with the partition's latest
  materialisation, so checks are yielded after the materialisation they judge;
- a failed evaluation with ERROR severity and `blocking=True` makes Dagster fail the step after the
  body ends (`DagsterAssetCheckFailedError` in `execute_step.py`), so downstream steps are skipped as
  with a blocking `AssetCheckResult`.

The check specs must carry the asset's `partitions_def` (`check_spec`): without it Dagster plans one
unpartitioned row. A result given with partition None (an unpartitioned check) is passed through as
an ordinary `AssetCheckResult`.
"""

import warnings
from collections.abc import Iterable, Iterator, Sequence

import dagster as dg

# Not exported at the top level in 1.13; it is the type AssetCheckEvaluation takes for its target.
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData as Target,
)

PartitionResult = tuple[str | None, dg.AssetCheckResult]
CheckEvent = dg.AssetCheckResult | dg.AssetCheckEvaluation | dg.Output


def check_spec(
    name: str, *, asset: str, partitions_def: dg.PartitionsDefinition | None = None, **kwargs
) -> dg.AssetCheckSpec:
    """An `AssetCheckSpec`, partitioned like its asset when `partitions_def` is given.

    Dagster 1.13 marks `partitions_def` on a check spec as a preview and warns at every import; the
    warning is silenced here so the CLI and the daemon's output stay clean."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(name, asset=asset, partitions_def=partitions_def, **kwargs)


def run_partitions(context: dg.AssetExecutionContext) -> list[str]:
    """The run's partition keys: one for a one-month run, each month of a ranged run, none otherwise."""
    return (
        list(context.partition_keys) if context.has_partition_key_range or context.has_partition_key else []
    )


def emit(context: dg.AssetExecutionContext, results: Iterable[PartitionResult]) -> Iterator[CheckEvent]:
    """Yield each check's result for each partition, and each check's output once.

    `results`: (Dagster partition key, result) pairs; a check's months may come in any order. Results for
    checks the run did not select are dropped, as Dagster would refuse their output."""
    assets_def = context.assets_def
    names: dict[dg.AssetKey, set[str]] = {}
    for key in assets_def.check_keys:
        names.setdefault(key.asset_key, set()).add(key.name)
    grouped: dict[dg.AssetCheckKey, list[PartitionResult]] = {}
    for partition, result in results:
        grouped.setdefault(result.resolve_target_check_key(names), []).append((partition, result))
    selected = context.selected_asset_check_keys
    for key, items in grouped.items():
        if key not in selected:
            continue
        if [p for p, _ in items] == [None]:
            yield items[0][1]  # unpartitioned: Dagster's own path
            continue
        spec = assets_def.get_spec_for_check_key(key)
        if spec.partitions_def is None or None in [p for p, _ in items]:
            raise ValueError(f"{key.to_user_string()}: per-partition results need a partitioned check spec")
        targets = _latest_materializations(context, key.asset_key, [p for p, _ in items])
        yield dg.Output(None, output_name=assets_def.get_output_name_for_asset_check_key(key))
        for partition, result in items:
            yield dg.AssetCheckEvaluation(
                asset_key=key.asset_key,
                check_name=key.name,
                passed=result.passed,
                metadata=result.metadata,
                target_materialization_data=targets.get(partition),
                severity=result.severity,
                description=result.description,
                blocking=spec.blocking,
                partition=partition,
            )


def _latest_materializations(
    context: dg.AssetExecutionContext, asset_key: dg.AssetKey, partitions: Sequence[str]
) -> dict[str, Target]:
    """Each partition's latest materialisation: one query for the newest records of all the partitions
    (after this run's materialisation that is one record each), then one per partition still missing."""
    instance = context.instance
    found: dict[str, Target] = {}

    def take(records: Iterable) -> None:
        for record in records:
            if record.partition_key in partitions and record.partition_key not in found:
                found[record.partition_key] = Target(
                    storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
                )

    take(
        instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=asset_key, asset_partitions=list(partitions)),
            limit=len(partitions),
        ).records
    )
    for partition in partitions:
        if partition not in found:
            take(
                instance.fetch_materializations(
                    dg.AssetRecordsFilter(asset_key=asset_key, asset_partitions=[partition]), limit=1
                ).records
            )
    return found
