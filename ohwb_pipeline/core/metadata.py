"""Dagster metadata built from pandera models and result frames."""

from collections.abc import Callable

import dagster as dg
import pandera.polars as pa
import polars as pl


def column_schema(schema: pa.DataFrameSchema | type[pa.DataFrameModel]) -> dg.TableSchema:
    if isinstance(schema, type):
        schema = schema.to_schema()
    columns = []
    for name, column in schema.columns.items():
        columns.append(
            dg.TableColumn(
                name=name,
                type=str(column.dtype),
                description=_description(column),
                constraints=dg.TableColumnConstraints(nullable=column.nullable, unique=column.unique),
            )
        )
    return dg.TableSchema(columns=columns)


def _description(column: pa.Column) -> str | None:
    """Meaning, unit and withholding rule, as in the data dictionary (core/dictionary.py)."""
    metadata = column.metadata or {}
    meaning = (column.description or "").strip()
    parts = [meaning + ("" if not meaning or meaning[-1] in ".)" else ".")]
    if metadata.get("unit"):
        parts.append(f"Unit: {metadata['unit']}.")
    if metadata.get("rule"):
        parts.append(f"Rule: {metadata['rule']}.")
    text = " ".join(p for p in parts if p)
    return text or None


def markdown_preview(frame: pl.DataFrame, rows: int = 20) -> dg.MetadataValue:
    head = frame.head(rows)
    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * len(head.columns)]
    for row in head.iter_rows():
        lines.append("| " + " | ".join(_fmt(v) for v in row) + " |")
    return dg.MetadataValue.md("\n".join(lines))


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def row_count_metadata(rows_by_partition: dict[str, int]) -> dict:
    """`dagster/row_count` only when the run has one partition. A range run's materialization metadata
    is copied to every partition it covers, so a total there would read as each month's own count; the
    range gets `rows_in_run` here and each partition its own count (`partition_observations`)."""
    if len(rows_by_partition) == 1:
        return {"dagster/row_count": next(iter(rows_by_partition.values()))}
    return {"rows_in_run": sum(rows_by_partition.values()), "partitions_in_run": len(rows_by_partition)}


def partition_observations(
    asset_key: str, rows_by_partition: dict[str, int], partition_key: Callable[[str], str]
) -> list[dg.AssetObservation]:
    """One observation per partition of a range run, with that partition's own row count under the
    same key every month (so Dagster can plot it). None for a one-partition run: its materialization
    already says it."""
    if len(rows_by_partition) <= 1:
        return []
    return [
        dg.AssetObservation(
            asset_key=asset_key, partition=partition_key(p), metadata={"dagster/row_count": n}
        )
        for p, n in sorted(rows_by_partition.items())
    ]


def month_partition(period: str) -> str:
    """`2024-03` -> Dagster's monthly partition key `2024-03-01`."""
    return f"{period}-01"
