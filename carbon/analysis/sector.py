"""Workload metrics of miners and AI hosts (docs/methodology.md §8).

Hashrate is a pint quantity in ``hash/s`` units (1 EH/s = 10^3 PH/s = 10^6 TH/s;
``TH`` etc. are defined in ``carbon/units.txt``), so J/TH comes out of the unit
algebra and does not depend on whether inputs were in kWh or MWh, TH/s or PH/s.

- Nameplate fleet efficiency ``Σ P_rated / Σ H_rated`` (power-weighted, never the
  arithmetic mean of model J/TH values).
- Realised efficiency ``E_miners / (H_avg · Δt)``, i.e.
  ``E[kWh] × 3.6e6 / (H_avg[TH/s] × seconds)``; facility-level = realised × mining PUE.
- Expected BTC/day ≈ ``144 · (subsidy + mean fees) · H_own / H_network``.
- Per-BTC energy and emissions, kg CO2e per PH/s-day, kWh and g CO2e per GPU-hour,
  utilisation.

BTC amounts are dimensionless counts (carbon defines no ``BTC`` unit): a value
"per BTC" is a quantity divided by that count, and the metric's name says BTC.
Every function returns a :class:`carbon.analysis.metric.Metric`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import pint

from carbon.analysis.kpis import Basis
from carbon.analysis.metric import Metric
from carbon.core.errors import InputDataError, UnitError
from carbon.core.totals import total_of
from carbon.core.units import Q_, ureg

__all__ = [
    "BLOCKS_PER_DAY",
    "SUBSIDY_BTC_SINCE_2024_HALVING",
    "MinerModel",
    "emissions_per_btc",
    "emissions_per_gpu_hour",
    "emissions_per_ph_day",
    "energy_per_btc",
    "energy_per_gpu_hour",
    "expected_btc_per_day",
    "facility_efficiency",
    "hashrate",
    "nameplate_efficiency",
    "realised_efficiency",
    "utilisation",
]

#: Target block rate: one block per 10 minutes [blocks/day].
BLOCKS_PER_DAY = 144
#: Block subsidy since the April 2024 halving [BTC per block].
SUBSIDY_BTC_SINCE_2024_HALVING = 3.125
_STD = "docs/methodology.md §8"
_HASHRATE = "TH/s"
_BASIS_SUFFIX = {"location-based": "LB", "market-based": "MB"}


def _scalar(x: Any, unit: str, what: str) -> pint.Quantity:
    """A scalar quantity in `unit` (rates are not summed: pass the period's average)."""
    if not isinstance(x, ureg.Quantity):
        raise UnitError(f"{what} must be a pint Quantity [{unit}], got {type(x).__name__}")
    if np.ndim(x.magnitude) != 0:
        raise UnitError(f"{what} must be one value (the period's average), not an array")
    try:
        q = x.to(unit)
    except pint.DimensionalityError as exc:
        raise UnitError(f"{what} must be convertible to {unit}; got {x.units}") from exc
    if not np.isfinite(float(q.magnitude)):
        raise InputDataError(f"{what} is missing (NaN)")
    return q


def _positive(q: pint.Quantity, what: str) -> None:
    if float(q.magnitude) <= 0:
        raise InputDataError(f"{what} must be positive, got {q}")


def _duration(duration: Any) -> pint.Quantity:
    if isinstance(duration, pd.Timedelta):
        duration = Q_(duration / pd.Timedelta(seconds=1), "s")
    q = _scalar(duration, "s", "duration")
    _positive(q, "duration")
    return q


def _count(x: Any, what: str) -> float:
    """A dimensionless count (BTC mined) as a float > 0."""
    if isinstance(x, ureg.Quantity):
        if not x.dimensionless:
            raise UnitError(f"{what} is a dimensionless count; got {x.units}")
        x = x.to("dimensionless").magnitude
    if isinstance(x, bool) or not isinstance(x, int | float | np.number | np.ndarray):
        raise UnitError(f"{what} must be a number, got {type(x).__name__}")
    value = float(x)
    if not value > 0:
        raise InputDataError(f"{what} must be positive, got {value}")
    return value


def _basis(basis: str) -> str:
    if basis not in _BASIS_SUFFIX:
        raise InputDataError(f"basis {basis!r}: valid choices {', '.join(_BASIS_SUFFIX)}")
    return _BASIS_SUFFIX[basis]


# --------------------------------------------------------------------------------------
# Hashrate and J/TH
# --------------------------------------------------------------------------------------
def hashrate(q: pint.Quantity, unit: str = _HASHRATE) -> pint.Quantity:
    """Convert a hashrate between ``TH/s``, ``PH/s``, ``EH/s`` (and ``GH/s`` …).

    Parameters
    ----------
    q : pint.Quantity
        A hashrate [hash/time], e.g. ``Q_(5, "EH/s")``.
    unit : str
        Target, default ``"TH/s"``.

    Returns
    -------
    pint.Quantity

    Examples
    --------
    >>> round(float(hashrate(Q_(1, "EH/s"), "PH/s").magnitude), 9)
    1000.0
    """
    if not isinstance(q, ureg.Quantity) or not q.is_compatible_with("TH/s"):
        got = q.units if isinstance(q, ureg.Quantity) else type(q).__name__
        raise UnitError(f"a hashrate must be in hash/time (TH/s, PH/s, EH/s), got {got}")
    if not ureg.Quantity(1, unit).is_compatible_with("TH/s"):
        raise UnitError(f"{unit!r} is not a hashrate unit (TH/s, PH/s, EH/s)")
    return q.to(unit)


@dataclass(frozen=True)
class MinerModel:
    """A group of identical miners.

    Attributes
    ----------
    model : str
        e.g. ``"S21"``.
    count : int
        Number of units deployed.
    rated_power : pint.Quantity
        Nameplate power of one unit [W].
    rated_hashrate : pint.Quantity
        Nameplate hashrate of one unit [TH/s].
    """

    model: str
    count: int
    rated_power: pint.Quantity
    rated_hashrate: pint.Quantity

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise InputDataError(f"{self.model}: count must be a whole number ≥ 0")
        _positive(_scalar(self.rated_power, "W", f"{self.model} rated power"), "rated power")
        _positive(
            _scalar(self.rated_hashrate, _HASHRATE, f"{self.model} rated hashrate"),
            "rated hashrate",
        )

    @property
    def efficiency(self) -> pint.Quantity:
        """The model's nameplate J/TH (for display; never averaged across models)."""
        return (self.rated_power / self.rated_hashrate).to("J/TH")


def nameplate_efficiency(fleet: Iterable[MinerModel]) -> Metric:
    """Nameplate fleet efficiency ``Σ P_rated / Σ H_rated`` [J/TH] (power-weighted).

    Parameters
    ----------
    fleet : iterable of MinerModel

    Returns
    -------
    Metric
        ``value`` [J/TH] (1 J/TH = 1 W per TH/s). Not the arithmetic mean of the
        models' J/TH, which would overweight small, inefficient groups.
    """
    models = list(fleet)
    power = Q_(0.0, "W")
    rate = Q_(0.0, _HASHRATE)
    for m in models:
        power = power + m.count * m.rated_power
        rate = rate + m.count * m.rated_hashrate
    _positive(rate, "fleet nameplate hashrate")
    return Metric(
        name="J/TH nameplate",
        value=(power / rate).to("J/TH"),
        label="fleet efficiency, nameplate (Σ P_rated / Σ H_rated)",
        standard=_STD,
        notes=(f"{sum(m.count for m in models)} units in {len(models)} model group(s)",),
    )


def realised_efficiency(miner_energy: Any, average_hashrate: Any, duration: Any) -> Metric:
    """Realised fleet efficiency ``E_miners / (H_avg · Δt)`` [J/TH].

    Parameters
    ----------
    miner_energy : pint.Quantity or xarray.DataArray
        Energy of the miners over the period [kWh, MWh …]; a DataArray is summed.
    average_hashrate : pint.Quantity
        Average effective (realised, pool-side) hashrate over the period [TH/s, PH/s …].
    duration : pint.Quantity or pandas.Timedelta
        Length of the period [s, h]; take it from the timestamps, never ``month``.

    Returns
    -------
    Metric
        ``value`` [J/TH]; equals ``E[kWh] × 3.6e6 / (H_avg[TH/s] × seconds)``.
    """
    energy = total_of(miner_energy, "kWh", "miner energy")
    rate = _scalar(average_hashrate, _HASHRATE, "average hashrate")
    _positive(rate, "average hashrate")
    return Metric(
        name="J/TH realised",
        value=(energy / (rate * _duration(duration))).to("J/TH"),
        label="fleet efficiency, realised (E_miners / (H_avg · Δt))",
        standard=_STD,
    )


def facility_efficiency(realised: Metric | pint.Quantity, mining_pue: Any) -> Metric:
    """Facility-level efficiency = realised J/TH × mining PUE [J/TH].

    Parameters
    ----------
    realised : Metric or pint.Quantity
        Realised efficiency [J/TH].
    mining_pue : Metric, pint.Quantity or float
        PUE of the mining hall (a zone pPUE or the mining workload PUE) [dimensionless].

    Returns
    -------
    Metric
    """
    value = realised.value if isinstance(realised, Metric) else realised
    value = _scalar(value, "J/TH", "realised efficiency")
    pue_value = mining_pue.value if isinstance(mining_pue, Metric) else mining_pue
    if isinstance(pue_value, ureg.Quantity):
        pue_value = _scalar(pue_value, "dimensionless", "mining PUE")
    pue_q = Q_(_count(pue_value, "mining PUE"), "dimensionless")
    if pue_q.magnitude < 1:
        raise InputDataError(f"mining PUE must be ≥ 1, got {float(pue_q.magnitude)}")
    return Metric(
        name="J/TH facility",
        value=(value * pue_q).to("J/TH"),
        label="fleet efficiency, facility level (realised × mining PUE)",
        standard=_STD,
    )


# --------------------------------------------------------------------------------------
# Bitcoin production
# --------------------------------------------------------------------------------------
def expected_btc_per_day(
    own_hashrate: Any,
    network_hashrate: Any,
    *,
    mean_fees_per_block_btc: float,
    subsidy_btc: float = SUBSIDY_BTC_SINCE_2024_HALVING,
) -> Metric:
    """Expected BTC per day ≈ ``144 · (subsidy + mean fees) · H_own / H_network``.

    Parameters
    ----------
    own_hashrate, network_hashrate : pint.Quantity
        [hash/time] in any units (TH/s, EH/s).
    mean_fees_per_block_btc : float
        Mean transaction fees per block [BTC].
    subsidy_btc : float
        Block subsidy [BTC]; 3.125 since the April 2024 halving.

    Returns
    -------
    Metric
        ``value`` [1/day]: a count of BTC per day.
    """
    own = _scalar(own_hashrate, _HASHRATE, "own hashrate")
    network = _scalar(network_hashrate, _HASHRATE, "network hashrate")
    _positive(network, "network hashrate")
    if own > network:
        raise InputDataError(f"own hashrate {own:~} exceeds network hashrate {network:~}")
    fees = float(mean_fees_per_block_btc)
    subsidy = float(subsidy_btc)
    if fees < 0 or subsidy < 0:
        raise InputDataError("subsidy and fees must not be negative")
    share = (own / network).to("dimensionless")
    per_day = Q_(BLOCKS_PER_DAY, "1/day") * (subsidy + fees) * share
    return Metric(
        name="expected BTC/day",
        value=per_day.to("1/day"),
        label="expected BTC per day (144 blocks × (subsidy + fees) × hashrate share)",
        standard=_STD,
        notes=(f"subsidy {subsidy:g} BTC/block, mean fees {fees:g} BTC/block",),
    )


def energy_per_btc(mining_energy: Any, btc_mined: Any) -> Metric:
    """Energy per BTC mined ``MWh_mining / BTC_mined`` [MWh per BTC].

    Parameters
    ----------
    mining_energy : pint.Quantity or xarray.DataArray
        Self-mining energy including allocated overhead [energy].
    btc_mined : float or dimensionless pint.Quantity
        BTC mined by the self-mining fleet (a count).

    Returns
    -------
    Metric
        ``value`` [MWh] per BTC.
    """
    energy = total_of(mining_energy, "MWh", "mining energy")
    return Metric(
        name="MWh/BTC",
        value=(energy / _count(btc_mined, "BTC mined")).to("MWh"),
        label="energy per BTC mined (self-mining, incl. allocated overhead) [MWh/BTC]",
        standard=_STD,
        notes=("self-mining energy only; hosted-client energy excluded",),
    )


def emissions_per_btc(mining_emissions: Any, btc_mined: Any, *, basis: Basis) -> Metric:
    """Emissions per BTC mined ``t CO2e_mining / BTC_mined`` on one basis.

    Parameters
    ----------
    mining_emissions : pint.Quantity or xarray.DataArray
        Self-mining emissions on `basis` [mass CO2e].
    btc_mined : float or dimensionless pint.Quantity
        BTC mined (a count).
    basis : {"location-based", "market-based"}

    Returns
    -------
    Metric
        ``value`` [t CO2e] per BTC, named ``tCO2e/BTC_LB`` or ``tCO2e/BTC_MB``.
    """
    suffix = _basis(basis)
    emissions = total_of(mining_emissions, "t CO2e", f"{basis} mining emissions")
    return Metric(
        name=f"tCO2e/BTC_{suffix}",
        value=(emissions / _count(btc_mined, "BTC mined")).to("t CO2e"),
        label=f"emissions per BTC mined, {basis} [t CO2e/BTC]",
        standard=_STD,
        basis=basis,
    )


def emissions_per_ph_day(
    emissions: Any, average_hashrate: Any, duration: Any, *, basis: Basis
) -> Metric:
    """Emissions per unit of hashing work [kg CO2e per PH/s-day].

    Parameters
    ----------
    emissions : pint.Quantity or xarray.DataArray
        Mining emissions on `basis` over the period [mass CO2e].
    average_hashrate : pint.Quantity
        Average effective hashrate over the period [hash/time].
    duration : pint.Quantity or pandas.Timedelta
        Length of the period.
    basis : {"location-based", "market-based"}

    Returns
    -------
    Metric
        ``value`` [kg CO2e/(PH/s·day)].
    """
    suffix = _basis(basis)
    total = total_of(emissions, "kg CO2e", f"{basis} mining emissions")
    rate = _scalar(average_hashrate, "PH/s", "average hashrate")
    _positive(rate, "average hashrate")
    work = rate * _duration(duration).to("day")
    return Metric(
        name=f"kgCO2e/PH-day_{suffix}",
        value=(total / work).to("kg CO2e / (PH/s) / day"),
        label=f"emissions per PH/s-day, {basis} [kg CO2e/(PH/s·day)]",
        standard=_STD,
        basis=basis,
    )


# --------------------------------------------------------------------------------------
# AI hosting
# --------------------------------------------------------------------------------------
def _gpu_hours(x: Any, what: str) -> pint.Quantity:
    q = total_of(x, "hour", what)
    _positive(q, what)
    return q


def energy_per_gpu_hour(energy: Any, gpu_hours: Any, *, level: Literal["IT", "facility"]) -> Metric:
    """Energy per GPU-hour delivered [kWh/GPU-h].

    Parameters
    ----------
    energy : pint.Quantity or xarray.DataArray
        IT energy of the GPU fleet (``level="IT"``) or its facility energy, IT plus
        allocated overhead (``level="facility"``) [energy].
    gpu_hours : pint.Quantity or xarray.DataArray
        GPU-hours delivered [hour] (GPU count × hours).
    level : {"IT", "facility"}
        Give both figures.

    Returns
    -------
    Metric
        ``value`` [kWh/hour] per GPU, i.e. kWh/GPU-h.
    """
    if level not in ("IT", "facility"):
        raise InputDataError(f"level {level!r}: valid choices 'IT', 'facility'")
    total = total_of(energy, "kWh", f"{level} energy of the GPU fleet")
    hours = _gpu_hours(gpu_hours, "GPU-hours delivered")
    return Metric(
        name=f"kWh/GPU-h_{level}",
        value=(total / hours).to("kWh/hour"),
        label=f"energy per GPU-hour delivered, {level} level [kWh/GPU-h]",
        standard=_STD,
    )


def emissions_per_gpu_hour(emissions: Any, gpu_hours: Any, *, basis: Basis) -> Metric:
    """Emissions per GPU-hour delivered [g CO2e/GPU-h] on one basis.

    Parameters
    ----------
    emissions : pint.Quantity or xarray.DataArray
        Emissions of the AI workload on `basis` [mass CO2e].
    gpu_hours : pint.Quantity or xarray.DataArray
        GPU-hours delivered [hour].
    basis : {"location-based", "market-based"}

    Returns
    -------
    Metric
        ``value`` [g CO2e/hour] per GPU, i.e. g CO2e/GPU-h.
    """
    suffix = _basis(basis)
    total = total_of(emissions, "g CO2e", f"{basis} AI emissions")
    hours = _gpu_hours(gpu_hours, "GPU-hours delivered")
    return Metric(
        name=f"gCO2e/GPU-h_{suffix}",
        value=(total / hours).to("g CO2e/hour"),
        label=f"emissions per GPU-hour delivered, {basis} [g CO2e/GPU-h]",
        standard=_STD,
        basis=basis,
    )


def utilisation(gpu_hours_sold: Any, gpu_hours_available: Any) -> Metric:
    """GPU utilisation = GPU-hours sold / GPU-hours available [dimensionless, 0–1].

    Parameters
    ----------
    gpu_hours_sold, gpu_hours_available : pint.Quantity or xarray.DataArray
        [hour]

    Returns
    -------
    Metric
    """
    sold = total_of(gpu_hours_sold, "hour", "GPU-hours sold")
    available = _gpu_hours(gpu_hours_available, "GPU-hours available")
    if sold > available:
        raise InputDataError(
            f"GPU-hours sold ({sold:~}) exceed GPU-hours available ({available:~})"
        )
    return Metric(
        name="GPU utilisation",
        value=(sold / available).to("dimensionless"),
        label="GPU utilisation (GPU-hours sold / available)",
        standard=_STD,
    )
