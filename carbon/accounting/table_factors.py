"""Factors from the tables a site file declares (``[factors]``, docs/importers/factor-table.md).

:func:`annual_table_factor` takes the annual grid-average (``location``) factor of a region
from a :class:`~carbon.ingest.factor_table.FactorTable`: the row of the reporting year, else
of the latest year before it (docs/methodology.md §1.2: the most recent available, with its
vintage disclosed), as a CO2e rate under the report's GWP set. :func:`residual_mix_on_hours`
gives the table's ``market-residual`` rate of every clock hour, the most specific period
first (hour, then month, then year); an hour no row covers is NaN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from carbon.accounting.outcome import AnnualFactor, TableProvenance
from carbon.core.quantified import quantified
from carbon.core.units import GAS_DIMENSIONS, ureg
from carbon.factors.gwp import to_co2e
from carbon.ingest.factor_table import FactorTable

__all__ = ["annual_table_factor", "residual_mix_on_hours", "row_provenance"]

_RATE = "g CO2e/kWh"


def row_provenance(table: FactorTable, row: Mapping[str, Any]) -> TableProvenance:
    """The provenance of one row of `table` (extra ``licence``/``url`` columns when given)."""

    def extra(*names: str) -> str:
        for name in names:
            value = str(row.get(name, "") or "").strip()
            if value:
                return value
        return ""

    return TableProvenance(
        path=table.record.path,
        sha256=table.record.sha256,
        line=int(row["line"]),
        publisher=str(row["source"]),
        edition=str(row["edition"]),
        licence=extra("licence", "license") or "not stated",
        url=extra("url", "source_url"),
    )


def _rows(table: FactorTable, region: str, method: str) -> pd.DataFrame:
    frame = table.frame
    return frame[
        (frame["region"].str.casefold() == region.strip().casefold()) & (frame["method"] == method)
    ]


def _co2e(rows: pd.DataFrame, gwp_set: str) -> tuple[Any, bool, str]:
    """One year's rows as a CO2e rate: (rate, recomputed from per-gas rows, gas note)."""
    by_gas = {str(r["gas"]): r for _, r in rows.iterrows()}  # at most four rows
    rate = {g: ureg.Quantity(float(r["value"]), str(r["unit"])) for g, r in by_gas.items()}
    co2e = by_gas.get("CO2e")
    embedded = "" if co2e is None else str(co2e.get("gwp_set", "") or "").upper()
    if co2e is not None and embedded in ("", gwp_set.upper()):
        words = "CO2e as published" + (f" ({embedded})" if embedded else "")
        return rate["CO2e"], False, words
    if all(g in rate for g in GAS_DIMENSIONS):
        total = sum((to_co2e(rate[g], gwp_set) for g in GAS_DIMENSIONS), ureg.Quantity(0.0, _RATE))
        return total, True, f"CO2e recomputed from the CO2, CH4 and N2O rows under {gwp_set}"
    if co2e is not None:
        return rate["CO2e"], False, f"CO2e as published under {embedded} (no per-gas rows)"
    if "CO2" in rate:
        note = "CO2 only: the table has no CH4 and N2O rows, so the CO2e rate understates them"
        return to_co2e(rate["CO2"], gwp_set), False, note
    raise ValueError(f"no CO2 or CO2e row among the gases {', '.join(sorted(rate))}")


def annual_table_factor(
    table: FactorTable, region: str, year: int, gwp_set: str
) -> tuple[AnnualFactor | None, str | None]:
    """The annual ``location`` factor of `region` for `year` (or the latest year before),
    or None and why not."""
    rows = _rows(table, region, "location")
    rows = rows[(rows["period_kind"] == "year") & (rows["year"] <= year)]
    if rows.empty:
        return None, (
            f"{table.record.path} has no annual 'location' factor for region {region!r} for "
            f"{year} or an earlier year"
        )
    latest = int(rows["year"].max())
    chosen = rows[rows["year"] == latest]
    try:
        rate, recomputed, words = _co2e(chosen, gwp_set)
    except ValueError as exc:
        return None, f"{table.record.path}: region {region!r}, {latest}: {exc}"
    first = chosen.sort_values("line").iloc[0].to_dict()
    factor = AnnualFactor(
        rate=rate.to(_RATE),
        dataset=None,
        region=str(first["region"]),
        exact_year=latest == year,
        recomputed=recomputed,
        table=row_provenance(table, first),
        data_year=latest,
        gas_note=words,
    )
    return factor, None


def residual_mix_on_hours(
    table: FactorTable, region: str, hours: pd.DatetimeIndex, timezone: str
) -> tuple[xr.DataArray, tuple[TableProvenance, ...]]:
    """The table's residual mix [g CO2e/kWh] of `region` on `hours` (UTC, naive starts).

    Year and month rows match the hour's calendar fields in the site's `timezone`; hour
    rows match the instant. A CO2-only row becomes CO2e with CO2's GWP of 1 (the AIB
    residual mix is CO2 only, docs/methodology.md §9). Hours no row covers are NaN.
    Returns the series and the provenance of the rows used.
    """
    rows = _rows(table, region, "market-residual")
    local = hours.tz_localize("UTC").tz_convert(timezone)
    values = np.full(len(hours), np.nan)
    line_at = np.zeros(len(hours), dtype=np.int64)  # the table line each hour's value is from
    for kind in ("year", "month", "hour"):  # least specific first; later kinds overwrite
        subset = rows[rows["period_kind"] == kind]
        for gas in ("CO2", "CO2e"):  # CO2e overwrites CO2 for the same period
            part = subset[subset["gas"] == gas]
            if part.empty:
                continue
            rate = np.array(
                [
                    to_co2e(ureg.Quantity(float(v), str(u)), "AR6").to(_RATE).magnitude
                    for v, u in zip(part["value"], part["unit"], strict=True)
                ]
            )  # one conversion per row of the table, not per hour
            if kind == "hour":
                key = pd.DatetimeIndex(part["hour_start"]).tz_convert("UTC").tz_localize(None)
                at = pd.Index(key).get_indexer(hours)
            elif kind == "month":
                key = pd.Index(part["year"].to_numpy() * 100 + part["month"].to_numpy())
                at = key.get_indexer(local.year * 100 + local.month)
            else:
                at = pd.Index(part["year"].to_numpy()).get_indexer(local.year)
            hit = at >= 0
            values[hit] = rate[at[hit]]
            line_at[hit] = part["line"].to_numpy()[at[hit]]
    series = quantified(values, _RATE, ("time",), {"time": hours.to_numpy()}, name="residual_mix")
    by_line = rows.set_index("line")
    used = tuple(
        row_provenance(table, {**by_line.loc[line].to_dict(), "line": line})
        for line in np.unique(line_at[line_at > 0])  # the rows used, not every row
    )
    return series, used
