"""Land the interventions register: every `landing/interventions/*.csv`, validated with quarantine."""

import logging
from dataclasses import dataclass
from pathlib import Path

import pandera.polars as pa
import polars as pl

from ohwb_pipeline.ingest.month import quarantine_rows, ragged_reasons, split_rows
from ohwb_pipeline.ingest.read import read_text_csv
from ohwb_pipeline.ingest.validate import LINE_NUMBER, RAGGED, ROW_ID, SOURCE_FILE, Contract

log = logging.getLogger("ohwb.roi")


@dataclass
class RegisterIngest:
    accepted: pl.DataFrame
    quarantined: pl.DataFrame
    file_log: pl.DataFrame


def ingest_register(
    files: list[Path], root: Path, contract: Contract, schema: pa.DataFrameSchema
) -> RegisterIngest:
    frames, log_rows = [], []
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
            frames.append(
                read.frame.with_columns(
                    pl.lit(rel).alias(SOURCE_FILE),
                    read.line_numbers.alias(LINE_NUMBER),
                    ragged_reasons(read).alias(RAGGED),
                )
            )
    empty = pl.DataFrame(
        schema={
            **dict.fromkeys(contract.columns, pl.Utf8),
            SOURCE_FILE: pl.Utf8,
            LINE_NUMBER: pl.Int64,
            RAGGED: pl.Utf8,
        }
    )
    text = pl.concat([empty, *frames], how="vertical_relaxed").with_row_index(ROW_ID)
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
