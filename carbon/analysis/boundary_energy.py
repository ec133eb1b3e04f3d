"""Energy crossing the data-centre boundary, and the emissions of that energy
(docs/methodology.md §3).

ISO/IEC 30134-2 (EN 50600-4-2) defines ``E_DC`` as all energy crossing the boundary:
electricity, fuels and purchased cooling, fuels converted by stated factors. At the sites
carbon accounts, that is the revenue meter's electricity plus the fuel burnt in on-site
gensets (backup test runs, or generation): the fuel counts once, as fuel, at the heating
value its ``[[fuel]]`` record states (HHV unless the record says LHV;
:func:`carbon.accounting.scope1.fuel_energy_hhv`), and the genset's electrical output is not added
on top (ESRS E1-5 counts the gas once; a genset's output is consumed inside the boundary).

CUE divides the emissions of all that energy by E_IT (ISO/IEC 30134-8: ``Σ_src E_src ·
EF_src``; "on-site combustion uses the actual fuel emissions"): Scope 2 on the stated
basis plus the period's Scope 1.

Per-workload PUE stays electricity-only: the gensets serve the site as a whole (backup),
and docs/methodology.md §6 gives no key to allocate their fuel to workloads.
"""

from __future__ import annotations

from dataclasses import dataclass

import pint

from carbon.accounting.outcome import PeriodOutcome
from carbon.analysis.kpis import pue_ratio
from carbon.core.totals import total_of

__all__ = ["BoundaryEnergy", "boundary_energy", "facility_pue", "pue_of"]


@dataclass(frozen=True)
class BoundaryEnergy:
    """E_DC of one period by carrier, and the Scope 1 of the fuel part.

    Attributes
    ----------
    electricity : pint.Quantity
        [kWh] the revenue meter (grid supply) over the period.
    fuels : pint.Quantity
        [kWh] fuel burnt on site over the period, on the HHV basis.
    combustion : pint.Quantity
        [kg CO2e] Scope 1 of that fuel (actual fuel emissions, for CUE).
    """

    electricity: pint.Quantity
    fuels: pint.Quantity
    combustion: pint.Quantity

    @property
    def total(self) -> pint.Quantity:
        """E_DC [kWh] = electricity + fuels."""
        return (self.electricity + self.fuels).to("kWh")

    def note(self) -> str:
        """One line stating what E_DC holds, for the KPI details."""
        if self.fuels.magnitude == 0:
            return "E_DC = the revenue meter's electricity (no fuel burnt on site in the period)"
        return (
            f"E_DC = electricity {self.electricity.to('kWh').magnitude:,.0f} kWh + on-site "
            f"fuel {self.fuels.to('kWh').magnitude:,.0f} kWh (HHV, as the [[fuel]] records "
            "state); the genset output is not added on top"
        )


def boundary_energy(outcome: PeriodOutcome) -> BoundaryEnergy:
    """E_DC of `outcome`'s period: the revenue meter plus the period's fuel records."""
    scope1 = outcome.scopes.scope1
    return BoundaryEnergy(
        electricity=total_of(outcome.attribution.revenue, "kWh", "revenue meter energy"),
        fuels=scope1.energy_hhv.to("kWh"),
        combustion=scope1.co2e.to("kg CO2e"),
    )


def facility_pue(outcome: PeriodOutcome) -> float | None:
    """Facility PUE ``E_DC / E_IT`` [1] with E_DC as :func:`boundary_energy` gives it;
    ``None`` where the period has no IT energy."""
    return pue_ratio(boundary_energy(outcome).total, outcome.attribution.it)


def pue_of(outcome: PeriodOutcome) -> tuple[float | None, dict[str, float | None]]:
    """Electricity-only PUE of an outcome: the revenue meter over E_IT, and per workload
    (but ``other``) its facility energy (IT, shared and residual) over its IT energy;
    ``None`` where there is no IT energy."""
    split = outcome.attribution
    facility = pue_ratio(split.revenue, split.it)
    per_workload = {
        str(w): pue_ratio(split.total.sel(workload=w), split.it.sel(workload=w))
        for w in split.it["workload"].values
        if str(w) != "other"
    }
    return facility, per_workload
