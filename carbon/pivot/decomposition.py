"""LMDI-I index decomposition of a change in emissions (docs/methodology.md §7).

Identity, per workload ``i``::

    C = Σ_i C_i = Σ_i Q · S_i · I_i · F_i

with ``Q`` the total IT energy (activity), ``S_i = Q_i / Q`` the IT share of
workload ``i`` (structure), ``I_i = E_i / Q_i`` its facility energy per IT
energy (energy intensity, the workload PUE) and ``F_i = C_i / E_i`` its
emissions per facility energy (carbon intensity). The change from period 0 to
period T splits exactly into four effects::

    ΔC = ΔC_act + ΔC_str + ΔC_int + ΔC_emf,
    ΔC_x = Σ_i L(C_i^T, C_i^0) · ln(x_i^T / x_i^0)

with the logarithmic mean ``L``. The multiplicative variant gives
``D_x = exp(ΔC_x / L(C^T, C^0))`` and ``Π D_x = C^T / C^0``.

Zeros (Ang & Liu 2007; docs/methodology.md §7) use the analytical limits, never a
small-number substitution, and no 0/0 ever reaches a logarithm:

- a workload absent in period 0 (``C_i^0 = 0``) gives its whole ``C_i^T`` to
  the factor that is zero at 0 (structure when ``S_i^0 = 0``); its other
  effects are 0;
- a workload gone at T gives ``-C_i^0`` to the factor that is zero at T;
- a carbon intensity that drops to zero (market-based, fully covered by
  certificates) gives ``-C_i^0`` to the carbon-intensity effect;
- ``C_i = 0`` in both periods: all effects 0.

"The factor that is zero" is the first zero factor in the order of the
identity (Q, S, I, F): once ``S_i = 0`` the factors after it are undefined
(0/0), so the zero lies in the structure.

Inputs and outputs carry pint units: energies in any energy unit, emissions in
any CO2e mass unit; anything else is refused with :class:`~carbon.core.errors.UnitError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pint

from carbon.core.errors import UnitError
from carbon.core.units import ureg

__all__ = [
    "EFFECTS",
    "Decomposition",
    "PeriodFactors",
    "lmdi",
    "log_mean",
]

#: The four effects, in the order of the identity's factors (Q, S, I, F).
EFFECTS: tuple[str, ...] = ("activity", "structure", "intensity", "carbon_intensity")

_ENERGY = "MWh"
_EMISSIONS = "t CO2e"


def _as(value: pint.Quantity, unit: str, what: str) -> float:
    """`value` in `unit` as a float; a wrong dimension or a bare number is a UnitError."""
    if not isinstance(value, pint.Quantity):
        raise UnitError(f"{what} must be a pint quantity in a unit of {unit}; got {value!r}")
    try:
        number = float(np.asarray(value.to(unit).magnitude))
    except pint.DimensionalityError:
        raise UnitError(f"{what} is in {value.units:~}, which does not convert to {unit}") from None
    if not math.isfinite(number) or number < 0.0:
        raise UnitError(f"{what} must be finite and not negative; got {value:~}")
    return number


@dataclass(frozen=True)
class PeriodFactors:
    """Per-workload totals of one period: IT energy, facility energy and emissions.

    Every mapping is keyed by workload name; a workload missing from a mapping
    counts as zero.
    """

    it_energy: Mapping[str, pint.Quantity]  # Q_i [energy]
    facility_energy: Mapping[str, pint.Quantity]  # E_i [energy]
    emissions: Mapping[str, pint.Quantity]  # C_i [CO2e mass]

    def workloads(self) -> list[str]:
        return sorted(set(self.it_energy) | set(self.facility_energy) | set(self.emissions))

    def arrays(self, names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Q_i [MWh], E_i [MWh], C_i [t CO2e] over `names`, converted and checked."""
        zero_e = ureg.Quantity(0.0, _ENERGY)
        zero_c = ureg.Quantity(0.0, _EMISSIONS)
        q = np.array(
            [_as(self.it_energy.get(n, zero_e), _ENERGY, f"IT energy of {n!r}") for n in names]
        )
        e = np.array(
            [
                _as(self.facility_energy.get(n, zero_e), _ENERGY, f"facility energy of {n!r}")
                for n in names
            ]
        )
        c = np.array(
            [_as(self.emissions.get(n, zero_c), _EMISSIONS, f"emissions of {n!r}") for n in names]
        )
        return q, e, c


def log_mean(a: float, b: float) -> float:
    """The logarithmic mean ``L(a, b)`` of two non-negative numbers (docs/methodology.md §7).

    ``L(a, a) = a``; ``L(a, 0) = L(0, b) = 0``; otherwise ``(a - b) / ln(a / b)``,
    computed with ``log1p`` when the arguments are close, so that they keep their precision.
    """
    if a < 0.0 or b < 0.0:
        raise ValueError(f"the logarithmic mean needs non-negative arguments; got {a}, {b}")
    if a == 0.0 or b == 0.0:
        return 0.0
    if a == b:
        return a
    relative = (a - b) / b
    if abs(relative) < 0.5:
        return (a - b) / math.log1p(relative)
    return (a - b) / (math.log(a) - math.log(b))


def _factors(q: np.ndarray, e: np.ndarray, c: np.ndarray) -> list[list[float | None]]:
    """(Q, S_i, I_i, F_i) per workload; None where a factor is 0/0 (undefined)."""
    total = float(q.sum())
    out = []
    for qi, ei, ci in zip(q, e, c, strict=True):
        s = qi / total if total > 0 else None
        i = ei / qi if qi > 0 else None
        f = ci / ei if ei > 0 else None
        out.append([total, s, i, f])
    return out


def _zero_factor(row: list[float | None], workload: str, which: str) -> int:
    """Index of the first zero (or undefined) factor of a workload with zero emissions."""
    for k, value in enumerate(row):
        if value is None or value == 0.0:
            return k
    raise ValueError(  # C = Q·S·I·F = 0 with every factor positive cannot happen
        f"workload {workload!r} has zero emissions in period {which} but no zero factor"
    )


@dataclass(frozen=True)
class Decomposition:
    """The four LMDI-I effects of the change from period 0 to period T."""

    workloads: tuple[str, ...]
    emissions_0: pint.Quantity  # C^0 [t CO2e]
    emissions_t: pint.Quantity  # C^T [t CO2e]
    effects: Mapping[str, pint.Quantity]  # effect name → [t CO2e]
    by_workload: Mapping[str, Mapping[str, pint.Quantity]]  # effect → workload → [t CO2e]
    multiplicative: Mapping[str, float] | None  # effect → D_x; None when C^0 or C^T is 0
    limits: Mapping[str, str]  # workload → the zero rule used ("" for none)

    @property
    def delta(self) -> pint.Quantity:
        """ΔC = C^T − C^0 [t CO2e]."""
        return self.emissions_t - self.emissions_0


def _check_identity(q: np.ndarray, e: np.ndarray, c: np.ndarray, names: list[str], which: str):
    for n, qi, ei, ci in zip(names, q, e, c, strict=True):
        if qi == 0.0 and ei > 0.0:
            raise ValueError(
                f"workload {n!r} has facility energy but no IT energy in period {which}: its "
                "energy intensity (facility per IT energy) is undefined; decompose IT workloads "
                "only and report unattributed energy separately"
            )
        if ei == 0.0 and ci > 0.0:
            raise ValueError(
                f"workload {n!r} has emissions but no facility energy in period {which}: its "
                "carbon intensity is undefined"
            )


def lmdi(base: PeriodFactors, current: PeriodFactors) -> Decomposition:
    """LMDI-I additive and multiplicative decomposition from `base` (0) to `current` (T).

    Returns the effects in t CO2e. Asserts ``|Σ effects − ΔC| < 1e-9·max(|C^0|, |C^T|)``
    (docs/methodology.md §7).
    """
    names = sorted(set(base.workloads()) | set(current.workloads()))
    q0, e0, c0 = base.arrays(names)
    qt, et, ct = current.arrays(names)
    _check_identity(q0, e0, c0, names, "0")
    _check_identity(qt, et, ct, names, "T")
    f0, ft = _factors(q0, e0, c0), _factors(qt, et, ct)

    per = np.zeros((len(EFFECTS), len(names)))
    limits: dict[str, str] = {}
    for j, name in enumerate(names):  # loops over workloads (a handful), never readings
        a, b = float(ct[j]), float(c0[j])
        if a == 0.0 and b == 0.0:
            limits[name] = "zero in both periods: all effects 0"
            continue
        if b == 0.0:
            k = _zero_factor(f0[j], name, "0")
            per[k, j] = a
            limits[name] = f"absent in the base period: C^T to {EFFECTS[k]}"
            continue
        if a == 0.0:
            k = _zero_factor(ft[j], name, "T")
            per[k, j] = -b
            limits[name] = f"zero in the current period: -C^0 to {EFFECTS[k]}"
            continue
        weight = log_mean(a, b)
        for k in range(len(EFFECTS)):
            x0, xt = f0[j][k], ft[j][k]
            per[k, j] = weight * math.log(xt / x0)  # both positive: C > 0 in both periods
        limits[name] = ""

    c0_total, ct_total = float(c0.sum()), float(ct.sum())
    totals = per.sum(axis=1)
    delta = ct_total - c0_total
    scale = max(abs(c0_total), abs(ct_total))
    residual = abs(float(totals.sum()) - delta)
    assert residual <= 1e-9 * scale, (
        f"LMDI effects sum to {totals.sum()!r} t, not the change {delta!r} t"
    )

    multiplicative = None
    if c0_total > 0.0 and ct_total > 0.0:
        weight = log_mean(ct_total, c0_total)
        multiplicative = {
            x: math.exp(float(v) / weight) for x, v in zip(EFFECTS, totals, strict=True)
        }

    t = ureg.Unit(_EMISSIONS)
    return Decomposition(
        workloads=tuple(names),
        emissions_0=ureg.Quantity(c0_total, t),
        emissions_t=ureg.Quantity(ct_total, t),
        effects={x: ureg.Quantity(float(v), t) for x, v in zip(EFFECTS, totals, strict=True)},
        by_workload={
            x: {n: ureg.Quantity(float(per[k, j]), t) for j, n in enumerate(names)}
            for k, x in enumerate(EFFECTS)
        },
        multiplicative=multiplicative,
        limits=limits,
    )
