"""The figures that depend on the GWP set, computed under several sets in one run
(docs/methodology.md "Several GWP sets in one run", §9).

A report states one GWP set (``[reporting] gwp_set``, AR6 by default) and never mixes sets
in one total. Frameworks and factor sources do not all ask for the same set: ESRS E1-6 and
IFRS S2 29(a) ask for the latest IPCC values (AR6), the US EPA GHGRP (40 CFR 98 Table A-1)
and eGRID2023's published CO2e use AR5. So every run also computes, from the same per-gas
masses and per-gas rates, the figures a GWP set changes:

- Scope 1: per-gas masses (CO2, CH4, N2O) × the set's GWP, combustion CH4 at the set's
  fossil value (:mod:`carbon.accounting.scope1`);
- Scope 3.3(c) T&D losses: eGRID's per-gas rates × the set's GWP;
- the eGRID annual rates the location-based hierarchy falls back to (subregion, national),
  so that the hours that used them can be restated under each set.

What a set cannot change is said, not recomputed: an hourly grid series, a residual mix or an
instrument rate published as CO2e only carries its publisher's GWP set in every set's totals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pint

from carbon.accounting.fuel_records import FuelRecord
from carbon.accounting.scope1 import Scope1Result, scope1_emissions
from carbon.accounting.scope3 import TDLosses, td_losses_egrid
from carbon.core.errors import FactorNotFoundError
from carbon.factors.egrid import egrid_co2e_rate
from carbon.factors.gwp import gwp, gwp100_table

__all__ = [
    "GWP_SET_USES",
    "REPORTED_GWP_SETS",
    "GwpSetFigures",
    "figures_by_gwp_set",
    "gwp_sets_for",
]

#: The sets every run computes besides the report's own set: AR6 (the latest IPCC values)
#: and AR5 (required by a framework or a factor source, see :data:`GWP_SET_USES`).
REPORTED_GWP_SETS: tuple[str, ...] = ("AR6", "AR5")

#: Who asks for each set (docs/methodology.md "Several GWP sets in one run"; §4, §9).
GWP_SET_USES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "AR6": (
            "ESRS E1-6: GWP-100 from the latest IPCC report",
            "IFRS S2 29(a): latest IPCC GWP-100; the amendments effective 1 January 2027 "
            "allow values a jurisdiction requires, stated per figure",
            "GHG Protocol Corporate Standard: recommends the latest IPCC values",
        ),
        "AR5": (
            "US EPA GHGRP, 40 CFR 98 Table A-1 (AR5 values; verify the first reporting year)",
            "eGRID2023 and later: published CO2e rates embed AR5",
        ),
        "AR4": ("eGRID2022 and earlier: published CO2e rates embed AR4; legacy inventories",),
    }
)


@dataclass(frozen=True)
class GwpSetFigures:
    """The set-dependent figures of one period under one GWP set."""

    gwp_set: str
    gwp_ch4_combustion: pint.Quantity  # [CO2e/CH4] fossil combustion CH4 (the set's fossil row)
    gwp_n2o: pint.Quantity  # [CO2e/N2O]
    scope1: Scope1Result
    td_losses: TDLosses | None  # None where eGRID has no loss factor for the region
    subregion_rate: pint.Quantity | None  # [lb CO2e/MWh] eGRID subregion annual; None if unknown
    national_rate: pint.Quantity  # [lb CO2e/MWh] eGRID national (US) annual


def gwp_sets_for(reporting_set: str) -> tuple[str, ...]:
    """The report's own set first, then :data:`REPORTED_GWP_SETS` not already listed."""
    first = reporting_set.strip().upper()
    return (first, *(s for s in REPORTED_GWP_SETS if s != first))


def _fossil_ch4(gwp_set: str) -> pint.Quantity:
    """The set's fossil CH4 value; a set without a fossil row (AR4) uses its CH4."""
    return gwp("CH4_fossil" if "CH4_fossil" in gwp100_table()[gwp_set] else "CH4", gwp_set)


def figures_by_gwp_set(
    records: Sequence[FuelRecord],
    purchased: Any,
    grid_region: str,
    dataset_id: str,
    sets: Sequence[str],
) -> dict[str, GwpSetFigures]:
    """Scope 1, T&D losses and eGRID annual rates of one period under each of `sets`.

    Parameters
    ----------
    records
        The period's validated fuel records.
    purchased
        Grid electricity purchased in the period [kWh].
    grid_region
        The site's eGRID subregion (a region eGRID does not know has no subregion rate and
        no T&D loss factor; both are None, as in the report's own set).
    dataset_id
        The eGRID edition of the period (``latest_egrid_for_year``).
    sets
        GWP set names, e.g. ``("AR6", "AR5")``.
    """
    out: dict[str, GwpSetFigures] = {}
    for name in sets:  # two or three sets, each a handful of scalar products
        key = name.strip().upper()
        gwp("CO2", key)  # an unknown set fails here, listing the valid ones
        try:
            td: TDLosses | None = td_losses_egrid(purchased, grid_region, dataset_id, gwp_set=key)
        except FactorNotFoundError:
            td = None
        try:
            sub: pint.Quantity | None = egrid_co2e_rate(grid_region, dataset_id, key)[0]
        except FactorNotFoundError:
            sub = None
        out[key] = GwpSetFigures(
            gwp_set=key,
            gwp_ch4_combustion=_fossil_ch4(key),
            gwp_n2o=gwp("N2O", key),
            scope1=scope1_emissions(records, gwp_set=key),
            td_losses=td,
            subregion_rate=sub,
            national_rate=egrid_co2e_rate("US", dataset_id, key)[0],
        )
    return out
