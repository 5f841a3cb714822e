"""Dagster metadata built from pandera models and result frames."""

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
