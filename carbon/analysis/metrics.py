"""Data-centre KPIs (METHODOLOGY section 3).

PUE = E_DC / E_IT (ISO/IEC 30134-2). ``E_DC`` is all energy crossing the
boundary (here: the revenue meter; on-site generation arrives later), ``E_IT``
the sub-metered IT energy. A value over less than 12 months is *interim* and is
labelled so. Per-workload PUE divides a workload's facility energy (IT plus
allocated shared and residual) by its IT energy.
"""

from __future__ import annotations

import xarray as xr


def pue(facility_energy: xr.DataArray, it_energy: xr.DataArray) -> float | None:
    """Power usage effectiveness [1]; ``None`` where there is no IT energy."""
    ratio = (facility_energy.sum() / it_energy.sum()).pint.to("dimensionless")
    it_kwh = float(it_energy.sum().pint.to("kWh").pint.magnitude)
    return float(ratio.pint.magnitude) if it_kwh > 0 else None
