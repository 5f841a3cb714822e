"""Read and strictly validate reference CSVs; read the validated copies back for other domains."""

import os
import uuid
from pathlib import Path

import polars as pl

from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.ingest.read import read_text_csv
from ohwb_pipeline.ingest.validate import (
    Contract,
    cast_to_contract,
    in_reference,
    validation_failures,
)


class ReferenceDataError(ValueError):
    """A reference file is unusable. Reference data is never quarantined: it fails loudly."""


def validate_reference_csv(path: Path, contract: Contract, **isin: list[str]) -> pl.DataFrame:
    read = read_text_csv(path, contract)
    if read.error:
        raise ReferenceDataError(f"{path}: {read.error}")
    typed, cast_errors = cast_to_contract(read.frame, contract)
    problems = [f"line {i + 2}: {e}" for i, e in enumerate(cast_errors) if e is not None]
    schema = contract.model.to_schema()
    if isin:
        checks = {
            col: [*schema.columns[col].checks, in_reference(col, values)] for col, values in isin.items()
        }
        schema = schema.update_columns({col: {"checks": c} for col, c in checks.items()})
    failures = validation_failures(typed.filter(cast_errors.is_null()), schema, contract)
    problems += [f"row {i + 1}: {r}" for i, r in failures.select("index", "reason").iter_rows()]
    if problems:
        shown = "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
        raise ReferenceDataError(f"{path.name} failed validation: {shown}")
    return typed


def write_reference(frame: pl.DataFrame, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    frame.write_parquet(tmp, compression="zstd", statistics=True)
    os.replace(tmp, target)


def read_reference(lake: Lake, name: str) -> pl.DataFrame:
    path = lake.reference_table(name)
    if not path.exists():
        raise ReferenceDataError(
            f"reference table '{name}' is not materialised yet ({path}); materialise it first"
        )
    return pl.read_parquet(path)
