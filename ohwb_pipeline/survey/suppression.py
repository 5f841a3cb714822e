"""Small-number suppression for survey cells that cannot be undone by subtraction.

Published cells are linked by sums: an area's `All staff groups` cell is the sum of its staff-group
cells, and a parent area's cell (ICB, region, England) is the sum of its children's cells for the
same staff group. A suppressed cell that is the only unknown in such a sum is recovered by
subtraction, so suppression runs in three steps, per survey year and question, until nothing changes:

1. primary: every cell with fewer than `MIN_VALID` valid answers, at any level;
2. complementary: in every sum whose total is published, the suppressed parts must be at least two,
   and their combined answers must not be all-or-none (0% or 100% would reveal each part's value);
   otherwise the published part with the fewest answers is suppressed too (the total, if none is left).
   A suppressed total needs at least one suppressed part, or the parts add up to it;
3. audit: the sums are solved as a linear system in the suppressed cells; any cell the system
   determines (possible when sums chain across staff groups and areas) gets one more complement, in
   the nearest sum that still has a published cell.

Counting is SQL; this step is Python because it iterates to a fixed point and solves a linear system.
"""

import numpy as np
import polars as pl

MIN_VALID = 11
ALL_GROUPS = "All staff groups"
PARENT_LEVEL = {"org": "icb", "icb": "region", "region": "england"}
_TOLERANCE = 1e-9


def sums(cells: pl.DataFrame) -> list[tuple[int, np.ndarray]]:
    """(total's row, parts' rows) for every published sum among `cells` of one year and question."""
    indexed = cells.with_row_index("i").with_columns(pl.col("i").cast(pl.Int64))
    totals = indexed.filter(pl.col("staff_group") == ALL_GROUPS).select("level", "area_code", total="i")
    by_group = (
        indexed.filter(pl.col("staff_group") != ALL_GROUPS)
        .join(totals, on=["level", "area_code"])
        .select("total", "i")
    )
    parents = indexed.select(
        parent_level="level", parent_code="area_code", staff_group="staff_group", total="i"
    )
    by_area = (
        indexed.filter(pl.col("level").is_in(list(PARENT_LEVEL)))
        .with_columns(pl.col("level").replace_strict(PARENT_LEVEL).alias("parent_level"))
        .join(parents, on=["parent_level", "parent_code", "staff_group"])
        .select("total", "i")
    )
    out = []
    for edges in (by_group, by_area):
        for total, parts in edges.group_by("total", maintain_order=True).agg("i").iter_rows():
            out.append((int(total), np.asarray(parts, dtype=np.int64)))
    return out


def suppress(cells: pl.DataFrame) -> pl.Series:
    """`suppressed` for each row of `cells` (one year and question: level, area_code, parent_code,
    staff_group, n_valid, n_indicator)."""
    n_valid = cells["n_valid"].to_numpy()
    n_indicator = cells["n_indicator"].to_numpy()
    hidden = n_valid < MIN_VALID
    relations = sums(cells)
    while True:
        while _complement_once(relations, hidden, n_valid, n_indicator):
            pass
        determined = recoverable(relations, hidden)
        if not determined.size:
            return pl.Series("suppressed", hidden)
        members = _membership(relations, len(hidden))
        # The first fix always finds a published cell: a pinned cell's sums can't all be hidden,
        # since the true counts (all >= 1) then solve them as well as all-zeros do. Later fixes in
        # the same pass may find a cell already freed by an earlier one, and skip it.
        if not any([_hide_nearest(int(c), relations, members, hidden, n_valid) for c in determined]):
            raise AssertionError(f"cells {determined.tolist()} are determined but cannot be protected")


def _complement_once(
    relations: list[tuple[int, np.ndarray]], hidden: np.ndarray, n_valid: np.ndarray, n_indicator: np.ndarray
) -> bool:
    changed = False
    for total, parts in relations:
        shut = parts[hidden[parts]]
        if hidden[total]:
            if not shut.size:  # a hidden total whose parts are all published is their sum
                hidden[parts[np.argmin(n_valid[parts])]] = True
                changed = True
            continue
        if not shut.size:
            continue
        yes, valid = n_indicator[shut].sum(), n_valid[shut].sum()
        if shut.size == 1 or yes == 0 or yes == valid:
            open_parts = parts[~hidden[parts]]
            target = open_parts[np.argmin(n_valid[open_parts])] if open_parts.size else total
            hidden[target] = True
            changed = True
    return changed


def recoverable(relations: list[tuple[int, np.ndarray]], hidden: np.ndarray) -> np.ndarray:
    """Rows of hidden cells whose value the published sums determine exactly."""
    unknown = np.flatnonzero(hidden)
    if not unknown.size:
        return unknown
    column = {cell: j for j, cell in enumerate(unknown)}
    rows = []
    for total, parts in relations:
        members = [(total, -1.0), *((int(p), 1.0) for p in parts)]
        row = np.zeros(unknown.size)
        for cell, sign in members:
            if hidden[cell]:
                row[column[cell]] = sign
        if row.any():
            rows.append(row)
    if not rows:
        return unknown[:0]
    system = np.vstack(rows)
    _, singular, vt = np.linalg.svd(system)
    rank = int((singular > _TOLERANCE * max(system.shape)).sum())
    free = vt[rank:]
    # An unknown that no free direction of the system moves is pinned to one value.
    pinned = np.linalg.norm(free, axis=0) < 1e-6 if free.size else np.ones(unknown.size, dtype=bool)
    return unknown[pinned]


def _membership(relations: list[tuple[int, np.ndarray]], cells: int) -> list[list[int]]:
    """For each cell, the indices of the sums it belongs to (as total or part)."""
    members: list[list[int]] = [[] for _ in range(cells)]
    for r, (total, parts) in enumerate(relations):
        for cell in (total, *parts.tolist()):
            members[cell].append(r)
    return members


def _hide_nearest(
    cell: int,
    relations: list[tuple[int, np.ndarray]],
    members: list[list[int]],
    hidden: np.ndarray,
    n_valid: np.ndarray,
) -> bool:
    """Hide one more published cell in the sums nearest to a pinned `cell`: the smallest published
    part there, else a published total. Sums are searched outwards through hidden cells, because a
    cell can be pinned through a chain of hidden neighbours."""
    seen_cells, seen_sums, frontier = {cell}, set(), [cell]
    while frontier:
        ring = sorted({r for c in frontier for r in members[c]} - seen_sums)
        seen_sums.update(ring)
        open_parts = [p for r in ring for p in relations[r][1].tolist() if not hidden[p]]
        if open_parts:
            hidden[min(open_parts, key=lambda p: (n_valid[p], p))] = True
            return True
        open_totals = [relations[r][0] for r in ring if not hidden[relations[r][0]]]
        if open_totals:
            hidden[min(open_totals)] = True
            return True
        frontier = [
            c for r in ring for c in (relations[r][0], *relations[r][1].tolist()) if c not in seen_cells
        ]
        seen_cells.update(frontier)
    return False
