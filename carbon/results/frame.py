"""The results of one period as Python objects, for analysis in a notebook.

:class:`Results` wraps the results document (exactly what ``results.json`` holds) and,
when it was just computed, the period outcome it came from. It offers the document
(:meth:`Results.to_dict`), the rows of ``results.csv`` as a tidy pandas table
(:meth:`Results.to_frame`) and the main figures as xarray objects carrying pint units
of :data:`carbon.core.units.ureg` (:attr:`Results.energy`, :attr:`Results.emissions`,
:attr:`Results.hourly`). Nothing is computed here: the per-workload figures are read
from the document and the time series from the outcome, so every number equals the
one in the report.
"""

from __future__ import annotations

import copy
import csv
import io
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import xarray as xr

from carbon.analysis.period import PeriodOutcome
from carbon.core.errors import ConfigError
from carbon.core.units import ureg
from carbon.results.document import results_csv_bytes

__all__ = ["FRAME_COLUMNS", "SCOPE2_BASES", "Results"]

#: The columns of :meth:`Results.to_frame` (the header of ``results.csv``).
FRAME_COLUMNS = ("site_id", "period", "metric", "workload", "value", "unit")

#: Scope 2 bases of :attr:`Results.emissions` → the results.json key holding each.
SCOPE2_BASES = {
    "location": "scope2_location_kgco2e",
    "market": "scope2_market_kgco2e",
    "market_hourly_matching": "scope2_market_hourly_matching_kgco2e",
}


def _frame_from_csv(data: bytes) -> pd.DataFrame:
    """``results.csv`` bytes → the tidy table; values parse back to the exact floats
    written (``repr`` round-trips), an empty value (a figure not available) to NaN."""
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    header = next(reader)
    at = header.index("value")
    rows = [
        [(float(cell) if cell else math.nan) if i == at else cell for i, cell in enumerate(row)]
        for row in reader
    ]
    frame = pd.DataFrame(rows, columns=header)
    return frame.astype({c: "float64" if c == "value" else "string" for c in header})


@dataclass(frozen=True, eq=False)
class Results:
    """One period's results: the document, its tidy table and its figures with units.

    Parameters
    ----------
    document
        The results document, as ``results.json`` holds it (plain numbers in the unit
        each key names).
    outcome
        The period outcome the document was built from (the unit-carrying arrays), or
        None for a document read back from a file; :attr:`hourly` needs it.
    source
        What the period was computed from (a :class:`carbon.workflow.api.Site`), kept so
        that :func:`carbon.write_report` can write the report of the same site; None
        when unknown.

    Examples
    --------
    >>> r = carbon.run(carbon.demo_site(), "2025-07")  # doctest: +SKIP
    >>> r.emissions.sel(basis="market").pint.to("t CO2e")  # doctest: +SKIP
    """

    document: dict[str, Any]
    outcome: PeriodOutcome | None = None
    source: Any = None

    def __repr__(self) -> str:
        return (
            f"Results(site_id={self.site_id!r}, period={self.period!r}, "
            f"report_id={self.document.get('report_id')!r})"
        )

    @property
    def site_id(self) -> str:
        """The site's id (``results.json`` ``site.id``)."""
        return str(self.document["site"]["id"])

    @property
    def period(self) -> str:
        """The period's label, e.g. ``"2025-07"`` (a local calendar month)."""
        return str(self.document["period"]["label"])

    def to_dict(self) -> dict[str, Any]:
        """The results document: exactly what ``results.json`` holds (a copy).

        ``carbon.results.document.results_json_bytes(r.to_dict())`` gives the bytes of
        the ``results.json`` that ``carbon report`` writes for a first draft version.
        """
        return copy.deepcopy(self.document)

    def to_frame(self) -> pd.DataFrame:
        """The rows of ``results.csv`` as a tidy table.

        Columns ``site_id, period, metric, workload, value, unit``: one row per figure
        and workload (``workload`` is ``"total"`` for site-wide figures), ``value`` a
        float in ``unit`` (NaN where the figure is not available). The rows are the
        ones ``results.csv`` is written from, in the same order, not computed again.
        """
        return _frame_from_csv(results_csv_bytes(self.document))

    def _by_workload(self, key: str, unit: str, name: str) -> xr.DataArray:
        """One ``{workload: value, ..., "total": value}`` block of the document as a
        DataArray over ``workload`` (the total is left out: it is the sum)."""
        block = self.document[key]
        workloads = [w for w in block if w != "total"]
        values = [math.nan if block[w] is None else float(block[w]) for w in workloads]
        array = xr.DataArray(values, dims=("workload",), coords={"workload": workloads}, name=name)
        return array.pint.quantify(unit, unit_registry=ureg)

    @property
    def energy(self) -> xr.DataArray:
        """Facility energy by workload [kWh] (``energy_kwh``): IT energy plus its share
        of shared loads and the unmetered residual. Dims ``(workload,)``."""
        return self._by_workload("energy_kwh", "kWh", "energy")

    @property
    def it_energy(self) -> xr.DataArray:
        """IT energy by workload [kWh] (``it_energy_kwh``). Dims ``(workload,)``."""
        return self._by_workload("it_energy_kwh", "kWh", "it_energy")

    @property
    def overhead_energy(self) -> xr.DataArray:
        """Overhead energy by workload [kWh] (``overhead_energy_kwh``): shared loads and
        the unmetered residual allocated to each workload. Dims ``(workload,)``."""
        return self._by_workload("overhead_energy_kwh", "kWh", "overhead_energy")

    @property
    def emissions(self) -> xr.DataArray:
        """Scope 2 emissions by basis and workload [kg CO2e]. Dims ``(basis, workload)``.

        ``basis`` is ``location`` (hourly location-based, ``scope2_location_kgco2e``),
        ``market`` (market-based, annual matching, ``scope2_market_kgco2e``) and
        ``market_hourly_matching`` (``scope2_market_hourly_matching_kgco2e``). A
        workload absent from one basis is NaN there.
        """
        blocks = [
            self._by_workload(key, "kg CO2e", basis).pint.dequantify()
            for basis, key in SCOPE2_BASES.items()
        ]
        joined = xr.concat(blocks, dim="basis", join="outer", fill_value=math.nan)
        joined = joined.assign_coords(basis=list(SCOPE2_BASES)).rename("scope2")
        return joined.pint.quantify("kg CO2e", unit_registry=ureg)

    @property
    def hourly(self) -> xr.Dataset:
        """The period's time series by workload, on the factor step (hourly for an
        hourly grid source): ``energy`` [kWh] and ``scope2_location`` [kg CO2e] with
        dims ``(workload, time)``, and ``grid_intensity`` [g CO2e/kWh], the
        location-based factor used, with dims ``(time,)``. ``time`` is the start of
        each step in UTC. Their sums over time are the document's ``energy_kwh`` and
        ``scope2_location_kgco2e``.

        Raises
        ------
        ConfigError
            When the Results hold no outcome (a document read back from a file).
        """
        if self.outcome is None:
            raise ConfigError(
                "these Results hold the document only; the time series need the period "
                "outcome: compute them with carbon.run(site, period)"
            )
        return xr.Dataset(
            {
                "energy": self.outcome.hourly_energy,
                "scope2_location": self.outcome.hourly_emissions,
                "grid_intensity": self.outcome.intensity_used,
            }
        )
