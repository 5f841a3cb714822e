"""Asset checks for the survey tables. The assets call these and yield what they return."""

import dagster as dg
import polars as pl

from ohwb_pipeline.core.checks_per_month import check_spec
from ohwb_pipeline.core.metadata import markdown_preview
from ohwb_pipeline.core.partitions import yearly_survey_partitions
from ohwb_pipeline.survey.suppression import ALL_GROUPS, recoverable, sums

NO_RECOVERABLE_CELLS = "no_recoverable_cells"
RESPONSES_RECONCILE = "responses_reconcile"
YEAR_ON_YEAR = "year_on_year_shift"
SHIFT_LIMIT = 15.0
# A shift must also be beyond chance for the cell's size: |shift| > NOISE_Z x its standard error (two
# independent proportions). 4.42 is p < 0.00001 two-sided: about 10,000 cells are compared a year (the
# demo's 39 trusts), so at p < 0.001 chance alone warned on 13 cells of the demo's three years.
NOISE_Z = 4.42


class CountsDoNotReconcile(Exception):
    """The indicator counts do not add up to the answers in the accepted responses."""


class SuppressionLeak(Exception):
    """A suppressed survey cell could be recovered from the cells about to be published."""


def specs(asset: str) -> list[dg.AssetCheckSpec]:
    """Partitioned by survey year: each year of a run has its own results."""
    return [
        check_spec(
            NO_RECOVERABLE_CELLS,
            asset=asset,
            partitions_def=yearly_survey_partitions,
            blocking=True,
            description="No suppressed cell can be recovered by subtraction from the published cells",
        ),
        check_spec(
            RESPONSES_RECONCILE,
            asset=asset,
            partitions_def=yearly_survey_partitions,
            blocking=True,
            description="England n_valid per question equals the non-blank answers in the accepted responses",
        ),
        check_spec(
            YEAR_ON_YEAR,
            asset=asset,
            partitions_def=yearly_survey_partitions,
            description=f"A published pct moving more than {SHIFT_LIMIT:g} points on the previous year "
            f"warns, when the move is also beyond chance for the cell's size ({NOISE_Z:g} standard "
            "errors): a 20-respondent group moves 15 points by chance alone",
        ),
    ]


def leaks(published: pl.DataFrame) -> pl.DataFrame:
    """Suppressed cells that the published numbers pin down, from the published columns alone.

    Two ways: the linear system of sums determines the cell, or a sum's suppressed parts are a single
    cell or have all-or-none answers (their combined pct, total minus the published parts, is 0 or 100).
    """
    keys = ["year", "level", "area_code", "staff_group", "question_id"]
    found = [pl.DataFrame(schema={**dict.fromkeys(keys, pl.Utf8), "how": pl.Utf8})]
    for _, block in published.group_by("year", "question_id", maintain_order=True):
        relations = sums(block)
        hidden = block["suppressed"].to_numpy()
        n_valid = block["n_valid"].fill_null(0).to_numpy()
        n_indicator = block["n_indicator"].fill_null(0).to_numpy()
        pinned = {int(c): "determined by the sums" for c in recoverable(relations, hidden)}
        for total, parts in relations:
            shut = parts[hidden[parts]]
            if hidden[total] or not shut.size:
                continue
            valid = n_valid[total] - n_valid[parts].sum()
            yes = n_indicator[total] - n_indicator[parts].sum()
            if shut.size == 1 or yes in (0, valid):
                pinned.update(
                    (int(c), "the suppressed parts of a sum are one cell or all-or-none") for c in shut
                )
        if pinned:
            rows = block.select(keys)[list(pinned)]
            found.append(rows.with_columns(pl.Series("how", list(pinned.values()))))
    return pl.concat(found, how="vertical_relaxed")


def no_recoverable_cells(published: pl.DataFrame) -> dg.AssetCheckResult:
    found = leaks(published)
    return dg.AssetCheckResult(
        check_name=NO_RECOVERABLE_CELLS,
        passed=found.is_empty(),
        metadata={
            "cells": published.height,
            "suppressed": int(published["suppressed"].sum()),
            "recoverable": found.height,
            "examples": markdown_preview(found, rows=20),
        },
    )


def responses_reconcile(published_totals: pl.DataFrame, answered: pl.DataFrame) -> dg.AssetCheckResult:
    """Both frames: year, question_id, n. Counts before suppression against a direct count of answers."""
    joined = published_totals.join(answered, on=["year", "question_id"], how="full", suffix="_answered")
    unequal = joined.filter(pl.col("n").ne_missing(pl.col("n_answered")))
    return dg.AssetCheckResult(
        check_name=RESPONSES_RECONCILE,
        passed=unequal.is_empty(),
        metadata={
            "answers_counted": int(published_totals["n"].sum()),
            "answers_in_responses": int(answered["n"].sum()),
            "mismatches": markdown_preview(unequal, rows=20),
        },
    )


def year_on_year(current: pl.DataFrame, previous: pl.DataFrame) -> dg.AssetCheckResult:
    """`current` and `previous`: year, level, area_code, staff_group, question_id, n_valid, pct. Warns
    only."""
    keys = ["level", "area_code", "staff_group", "question_id"]
    last = previous.with_columns((pl.col("year").cast(pl.Int64) + 1).cast(pl.Utf8).alias("year"))
    p1, p0 = pl.col("pct") / 100, pl.col("pct_last_year") / 100
    standard_error = (
        100 * (p1 * (1 - p1) / pl.col("n_valid") + p0 * (1 - p0) / pl.col("n_valid_last_year")).sqrt()
    )
    moved = (
        current.join(last, on=["year", *keys], suffix="_last_year")
        .with_columns((pl.col("pct") - pl.col("pct_last_year")).alias("shift"), standard_error.alias("se"))
        .filter(pl.col("shift").abs() > SHIFT_LIMIT, pl.col("shift").abs() > NOISE_Z * pl.col("se"))
        .sort(pl.col("shift").abs(), descending=True)
    )
    all_groups = moved.filter(pl.col("staff_group") == ALL_GROUPS)
    return dg.AssetCheckResult(
        check_name=YEAR_ON_YEAR,
        passed=moved.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "cells_moved_over_limit": moved.height,
            "all_staff_groups_cells_moved": all_groups.height,
            "largest": markdown_preview(
                moved.select("year", *keys, "pct_last_year", "pct", "shift"), rows=30
            ),
        },
    )
