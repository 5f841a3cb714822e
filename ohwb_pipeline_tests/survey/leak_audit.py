"""An auditor for published survey cells, written apart from the pipeline's suppression code.

It rebuilds every sum the published table implies (area total = its staff groups; parent area =
its child areas, per staff group) from the published columns alone, and reports a suppressed cell
as recovered when the published numbers pin its value: when adding "this cell is known" to the
system of sums does not raise its rank (the cell is a linear combination of published values), or
when a sum's hidden parts are one cell or have all-or-none answers.
"""

import numpy as np
import polars as pl

ALL = "All staff groups"
UP = {"org": "icb", "icb": "region", "region": "england"}


def implied_sums(cells: list[dict]) -> list[tuple[int, list[int]]]:
    where = {(c["level"], c["area_code"], c["staff_group"]): i for i, c in enumerate(cells)}
    found: dict[int, list[int]] = {}
    by_area: dict[int, list[int]] = {}
    for i, c in enumerate(cells):
        if c["staff_group"] != ALL and (c["level"], c["area_code"], ALL) in where:
            found.setdefault(where[(c["level"], c["area_code"], ALL)], []).append(i)
        if c["level"] in UP:
            parent = where.get((UP[c["level"]], c["parent_code"], c["staff_group"]))
            if parent is not None:
                by_area.setdefault(parent, []).append(i)
    return list(found.items()) + list(by_area.items())


def recovered(published: pl.DataFrame) -> list[tuple]:
    """(year, question, level, area, staff group) of every suppressed cell the published cells reveal."""
    out = []
    for (_, _), block in published.group_by("year", "question_id"):
        cells = block.to_dicts()
        relations = implied_sums(cells)
        hidden = [i for i, c in enumerate(cells) if c["suppressed"]]
        if not hidden:
            continue
        col = {cell: j for j, cell in enumerate(hidden)}
        rows = []
        for total, parts in relations:
            row = np.zeros(len(hidden))
            for cell, sign in [(total, -1), *((p, 1) for p in parts)]:
                if cell in col:
                    row[col[cell]] = sign
            rows.append(row)
            if not cells[total]["suppressed"]:
                shut = [p for p in parts if cells[p]["suppressed"]]
                valid = cells[total]["n_valid"] - sum(cells[p]["n_valid"] or 0 for p in parts)
                yes = cells[total]["n_indicator"] - sum(cells[p]["n_indicator"] or 0 for p in parts)
                if len(shut) == 1 or (shut and yes in (0, valid)):
                    out.extend(_key(cells[p]) for p in shut)
        system = np.array(rows) if rows else np.zeros((0, len(hidden)))
        rank = np.linalg.matrix_rank(system) if rows else 0
        for cell, j in col.items():
            unit = np.zeros(len(hidden))
            unit[j] = 1
            if np.linalg.matrix_rank(np.vstack([system, unit])) == rank:
                out.append(_key(cells[cell]))
    return sorted(set(out))


def _key(cell: dict) -> tuple:
    return (cell["year"], cell["question_id"], cell["level"], cell["area_code"], cell["staff_group"])


def counts_to_cells(orgs: pl.DataFrame, icb_of: dict[str, str], region_of: dict[str, str]) -> pl.DataFrame:
    """Org x staff group counts (org_code, staff_group, n_valid, n_indicator) -> every level's cells."""
    base = orgs.with_columns(
        pl.col("org_code").replace_strict(icb_of).alias("icb"),
    ).with_columns(pl.col("icb").replace_strict(region_of).alias("region"))
    frames = []
    for level, area, parent in [
        ("org", "org_code", "icb"),
        ("icb", "icb", "region"),
        ("region", "region", None),
        ("england", None, None),
    ]:
        keys = [k for k in (area, parent) if k]
        for by_group in (True, False):
            group_keys = [*keys, "staff_group"] if by_group else keys
            agg = (
                base.group_by(group_keys or [pl.lit(1).alias("_one")])
                .agg(pl.col("n_valid").sum(), pl.col("n_indicator").sum())
                .with_columns(
                    pl.lit(level).alias("level"),
                    (pl.col(area) if area else pl.lit("E92000001")).alias("area_code"),
                    (
                        pl.col(parent)
                        if parent
                        else pl.lit("E92000001" if level == "region" else None, dtype=pl.Utf8)
                    ).alias("parent_code"),
                    (pl.col("staff_group") if by_group else pl.lit(ALL)).alias("staff_group"),
                )
            )
            frames.append(
                agg.select("level", "area_code", "parent_code", "staff_group", "n_valid", "n_indicator")
            )
    return pl.concat(frames).sort("level", "area_code", "staff_group")
