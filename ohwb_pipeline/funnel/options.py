"""The options of a funnel plot, named as FunnelPlotR names them, and the constants that decide parity."""

from dataclasses import dataclass

DATA_TYPES = ("PR", "SR", "RC")
SR_METHODS = ("SHMI", "CQC")
# FunnelPlotR writes the normal quantiles to 6 dp, not qnorm(0.975) and qnorm(0.999); the full-precision
# values move the limits by about 1e-7 relative, a thousand times the parity tolerance.
Z_95 = 1.959964
Z_998 = 3.090232
# Below this, a 10% winsorisation trims nothing or everything and phi is a guess, not an estimate.
MIN_UNITS = 5


@dataclass(frozen=True)
class FunnelOptions:
    """`data_type`: PR proportions, SR observed/expected ratios, RC ratios of counts.
    `sr_method` matters for SR only: SHMI (log scale, truncation) or CQC (square root, winsorisation).
    `shmi_rounding` rounds SHMI expected values to 2 dp as FunnelPlotR does by default."""

    data_type: str
    draw_adjusted: bool = True
    sr_method: str = "SHMI"
    trim_by: float = 0.1
    multiplier: float = 1.0
    shmi_rounding: bool = True

    def __post_init__(self) -> None:
        if self.data_type not in DATA_TYPES:
            raise ValueError(f"data type must be one of {', '.join(DATA_TYPES)}, not {self.data_type!r}")
        if self.sr_method not in SR_METHODS:
            raise ValueError(f"sr_method must be one of {', '.join(SR_METHODS)}, not {self.sr_method!r}")
        if not 0 < self.trim_by < 0.5:
            raise ValueError(f"trim_by must be above 0 and below 0.5 (each tail), not {self.trim_by}")
        if not self.multiplier > 0:
            raise ValueError(f"multiplier must be positive, not {self.multiplier}")

    @property
    def shmi(self) -> bool:
        return self.data_type == "SR" and self.sr_method == "SHMI"

    @property
    def method_label(self) -> str:
        """How the table names the method: e.g. `SR/SHMI trim 0.1`, `PR trim 0.1`."""
        method = f"{self.data_type}/{self.sr_method}" if self.data_type == "SR" else self.data_type
        return f"{method} trim {self.trim_by:g}"
