"""Plausibility checks: readings and grid intensities outside named, configurable bounds.

A value can parse, carry a unit and still be wrong by a factor of a thousand: a meters file
of kWh declared as MWh (a 37 GW site), a grid file in kg/kWh under a g/kWh header (Scope 2
÷ 1000), a spike of 1e12 kWh. These checks compare what was read with bounds the site file
names in its ``[quality]`` table (:class:`carbon.site.model.QualitySettings`, documented in
docs/data-formats.md §12):

=============================  ========================================================
check                          flagged when
=============================  ========================================================
``above-rated``                a meter's average power in an interval exceeds its
                               ``rated_kw`` (the reading is also flagged ``above-rated``)
``above-capacity``             a meter's average power in an interval exceeds the
                               site's approved capacity in effect (``[[capacity]]``
                               ``interconnect_approved``), or ``max_site_power_mw``
                               where none is declared
``site-average-above-capacity`` the revenue meter's average power over the span exceeds
                               the largest figure of the capacity stack in effect
                               (``interconnect_approved``, ``gross_energised``), or
                               ``max_site_power_mw``
``intensity-out-of-range``     a grid intensity outside ``intensity_min_g_per_kwh`` ..
                               ``intensity_max_g_per_kwh``
``intensity-far-from-annual``  the span's mean grid intensity above
                               ``intensity_ratio_max`` × or below
                               ``intensity_ratio_min`` × the region's published
                               annual rate (eGRID subregion)
=============================  ========================================================

Each finding is a :class:`PlausibilityFlag`: the check, the meter or grid source, its file,
how many intervals it covers and the first of them. Nothing is changed, dropped or clipped:
the values stay as read and are counted, listed by ``carbon validate``, in ``results.json``
(``quality.plausibility``) and in the report's data-quality section. Under ``--strict``
:meth:`PlausibilityReport.refuse` turns the first finding into a
:class:`~carbon.core.errors.PlausibilityError` naming file, meter and interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.errors import PlausibilityError
from carbon.core.flags import Flag
from carbon.core.units import parse_quantity
from carbon.site.model import SiteConfig

__all__ = [
    "CHECKS",
    "PlausibilityFlag",
    "PlausibilityReport",
    "capacity_in_effect",
    "check_plausibility",
    "children_exceeding_parent",
]

#: The checks, in the order they are listed.
CHECKS: tuple[str, ...] = (
    "above-rated",
    "above-capacity",
    "site-average-above-capacity",
    "intensity-out-of-range",
    "intensity-far-from-annual",
)
_HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class PlausibilityFlag:
    """One finding: a check that failed for one meter (or grid source) over some intervals."""

    check: str  # one of CHECKS
    subject: str  # the meter id, or "grid" for the grid source
    path: str | None  # the file the values came from
    count: int  # intervals flagged (1 for a check over the whole span)
    first: str | None  # the first interval flagged (start, ISO 8601 UTC)
    detail: str  # what was found against which bound, for a person

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)

    def message(self) -> str:
        """The finding in one line: subject, file, count, first interval and detail."""
        where = f" ({self.path})" if self.path else ""
        when = f", first at {self.first}" if self.first else ""
        return f"{self.check}: {self.subject}{where}: {self.count} interval(s){when}: {self.detail}"


@dataclass(frozen=True)
class PlausibilityReport:
    """Every finding of the checks over one span, and the bounds they used."""

    bounds: dict[str, object]
    flags: tuple[PlausibilityFlag, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        """Intervals flagged, over every check and subject."""
        return sum(f.count for f in self.flags)

    def counts(self) -> dict[str, int]:
        """Intervals flagged per check (every check listed, 0 where none)."""
        return {c: sum(f.count for f in self.flags if f.check == c) for c in CHECKS}

    def as_dict(self) -> dict[str, object]:
        return {
            "bounds": dict(self.bounds),
            "counts": self.counts(),
            "total": self.total,
            "flags": [f.as_dict() for f in self.flags],
            "notes": list(self.notes),
        }

    def refuse(self) -> None:
        """Under ``--strict``: raise :class:`PlausibilityError` for the first finding."""
        if not self.flags:
            return
        first = self.flags[0]
        more = f" (and {len(self.flags) - 1} more finding(s))" if len(self.flags) > 1 else ""
        raise PlausibilityError(
            f"implausible input, refused under --strict: {first.message()}{more}; "
            "correct the input, or change the bound in the site file's [quality] table",
            path=first.path,
            timestamp=first.first,
            meter=None if first.subject == "grid" else first.subject,
            key=f"quality.{first.check}",
            reason=first.check,
        )


# --------------------------------------------------------------------------- capacity


def capacity_in_effect(
    site: SiteConfig, times: pd.DatetimeIndex, measures: tuple[str, ...]
) -> np.ndarray:
    """The largest capacity [MW] of `measures` in effect at each UTC interval start; NaN where
    the site declares none. A record is in effect from its ``effective_from`` (local date)
    until the next record of its measure or its ``effective_to`` (inclusive)."""
    local = pd.DatetimeIndex(times).tz_localize("UTC").tz_convert(site.site.timezone)
    days = local.normalize().tz_localize(None).to_numpy()
    out = np.full(len(times), np.nan)
    for measure in measures:  # loop over configuration
        records = sorted(
            (r for r in site.capacity if r.measure == measure), key=lambda r: r.effective_from
        )
        this = np.full(len(times), np.nan)
        for record in records:  # later records replace earlier ones from their date
            mw = float(parse_quantity(record.value, "MW", "capacity").to("MW").magnitude)
            inside = days >= np.datetime64(record.effective_from)
            if record.effective_to is not None:
                inside &= days <= np.datetime64(record.effective_to)
            this[inside] = mw
        out = np.fmax(out, this)
    return out


# --------------------------------------------------------------------------- the checks


def _magnitudes(energy: xr.DataArray) -> np.ndarray:
    if hasattr(energy, "pint") and energy.pint.units is not None:
        return np.asarray(energy.pint.to("kWh").pint.magnitude, dtype="float64")
    return np.asarray(energy.values, dtype="float64")


def _stamp(times: pd.DatetimeIndex, i: int) -> str:
    return pd.Timestamp(times[i]).tz_localize("UTC").isoformat()


def _meter_checks(
    energy: xr.DataArray,
    flags: xr.DataArray | None,
    interval: pd.Timedelta,
    site: SiteConfig,
    files: Mapping[str, str],
    max_site_mw: float,
) -> list[PlausibilityFlag]:
    values = _magnitudes(energy)
    times = pd.DatetimeIndex(energy["time"].values)
    hours = interval / _HOUR
    power_mw = values / hours / 1000.0  # average power of each interval [MW]
    approved = capacity_in_effect(site, times, ("interconnect_approved",))
    bound = np.where(np.isnan(approved), max_site_mw, approved)
    named = "approved capacity" if not np.isnan(approved).all() else "max_site_power_mw"
    rated = {m.id: m.rated_kw for m in site.meters}
    codes = None if flags is None else np.asarray(flags.values)
    found: list[PlausibilityFlag] = []
    for i, meter in enumerate(energy["meter"].values.tolist()):  # loop over meters
        row = power_mw[i]
        if rated.get(meter) is not None:
            above = row * 1000.0 > rated[meter]
            if codes is not None:
                above |= codes[i] == int(Flag.ABOVE_RATED)
            if above.any():
                j = int(np.argmax(above))
                found.append(
                    PlausibilityFlag(
                        "above-rated",
                        meter,
                        files.get(meter),
                        int(above.sum()),
                        _stamp(times, j),
                        f"average power up to {np.nanmax(row[above]) * 1000:,.1f} kW against "
                        f"the meter's rated_kw {rated[meter]:,.1f} kW",
                    )
                )
        over = row > bound
        if over.any():
            j = int(np.argmax(over))
            found.append(
                PlausibilityFlag(
                    "above-capacity",
                    meter,
                    files.get(meter),
                    int(over.sum()),
                    _stamp(times, j),
                    f"average power {row[j]:,.1f} MW in the interval against the site's "
                    f"{named} of {bound[j]:,.1f} MW (a unit one thousand times too large, "
                    "or a spike?)",
                )
            )
    revenue = site.revenue_meter.id
    if revenue in energy["meter"].values.tolist() and len(times):
        row = power_mw[energy["meter"].values.tolist().index(revenue)]
        average = float(np.nanmean(row)) if np.isfinite(row).any() else np.nan
        stack = capacity_in_effect(site, times, ("interconnect_approved", "gross_energised"))
        limit = float(np.nanmax(stack)) if not np.isnan(stack).all() else max_site_mw
        label = "capacity stack" if not np.isnan(stack).all() else "max_site_power_mw"
        if np.isfinite(average) and average > limit:
            found.append(
                PlausibilityFlag(
                    "site-average-above-capacity",
                    revenue,
                    files.get(revenue),
                    1,
                    _stamp(times, 0),
                    f"average site power {average:,.1f} MW over the span against the site's "
                    f"{label} of {limit:,.1f} MW",
                )
            )
    return found


def _grid_checks(
    intensity: xr.DataArray,
    path: str | None,
    bounds: Mapping[str, float],
    annual_rate: float | None,
    annual_label: str | None,
) -> tuple[list[PlausibilityFlag], list[str]]:
    values = _magnitudes_intensity(intensity)
    times = pd.DatetimeIndex(intensity["time"].values)
    low, high = bounds["intensity_min_g_per_kwh"], bounds["intensity_max_g_per_kwh"]
    found: list[PlausibilityFlag] = []
    notes: list[str] = []
    outside = (values < low) | (values > high)  # NaN (missing) is neither
    if outside.any():
        j = int(np.argmax(outside))
        found.append(
            PlausibilityFlag(
                "intensity-out-of-range",
                "grid",
                path,
                int(outside.sum()),
                _stamp(times, j),
                f"{values[j]:,.4g} g CO2e/kWh outside the physical range {low:,.0f} to "
                f"{high:,.0f} g CO2e/kWh (intensity_min_g_per_kwh, intensity_max_g_per_kwh)",
            )
        )
    usable = values[np.isfinite(values)]
    if annual_rate is None or not annual_rate > 0:
        notes.append(
            "no published annual rate for the site's grid region: the grid intensity was not "
            "compared with one"
        )
    elif len(usable):
        mean = float(usable.mean())
        ratio = mean / annual_rate
        if ratio > bounds["intensity_ratio_max"] or ratio < bounds["intensity_ratio_min"]:
            found.append(
                PlausibilityFlag(
                    "intensity-far-from-annual",
                    "grid",
                    path,
                    1,
                    _stamp(times, 0),
                    f"mean {mean:,.4g} g CO2e/kWh is {ratio:.3g} × the published annual rate "
                    f"{annual_rate:,.1f} g CO2e/kWh ({annual_label or 'annual rate'}); expected "
                    f"{bounds['intensity_ratio_min']:g} × to {bounds['intensity_ratio_max']:g} × "
                    "(a file in kg/kWh under a g/kWh header?)",
                )
            )
    return found, notes


def _magnitudes_intensity(intensity: xr.DataArray) -> np.ndarray:
    if hasattr(intensity, "pint") and intensity.pint.units is not None:
        return np.asarray(intensity.pint.to("g CO2e/kWh").pint.magnitude, dtype="float64")
    return np.asarray(intensity.values, dtype="float64")


def check_plausibility(
    energy: xr.DataArray,
    interval: pd.Timedelta,
    site: SiteConfig,
    *,
    flags: xr.DataArray | None = None,
    files: Mapping[str, str] | None = None,
    intensity: xr.DataArray | None = None,
    grid_path: str | None = None,
    annual_rate: float | None = None,
    annual_label: str | None = None,
) -> PlausibilityReport:
    """Run every check over `energy` ``(meter, time)`` [kWh] and the grid `intensity`
    ``(time,)`` [g CO2e/kWh] of one span.

    `files` names each meter's file, `grid_path` the grid file; `annual_rate` is the region's
    published annual rate [g CO2e/kWh] (None: that comparison is not made, and a note says so).
    """
    settings = site.quality
    bounds = {
        "max_site_power_mw": settings.max_site_power_mw,
        "intensity_min_g_per_kwh": settings.intensity_min_g_per_kwh,
        "intensity_max_g_per_kwh": settings.intensity_max_g_per_kwh,
        "intensity_ratio_min": settings.intensity_ratio_min,
        "intensity_ratio_max": settings.intensity_ratio_max,
    }
    found = _meter_checks(
        energy, flags, interval, site, files or {}, float(settings.max_site_power_mw)
    )
    notes: list[str] = []
    if intensity is not None:
        grid_found, notes = _grid_checks(intensity, grid_path, bounds, annual_rate, annual_label)
        found.extend(grid_found)
    found.sort(key=lambda f: CHECKS.index(f.check))  # stable: meters in site order
    return PlausibilityReport(bounds=bounds, flags=tuple(found), notes=tuple(notes))


# --------------------------------------------------------------------------- PUE below 1


def children_exceeding_parent(
    energy: xr.DataArray, site: SiteConfig, *, limit: int = 3
) -> tuple[str, dict[str, object]]:
    """Why E_IT exceeds E_DC: the intervals where the IT meters sum to more than the revenue
    meter, the first `limit` of them with the readings, and the meters' files.

    Returns the explanation for a person and the error fields (``meter``: the revenue meter,
    ``path``: its file, ``timestamp``: the first such interval).
    """
    revenue = site.revenue_meter
    ids = energy["meter"].values.tolist()
    it = [m.id for m in site.meters if m.role == "it" and m.id in ids]
    values = _magnitudes(energy)
    times = pd.DatetimeIndex(energy["time"].values)
    parent = values[ids.index(revenue.id)]
    children = values[[ids.index(m) for m in it]]
    total = np.nansum(children, axis=0)
    exceed = np.isfinite(parent) & (total > parent)
    files = {m.id: site.meter_file(m) for m in site.meters}

    def named(meter: str) -> str:
        return f"{meter} ({files[meter]})" if files.get(meter) else meter

    fields: dict[str, object] = {"meter": revenue.id, "path": files.get(revenue.id)}
    if not exceed.any():
        return (
            f"in no single interval do the IT meters ({', '.join(named(m) for m in it)}) sum to "
            f"more than the revenue meter {named(revenue.id)}: the revenue meter is missing "
            "intervals the IT meters have (see the data-quality counts)",
            fields,
        )
    listed = []
    for j in np.flatnonzero(exceed)[:limit]:  # loop over the first few intervals
        order = np.argsort(-np.nan_to_num(children[:, j], nan=-np.inf))
        biggest = ", ".join(f"{it[k]} {children[k, j]:,.6g}" for k in order[:3])
        listed.append(
            f"{_stamp(times, int(j))}: IT meters {total[j]:,.6g} kWh ({biggest}) against "
            f"{revenue.id} {parent[j]:,.6g} kWh"
        )
    fields["timestamp"] = _stamp(times, int(np.argmax(exceed)))
    return (
        f"the IT meters {', '.join(named(m) for m in it)} sum to more than the revenue meter "
        f"{named(revenue.id)} in {int(exceed.sum())} interval(s); first: {'; '.join(listed)}. "
        "Check those readings (a spike, a unit or interval one thousand times off) or the "
        "meter tree",
        fields,
    )
