"""Hand-built facts and registers for ROI known-answer tests."""

import calendar
from pathlib import Path

import dagster as dg
import polars as pl

from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.reference.assets import reference_assets
from ohwb_pipeline.roi.assets import roi_assets
from ohwb_pipeline.synth.generate import month_starts
from ohwb_pipeline_tests.conftest import write_partition

REGISTER_HEADER = (
    "intervention_id,org_code,icb_code,name,category,target_reason_codes,start_month,end_month,annual_cost_gbp,"
    "cost_basis,reported_roi,gp_visits_avoided,staff_retained,appointments_booked,appointments_attended,"
    "reported_absence_savings_gbp,reported_retention_savings_gbp,reported_gp_savings_gbp,source_note"
)


def write_facts(
    root: Path,
    first: str,
    last: str,
    rates: dict[str, callable],
    heads: int = 100,
    skip: set[tuple[str, str]] = frozenset(),
) -> None:
    """Facts for each org: `heads` FTE all month; S11 days lost = rate(period) x days available."""
    for month in month_starts(first, last):
        period = month.strftime("%Y-%m")
        days = calendar.monthrange(month.year, month.month)[1]
        orgs = [o for o in rates if (o, period) not in skip]
        write_partition(
            root / "warehouse/workforce_facts",
            period,
            pl.DataFrame(
                {
                    "org_code": orgs,
                    "staff_group": ["All staff groups"] * len(orgs),
                    "fte_days_available": [float(heads * days)] * len(orgs),
                    "fte": [float(heads)] * len(orgs),
                    "headcount": [heads] * len(orgs),
                    "leavers": [0] * len(orgs),
                    "days_in_month": [days] * len(orgs),
                }
            ),
        )
        write_partition(
            root / "warehouse/absence_facts",
            period,
            pl.DataFrame(
                {
                    "org_code": orgs,
                    "staff_group": ["Nurses & health visitors"] * len(orgs),
                    "reason_code": ["S11"] * len(orgs),
                    "fte_days_lost": [rates[o](period) * heads * days for o in orgs],
                    "long_term_fte_days_lost": [0.0] * len(orgs),
                    "episodes": [1] * len(orgs),
                    "long_term_episodes": [0] * len(orgs),
                    "episodes_started": [1] * len(orgs),
                }
            ),
        )


def write_register(root: Path, rows: list[str]) -> None:
    folder = root / "landing/interventions"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "register.csv").write_text("\n".join([REGISTER_HEADER, *rows]) + "\n")


def materialize_roi(root: Path) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        [*reference_assets, *roi_assets],
        resources={"settings": OhwbSettings(data_dir=str(root))},
        raise_on_error=False,
    )
    return result


def roi_rows(root: Path, method: str = "difference_in_differences") -> pl.DataFrame:
    frame = read_table_fy(root / "published/intervention_roi")
    return frame.filter(pl.col("method") == method).sort("intervention_id", "financial_year")


def read_table_fy(table: Path) -> pl.DataFrame:
    return pl.read_parquet(table / "*" / "*.parquet", hive_partitioning=True).with_columns(
        pl.col("financial_year").cast(pl.Utf8)
    )
