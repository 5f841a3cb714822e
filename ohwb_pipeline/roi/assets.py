"""ROI assets. They are unpartitioned on purpose: an intervention's baseline is the 12 months before
its start, whatever financial year is evaluated, so each run recomputes every intervention and year
from the (small) monthly facts in one query. A run takes seconds, is always a single run, and can
never mix years computed from different facts. Outputs are published partitioned by financial year.
"""

import hashlib

import dagster as dg
import polars as pl

from ohwb_pipeline.absence.assets import absence_facts, workforce_facts
from ohwb_pipeline.absence.schemas import in_reference
from ohwb_pipeline.core import duck
from ohwb_pipeline.core.checks_per_month import emit
from ohwb_pipeline.core.lake import Lake, existing_partitions, table_glob
from ohwb_pipeline.core.metadata import column_schema, markdown_preview
from ohwb_pipeline.core.publishing import (
    TableUpdate,
    check_contracts,
    commit,
    contract_spec,
    publish_table,
    published_metadata,
)
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.reference.assets import absence_reasons, icbs, organisations, source_version
from ohwb_pipeline.reference.load import (
    ReferenceDataError,
    read_reference,
    validate_reference_csv,
    write_reference,
)
from ohwb_pipeline.roi import checks, evidence
from ohwb_pipeline.roi.contracts import CONTRACTS
from ohwb_pipeline.roi.estimate import Results, estimate_all
from ohwb_pipeline.roi.panel import load_panel
from ohwb_pipeline.roi.register import ingest_register
from ohwb_pipeline.roi.schemas import INTERVENTIONS, UNIT_COSTS, target_reasons_check

GROUP = "roi"
FY_KEY = "financial_year"


@dg.asset(group_name="reference", kinds={"polars", "parquet"})
def unit_costs(settings: OhwbSettings) -> dg.MaterializeResult:
    """Low / central / high unit costs for ROI. Replace `reference/unit_costs.csv` with local figures."""
    source = settings.reference_dir / "unit_costs.csv"
    frame = validate_reference_csv(source, UNIT_COSTS)
    if frame.height != 3:
        raise ReferenceDataError(
            f"{source.name}: expected the 3 cost items, found {frame['cost_item'].to_list()}"
        )
    write_reference(frame, Lake(settings.root).reference_table("unit_costs"))
    return dg.MaterializeResult(
        data_version=source_version(source),
        metadata={
            "dagster/row_count": frame.height,
            "dagster/column_schema": column_schema(UNIT_COSTS.model),
            "unit_cost_version": unit_cost_version(source.read_bytes()),
            "source": str(source),
            "costs": markdown_preview(frame.drop("source_note")),
        },
    )


def unit_cost_version(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()[:12]


@dg.asset(
    group_name=GROUP,
    deps=[organisations, icbs, absence_reasons],
    kinds={"pandera", "parquet"},
    check_specs=[
        dg.AssetCheckSpec(
            "references_exist",
            asset="interventions",
            description="Each intervention's org or ICB and reason codes exist",
        )
    ],
)
def interventions(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """The interventions register from `landing/interventions/*.csv`, validated with quarantine."""
    lake = Lake(settings.root)
    schema = INTERVENTIONS.model.to_schema()
    extra = {
        "org_code": in_reference("org_code", read_reference(lake, "organisations")["org_code"].to_list()),
        "icb_code": in_reference("icb_code", read_reference(lake, "icbs")["icb_code"].to_list()),
    }
    schema = schema.update_columns(
        {c: {"checks": [*schema.columns[c].checks, check]} for c, check in extra.items()}
    )
    reasons = read_reference(lake, "absence_reasons")["reason_code"].to_list()
    schema.checks = [*schema.checks, target_reasons_check(reasons)]  # a new list: the model's stays as it was
    files = sorted((lake.landing / "interventions").glob("*.csv"))
    register = ingest_register(files, lake.root, INTERVENTIONS, schema)
    target = lake.warehouse_table("interventions") / "interventions.parquet"
    write_reference(register.accepted, target)
    write_reference(register.quarantined, lake.quarantine_table("interventions") / "quarantine.parquet")
    context.log.info(
        f"interventions: {register.accepted.height} accepted, {register.quarantined.height} quarantined"
    )
    yield checks.register_references(register.quarantined)
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": register.accepted.height,
            "dagster/column_schema": column_schema(schema),
            "rows_quarantined": register.quarantined.height,
            "files": register.file_log.height,
            "quarantine": markdown_preview(
                register.quarantined.select("source_file", "line_number", "reason")
            ),
            "path": str(target),
        }
    )


def _roi_frame(settings: OhwbSettings) -> tuple[pl.DataFrame, Results]:
    """The costed ROI rows with their inference, and the estimator's event study and donors."""
    lake = Lake(settings.root)
    register = pl.read_parquet(lake.warehouse_table("interventions") / "interventions.parquet")
    results = estimate_all(load_panel(settings), register)
    synthetic = results.inference.filter(pl.col("method") == "synthetic_control").select(
        "intervention_id",
        (pl.col("financial_year").str.slice(0, 4).cast(pl.Int64)).alias("fy"),
        "comparator_baseline_rate",
        "comparator_evaluation_rate",
        "days_avoided",
        pl.col("complete").fill_null(False),
    )
    params = {
        "interventions": str(lake.warehouse_table("interventions") / "interventions.parquet"),
        "organisations": str(lake.reference_table("organisations")),
        "absence_facts": table_glob(lake.warehouse_table("absence_facts")),
        "workforce_facts": table_glob(lake.warehouse_table("workforce_facts")),
        "unit_costs": str(lake.reference_table("unit_costs")),
        "unit_cost_version": unit_cost_version((settings.reference_dir / "unit_costs.csv").read_bytes()),
    }
    con = duck.connect(settings)
    con.register("synthetic_effects", synthetic)
    con.register("excluded_comparators", results.excluded)
    costed = con.sql(duck.load_sql(__file__, "intervention_roi"), params=params).pl()
    costs = pl.read_parquet(lake.reference_table("unit_costs"))
    day_central = costs.filter(pl.col("cost_item") == "fte_sickness_day")["central_gbp"].item()
    return evidence.attach(costed, results.inference, float(day_central)), results


def _full_recompute(lake: Lake, table: str, frame: pl.DataFrame) -> TableUpdate:
    """Every financial year is rewritten; years no longer produced are removed, not left stale."""
    years = sorted(frame[FY_KEY].unique().to_list()) if frame.height else []
    stale = sorted(set(existing_partitions(lake.published_table(table), FY_KEY)) - set(years))
    return TableUpdate(table, CONTRACTS[table], frame, years, remove=stale)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            t,
            group_name=GROUP,
            deps=[interventions, unit_costs, absence_facts, workforce_facts, organisations],
            kinds={"duckdb", "parquet"},
            description=CONTRACTS[t].description,
        )
        for t in ("intervention_roi", "roi_event_study")
    ],
    check_specs=[*checks.specs("intervention_roi"), contract_spec("roi_event_study")],
)
def intervention_roi(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """ROI per intervention x financial year by before/after, difference-in-differences and synthetic
    control, each with placebo inference; and the event study behind it, published as one commit."""
    frame, results = _roi_frame(settings)
    lake = Lake(settings.root)
    updates = [
        _full_recompute(lake, "intervention_roi", frame),
        _full_recompute(lake, "roi_event_study", event_study_frame(results.event_study)),
    ]
    passed = yield from check_contracts(context, updates)
    result = commit(lake, updates, context.run_id)
    preview = frame.filter(pl.col("method") != "before_after").select(
        FY_KEY,
        "intervention_id",
        "method",
        "status",
        "effect_percent",
        "effect_percent_ci_low",
        "effect_percent_ci_high",
        "p_value",
        "verdict",
        "roi_ratio_central",
        "roi_ratio_ci_low",
        "roi_ratio_ci_high",
    )
    extra = {
        "intervention_roi": {
            "preview": markdown_preview(preview, rows=60),
            "synthetic_control_top_donors": markdown_preview(results.donors, rows=60),
            "comparators_excluded": markdown_preview(results.excluded, rows=60),
        },
        "roi_event_study": {},
    }
    for update in updates:
        yield dg.MaterializeResult(
            asset_key=update.table,
            metadata={**published_metadata(lake, update, result), **extra[update.table]},
        )
    yield from emit(context, passed)  # unpartitioned: the plain AssetCheckResults
    yield checks.windows_complete(frame)
    yield checks.plausible_range(frame)
    yield checks.methods_agree(frame)


def event_study_frame(events: pl.DataFrame) -> pl.DataFrame:
    month = pl.col("month_idx")
    return events.select(
        pl.col("evaluated_year").alias(FY_KEY),
        "intervention_id",
        "method",
        pl.format("{}-{}", month // 12, (month % 12 + 1).cast(pl.Utf8).str.zfill(2)).alias("period"),
        "relative_month",
        "phase",
        "gap_points",
        "placebo_gap_p05",
        "placebo_gap_p95",
    )


@dg.asset(
    group_name=GROUP,
    deps=["intervention_roi", icbs],
    kinds={"duckdb", "parquet"},
    check_specs=[contract_spec("ics_roi_summary")],
)
def ics_roi_summary(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """Total investment, savings and ROI of all interventions per ICB and financial year."""
    lake = Lake(settings.root)
    if not existing_partitions(lake.published_table("intervention_roi"), FY_KEY):
        context.log.warning("no intervention ROI rows (is the register empty?): nothing to summarise")
        nothing = pl.DataFrame(schema={FY_KEY: pl.Utf8})
        yield from publish_table(context, lake, _full_recompute(lake, "ics_roi_summary", nothing))
        return
    params = {
        "icbs": str(lake.reference_table("icbs")),
        "intervention_roi": table_glob(lake.published_table("intervention_roi")),
    }
    frame = duck.connect(settings).sql(duck.load_sql(__file__, "ics_roi_summary"), params=params).pl()
    yield from publish_table(context, lake, _full_recompute(lake, "ics_roi_summary", frame))


roi_assets = [unit_costs, interventions, intervention_roi, ics_roi_summary]
