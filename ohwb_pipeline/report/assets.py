"""`monthly_report`: the self-contained HTML report of a published month, written after each publication.

It declares the tables it reads as dependencies, so the lineage shows them. Its automation condition
(eager: the latest month, whenever that month's absence tables are republished) ignores the survey and
ROI tables: they change yearly, and a month's report must not wait for a survey year that is not out.
"""

import dagster as dg

from ohwb_pipeline.absence.published import TABLES as ABSENCE_TABLES
from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.core.partitions import monthly_partitions, months_in_window, single_run
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.report.paths import SECTIONS

GROUP = "report"
YEARLY_INPUTS = ["survey_indicators", "ics_wellbeing_scorecard"]
UNPARTITIONED_INPUTS = ["intervention_roi", "ics_roi_summary"]


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    kinds={"html"},
    deps=[
        *ABSENCE_TABLES,
        "funnel_indicators",
        *(dg.AssetDep(t, partition_mapping=dg.AllPartitionMapping()) for t in YEARLY_INPUTS),
        *UNPARTITIONED_INPUTS,
    ],
    automation_condition=dg.AutomationCondition.eager().ignore(
        dg.AssetSelection.assets(*YEARLY_INPUTS, *UNPARTITIONED_INPUTS)
    ),
)
def monthly_report(context: dg.AssetExecutionContext, settings: OhwbSettings) -> dg.MaterializeResult:
    """`published/report/ohwb_report_<YYYY-MM>.html`: England's absence SPC chart, funnel plots of
    organisations and ICBs, the ICB league table with funnel flags and Making Data Count icons, SPC
    small multiples per ICB, the reason mix, the survey wellbeing
    scorecard, the ROI forest plot and data quality. One file, no network: it opens from a shared drive
    or an email attachment, and prints to A4."""
    # Imported here, not at the top: the renderer brings altair and vl-convert, which every process that
    # loads the definitions (code server, daemon, each run worker) would otherwise pay for.
    from ohwb_pipeline.report.render import write_report

    lake = Lake(settings.root)
    written = []
    for period in months_in_window(context.partition_time_window):
        written.append(write_report(lake, period))
        context.log.info(f"wrote {written[-1]}")
    latest = written[-1]
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(latest)),
            "reports_written": len(written),
            "size_kib": round(latest.stat().st_size / 1024, 1),
            "sections": ", ".join(SECTIONS),
        }
    )


report_monthly = dg.define_asset_job(
    "report_monthly",
    selection=[monthly_report],
    partitions_def=monthly_partitions,
    description="Write the monthly HTML report for the chosen month(s) from the published tables.",
)
