"""Every domain's Definitions, merged; every asset owned by its domain's team, and partitioned assets
saying what their missing partitions mean. Nothing else lives here."""

# A production deployment with a bad key stops here, before the domains are imported (about 4 s), so
# the daemon, the webserver and the code server refuse at once (ProductionSettingsError).
from ohwb_pipeline.core.resources import check_production_settings

check_production_settings()

import dagster as dg

from ohwb_pipeline.absence import definitions as absence
from ohwb_pipeline.automation import definitions as automation
from ohwb_pipeline.core import resources
from ohwb_pipeline.core.partitions import monthly_partitions, yearly_survey_partitions
from ohwb_pipeline.reference import definitions as reference
from ohwb_pipeline.report import definitions as report
from ohwb_pipeline.roi import definitions as roi
from ohwb_pipeline.survey import definitions as survey

PARTITION_NOTES = {
    monthly_partitions: "Partitions: every month from April 2021 to last month. A month shows as missing "
    "until its files land and absence_monthly runs; in the demo (data to March 2025) the later months "
    "are missing by design, not failed.",
    yearly_survey_partitions: "Partitions: survey years from 2021 to this year (the survey fielded in "
    "its autumn). A year shows as missing until its survey files land and survey_yearly runs.",
}


def _annotated(spec: dg.AssetSpec) -> dg.AssetSpec:
    # An asset's group is its domain (tested), and the domain's team owns it: the UI filters by owner.
    # Partitioned assets say in their description why months or years with no data show as missing.
    note = PARTITION_NOTES.get(spec.partitions_def)
    description = f"{spec.description or ''}\n\n{note}".strip() if note else spec.description
    return spec.replace_attributes(owners=[f"team:ohwb-{spec.group_name}"], description=description)


# Every job, the UI's ad-hoc materialisations and `dagster asset materialize` included, runs its steps in
# the run's own process: a subprocess per step re-imports the definitions (about 4 s each), and every
# step already uses all cores through DuckDB and polars (docs/operations.md, "Running months and ranges").
defs = dg.Definitions.merge(
    dg.Definitions(executor=dg.in_process_executor),
    resources.defs(),
    reference.defs(),
    absence.defs(),
    roi.defs(),
    survey.defs(),
    report.defs(),
    automation.defs(),
).map_asset_specs(func=_annotated)
