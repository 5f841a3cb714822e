"""The truncation guard: a landed file that looks cut short is held as suspect, and its rows are not used.

Two rules (docs/operations.md, "Truncation guard"):
- **Cut mid-row**: the file does not end with a line break. Every writer we know of (Excel, ESR exports,
  pandas, polars, DuckDB, Python's csv) ends its last row with one; a copy or upload that stopped early
  does not. This is the rule that catches a cut inside `end_date`, which would otherwise turn a
  closed episode into an ongoing one.
- **Too few rows for this trust**, only where its history is large enough to judge (the last accepted
  month had at least `min_rows` rows):
  - staff in post: more than `staff_drop` (20%) below its last accepted month;
  - absence episodes, whose counts swing with the seasons: below its median of the last 3 accepted
    months by more than 4x the trust's own typical month-on-month movement (root mean square of the
    log ratios over up to 24 months, at least 9 months of history), and never for a fall under 20%.

- **A national file** (NHS England's publication, one file for every organisation): more than
  `staff_drop` (20%) fewer rows, or more than `NATIONAL_ORG_DROP` (5%) fewer organisations, than its
  last accepted month. Real months move by at most 1.1% in rows and 3 organisations (of 280 to 289)
  from one month to the next (January 2023 to June 2025).

A data engineer accepts a legitimately smaller file with `ohwb accept-file`, which records who, why and
the file's content hash in `<data dir>/config/ingest_overrides.csv`; the ingest log shows the override.
An override covers that exact content only: a changed file is judged again.
"""

import csv
import math
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

STAFF_RULE = "staff_in_post"
EPISODES_RULE = "episodes"
NATIONAL_RULE = "national_file"
NATIONAL_ORG_DROP = 0.05
ABSENCE_SD_MULTIPLIER = 4.0
ABSENCE_MIN_DROP = 0.20
ABSENCE_MIN_MONTHS = 9
ABSENCE_BASELINE_MONTHS = 3
ABSENCE_CALIBRATION_MONTHS = 24
OVERRIDE_COLUMNS = ["extract", "period", "org_code", "sha256", "accepted_by", "reason", "accepted_at"]


@dataclass(frozen=True)
class Override:
    accepted_by: str
    reason: str

    def describe(self) -> str:
        return f"accepted by {self.accepted_by}: {self.reason}"


@dataclass
class TruncationGuard:
    """Judges one extract's files, period by period, against each trust's accepted row counts."""

    rule: str | None
    staff_drop: float = 0.20
    min_rows: int = 100
    history: dict[str, list[int]] = field(default_factory=dict)
    # Organisations in each accepted national file, oldest first (national_file rule only).
    unit_history: dict[str, list[int]] = field(default_factory=dict)
    overrides: dict[tuple[str, str, str], Override] = field(default_factory=dict)

    def suspect_reason(
        self, org: str, rows: int, ends_with_newline: bool, units: int | None = None
    ) -> str | None:
        if not ends_with_newline:
            return "last line is cut mid-row: the file does not end with a line break"
        past = self.history.get(org, [])
        if self.rule == NATIONAL_RULE:
            return staff_reason(rows, past, self.staff_drop, 1) or units_reason(
                units, self.unit_history.get(org, [])
            )
        if self.rule == STAFF_RULE:
            return staff_reason(rows, past, self.staff_drop, self.min_rows)
        if self.rule == EPISODES_RULE:
            return episodes_reason(rows, past, self.min_rows)
        return None

    def override(self, period: str, org: str, sha256: str | None) -> Override | None:
        return self.overrides.get((period, org, sha256 or ""))

    def accepted(self, org: str, rows: int, units: int | None = None) -> None:
        self.history.setdefault(org, []).append(rows)
        if units is not None:
            self.unit_history.setdefault(org, []).append(units)


def staff_reason(rows: int, past: list[int], drop: float, min_rows: int) -> str | None:
    if not past or past[-1] < min_rows:
        return None
    last = past[-1]
    if rows < (1 - drop) * last:
        return (
            f"{rows:,} rows, {1 - rows / last:.0%} below the {last:,} of its last accepted month "
            f"(limit {drop:.0%})"
        )
    return None


def units_reason(units: int | None, past: list[int]) -> str | None:
    if units is None or not past:
        return None
    last = past[-1]
    if units < (1 - NATIONAL_ORG_DROP) * last:
        return (
            f"{units:,} organisations, {1 - units / last:.0%} fewer than the {last:,} of its last accepted "
            f"month (limit {NATIONAL_ORG_DROP:.0%})"
        )
    return None


def episodes_reason(rows: int, past: list[int], min_rows: int) -> str | None:
    if len(past) < ABSENCE_MIN_MONTHS or past[-1] < min_rows:
        return None
    baseline = statistics.median(past[-ABSENCE_BASELINE_MONTHS:])
    allowed = max(ABSENCE_MIN_DROP, ABSENCE_SD_MULTIPLIER * typical_movement(past))
    if rows <= 0 or math.log(rows / baseline) < -allowed:
        limit = 1 - math.exp(-allowed)
        return (
            f"{rows:,} rows, {1 - rows / baseline:.0%} below its recent median of {baseline:,.0f} "
            f"(limit {limit:.0%}, from this trust's own month-to-month movement)"
        )
    return None


def typical_movement(past: list[int]) -> float:
    """Root mean square of log(count / median of the 3 months before) over the recent history."""
    recent = past[-ABSENCE_CALIBRATION_MONTHS:]
    logs = []
    for i in range(ABSENCE_BASELINE_MONTHS, len(recent)):
        baseline = statistics.median(recent[i - ABSENCE_BASELINE_MONTHS : i])
        if baseline > 0 and recent[i] > 0:
            logs.append(math.log(recent[i] / baseline))
    return math.sqrt(sum(x * x for x in logs) / len(logs)) if logs else 0.0


def read_overrides(path: Path, extract: str) -> dict[tuple[str, str, str], Override]:
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        (r["period"], r["org_code"], r["sha256"]): Override(r["accepted_by"], r["reason"])
        for r in rows
        if r.get("extract") == extract
    }


def record_override(
    path: Path, extract: str, period: str, org: str, sha256: str, accepted_by: str, reason: str
) -> None:
    """Append one override; the file is the audit trail, so rows are only ever added."""
    if not accepted_by.strip() or not reason.strip():
        raise ValueError("an override needs the name of who accepts the file and why")
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=OVERRIDE_COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow(
            {
                "extract": extract,
                "period": period,
                "org_code": org,
                "sha256": sha256,
                "accepted_by": accepted_by,
                "reason": reason,
                "accepted_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
