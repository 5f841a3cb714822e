import dagster as dg

from ohwb_pipeline.reference.assets import reference_assets


def defs() -> dg.Definitions:
    return dg.Definitions(assets=reference_assets)
