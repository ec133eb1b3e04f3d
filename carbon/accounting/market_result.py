"""The market-based result of one site and boundary, both matching bases side by side.

:class:`MarketBasedResult` keeps the load, the allocated instrument MWh and the emissions
per workload and hour as unit-carrying DataArrays, with the matching metrics, the
instrument register (:class:`InstrumentOutcome`: applied, excluded with the failed
criteria, or not applicable) and the coverage by instrument class;
:meth:`MarketBasedResult.summary` gives the plain numbers for reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import xarray as xr

from carbon.accounting.claims import CriterionFailure
from carbon.accounting.matching import METRICS, MatchingMetrics

__all__ = ["InstrumentOutcome", "MarketBasedResult", "instrument_identity"]


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def instrument_identity(inst: Any) -> dict[str, Any]:
    """What an auditor traces an instrument by: registry, serial range, vintage, retirement
    date, beneficiary, generator, consumption period and evidence (None where the record
    gives none; a rate instrument's annual rate in g CO2e/kWh)."""
    serials = getattr(inst, "serials", None)
    rate = getattr(inst, "emission_rate", None)
    return {
        "registry": getattr(inst, "registry", None),
        "serial_start": getattr(inst, "serial_start", None),
        "serial_end": getattr(inst, "serial_end", None),
        "serial_count": None if serials is None else serials.count,
        "vintage_start": _iso(getattr(inst, "generation_start", None)),
        "vintage_end": _iso(getattr(inst, "generation_end", None)),
        "retirement_date": _iso(getattr(inst, "retirement_date", None)),
        "beneficiary": getattr(inst, "beneficiary", None),
        "generator_id": getattr(inst, "generator_id", None),
        "consumption_start": _iso(inst.consumption_start),
        "consumption_end": _iso(inst.consumption_end),
        "source": inst.source,
        "volume_mwh": float(inst.energy.to("MWh").magnitude) if hasattr(inst, "energy") else None,
        "rate_gco2e_per_kwh": None if rate is None else float(rate.to("g CO2e/kWh").magnitude),
    }


@dataclass(frozen=True)
class InstrumentOutcome:
    """One line of the instrument register: status, reasons and MWh in the window."""

    instrument_id: str
    kind: str
    status: Literal["applied", "excluded", "not-applicable"]
    failures: tuple[CriterionFailure, ...] = ()
    note: str = ""
    technology: str | None = None
    profile_basis: str = ""  # "hourly profile" or "flat"
    available_mwh: float = 0.0  # in the window (annual basis)
    hourly_available_mwh: float = 0.0  # counted on the hourly basis
    allocated_mwh: Mapping[str, float] = field(default_factory=dict)  # hourly basis, per workload
    allocated_annual_mwh: Mapping[str, float] = field(default_factory=dict)  # annual basis
    used_hourly_mwh: float = 0.0  # covering load, hourly matching
    used_annual_mwh: float = 0.0  # covering load, annual matching
    #: registry, serials, vintage, retirement, beneficiary … (:func:`instrument_identity`)
    identity: Mapping[str, Any] = field(default_factory=dict)
    #: a rate instrument (residual mix, supplier factor): the uncovered load it priced
    #: [MWh] on each basis, and its rate over those hours [g CO2e/kWh] (load-weighted)
    covered_hourly_mwh: float = 0.0
    covered_annual_mwh: float = 0.0
    rate_used_gco2e_per_kwh: float | None = None

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(str(f) for f in self.failures) + ((self.note,) if self.note else ())


@dataclass(frozen=True)
class MarketBasedResult:
    """Market-based Scope 2 of one site and boundary, both matching bases side by side.

    DataArrays carry units; the plain numbers are for reports (unit in the name).
    """

    load: xr.DataArray  # (workload, time) [kWh]
    generation_hourly: xr.DataArray  # (instrument, workload, time) [kWh], hourly key
    generation_annual: xr.DataArray  # (instrument, workload, time) [kWh], annual key
    hourly: xr.DataArray  # (workload, time) [kg CO2e], hourly matching
    annual: xr.DataArray  # (workload,) [kg CO2e], annual matching (2015)
    total_hourly: xr.DataArray  # (time,) [kg CO2e], boundary, hourly matching
    total_annual: xr.DataArray  # () [kg CO2e], boundary, annual matching
    remainder_factor: xr.DataArray  # (time,) [g CO2e/kWh] on uncovered load
    remainder_source: xr.DataArray  # (time,) "supplier_factor" | "residual_mix" | "grid_average"
    metrics: MatchingMetrics
    metrics_by_workload: Mapping[str, MatchingMetrics]
    register: tuple[InstrumentOutcome, ...]
    coverage_mwh: Mapping[str, Mapping[str, float]]  # basis → instrument class → MWh
    notes: tuple[str, ...]
    #: tenants with instruments designated to them: their own market-based emissions
    #: (tenant, time) hourly matching and (tenant,) annual matching [kg CO2e]; see
    #: :mod:`carbon.accounting.tenant_instruments`
    tenant_hourly: xr.DataArray | None = None
    tenant_annual: xr.DataArray | None = None
    tenant_instruments: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def total_hourly_kgco2e(self) -> float:
        return float(self.total_hourly.sum().pint.to("kg CO2e").pint.magnitude)

    @property
    def total_annual_kgco2e(self) -> float:
        return float(self.total_annual.pint.to("kg CO2e").pint.magnitude)

    @property
    def excluded(self) -> tuple[InstrumentOutcome, ...]:
        """Instruments that failed a quality criterion, with the reasons (1.3)."""
        return tuple(o for o in self.register if o.status == "excluded")

    @property
    def workload_minus_total_kgco2e(self) -> dict[str, float]:
        """Σ workloads − boundary total per basis; non-zero only when a designated
        instrument's surplus is not shared with other workloads."""
        h = float(self.hourly.sum().pint.to("kg CO2e").pint.magnitude)
        a = float(self.annual.sum().pint.to("kg CO2e").pint.magnitude)
        return {"hourly": h - self.total_hourly_kgco2e, "annual": a - self.total_annual_kgco2e}

    def summary(self) -> dict[str, Any]:
        """Plain numbers for reports and ``results.json`` (the unit is in every key)."""

        def per_workload(da: xr.DataArray) -> dict[str, float]:
            values = da.pint.to("kg CO2e").pint.magnitude
            return {str(w): float(v) for w, v in zip(da["workload"].values, values, strict=True)}

        def metric_block(m: MatchingMetrics) -> dict[str, Any]:
            return {d.key: getattr(m, d.key) for d in METRICS} | {
                "load_mwh": m.load_mwh,
                "carbon_free_mwh": m.carbon_free_mwh,
                "hourly_matched_mwh": m.hourly_matched_mwh,
            }

        return {
            "mb_annual_matching_kgco2e": self.total_annual_kgco2e,
            "mb_hourly_matching_kgco2e": self.total_hourly_kgco2e,
            "mb_annual_matching_by_workload_kgco2e": per_workload(self.annual),
            "mb_hourly_matching_by_workload_kgco2e": per_workload(self.hourly.sum("time")),
            "metric_labels": {d.key: d.label for d in METRICS},
            "metrics": metric_block(self.metrics),
            "metrics_by_workload": {
                w: metric_block(m) for w, m in self.metrics_by_workload.items()
            },
            "coverage_mwh": {b: dict(row) for b, row in self.coverage_mwh.items()},
            "excluded": [
                {"instrument_id": o.instrument_id, "kind": o.kind, "reasons": list(o.reasons)}
                for o in self.excluded
            ],
            "notes": list(self.notes),
        }
