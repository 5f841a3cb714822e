import dagster as dg

from ohwb_pipeline.definitions import defs


def test_definitions_load_and_validate():
    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert {
        "organisations",
        "icbs",
        "absence_reasons",
        "staff_groups",
        "absence_episodes",
        "staff_in_post",
        "absence_facts",
        "workforce_facts",
        "absence_benchmark",
        "absence_by_reason",
        "ics_indicators",
        "data_completeness",
        "org_month_status",
        "expected_submitters",
        "survey_responses",
        "survey_indicators",
        "ics_wellbeing_scorecard",
    } <= keys


def test_every_partitioned_asset_backfills_in_a_single_run():
    repo = defs.get_repository_def()
    for key in repo.asset_graph.get_all_asset_keys():
        node = repo.asset_graph.get(key)
        if node.partitions_def is not None:
            assert node.backfill_policy == dg.BackfillPolicy.single_run(), key


def test_asset_groups_follow_the_domain_folder_and_absence_writers_share_one_pool():
    repo = defs.get_repository_def()
    for key in repo.asset_graph.get_all_asset_keys():
        assets_def = repo.asset_graph.assets_def_for_key(key)
        domain = assets_def.op.compute_fn.decorated_fn.__module__.split(".")[1]
        group = assets_def.group_names_by_key[key]
        expected = "reference" if key.to_user_string() in REFERENCE_DATA else domain
        assert group == expected, key
        if domain == "absence":
            assert assets_def.op.pool == "ohwb_absence", key


def test_every_job_and_ad_hoc_materialisation_runs_its_steps_in_the_runs_own_process():
    """A subprocess per step re-imports the definitions (about 4 s a step): `dagster asset materialize`
    of the absence group over three months took 46 s with it and 11 s without."""
    repo = defs.get_repository_def()
    jobs = [*repo.get_all_jobs(), defs.resolve_implicit_global_asset_job_def()]
    assert {job.name for job in jobs} >= {"absence_monthly", "report_monthly", "__ASSET_JOB"}
    for job in jobs:
        assert job.executor_def.name == dg.in_process_executor.name, job.name


REFERENCE_DATA = {"unit_costs"}  # reference data defined beside its only user, grouped as reference


def test_absence_monthly_job_schedule_and_sensor_are_registered():
    assert defs.resolve_job_def("absence_monthly") is not None
    assert defs.resolve_schedule_def("absence_monthly_schedule").job_name == "absence_monthly"
    sensor = defs.resolve_sensor_def("landing_sensor")
    assert {job.name for job in sensor.jobs} == {"absence_monthly", "survey_yearly"}


def test_survey_yearly_job_and_march_schedule_are_registered():
    assert defs.resolve_job_def("survey_yearly") is not None
    schedule = defs.resolve_schedule_def("survey_yearly_schedule")
    assert schedule.job_name == "survey_yearly"
    assert schedule.cron_schedule == "0 6 1 3 *"


def test_the_2021_survey_year_needs_no_monthly_partition_before_april_2021():
    graph = defs.get_repository_def().asset_graph
    for child, parent in [
        ("survey_indicators", "workforce_facts"),
        ("ics_wellbeing_scorecard", "ics_indicators"),
    ]:
        child_key, parent_key = dg.AssetKey(child), dg.AssetKey(parent)
        years = graph.get(child_key).partitions_def
        mapped = graph.get_partition_mapping(
            child_key, parent_key
        ).get_upstream_mapped_partitions_result_for_partitions(
            years.subset_with_partition_keys(["2021"]), years, graph.get(parent_key).partitions_def
        )
        assert mapped.required_but_nonexistent_subset.get_partition_keys() == []
        assert min(mapped.partitions_subset.get_partition_keys()) == "2021-04-01"


# Imported where they are used, not by the definitions: together about 2 s of every code server, daemon
# and run worker start (the renderer's altair and vl-convert, scipy's statistics and optimisers).
HEAVY_ON_USE = ("altair", "vl_convert", "scipy.stats", "scipy.optimize")


def test_definitions_load_without_warnings_or_the_libraries_only_steps_use():
    """Loading the definitions prints no warning (the two beta APIs the pipeline uses on purpose are
    silenced by category in ohwb_pipeline/__init__.py, nothing else), and imports none of
    HEAVY_ON_USE: each process that only loads them (code server, daemon, sensors) pays nothing for them."""
    import subprocess
    import sys

    probe = f"import sys, ohwb_pipeline.definitions; print([m for m in {HEAVY_ON_USE!r} if m in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "OHWB_PSEUDO_KEY": "test-key"},
        check=True,
    )
    assert "Warning" not in done.stderr, done.stderr
    assert done.stdout.strip() == "[]", f"loaded with the definitions: {done.stdout}"


def test_every_asset_is_owned_by_its_domains_team_and_automation_explains_itself():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners == [f"team:ohwb-{node.group_name}"], key
        if node.partitions_def is not None:
            assert "Partitions: " in (node.description or ""), (
                f"{key} does not explain its missing partitions"
            )
    repo = defs.get_repository_def()
    for item in [*repo.schedule_defs, *repo.sensor_defs]:
        assert item.description, item.name
        off = item.default_status.value == "STOPPED"
        assert ("Off until turned on" in item.description) == off, item.name
