"""Land the interventions register: every `landing/interventions/*.csv`, validated with quarantine."""

import logging
from dataclasses import dataclass
from pathlib import Path

import pandera.polars as pa
import polars as pl

from ohwb_pipeline.ingest.month import quarantine_rows, split_rows, with_provenance
from ohwb_pipeline.ingest.read import read_text_csv
from ohwb_pipeline.ingest.validate import SOURCE_FILE, Contract

log = logging.getLogger("ohwb.roi")


@dataclass
class RegisterIngest:
    accepted: pl.DataFrame
    quarantined: pl.DataFrame
    file_log: pl.DataFrame


def ingest_register(
    files: list[Path], root: Path, contract: Contract, schema: pa.DataFrameSchema
) -> RegisterIngest:
    kept, log_rows = [], []
    for path in files:
        read = read_text_csv(path, contract)
        rel = path.relative_to(root).as_posix()
        if read.extra_columns:
            log.warning("%s: extra columns ignored: %s", rel, ", ".join(read.extra_columns))
        log_rows.append(
            {
                "source_file": rel,
                "status": "unreadable" if read.error else "ok",
                "error": read.error,
                "rows_read": 0 if read.error else read.rows_read,
            }
        )
        if read.frame is not None:
            kept.append((rel, read))
    text = with_provenance(kept, contract)
    accepted, quarantined = split_rows(text, contract, schema)
    counts = (
        pl.DataFrame(
            log_rows,
            schema={"source_file": pl.Utf8, "status": pl.Utf8, "error": pl.Utf8, "rows_read": pl.Int64},
        )
        .join(
            accepted.group_by(SOURCE_FILE).len("rows_accepted").rename({SOURCE_FILE: "source_file"}),
            on="source_file",
            how="left",
        )
        .join(
            quarantined.group_by(SOURCE_FILE).len("rows_quarantined").rename({SOURCE_FILE: "source_file"}),
            on="source_file",
            how="left",
        )
        .with_columns(pl.col("rows_accepted", "rows_quarantined").fill_null(0).cast(pl.Int64))
    )
    return RegisterIngest(
        accepted.select(list(contract.columns)), quarantine_rows(quarantined, contract), counts
    )
