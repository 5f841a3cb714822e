"""ROI estimators and their placebo (permutation) inference, on monthly series. Pure numpy/scipy.

Rates are target-reason FTE days lost / FTE days available. An `Estimate` is the fall in the rate
(positive: fewer days lost), the rate expected without the intervention, and the unit's own noise
scale, so that units of any size are compared as standardised statistics (effect / scale):

- before/after: the baseline rate minus the evaluation rate; scale: the sd of the unit's monthly
  rate around its baseline mean.
- difference-in-differences: the same, less the comparator's change; scale: the sd of the monthly
  treated-minus-comparator gap over the baseline.
- synthetic control (de-meaned, as Ferman and Pinto): non-negative weights summing to 1 over donor
  units, fitted to the unit's baseline monthly rate around its mean; the effect is the
  FTE-weighted gap between the synthetic and the actual rate over the evaluation months, less the
  baseline gap; scale: the unit's own month-to-month noise (sd of its baseline first differences /
  sqrt 2). Not the baseline RMSPE: with dozens of donors and 12 baseline months the weights can fit a
  unit's noise almost exactly, and an RMSPE near 0 would make any effect look extreme.

Inference: the same estimator is applied to every eligible untreated unit (placebos). Each effect is
divided by the sd expected for a unit of its size, variance = a + b / size fitted to the placebos'
effects (`noise_model`): a unit's own baseline noise proved a poor guide to how much a 12-month mean
moves (a large trust's persistent wander barely shows in its month-to-month noise), and the
calibration found large trusts over-flagged with it. With fewer than 10 placebos the unit's own
scale is used. Statistics are centred on the placebos' median; the p-value is the treated unit's
rank among the absolute centred statistics, rank / (n + 1) (1 = most extreme). The 95% interval
inverts that test: every effect whose removal leaves the unit no more extreme than the test's
critical value, so the interval excludes 0 exactly when p < 0.05. With fewer than 20 placebos no 5%
test exists: interval and MDE are null.
"""

import math
from dataclasses import dataclass, field

import numpy as np

ALPHA = 0.05
POWER = 0.80
PRE_TREND_QUANTILE = 0.9
MIN_MODEL_POINTS = 10
_SUM_TO_ONE_WEIGHT = 1e4


@dataclass
class Estimate:
    effect: float  # fall in the rate over the evaluation window (fraction, positive = fewer lost)
    counterfactual: float  # the evaluation rate expected without the intervention
    days_avoided: float
    scale: float  # the unit's own noise: the fallback standardiser with too few placebos for a model
    gaps: np.ndarray  # monthly treated - comparator rate, less its baseline mean (event study)
    comparator_baseline: float = math.nan
    comparator_evaluation: float = math.nan
    weights: dict[str, float] = field(default_factory=dict)
    size: float = math.nan  # FTE days available over the evaluation window
    # A DiD comparator's own noise adds to the effect's: its size and how many trusts it averages.
    comparator_size: float = math.inf
    comparator_units: float = math.inf


@dataclass
class Inference:
    p_value: float | None
    ci_low: float | None  # effect (rate) bounds
    ci_high: float | None
    mde: float | None  # the smallest effect (rate) detected with 80% power at the 5% level
    placebos: int


def pooled(lost: np.ndarray, available: np.ndarray, cols: np.ndarray) -> float:
    return float(lost[cols].sum() / available[cols].sum())


def before_after(
    lost: np.ndarray, available: np.ndarray, base: np.ndarray, evaluation: np.ndarray
) -> Estimate:
    """`lost`, `available`: the unit's monthly series; `base`, `evaluation`: column indices."""
    rate = lost / available
    b, e = pooled(lost, available, base), pooled(lost, available, evaluation)
    gaps = rate - rate[base].mean()
    size = float(available[evaluation].sum())
    return Estimate(b - e, b, (b - e) * size, _sd(gaps[base]), gaps, size=size)


def difference_in_differences(
    lost: np.ndarray,
    available: np.ndarray,
    comparator_lost: np.ndarray,
    comparator_available: np.ndarray,
    base: np.ndarray,
    evaluation: np.ndarray,
    comparator_units: int = 1,
) -> Estimate:
    b, e = pooled(lost, available, base), pooled(lost, available, evaluation)
    cb = pooled(comparator_lost, comparator_available, base)
    ce = pooled(comparator_lost, comparator_available, evaluation)
    effect = (b - e) - (cb - ce)
    gap = lost / available - comparator_lost / comparator_available
    gaps = gap - gap[base].mean()
    size = float(available[evaluation].sum())
    return Estimate(
        effect,
        e + effect,
        effect * size,
        _sd(gaps[base]),
        gaps,
        cb,
        ce,
        size=size,
        comparator_size=float(comparator_available[evaluation].sum()),
        comparator_units=comparator_units,
    )


def simplex_weights(target: np.ndarray, donors: np.ndarray) -> np.ndarray:
    """Non-negative weights summing to 1 minimising ||target - donors @ w||: NNLS with the sum as a
    heavily weighted extra equation. `donors`: months x units."""
    from scipy.optimize import nnls  # on use: about 0.4 s a process that loads the definitions

    scale = max(float(np.abs(donors).max()), 1e-12)
    a = np.vstack([donors / scale, np.full((1, donors.shape[1]), _SUM_TO_ONE_WEIGHT)])
    b = np.concatenate([target / scale, [_SUM_TO_ONE_WEIGHT]])
    weights, _ = nnls(a, b, maxiter=50 * donors.shape[1])
    total = weights.sum()
    return weights / total if total > 0 else np.full(donors.shape[1], 1 / donors.shape[1])


def synthetic_control(
    rate: np.ndarray,
    available: np.ndarray,
    donor_rates: np.ndarray,
    donor_names: list[str],
    base: np.ndarray,
    evaluation: np.ndarray,
) -> Estimate:
    """`rate`: the unit's monthly rate; `donor_rates`: months x donors."""
    centred = rate - rate[base].mean()
    donors_centred = donor_rates - donor_rates[base].mean(axis=0)
    w = simplex_weights(centred[base], donors_centred[base])
    synthetic = rate[base].mean() + donors_centred @ w
    gaps = rate - synthetic
    weight = available[evaluation]
    effect = float((weight * -gaps[evaluation]).sum() / weight.sum())
    counterfactual = float((weight * synthetic[evaluation]).sum() / weight.sum())
    named = {donor_names[i]: float(w[i]) for i in np.argsort(-w) if w[i] > 1e-4}
    return Estimate(
        effect,
        counterfactual,
        effect * float(weight.sum()),
        own_noise(rate[base]),
        gaps,
        float(synthetic[base].mean()),
        counterfactual,
        named,
        size=float(weight.sum()),
    )


def critical_value(centred_placebos: np.ndarray) -> float | None:
    """The largest |statistic| a 5% two-sided permutation test does not reject, or None when n < 20."""
    n = len(centred_placebos)
    extreme = math.ceil(ALPHA * (n + 1)) - 1  # placebos allowed to be at least as extreme as a rejection
    if extreme < 1:
        return None
    return float(np.sort(np.abs(centred_placebos))[::-1][extreme - 1])


def noise_model(placebos: list[Estimate]):
    """The sd of an effect expected for a unit, fitted to the placebos' effects by non-negative least
    squares: variance = a + b / size + c / comparator size + d / comparator trusts (a: every trust's
    own wander, which does not average out with size; b: episode-level chance, which does; c and d:
    the same two for a DiD comparator, 0 for other methods). None with fewer than MIN_MODEL_POINTS."""
    usable = [p for p in placebos if math.isfinite(p.effect) and p.size > 0]
    if len(usable) < MIN_MODEL_POINTS:
        return None
    effects = np.array([p.effect for p in usable])
    typical = float(np.median([p.size for p in usable]))

    def features(e: Estimate) -> np.ndarray:
        return np.array([1.0, typical / e.size, typical / e.comparator_size, 1 / e.comparator_units])

    from scipy.optimize import nnls  # on use, as in simplex_weights

    design = np.array([features(p) for p in usable])
    coefficients, _ = nnls(design, (effects - np.median(effects)) ** 2)
    if coefficients.sum() <= 0:
        return None

    def sd(e: Estimate) -> float:
        return math.sqrt(float(features(e) @ coefficients)) if e.size > 0 else math.nan

    return sd


def infer(treated: Estimate, placebos: list[Estimate]) -> Inference:
    model = noise_model(placebos)

    def scale(e: Estimate) -> float:
        return model(e) if model is not None else e.scale

    stats = np.array([p.effect / scale(p) for p in placebos if scale(p) > 0])
    stats = stats[np.isfinite(stats)]
    own_scale = scale(treated)
    if not (own_scale > 0) or not math.isfinite(treated.effect) or not len(stats):
        return Inference(None, None, None, None, len(stats))
    centre = float(np.median(stats))
    centred = stats - centre
    own = treated.effect / own_scale - centre
    p = (1 + int(np.sum(np.abs(centred) >= abs(own) - 1e-12))) / (len(stats) + 1)
    c = critical_value(centred)
    if c is None:
        return Inference(p, None, None, None, len(stats))
    low = treated.effect - own_scale * (centre + c)
    high = treated.effect - own_scale * (centre - c)
    # Power: the effect that clears the critical value in 80% of the placebo noise draws.
    mde = own_scale * (c - float(np.quantile(centred, 1 - POWER)))
    return Inference(p, low, high, mde, len(stats))


def pre_trend_ok(treated: Estimate, placebos: list[Estimate], base: np.ndarray) -> bool | None:
    """False when the baseline gaps trend more steeply (as a t statistic) than 90% of placebos'."""
    own = _slope_t(treated.gaps[base])
    others = np.array([_slope_t(p.gaps[base]) for p in placebos])
    others = others[np.isfinite(others)]
    if not math.isfinite(own) or len(others) < 10:
        return None
    return bool(abs(own) <= np.quantile(np.abs(others), PRE_TREND_QUANTILE))


def verdict(p_value: float | None, effect: float) -> str:
    if p_value is not None and p_value < ALPHA:
        return "saving_detected" if effect > 0 else "harm_detected"
    return "inconclusive"


def own_noise(rates: np.ndarray) -> float:
    """A unit's month-to-month noise: sd of its first differences / sqrt 2 (robust to its level)."""
    return _sd(np.diff(rates)) / math.sqrt(2)


def _sd(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


def _slope_t(gaps: np.ndarray) -> float:
    n = len(gaps)
    if n < 4:
        return math.nan
    x = np.arange(n) - (n - 1) / 2
    slope = float((x * gaps).sum() / (x**2).sum())
    residual = gaps - gaps.mean() - slope * x
    se = math.sqrt(float((residual**2).sum()) / (n - 2) / float((x**2).sum()))
    return slope / se if se > 0 else math.nan
