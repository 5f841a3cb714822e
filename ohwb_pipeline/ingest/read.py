"""Read a landed extract as text (DESIGN.md's validation recipe, step 1): every column as a string, so
one bad value cannot retype or fail a whole column. Problems with the file as a whole become
`FileRead.error`; nothing here raises for a bad file, blocks on one, or reads one whole beyond the limits.

Only a regular file is opened (checked with `lstat`, then opened with O_NOFOLLOW | O_NONBLOCK and
checked again with `fstat`), so a symlink, FIFO, device or socket is refused without being read. A file
over `ReadLimits.max_file_bytes`, or with a line over `max_line_bytes`, is refused unread.

Ragged lines are found line by line without a hand-written parser: every line gets one sentinel field
appended before polars parses it, so a line with too few fields shows the sentinel early (or not at
all) and a line with too many shows a value where the sentinel should be. Those lines go to quarantine
with their line number; blank lines are skipped and counted.
"""

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import polars as pl

from ohwb_pipeline.ingest.landing import kind_of
from ohwb_pipeline.ingest.validate import Contract

SENTINEL = "\x02"
_BLANK_RUN = re.compile(rb"\n\n+")
_SENTINEL_COLUMN = "_end_of_line"


@dataclass(frozen=True)
class ReadLimits:
    """A national trust's monthly extract is a few MB (the largest staff file: about 25,000 rows of
    under 100 bytes); 256 MiB leaves a hundredfold margin. A row is under 200 bytes; 64 KiB allows any
    honest one and stops a single 50 MiB field."""

    max_file_bytes: int = 256 * 1024 * 1024
    max_line_bytes: int = 64 * 1024


@dataclass
class FileRead:
    frame: pl.DataFrame | None
    rows_read: int
    error: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    sha256: str | None = None
    ends_with_newline: bool = True
    # (row index in `frame`, reason) of lines with the wrong number of fields; their values are nulls.
    ragged: list[tuple[int, str]] = field(default_factory=list)
    blank_lines: int = 0
    line_numbers: pl.Series | None = None  # each row's line in the file (blank lines skipped)


def regular_file_problem(path: Path) -> str | None:
    """Why `path` must not be opened (not a regular file), from `lstat` alone; None if it may be."""
    try:
        info = path.lstat()
    except OSError as exc:
        return f"cannot stat: {exc.strerror}"
    if stat.S_ISREG(info.st_mode):
        return None
    return f"not a regular file: {kind_of(info.st_mode)}"


class SafeRead(NamedTuple):
    raw: bytes | None
    problem: str | None  # why the file was refused, when `raw` is None
    has_blank_line: bool = False


def read_bytes_safely(path: Path, limits: ReadLimits) -> SafeRead:
    """The file's bytes, or why it was refused: never follows a link, blocks, or reads past the limit."""
    problem = regular_file_problem(path)
    if problem:
        return SafeRead(None, problem)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        reason = "a symbolic link (never followed)" if exc.errno == errno.ELOOP else exc.strerror
        return SafeRead(None, f"cannot open file: {reason}")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped between lstat and open
            return SafeRead(None, "not a regular file")
        if info.st_size > limits.max_file_bytes:
            return SafeRead(
                None, f"file too large: {info.st_size:,} bytes, over the {limits.max_file_bytes:,}-byte limit"
            )
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(limits.max_file_bytes + 1)
    except OSError as exc:
        return SafeRead(None, f"cannot read file: {exc.strerror}")
    finally:
        os.close(fd)
    if len(raw) > limits.max_file_bytes:
        return SafeRead(None, f"file too large: over the {limits.max_file_bytes:,}-byte limit")
    longest, has_blank_line = line_shape(raw)
    if longest > limits.max_line_bytes:
        return SafeRead(None, f"a line of {longest:,} bytes, over the {limits.max_line_bytes:,}-byte limit")
    return SafeRead(raw, None, has_blank_line)


def line_shape(raw: bytes) -> tuple[int, bool]:
    """(the longest line's bytes, whether the bytes hold an empty line `\\n\\n`), from one pass over the
    line breaks: `b"\\n\\n" in raw` alone took 0.09 s over a national staff month's files."""
    if not raw:
        return 0, False
    breaks = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 10)
    edges = np.concatenate(([-1], breaks, [len(raw)]))
    gaps = np.diff(edges)
    return int(gaps.max()) - 1, bool((gaps[1:-1] == 1).any())


def count_lines(raw: bytes) -> int:
    """Data lines (after the header) in a file, for the log of one that could not be parsed."""
    lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") or not raw else 1)
    return max(lines - 1, 0)


def read_text_csv(path: Path, contract: Contract, limits: ReadLimits | None = None) -> FileRead:
    """Read a landed CSV as text. Any problem with the file as a whole becomes `FileRead.error`."""
    raw, problem, has_blank_line = read_bytes_safely(path, limits or ReadLimits())
    if raw is None:
        return FileRead(None, 0, problem)
    digest = hashlib.sha256(raw).hexdigest()
    # "Cut mid-row" needs a file that has at least one whole line of text; an empty or binary file
    # is rejected for what it is.
    text_with_lines = b"\n" in raw and b"\0" not in raw[:4096]
    ends = raw.endswith(b"\n") or not text_with_lines
    read = _parse(raw, contract, has_blank_line)
    read.sha256, read.ends_with_newline = digest, ends
    if read.error and not read.rows_read:
        read.rows_read = count_lines(raw)
    return read


def _parse(raw: bytes, contract: Contract, has_blank_line: bool) -> FileRead:
    if not raw.strip():
        return FileRead(None, 0, "empty file: no header row")
    if b"\0" in raw[:4096]:
        return FileRead(None, 0, "not a text CSV: the file contains binary (NUL) bytes")
    if b"\r" in raw:  # CRLF: blank lines are judged after the line ends are made LF
        raw = raw.replace(b"\r\n", b"\n")
        has_blank_line = b"\n\n" in raw
    body, shifts, removed = _drop_blank_lines(raw) if has_blank_line else (raw, [], 0)
    marked = body.replace(b"\n", f",{SENTINEL}\n".encode())
    try:
        frame = pl.read_csv(
            marked,
            infer_schema=False,
            encoding="utf8",
            raise_if_empty=False,
            truncate_ragged_lines=True,
            empty_string_is_null=True,
        )
    except Exception as exc:
        return FileRead(None, 0, f"not a readable CSV: {_first_line(exc)}")
    header = _canonical_header([c.strip().lstrip("\ufeff").lower() for c in frame.columns[:-1]], contract)
    frame = frame.rename(dict(zip(frame.columns, [*header, _SENTINEL_COLUMN], strict=True)))
    missing = [c for c in contract.required if c not in header]
    if missing:
        hint = " (is the delimiter a comma?)" if len(header) == 1 else ""
        return FileRead(None, frame.height, f"missing required columns: {', '.join(missing)}{hint}")
    frame, ragged, lines = _well_formed(frame, header, shifts)
    extra = [c for c in header if c not in contract.columns]
    absent = [pl.lit(None, pl.Utf8).alias(c) for c in contract.columns if c not in header]
    typed = frame.with_columns(absent).select(list(contract.columns))
    return FileRead(typed, typed.height, None, extra, ragged=ragged, blank_lines=removed, line_numbers=lines)


def _canonical_header(header: list[str], contract: Contract) -> list[str]:
    """Older or newer files' names for a contract column (`icb_code` for `ics_code`) read as the contract's
    own; where a file has both, the contract's name wins and the alias is an extra column."""
    return [
        contract.aliases[name] if name in contract.aliases and contract.aliases[name] not in header else name
        for name in header
    ]


def _drop_blank_lines(body: bytes) -> tuple[bytes, list[tuple[int, int]], int]:
    """`body` without empty lines, the line shifts that restore each row's line number, and how many
    were dropped. A flood of blank lines then costs memory in proportion to its bytes, once: parsed as
    rows, 3 MB of them took 420 MiB."""
    shifts, removed, newlines, position = [], 0, 0, 0
    for run in _BLANK_RUN.finditer(body):
        newlines += body.count(b"\n", position, run.start())
        position = run.start()
        extra = run.end() - run.start() - 1
        # Lines after this run (compacted numbering from `newlines - removed + 1`) move down by `extra`.
        removed += extra
        shifts.append((newlines - (removed - extra) + 1, removed))
    if not shifts:
        return body, [], 0
    return _BLANK_RUN.sub(b"\n", body), shifts, removed


def _well_formed(
    frame: pl.DataFrame, header: list[str], shifts: list[tuple[int, int]]
) -> tuple[pl.DataFrame, list[tuple[int, str]], pl.Series]:
    """Find lines with too few or too many fields and null their values; each row's line number."""
    # Polars pads a short line's missing fields with nulls, so the sentinel column is null exactly when a
    # line is short; on a long line it holds a real value. Blank lines were dropped before parsing.
    end = pl.col(_SENTINEL_COLUMN)
    lines = pl.int_range(frame.height, dtype=pl.Int64, eager=True) + 2
    if shifts:
        starts = np.array([s for s, _ in shifts])
        totals = np.array([0, *(r for _, r in shifts)])
        # Row j is compacted line j + 1: add the blank lines dropped before it.
        lines = lines + pl.Series(
            totals[np.searchsorted(starts, np.arange(1, frame.height + 1), side="right")]
        )
    # One pass finds the malformed rows, which are almost always none; only those are then described
    # (describing every row cost a national staff month 0.075 s over its 207 files).
    bad = frame.select(pl.arg_where(end.is_null() | (end != SENTINEL))).to_series()
    if not bad.len():
        return frame.drop(_SENTINEL_COLUMN), [], lines
    too_few = frame[_SENTINEL_COLUMN].gather(bad).is_null().to_list()
    ragged = [
        (row, f"line {line}: {'fewer' if few else 'more'} fields than the {len(header)} in the header")
        for row, line, few in zip(bad.to_list(), lines.gather(bad).to_list(), too_few, strict=True)
    ]
    malformed = pl.int_range(pl.len()).is_in(bad.implode())
    frame = frame.with_columns(pl.when(malformed).then(None).otherwise(pl.col(c)).alias(c) for c in header)
    return frame.drop(_SENTINEL_COLUMN), ragged, lines


def _first_line(exc: Exception) -> str:
    # Parser messages can quote the offending text, which may hold an identifier: keep the first line
    # and drop anything quoted.
    text = str(exc).strip().splitlines()
    first = text[0][:200] if text else type(exc).__name__
    for quote in ("`", "'", '"'):
        parts = first.split(quote)
        first = quote.join(p if i % 2 == 0 else "…" for i, p in enumerate(parts))
    return first
