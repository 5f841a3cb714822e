"""Which figures are real and which synthetic, said the same way by every output (report, summary)."""

from dataclasses import dataclass

from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.realdata.shipped import OGL_LINE
from ohwb_pipeline.synth.generate import SYNTHETIC_MARKER

REAL = "REAL DATA: NHS England's published NHS Sickness Absence Rates (official statistics)"
SYNTHETIC = "SYNTHETIC DATA: made by this project's generator, not real NHS figures"
ESR = "the trusts' own ESR extracts"


@dataclass(frozen=True)
class DataLabel:
    kind: str  # real, synthetic, mixed or esr
    text: str
    attribution: str  # the OGL line when any figure is real, else ''


def data_label(lake: Lake, sources: set[str]) -> DataLabel:
    """The label of figures from `sources` (absence_benchmark.source values) in `lake`."""
    parts, kinds = [], []
    if "nhs_published_rates" in sources:
        parts.append(REAL)
        kinds.append("real")
    if "esr_extract" in sources:
        synthetic = (lake.landing / SYNTHETIC_MARKER).exists()
        parts.append(SYNTHETIC if synthetic else ESR)
        kinds.append("synthetic" if synthetic else "esr")
    kind = kinds[0] if len(kinds) == 1 else ("mixed" if kinds else "none")
    return DataLabel(kind, "; ".join(parts) or "no figures", OGL_LINE if "real" in kinds else "")
