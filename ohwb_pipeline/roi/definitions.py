import dagster as dg

from ohwb_pipeline.roi.assets import roi_assets

roi_refresh = dg.define_asset_job(
    "roi_refresh",
    selection=dg.AssetSelection.assets("organisations", "icbs", "absence_reasons", "unit_costs")
    | dg.AssetSelection.groups("roi"),
    description="Recompute the ROI tables from the interventions register and the absence facts",
    executor_def=dg.in_process_executor,
)
# The day after absence_monthly (the 15th), so the newest month's facts are in.
roi_refresh_schedule = dg.ScheduleDefinition(
    name="roi_refresh_schedule",
    job=roi_refresh,
    cron_schedule="0 7 16 * *",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="On the 16th of each month at 07:00 UTC (the day after absence_monthly), runs roi_refresh: "
    "every intervention and year from the newest facts. Off until turned on in the UI (Automation).",
)


def defs() -> dg.Definitions:
    return dg.Definitions(assets=roi_assets, jobs=[roi_refresh], schedules=[roi_refresh_schedule])
