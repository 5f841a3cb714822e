"""Every domain's Definitions, merged; every asset owned by its domain's team. Nothing else lives here."""

import dagster as dg

from ohwb_pipeline.absence import definitions as absence
from ohwb_pipeline.automation import definitions as automation
from ohwb_pipeline.core import resources
from ohwb_pipeline.reference import definitions as reference
from ohwb_pipeline.report import definitions as report
from ohwb_pipeline.roi import definitions as roi
from ohwb_pipeline.survey import definitions as survey


def _owned(spec: dg.AssetSpec) -> dg.AssetSpec:
    # An asset's group is its domain (tested), and the domain's team owns it: the UI filters by owner.
    return spec.replace_attributes(owners=[f"team:ohwb-{spec.group_name}"])


defs = dg.Definitions.merge(
    resources.defs(),
    reference.defs(),
    absence.defs(),
    roi.defs(),
    survey.defs(),
    report.defs(),
    automation.defs(),
).map_asset_specs(func=_owned)
