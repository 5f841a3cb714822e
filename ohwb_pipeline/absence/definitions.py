import dagster as dg

from ohwb_pipeline.absence.assets import absence_assets


def defs() -> dg.Definitions:
    return dg.Definitions(assets=absence_assets)
