"""Reference data materialised again from unchanged files does not make the absence tables look stale."""

import shutil

import dagster as dg

from ohwb_pipeline.core.resources import SHIPPED_REFERENCE, OhwbSettings
from ohwb_pipeline.reference.assets import reference_assets
from ohwb_pipeline_tests.conftest import run_absence_job, synth_into


def _status(instance: dg.DagsterInstance, key: str, partition: str):
    from dagster._utils.test.data_versions import get_stale_status_resolver

    from ohwb_pipeline.definitions import defs

    assets = list(defs.resolve_asset_graph().assets_defs)
    return get_stale_status_resolver(instance, assets).get_status(dg.AssetKey(key), partition)


def test_unchanged_reference_files_keep_downstream_fresh_and_a_changed_one_does_not(tmp_path):
    from dagster._core.definitions.data_version import StaleStatus

    synth_into(tmp_path, orgs=["RJ1"], last_month="2024-01")
    shutil.copytree(SHIPPED_REFERENCE, tmp_path / "reference")  # this deployment's own reference folder
    instance = dg.DagsterInstance.ephemeral()
    assert run_absence_job(tmp_path, partition_key="2024-01-01", instance=instance).success
    assert _status(instance, "ics_indicators", "2024-01-01") == StaleStatus.FRESH
    settings = {"settings": OhwbSettings(data_dir=str(tmp_path))}
    assert dg.materialize(reference_assets, resources=settings, instance=instance).success
    assert _status(instance, "ics_indicators", "2024-01-01") == StaleStatus.FRESH, "same files, same data"
    icbs = tmp_path / "reference/icbs.csv"
    icbs.write_text(icbs.read_text().replace("NHS SOUTH EAST LONDON", "NHS SOUTH-EAST LONDON"))
    assert dg.materialize(reference_assets, resources=settings, instance=instance).success
    assert _status(instance, "ics_indicators", "2024-01-01") == StaleStatus.STALE, "a changed file is news"
