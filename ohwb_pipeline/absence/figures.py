"""`org_figures`: each complete organisation-month's days lost and available by staff group, from its
one source, as a temp table that the benchmark and the indicators both read (org_figures.sql)."""

import duckdb

from ohwb_pipeline.core import duck
from ohwb_pipeline.core.lake import Lake, table_glob


def load_org_figures(con: duckdb.DuckDBPyConnection, lake: Lake, first: str, last: str) -> None:
    sql = duck.load_sql(__file__, "org_figures")
    params = {
        "org_month_status": table_glob(lake.warehouse_table("org_month_status")),
        "absence_facts": table_glob(lake.warehouse_table("absence_facts")),
        "workforce_facts": table_glob(lake.warehouse_table("workforce_facts")),
        "published_rates": table_glob(lake.warehouse_table("published_rates")),
        "staff_group_aliases": str(lake.reference_table("staff_group_aliases")),
        "first": first,
        "last": last,
    }
    con.execute(f"CREATE OR REPLACE TEMP TABLE org_figures AS {sql}", params)
