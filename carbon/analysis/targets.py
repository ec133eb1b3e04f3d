"""The SBTi CNZS V2.0 Scope 2 tracker: location-based trajectory by year, the linear path
to the declared target, the rapid-growth test and the low-carbon shares
(docs/methodology.md "SBTi CNZS V2.0 tracker").

Pure functions over unit-carrying figures: :func:`month_tally` reads one computed month
(a :class:`~carbon.accounting.outcome.PeriodOutcome`), :func:`year_tally` adds the months
of a calendar year, :func:`tracker` builds the ``sbti`` block of ``results.json`` from the
declared target and the year tallies. Which months are computed is the workflow's
business (:mod:`carbon.workflow.targets`).

Rules (our reading of the standard where marked):

- Scope 2 reduction targets are anchored to location-based emissions ``E_y``.
- Required linear path: ``P_y = B · (1 − p · (y − y0) / (T − y0))`` for ``y0 ≤ y ≤ T``
  (``B`` base-year emissions, ``p`` the declared reduction, ``y0`` base year, ``T`` target
  year); after ``T`` the path stays at ``B · (1 − p)``.
- A year is compared with the path only when all twelve months are in the data; a
  partial year shows its months to date and a flat-rate annualisation marked indicative.
- Rapid growth (our reading): compound growth of electricity consumed from the base
  year to the latest year ``g = (E_last / E_base)^(1 / (y_last − y0)) − 1`` above the
  declared threshold (default 10 %/yr); provisional when the latest year is partial.
- Recognised hourly-matched share ``Σ_h min(L_h, G_h) / Σ_h L_h`` (contracted
  carbon-free generation ``G_h``, docs/methodology.md §2); low-carbon electricity share
  ``Σ_h [min(L_h, G_h) + c_h · max(0, L_h − G_h)] / Σ_h L_h`` with the grid's
  carbon-free share ``c_h`` (the CFE% formula: the grid part counts only the load the
  contracts leave unmatched, so nothing is counted twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pint

from carbon.accounting.outcome import PeriodOutcome
from carbon.analysis.leased_assets import cat13_location_kgco2e
from carbon.core.errors import UnitError
from carbon.core.units import ureg
from carbon.site.targets import TARGET_STANDARDS, Targets

__all__ = [
    "STANDARD_STATUS",
    "YearTally",
    "linear_path",
    "month_tally",
    "no_targets_block",
    "tracker",
    "year_tally",
]

#: Status of the standard, stated with every tracker.
STANDARD_STATUS = (
    "published 11 June 2026; usable from 2027, required for new targets from 2028 "
    "(sciencebasedtargets.org, 'Understanding Scope 2 in the Updated Corporate Net-Zero "
    "Standard V2.0', 11 June 2026)"
)
_KG, _KWH = "kg CO2e", "kWh"


@dataclass(frozen=True)
class YearTally:
    """The figures of one calendar year (or month) the tracker reads, unit-carrying.

    ``matched``, ``matching_load`` and ``grid_low_carbon`` are None where not known
    (declared base years; a month without the grid's carbon-free share for
    ``grid_low_carbon``)."""

    year: int
    months: tuple[str, ...]  # YYYY-MM labels covered (empty for a declared year)
    hours: float  # hours the months cover (0 for a declared year)
    location: pint.Quantity | None  # [CO2e mass] location-based Scope 2
    electricity: pint.Quantity | None  # [energy] electricity consumed
    matched: pint.Quantity | None = None  # [energy] Σ min(L_h, G_h)
    matching_load: pint.Quantity | None = None  # [energy] Σ L_h of the matching
    grid_low_carbon: pint.Quantity | None = None  # [energy] Σ c_h · max(0, L_h − G_h)
    source: str = "meter data"

    @property
    def complete(self) -> bool:
        """All twelve months in the data, or a declared annual figure."""
        return self.source == "declared" or len(self.months) == 12


def _energy(q: Any, what: str) -> pint.Quantity:
    if not isinstance(q, ureg.Quantity) or not q.is_compatible_with(_KWH):
        raise UnitError(f"{what} must be an energy, got {getattr(q, 'units', type(q).__name__)}")
    return q.to(_KWH)


def _mass(q: Any, what: str) -> pint.Quantity:
    if not isinstance(q, ureg.Quantity) or not q.is_compatible_with(_KG):
        raise UnitError(f"{what} must be a CO2e mass, got {getattr(q, 'units', type(q).__name__)}")
    return q.to(_KG)


def month_tally(outcome: PeriodOutcome) -> YearTally:
    """One computed month as the report computes it: the operator's location-based Scope 2
    (without the tenants in Scope 3 category 13), facility energy, the hourly-matched and
    grid low-carbon energy of the market-based matching."""
    period = outcome.period
    # the operator's Scope 2: tenants controlling their space are its Scope 3 cat. 13 (§1.1)
    site_kg = float(outcome.hourly_emissions.sum().pint.to(_KG).pint.magnitude)
    location = ureg.Quantity(site_kg - cat13_location_kgco2e(outcome), _KG)
    electricity = ureg.Quantity(
        float(outcome.attribution.total.sum().pint.to(_KWH).pint.magnitude), _KWH
    )
    metrics = outcome.scopes.market.metrics
    load = ureg.Quantity(metrics.load_mwh, "MWh").to(_KWH)
    matched = ureg.Quantity(metrics.hourly_matched_mwh, "MWh").to(_KWH)
    grid: pint.Quantity | None = None
    if metrics.cfe_share is not None:  # c_h for every hour from the [[grid]] sources
        grid = ureg.Quantity(metrics.cfe_share, "") * load - matched
    else:
        row = next((r for r in outcome.site.grid_carbon_free if r.period == period.label), None)
        if row is not None:  # the month's declared share, applied to every hour
            grid = ureg.Quantity(row.share, "") * (load - matched)
    return YearTally(
        year=int(period.label[:4]),
        months=(period.label,),
        hours=float(period.hours),
        location=location,
        electricity=electricity,
        matched=matched,
        matching_load=load,
        grid_low_carbon=None if grid is None else grid.to(_KWH),
    )


def _sum(values: Sequence[pint.Quantity | None], unit: str) -> pint.Quantity | None:
    if any(v is None for v in values):
        return None
    return ureg.Quantity(sum(float(v.to(unit).magnitude) for v in values), unit)  # type: ignore[union-attr]


def year_tally(year: int, months: Sequence[YearTally]) -> YearTally:
    """The months of `year` added up (each a :func:`month_tally`); a share is known for the
    year only when it is known for every month."""
    if any(m.year != year for m in months):
        raise ValueError(f"a month outside {year} was given")
    return YearTally(
        year=year,
        months=tuple(label for m in months for label in m.months),
        hours=sum(m.hours for m in months),
        location=_sum([m.location for m in months], _KG),
        electricity=_sum([m.electricity for m in months], _KWH),
        matched=_sum([m.matched for m in months], _KWH),
        matching_load=_sum([m.matching_load for m in months], _KWH),
        grid_low_carbon=_sum([m.grid_low_carbon for m in months], _KWH),
    )


def linear_path(
    base: pint.Quantity, reduction: float, base_year: int, target_year: int, year: int
) -> pint.Quantity:
    """``B · (1 − p · (y − y0) / (T − y0))``, held at ``B · (1 − p)`` after the target year
    [CO2e mass]; `reduction` ``p`` is a fraction (0.42 = 42 %)."""
    _mass(base, "base-year emissions")
    if year < base_year:
        raise ValueError(f"{year} precedes the base year {base_year}")
    progress = min(1.0, (year - base_year) / (target_year - base_year))
    return (base * (1.0 - reduction * progress)).to(_KG)


def _kg(q: pint.Quantity | None) -> float | None:
    return None if q is None else float(q.to(_KG).magnitude)


def _kwh(q: pint.Quantity | None) -> float | None:
    return None if q is None else float(q.to(_KWH).magnitude)


def _ratio(num: pint.Quantity | None, den: pint.Quantity | None) -> float | None:
    if num is None or den is None or float(den.to(_KWH).magnitude) <= 0:
        return None
    return float((num / den).to("").magnitude)


def _hours_in(year: int) -> float:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 24.0 * (366 if leap else 365)


def _base(targets: Targets, years: dict[int, YearTally]) -> tuple[YearTally | None, str | None]:
    """The base year's figures (declared, else the meter data's) or why there are none."""
    y0 = targets.base_year
    measured = years.get(y0)
    location = electricity = None
    if targets.base_year_location:
        location = _mass(ureg.Quantity(targets.base_year_location), "base_year_location")
    elif measured is not None and measured.complete:
        location = measured.location
    if targets.base_year_electricity:
        electricity = _energy(ureg.Quantity(targets.base_year_electricity), "electricity")
    elif measured is not None and measured.complete:
        electricity = measured.electricity
    if location is None:
        have = 0 if measured is None else len(measured.months)
        return None, (
            f"targets.base_year_location is not declared and the meter data cover {have} of "
            f"the 12 months of {y0} up to the report period; declare it (with 'source') or "
            "report a later period"
        )
    declared = targets.base_year_location is not None
    if not declared and electricity is measured.electricity:  # type: ignore[union-attr]
        return measured, None  # the base year straight from the meter data
    return (
        YearTally(
            year=y0,
            months=() if declared else measured.months,  # type: ignore[union-attr]
            hours=0.0 if declared else measured.hours,  # type: ignore[union-attr]
            location=location,
            electricity=electricity,
            source="declared" if declared else "meter data",
        ),
        None,
    )


def _growth(targets: Targets, base: YearTally, rows: Sequence[YearTally]) -> dict[str, Any]:
    threshold = targets.rapid_growth_threshold_pct / 100.0
    out: dict[str, Any] = {
        "threshold_per_year": threshold,
        "definition": "compound growth of electricity consumed from the base year to the "
        "latest year, (E_last / E_base)^(1 / (y_last − y0)) − 1, above the threshold",
        "reading": "our reading of the standard: CNZS V2.0 requires companies with rapidly "
        "growing electricity demand (data centres named) to set emissions-reduction targets; "
        "the threshold used here is the site file's (default 10 %/yr), not verified against "
        "the standard's text",
    }
    later = [r for r in rows if r.year > base.year and r.electricity is not None and r.hours > 0]
    if base.electricity is None or not later:
        why = (
            "no base-year electricity (declare targets.base_year_electricity)"
            if base.electricity is None
            else "no year after the base year in the meter data up to the report period"
        )
        return {**out, "growth_per_year": None, "rapid": None, "not_computed": why}
    last = later[-1]
    e_last = last.electricity.to(_KWH)  # type: ignore[union-attr]
    provisional = not last.complete
    if provisional:  # flat-rate annualisation of the months to date
        e_last = e_last * (_hours_in(last.year) / last.hours)
    ratio = float((e_last / base.electricity).to("").magnitude)
    growth = ratio ** (1.0 / (last.year - base.year)) - 1.0
    return {
        **out,
        "from_year": base.year,
        "to_year": last.year,
        "base_electricity_kwh": _kwh(base.electricity),
        "latest_electricity_kwh": _kwh(e_last),
        "growth_per_year": growth,
        "rapid": growth > threshold,
        "provisional": provisional,
        "consequence": (
            "an emissions-reduction target is required (a low-carbon electricity target alone "
            "is not enough); the declared target is one, on location-based Scope 2"
            if growth > threshold
            else "below the threshold: either target type may be chosen"
        ),
        "note": (
            f"{last.year} annualised from {len(last.months)} month(s) at a flat rate; "
            "provisional until the year is complete"
            if provisional
            else f"{last.year} complete"
        ),
    }


def _row(targets: Targets, base: YearTally, tally: YearTally) -> dict[str, Any]:
    reduction = targets.reduction_pct / 100.0
    path = linear_path(base.location, reduction, base.year, targets.target_year, tally.year)  # type: ignore[arg-type]
    row: dict[str, Any] = {
        "year": tally.year,
        "source": tally.source,
        "months": list(tally.months),
        "complete": tally.complete,
        "location_kgco2e": _kg(tally.location),
        "electricity_kwh": _kwh(tally.electricity),
        "path_kgco2e": _kg(path),
        "hourly_matched_share": _ratio(tally.matched, tally.matching_load),
        "low_carbon_share": None,
    }
    if tally.matched is not None and tally.grid_low_carbon is not None:
        row["low_carbon_share"] = _ratio(tally.matched + tally.grid_low_carbon, tally.matching_load)
    if tally.year == base.year:
        row.update(change_vs_base=0.0, on_path=None, note="base year")
    elif tally.complete and tally.location is not None:
        change = float((tally.location / base.location).to("").magnitude) - 1.0  # type: ignore[operator]
        row["change_vs_base"] = change
        row["on_path"] = bool(tally.location <= path)
    else:
        scale = _hours_in(tally.year) / tally.hours
        row["annualised_location_kgco2e"] = _kg(tally.location * scale)  # type: ignore[operator]
        row["annualised_electricity_kwh"] = _kwh(tally.electricity * scale)  # type: ignore[operator]
        row["on_path"] = None
        row["note"] = (
            f"{len(tally.months)} of 12 months to date; annualised at a flat rate (indicative, "
            "not an inventory figure); no comparison with the path until the year is complete"
        )
    return row


def no_targets_block() -> dict[str, Any]:
    """The ``sbti`` block of a site file without ``[targets]``."""
    return {"available": False, "reason": "no targets declared"}


def tracker(
    targets: Targets, years: Sequence[YearTally], skipped: Sequence[dict[str, str]] = ()
) -> dict[str, Any]:
    """The ``sbti`` block: the declared target, the base year, one row per year from the
    base year (location-based Scope 2, path, shares), the rapid-growth test.

    `years` are the meter data's year tallies (:func:`year_tally`) up to the report period;
    `skipped` the months that could not be computed (period and reason)."""
    by_year = {t.year: t for t in years}
    reduction = targets.reduction_pct / 100.0
    head: dict[str, Any] = {
        "standard": TARGET_STANDARDS[targets.standard],
        "status": STANDARD_STATUS,
        "basis": "location-based Scope 2 (CNZS V2.0 anchors every Scope 2 reduction target "
        "to location-based emissions)",
        "declared": {
            "base_year": targets.base_year,
            "target_year": targets.target_year,
            "reduction": reduction,
            "rapid_growth_threshold_per_year": targets.rapid_growth_threshold_pct / 100.0,
            "source": targets.source,
        },
        "path_rule": "P_y = B · (1 − p · (y − y0) / (T − y0)), held at B · (1 − p) after T",
        "data": "each month computed from the meter data by the same pipeline as the report, "
        "up to the report period; a declared base year from the site file's [targets]",
        "skipped": list(skipped),
    }
    base, reason = _base(targets, by_year)
    if base is None:
        return {"available": False, "reason": reason, **head}
    # a declared base replaces the data's months of the base year (never mixed)
    rows = [base] + [t for y, t in sorted(by_year.items()) if y > targets.base_year]
    return {
        "available": True,
        "reason": None,
        **head,
        "base_year": {
            "year": base.year,
            "location_kgco2e": _kg(base.location),
            "electricity_kwh": _kwh(base.electricity),
            "source": base.source if base.source == "meter data" else targets.source,
        },
        "target_kgco2e": _kg(base.location * (1.0 - reduction)),  # type: ignore[operator]
        "annual_reduction_kgco2e": _kg(
            base.location * reduction / (targets.target_year - targets.base_year)  # type: ignore[operator]
        ),
        "years": [_row(targets, base, t) for t in rows],
        "path": [
            {"year": y, "kgco2e": _kg(linear_path(base.location, reduction, base.year, t, y))}  # type: ignore[arg-type]
            for t in (targets.target_year,)
            for y in range(base.year, max(t, rows[-1].year) + 1)
        ],
        "rapid_growth": _growth(targets, base, rows),
    }
