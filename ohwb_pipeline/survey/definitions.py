import dagster as dg

from ohwb_pipeline.survey.assets import survey_assets
from ohwb_pipeline.survey.automation import survey_yearly, survey_yearly_schedule


def defs() -> dg.Definitions:
    return dg.Definitions(assets=survey_assets, jobs=[survey_yearly], schedules=[survey_yearly_schedule])
