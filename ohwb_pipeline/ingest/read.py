"""Read a landed extract as text (DESIGN.md's validation recipe, step 1): every column as a string, so
one bad value cannot retype or fail a whole column. Problems with the file as a whole become
`FileRead.error`; nothing here raises for a bad file."""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ohwb_pipeline.ingest.validate import Contract


class UnreadableFile(Exception):
    """A landed file that cannot be read as the contract's CSV; the message is one line."""


@dataclass
class FileRead:
    frame: pl.DataFrame | None
    rows_read: int
    error: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    sha256: str | None = None
    ends_with_newline: bool = True


def read_text_csv(path: Path, contract: Contract) -> FileRead:
    """Read a landed CSV as text. Any problem with the file as a whole becomes `FileRead.error`."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return FileRead(None, 0, f"cannot open file: {exc.strerror}")
    digest = hashlib.sha256(raw).hexdigest()
    # "Cut mid-row" needs a file that has at least one whole line of text; an empty or binary file
    # is rejected for what it is.
    text_with_lines = b"\n" in raw and b"\0" not in raw[:4096]
    ends = raw.endswith(b"\n") or not text_with_lines
    read = _parse(raw, contract)
    read.sha256, read.ends_with_newline = digest, ends
    return read


def _parse(raw: bytes, contract: Contract) -> FileRead:
    if not raw.strip():
        return FileRead(None, 0, "empty file: no header row")
    if b"\0" in raw[:4096]:
        return FileRead(None, 0, "not a text CSV: the file contains binary (NUL) bytes")
    try:
        frame = pl.read_csv(
            raw, infer_schema=False, encoding="utf8", raise_if_empty=False, truncate_ragged_lines=False
        )
    except Exception as exc:
        return FileRead(None, 0, f"not a readable CSV: {_first_line(exc)}")
    frame = frame.rename({c: c.strip().lstrip("\ufeff").lower() for c in frame.columns})
    missing = [c for c in contract.required if c not in frame.columns]
    if missing:
        hint = " (is the delimiter a comma?)" if len(frame.columns) == 1 else ""
        return FileRead(None, frame.height, f"missing required columns: {', '.join(missing)}{hint}")
    extra = [c for c in frame.columns if c not in contract.columns]
    absent = [pl.lit(None, pl.Utf8).alias(c) for c in contract.columns if c not in frame.columns]
    return FileRead(frame.with_columns(absent).select(list(contract.columns)), frame.height, None, extra)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
