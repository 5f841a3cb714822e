"""Benchmark datasets made by `ohwb synth`, cached under the data dir between runs."""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ohwb_pipeline.core.resources import SHIPPED_REFERENCE
from ohwb_pipeline.synth.generate import GENERATOR_VERSION, SynthConfig, generate


@dataclass(frozen=True)
class Dataset:
    name: str
    first: str
    last: str
    size_factor: float


def landing_for(root: Path, dataset: Dataset) -> Path:
    """Generate once; a marker with the settings makes reruns reuse the files."""
    landing = root / "datasets" / dataset.name / "landing"
    marker = landing / ".bench.json"
    settings = {
        "first": dataset.first,
        "last": dataset.last,
        "size_factor": dataset.size_factor,
        "generator": GENERATOR_VERSION,
    }
    if marker.exists() and json.loads(marker.read_text()) == settings:
        return landing
    summary = generate(
        SynthConfig(
            out=landing,
            first_month=dataset.first,
            last_month=dataset.last,
            reference_dir=SHIPPED_REFERENCE,
            size_factor=dataset.size_factor,
        )
    )
    marker.write_text(json.dumps(settings))
    print(
        f"  generated {dataset.name}: {summary.staff_rows:,} staff rows, {summary.episode_rows:,} episodes "
        f"in {summary.seconds:.1f}s"
    )
    return landing


def run_dir(root: Path, name: str, landing: Path) -> Path:
    """A fresh data dir whose `landing` points at a cached dataset."""
    target = root / "runs" / name
    if target.exists():
        import shutil

        shutil.rmtree(target)
    target.mkdir(parents=True)
    os.symlink(landing.resolve(), target / "landing")
    return target
