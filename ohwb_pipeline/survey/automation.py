"""The `survey_yearly` job and its March schedule (the landing sensor is in landing_sensor.py)."""

import dagster as dg

from ohwb_pipeline.core.partitions import yearly_survey_partitions

survey_yearly = dg.define_asset_job(
    "survey_yearly",
    selection=dg.AssetSelection.assets(
        "organisations", "icbs", "staff_groups", "survey_scales", "survey_questions"
    )
    | dg.AssetSelection.groups("survey"),
    partitions_def=yearly_survey_partitions,
    description="One survey year (or a range, as one run) from landing CSVs to the published survey tables",
    tags={"ohwb/writes": "survey"},
    executor_def=dg.in_process_executor,
)


@dg.schedule(
    cron_schedule="0 6 1 3 *",
    job=survey_yearly,
    name="survey_yearly_schedule",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="On 1 March at 06:00 UTC, runs survey_yearly for the survey fielded the autumn before. Off "
    "until turned on in the UI (Automation).",
)
def survey_yearly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """On 1 March, the survey fielded last autumn has been delivered: materialise that year."""
    year = context.scheduled_execution_time.year - 1
    return dg.RunRequest(run_key=f"survey-{year}", partition_key=str(year))
