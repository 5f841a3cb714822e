"""Calibration of the ROI inference on synthetic national data with known effects (`make roi-calibration`).

For each seed: every trust in the reference (207) is generated for April 2022 to March 2024 (with the
generator's AR(1) trust-level noise); 60 trusts get a placebo intervention (no effect) and 60 others an
injected effect on S10, S11 and S12 (mental health and MSK) from April 2023, cycling through -30% to
+30% (a fall of x% is a rate multiplier of 1 - x/100), all at distinct trusts. The absence pipeline
turns the files into facts, and the ROI estimator (roi/estimate.py) evaluates financial year 2023-24
for all 120 registered interventions, each with the others kept out of its comparators (clean
comparators), exactly as published.

Reported per method: the false-positive rate among placebos (target 2-8% at the nominal 5%), the
coverage of the injected effect by the 95% interval (target >= 90%), the median interval width, and
power at 10% and 20% effects (either sign, detected with the right sign).
"""

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

DEFAULT_OUT = Path(__file__).parent / "results" / "roi_calibration.json"
EFFECTS = [-30, -20, -10, 0, 10, 20, 30]
REASONS = ("S10", "S11", "S12")
FIRST, LAST, START, YEAR = "2022-04", "2024-03", "2023-04", "2023-24"
METHODS = ("difference_in_differences", "synthetic_control")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-factor", type=float, default=0.5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--placebos", type=int, default=60)
    parser.add_argument("--effects", type=int, default=60)
    parser.add_argument("--trusts", type=int, default=0, help="use only this many trusts (0: all; smoke)")
    parser.add_argument("--root", type=Path, default=None, help="work folder (default: a temp dir)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    root = args.root or Path(tempfile.mkdtemp(prefix="ohwb-roi-calibration-"))
    outcomes = []
    for seed in args.seeds:
        print(f"seed {seed}: generating and running the absence pipeline ...", flush=True)
        outcomes.append(run_seed(root / f"seed-{seed}", seed, args))
    table = pl.concat(outcomes)
    summary = summarise(table)
    report = {
        "size_factor": args.size_factor,
        "seeds": args.seeds,
        "placebos_per_seed": args.placebos,
        "effects_per_seed": args.effects,
        "trusts": int(table["trusts"].max()),
        "seconds": round(time.perf_counter() - began, 1),
        "methods": summary,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(markdown(report))
    if args.root is None:
        shutil.rmtree(root, ignore_errors=True)
    return report


def run_seed(root: Path, seed: int, args: argparse.Namespace) -> pl.DataFrame:
    from ohwb_pipeline.core.resources import SHIPPED_REFERENCE, OhwbSettings
    from ohwb_pipeline.reference.expected import write_expected_submitters
    from ohwb_pipeline.roi.estimate import estimate_all
    from ohwb_pipeline.roi.panel import load_panel
    from ohwb_pipeline.synth.generate import SynthConfig, generate
    from ohwb_pipeline.synth.scenarios import Scenario

    organisations = pl.read_csv(SHIPPED_REFERENCE / "organisations.csv", infer_schema=False)
    # A trust needs another trust in its ICB for a comparator.
    mates = organisations.group_by("icb_code").len().filter(pl.col("len") >= 2)["icb_code"]
    pool = organisations.filter(pl.col("icb_code").is_in(mates.implode()))["org_code"].to_list()
    rng = np.random.default_rng(seed)
    everyone = sorted(pool)
    if args.trusts:
        everyone = sorted(rng.choice(everyone, size=args.trusts, replace=False).tolist())
    chosen = rng.choice(everyone, size=args.placebos + args.effects, replace=False).tolist()
    placebos, treated = chosen[: args.placebos], chosen[args.placebos :]
    effects = {org: EFFECTS[i % len(EFFECTS)] for i, org in enumerate(treated)}
    scenarios = [Scenario(o, REASONS, START, 1 - e / 100) for o, e in effects.items() if e != 0]
    generate(
        SynthConfig(
            out=root / "landing",
            first_month=FIRST,
            last_month=LAST,
            reference_dir=SHIPPED_REFERENCE,
            orgs=everyone,
            size_factor=args.size_factor,
            seed=seed,
            scenarios=scenarios,
            survey=False,
        )
    )
    write_expected_submitters(root / "config", everyone)
    _facts(root)
    register = pl.DataFrame(
        {
            "intervention_id": [f"CAL-{o}" for o in chosen],
            "org_code": chosen,
            "icb_code": [None] * len(chosen),
            "target_reason_codes": [";".join(REASONS)] * len(chosen),
            "start_month": [START] * len(chosen),
            "end_month": [None] * len(chosen),
        },
        schema_overrides={"icb_code": pl.Utf8, "end_month": pl.Utf8},
    )
    results = estimate_all(load_panel(OhwbSettings(data_dir=str(root))), register)
    truth = pl.DataFrame(
        {
            "intervention_id": [f"CAL-{o}" for o in chosen],
            "true_percent": [0] * len(placebos) + list(effects.values()),
        },
        schema={"intervention_id": pl.Utf8, "true_percent": pl.Float64},
    )
    rows = results.inference.filter(pl.col("financial_year") == YEAR, pl.col("method").is_in(METHODS))
    return (
        rows.join(truth, on="intervention_id")
        .with_columns(
            (pl.col("effect_rate") / pl.col("counterfactual_rate") * 100).alias("effect_percent"),
            (pl.col("effect_ci_low") / pl.col("counterfactual_rate") * 100).alias("ci_low"),
            (pl.col("effect_ci_high") / pl.col("counterfactual_rate") * 100).alias("ci_high"),
            pl.col("intervention_id").str.strip_prefix("CAL-").is_in(placebos).alias("placebo"),
            pl.lit(seed).alias("seed"),
            pl.lit(len(everyone)).alias("trusts"),
        )
        .select(
            "seed",
            "trusts",
            "method",
            "intervention_id",
            "placebo",
            "true_percent",
            "effect_percent",
            "ci_low",
            "ci_high",
            "p_value",
            "placebo_units",
        )
    )


def _facts(root: Path) -> None:
    """The absence pipeline over every month as one single-run backfill, as `make run` does."""
    import os

    from ohwb_pipeline.definitions import defs

    before = os.environ.get("OHWB_DATA_DIR")
    os.environ["OHWB_DATA_DIR"] = str(root)  # the settings resource reads it at run time
    try:
        result = defs.resolve_job_def("absence_monthly").execute_in_process(
            tags={
                "dagster/asset_partition_range_start": f"{FIRST}-01",
                "dagster/asset_partition_range_end": f"{LAST}-01",
            },
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
    finally:
        if before is None:
            os.environ.pop("OHWB_DATA_DIR", None)
        else:
            os.environ["OHWB_DATA_DIR"] = before
    assert result.success


def summarise(table: pl.DataFrame) -> dict:
    out = {}
    for method in METHODS:
        rows = table.filter(pl.col("method") == method, pl.col("p_value").is_not_null())
        detected = pl.col("p_value") < 0.05
        placebo = rows.filter(pl.col("placebo"))
        covered = rows.filter(pl.col("ci_low").is_not_null()).with_columns(
            (
                (pl.col("ci_low") <= pl.col("true_percent")) & (pl.col("true_percent") <= pl.col("ci_high"))
            ).alias("covered"),
            (pl.col("ci_high") - pl.col("ci_low")).alias("width"),
        )

        def power(size: int, rows: pl.DataFrame = rows, detected: pl.Expr = detected) -> float | None:
            hit = rows.filter(pl.col("true_percent").abs() == size).with_columns(
                (detected & (pl.col("effect_percent").sign() == pl.col("true_percent").sign())).alias("hit")
            )
            return round(float(hit["hit"].mean()), 3) if hit.height else None

        out[method] = {
            "estimates": rows.height,
            "placebo_estimates": placebo.height,
            "false_positive_rate": round(float(placebo.select(detected.mean()).item()), 3)
            if placebo.height
            else None,
            "coverage_95": round(float(covered["covered"].mean()), 3) if covered.height else None,
            "median_interval_width_points": round(float(covered["width"].median()), 1)
            if covered.height
            else None,
            "power_10_percent": power(10),
            "power_20_percent": power(20),
            "power_30_percent": power(30),
            "median_placebo_units": int(rows["placebo_units"].median()) if rows.height else 0,
        }
    return out


def markdown(report: dict) -> str:
    lines = [
        f"ROI calibration: {report['trusts']} trusts at size factor {report['size_factor']}, seeds "
        f"{report['seeds']}, {report['placebos_per_seed']} placebos + {report['effects_per_seed']} injected "
        f"effects per seed ({report['seconds']:.0f} s)",
        "",
        "| method | false positives (target 2-8%) | coverage of the true effect (target >= 90%) | median 95% "
        "interval width | power at 10% | power at 20% | power at 30% |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for method, m in report["methods"].items():
        lines.append(
            f"| {method} | {_pct(m['false_positive_rate'])} of {m['placebo_estimates']} | "
            f"{_pct(m['coverage_95'])} | {m['median_interval_width_points']} points | "
            f"{_pct(m['power_10_percent'])} | {_pct(m['power_20_percent'])} | {_pct(m['power_30_percent'])} |"
        )
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


if __name__ == "__main__":
    main()
