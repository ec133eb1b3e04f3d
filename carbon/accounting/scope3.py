"""Scope 3 category 3: fuel- and energy-related activities (docs/methodology.md §1.6).

Two parts are computed here, each kept apart from Scope 2:

- **3(c) T&D losses**: generation of the electricity lost between the power
  stations and the site, ``E_3c = A · r · EF``. ``r`` is the loss per unit
  *consumed*; eGRID's grid gross loss λ is a fraction of supply, so
  ``r = λ / (1 − λ)``. The default factor is **location-based** (eGRID subregion
  total output, a generation factor), whatever the market-based Scope 2 is: a
  zero MB Scope 2 does not zero 3(c) (GHG Protocol Scope 2 FAQ Q9; docs/methodology.md §1.6
  marks the FAQ text "verify").
- **3(b) upstream of purchased electricity**: when both a life-cycle and a
  direct (combustion) intensity are known, ``E_3b = Σ A · (EF_LC − EF_direct)``.
  Scope 2 uses the direct factor; the difference belongs here.

``A`` is grid electricity purchased (after :func:`carbon.accounting.grid_purchase.grid_purchased`
removes on-site generation consumed on site).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pint
import xarray as xr

from carbon.core.errors import InputDataError, UnitError
from carbon.core.totals import total_of
from carbon.core.units import Q_, ureg
from carbon.factors.catalogue import load_dataset
from carbon.factors.egrid import egrid_co2e_rate, egrid_grid_gross_loss

__all__ = [
    "FactorBasis",
    "FactorRole",
    "TDLosses",
    "UpstreamElectricity",
    "loss_ratio",
    "td_losses",
    "td_losses_egrid",
    "upstream_of_purchased_electricity",
]

FactorBasis = Literal["generation", "life-cycle"]
FactorRole = Literal["location-based", "market-based"]

_FAQ_NOTE = (
    "3(c) uses location-based factors by default: a zero market-based Scope 2 does not zero "
    "T&D losses (GHG Protocol Scope 2 FAQ Q9; docs/methodology.md §1.6 marks the FAQ text 'verify')"
)


def loss_ratio(grid_gross_loss: Any) -> pint.Quantity:
    """Loss per unit consumed, ``r = λ / (1 − λ)``, from losses as a fraction of supply.

    Parameters
    ----------
    grid_gross_loss : pint.Quantity or float
        λ, losses as a fraction of electricity supplied [dimensionless], 0 ≤ λ < 1
        (eGRID GGRSLOSS, e.g. 0.042).

    Returns
    -------
    pint.Quantity
        r [dimensionless], e.g. 0.042/0.958 = 0.04384.

    Examples
    --------
    >>> round(float(loss_ratio(0.042).magnitude), 6)
    0.043841
    """
    lam = grid_gross_loss
    if isinstance(lam, ureg.Quantity):
        if not lam.dimensionless:
            raise UnitError(f"grid gross loss must be dimensionless (a fraction), got {lam.units}")
        lam = float(lam.to("dimensionless").magnitude)
    elif isinstance(lam, int | float | np.floating) and not isinstance(lam, bool):
        lam = float(lam)
    else:
        raise UnitError(f"grid gross loss must be a fraction, got {type(lam).__name__}")
    if not 0.0 <= lam < 1.0:
        raise InputDataError(
            f"grid gross loss λ = {lam} is outside [0, 1); it is a fraction of supply "
            "(0.042 = 4.2 %), not a percentage"
        )
    return Q_(lam / (1.0 - lam), "dimensionless")


@dataclass(frozen=True)
class TDLosses:
    """Scope 3 category 3(c): emissions of generating the electricity lost in T&D.

    Attributes
    ----------
    emissions : pint.Quantity
        [kg CO2e] ``A · r · EF``.
    lost_energy : pint.Quantity
        [kWh] ``A · r``.
    purchased_energy : pint.Quantity
        [kWh] A.
    loss_ratio : pint.Quantity
        r [dimensionless].
    grid_gross_loss : pint.Quantity
        λ [dimensionless].
    factor_basis : str
        ``"generation"`` or ``"life-cycle"`` (declared, docs/methodology.md §1.6).
    factor_role : str
        ``"location-based"`` (default) or ``"market-based"``.
    source : str
        Where EF and λ come from (e.g. ``"egrid2023rev2 ERCT"``).
    label : str
        Display label; never to be added to Scope 2.
    notes : tuple of str
    """

    emissions: pint.Quantity
    lost_energy: pint.Quantity
    purchased_energy: pint.Quantity
    loss_ratio: pint.Quantity
    grid_gross_loss: pint.Quantity
    factor_basis: str
    factor_role: str
    source: str
    label: str
    notes: tuple[str, ...] = ()


def _product(amount: Any, rate: Any, what: str) -> Any:
    for x, name in ((amount, "energy"), (rate, what)):
        if not isinstance(x, xr.DataArray | ureg.Quantity):
            raise UnitError(f"the {name} must be a pint Quantity or a quantified DataArray")
    if isinstance(amount, xr.DataArray) and isinstance(rate, xr.DataArray):
        try:
            amount, rate = xr.align(amount, rate, join="exact")
        except ValueError as exc:
            raise InputDataError(f"energy and {what} do not cover the same intervals") from exc
    return amount * rate


def td_losses(
    purchased_energy: Any,
    factor: Any,
    grid_gross_loss: Any,
    *,
    factor_basis: FactorBasis,
    factor_role: FactorRole = "location-based",
    source: str = "",
) -> TDLosses:
    """T&D losses, Scope 3 category 3(c): ``E_3c = A · r · EF`` with ``r = λ/(1−λ)``.

    Parameters
    ----------
    purchased_energy : pint.Quantity or xarray.DataArray
        A, grid electricity purchased [kWh]; per interval when `factor` is a series.
    factor : pint.Quantity or xarray.DataArray
        EF [mass CO2e/energy]; location-based unless `factor_role` says otherwise.
    grid_gross_loss : pint.Quantity or float
        λ, losses as a fraction of supply [dimensionless].
    factor_basis : {"generation", "life-cycle"}
        Declare whether EF is a generation (direct) or life-cycle factor.
    factor_role : {"location-based", "market-based"}
        Default location-based (docs/methodology.md §1.6).
    source : str
        Citation of EF and λ.

    Returns
    -------
    TDLosses
    """
    if factor_basis not in ("generation", "life-cycle"):
        raise InputDataError(
            f"factor_basis {factor_basis!r}: declare 'generation' or 'life-cycle' "
            "(docs/methodology.md §1.6)"
        )
    if factor_role not in ("location-based", "market-based"):
        raise InputDataError(
            f"factor_role {factor_role!r}: valid choices 'location-based', 'market-based'"
        )
    r = loss_ratio(grid_gross_loss)
    lam = grid_gross_loss if isinstance(grid_gross_loss, ureg.Quantity) else Q_(grid_gross_loss, "")
    energy = total_of(purchased_energy, "kWh", "purchased electricity")
    base = total_of(_product(purchased_energy, factor, "factor"), "kg CO2e", "A × EF")
    notes = [f"r = λ/(1−λ) = {float(lam.magnitude):g}/{1 - float(lam.magnitude):g}"]
    if factor_role == "location-based":
        notes.append(_FAQ_NOTE)
    else:
        notes.append(
            "market-based factor chosen for 3(c); the default is location-based "
            "(docs/methodology.md §1.6)"
        )
    if factor_basis == "life-cycle":
        notes.append("life-cycle factor: the lost electricity's upstream (3(b) share) is included")
    role = "LB" if factor_role == "location-based" else "MB"
    return TDLosses(
        emissions=(base * r).to("kg CO2e"),
        lost_energy=(energy * r).to("kWh"),
        purchased_energy=energy,
        loss_ratio=r,
        grid_gross_loss=lam.to("dimensionless"),
        factor_basis=factor_basis,
        factor_role=factor_role,
        source=source,
        label=f"Scope 3 cat. 3(c) T&D losses ({role}, {factor_basis} factor; not Scope 2)",
        notes=tuple(notes),
    )


def td_losses_egrid(
    purchased_energy: Any, subregion: str, dataset_id: str, *, gwp_set: str = "AR6"
) -> TDLosses:
    """T&D losses with eGRID's subregion total-output rate and grid gross loss (LB).

    Parameters
    ----------
    purchased_energy : pint.Quantity or xarray.DataArray
        A, grid electricity purchased [kWh].
    subregion : str
        eGRID subregion, e.g. ``"ERCT"``.
    dataset_id : str
        e.g. ``"egrid2023rev2"``.
    gwp_set : str
        Report GWP set; eGRID's CO2e is recomputed from the per-gas rates when it
        embeds another set (eGRID2023: AR5).

    Returns
    -------
    TDLosses
        Location-based, generation factor.

    References
    ----------
    .. [1] US EPA eGRID, fields SRC2ERTA (or SRCO2RTA/SRCH4RTA/SRN2ORTA) and GGRSLOSS,
       https://www.epa.gov/egrid
    """
    rate, recomputed = egrid_co2e_rate(subregion, dataset_id, gwp_set)
    lam = egrid_grid_gross_loss(subregion, dataset_id)
    dataset = load_dataset(dataset_id)
    fields = "SRCO2RTA, SRCH4RTA, SRN2ORTA" if recomputed else "SRC2ERTA"
    source = f"{dataset.id} ({dataset.label}) {subregion.strip().upper()}: {fields}, GGRSLOSS"
    result = td_losses(
        purchased_energy,
        rate,
        lam,
        factor_basis="generation",
        factor_role="location-based",
        source=source,
    )
    extra = (
        f"CO2e rate recomputed from per-gas rates under {gwp_set.upper()}"
        if recomputed
        else f"eGRID published CO2e rate ({dataset.gwp_set})"
    )
    return replace(result, notes=(*result.notes, extra))


@dataclass(frozen=True)
class UpstreamElectricity:
    """Scope 3 category 3(b): upstream of purchased electricity.

    Attributes
    ----------
    emissions : pint.Quantity
        [kg CO2e] ``Σ A · (EF_LC − EF_direct)``.
    lifecycle_emissions, direct_emissions : pint.Quantity
        [kg CO2e] ``Σ A·EF_LC`` and ``Σ A·EF_direct`` (the latter is the Scope 2 figure
        on that basis; shown for reconciliation, not added).
    label : str
    notes : tuple of str
    """

    emissions: pint.Quantity
    lifecycle_emissions: pint.Quantity
    direct_emissions: pint.Quantity
    label: str
    notes: tuple[str, ...] = ()


def upstream_of_purchased_electricity(
    purchased_energy: Any, lifecycle_intensity: Any, direct_intensity: Any
) -> UpstreamElectricity:
    """Scope 3 category 3(b) as life-cycle minus direct intensity times energy.

    Parameters
    ----------
    purchased_energy : pint.Quantity or xarray.DataArray
        A [kWh], per interval when the intensities are series.
    lifecycle_intensity : pint.Quantity or xarray.DataArray
        Life-cycle intensity [mass CO2e/energy] (e.g. Electricity Maps default).
    direct_intensity : pint.Quantity or xarray.DataArray
        Direct (combustion) intensity of the same grid and intervals [mass CO2e/energy].

    Returns
    -------
    UpstreamElectricity

    Raises
    ------
    InputDataError
        If the series do not cover the same intervals, or the life-cycle intensity
        is below the direct one in any interval (inconsistent factor pair).
    """
    lc = total_of(
        _product(purchased_energy, lifecycle_intensity, "life-cycle intensity"),
        "kg CO2e",
        "A × EF_LC",
    )
    direct = total_of(
        _product(purchased_energy, direct_intensity, "direct intensity"), "kg CO2e", "A × EF_direct"
    )
    lc_rate, direct_rate = lifecycle_intensity, direct_intensity
    if isinstance(lc_rate, xr.DataArray) and isinstance(direct_rate, xr.DataArray):
        try:
            lc_rate, direct_rate = xr.align(lc_rate, direct_rate, join="exact")
        except ValueError as exc:
            raise InputDataError(
                "the two intensity series do not cover the same intervals"
            ) from exc
    try:
        gap = lc_rate - direct_rate
        gap = gap.pint.to("g CO2e/kWh") if isinstance(gap, xr.DataArray) else gap.to("g CO2e/kWh")
    except pint.DimensionalityError as exc:
        raise UnitError(f"intensities must be convertible to g CO2e/kWh: {exc}") from exc
    magnitude = gap.pint.magnitude if isinstance(gap, xr.DataArray) else gap.magnitude
    gap_g = np.asarray(magnitude, dtype=float)
    if (gap_g < 0).any():
        raise InputDataError(
            f"life-cycle intensity is below the direct intensity in {int((gap_g < 0).sum())} "
            "interval(s); the pair is inconsistent (different grids, bases or vintages)"
        )
    return UpstreamElectricity(
        emissions=(lc - direct).to("kg CO2e"),
        lifecycle_emissions=lc,
        direct_emissions=direct,
        label="Scope 3 cat. 3(b) upstream of purchased electricity (life-cycle − direct)",
        notes=(
            "Scope 2 uses the direct factor; the difference is reported here "
            "(docs/methodology.md §1.6)",
        ),
    )
