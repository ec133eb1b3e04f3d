"""The intensity of an ENTSO-E bidding zone from its A75 generation per production type.

:func:`entsoe_intensity` turns what :func:`carbon.ingest.grid_entsoe.read_entsoe_generation`
reads into an hourly (or 15/30-minute) **production-based, direct** CO2 intensity with
per-``psrType`` factors, by default the shipped dataset ``entsoe_psr_direct_co2_ipcc2006``
(``factors/entsoe_psr/``, values derived from IPCC 2006 fuel defaults and assumed
efficiencies: all marked unverified or assumption).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pint

from carbon.core.errors import ConfigError, InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.lineage import GRID_CFE_COLUMN, GridTable, InputRecord
from carbon.core.units import parse_unit, ureg
from carbon.factors.carbon_free import CARBON_FREE_SET, entsoe_is_carbon_free
from carbon.factors.catalogue import load_dataset
from carbon.ingest.grid_entsoe import GENERATION_COLUMNS

__all__ = ["DEFAULT_PSR_FACTORS", "entsoe_intensity"]

#: Dataset id of the default per-psrType rates in ``factors/entsoe_psr/``.
DEFAULT_PSR_FACTORS = "entsoe_psr_direct_co2_ipcc2006"


def _as_quantity(name: str, value: object) -> pint.Quantity:
    if isinstance(value, str):
        try:
            value = ureg.Quantity(value)
        except (pint.PintError, ValueError, AttributeError, TypeError) as exc:
            raise UnitError(
                f"fuel_factors[{name!r}]: cannot parse {value!r} ({exc})", reason="unit"
            ) from None
    if not isinstance(value, ureg.Quantity):
        raise UnitError(
            f"fuel_factors[{name!r}] = {value!r} has no unit; give a pint Quantity or a string "
            "such as '400 kg CO2/MWh'",
            reason="unit",
        )
    if not value.is_compatible_with("kg CO2/MWh"):
        raise UnitError(
            f"fuel_factors[{name!r}] is in {value.units}; expected a CO2 mass per energy "
            "(e.g. kg CO2/MWh, g CO2/kWh). The shipped factors are direct CO2; CO2e rates "
            "cannot be mixed with them",
            reason="unit",
        )
    if float(value.magnitude) < 0:
        raise ConfigError(f"fuel_factors[{name!r}] = {value} is negative", reason="negative")
    return value


def _psr_table(
    dataset_id: str, fuel_factors: Mapping[str, object] | None
) -> tuple[dict[str, tuple[str, float]], str, str]:
    """psrType → (category, rate in kg CO2/MWh), the dataset sha256, the overrides text."""
    dataset = load_dataset(dataset_id)
    table: dict[str, tuple[str, float]] = {}
    for row in dataset.table().itertuples(index=False):  # the factor table, not the data
        q = ureg.Quantity(float(row.value), parse_unit(row.unit))
        table[row.psr_type] = (row.category, float(q.to("kg CO2/MWh").magnitude))
    overrides = []
    for name, value in (fuel_factors or {}).items():
        key = str(name).strip().upper()
        q = _as_quantity(str(name), value)
        category = table.get(key, ("combustion", 0.0))[0]
        if category == "storage":
            raise ConfigError(
                f"fuel_factors[{name!r}]: {key} is storage, which is left out of the intensity; "
                "a factor for it has no effect",
                reason="bad-option",
            )
        rate = float(q.to("kg CO2/MWh").magnitude)
        table[key] = ("combustion", rate)
        overrides.append(f"{key}={rate:g} kg CO2/MWh")
    return table, dataset.sha256, "; ".join(overrides)


def entsoe_intensity(
    generation: pd.DataFrame,
    fuel_factors: Mapping[str, object] | None = None,
    *,
    dataset: str = DEFAULT_PSR_FACTORS,
) -> GridTable:
    """Production-based direct CO2 intensity of a bidding zone from A75 generation.

    ``intensity(t) = Σ_psr MW(t, psr) × EF_psr / Σ_psr MW(t, psr)`` over the
    generation series (storage types B10 and B25 and consumption series are
    left out of both sums), in kg CO2/MWh (= g CO2/kWh).

    Parameters
    ----------
    generation : pandas.DataFrame
        As returned by :func:`~carbon.ingest.grid_entsoe.read_entsoe_generation` (one zone,
        one resolution).
    fuel_factors : Mapping[str, pint.Quantity or str], optional
        Rates that replace or extend the dataset's, keyed by psrType, e.g.
        ``{"B04": "370 kg CO2/MWh"}`` [CO2 mass per energy].
    dataset : str
        Factor dataset id (default ``entsoe_psr_direct_co2_ipcc2006``).

    Returns
    -------
    GridTable
        One row per interval: ``value`` [kg CO2/MWh], ``flag`` (``MEASURED``;
        ``SOURCE_MISSING`` where a counted series has no value for the interval
        or total generation is zero), ``line`` (smallest source line among the
        interval's points), ``cfe_share`` (carbon-free MW ÷ generating MW, the set of
        :mod:`carbon.factors.carbon_free`; NaN where the intensity is missing).
        ``gas="CO2"``, ``basis="direct"``,
        ``kind="average"``, ``region`` = the zone EIC code. ``meta`` names the
        factor dataset, its sha256, the rates used and what was left out.

    Raises
    ------
    InputDataError
        Missing columns; several zones or resolutions; a psrType appearing twice
        for one interval; a psrType with no factor and non-zero generation (names
        the file and line); no generating series.
    UnitError, ConfigError
        Invalid `fuel_factors`.
    """
    # Long by design: the checks of the generation, the weighted mean per interval and the meta that
    # documents it belong together (one formula, one record).
    missing = [c for c in GENERATION_COLUMNS if c not in generation.columns]
    if missing:
        raise InputDataError(
            f"generation frame lacks column(s) {', '.join(missing)}; pass the frame "
            "read_entsoe_generation returns",
            reason="missing-column",
        )
    record = generation.attrs.get("record")
    source = record.path if isinstance(record, InputRecord) else "<generation frame>"
    gen = generation[generation["direction"] == "generation"]
    consumption_rows = int(len(generation) - len(gen))
    zones = sorted(set(gen["zone"]))
    if len(zones) != 1:
        raise InputDataError(
            f"{source}: the generation holds {len(zones)} zones ({', '.join(zones) or 'none'}); "
            "compute one zone at a time",
            path=source,
            reason="several-regions",
        )
    steps = pd.unique(gen["resolution"])
    if len(steps) != 1:
        raise InputDataError(
            f"{source}: mixed resolutions ({', '.join(str(pd.Timedelta(s)) for s in steps)}); "
            "resample the generation to one resolution first",
            path=source,
            reason="resolution",
        )
    step = pd.Timedelta(steps[0])
    rates, sha256, overrides = _psr_table(dataset, fuel_factors)

    known = gen["psr_type"].isin(list(rates)).to_numpy()
    nonzero = gen["mw"].fillna(0.0).to_numpy() != 0
    unknown = ~known & nonzero
    if unknown.any():
        i = int(np.argmax(unknown))
        raise InputDataError(
            f"{source}: line {gen['line'].iloc[i]}: psrType {gen['psr_type'].iloc[i]!r} has "
            f"{gen['mw'].iloc[i]:g} MW but no emission factor; known: {', '.join(sorted(rates))}. "
            f"Pass fuel_factors={{{gen['psr_type'].iloc[i]!r}: <rate>}} to read it",
            path=source,
            line=int(gen["line"].iloc[i]),
            reason="no-factor",
        )
    ignored = sorted(set(gen.loc[~known, "psr_type"]))
    category = gen["psr_type"].map({p: c for p, (c, _r) in rates.items()}).fillna("ignored")
    counted = gen[(category != "storage").to_numpy() & known]
    if counted.empty:
        raise InputDataError(
            f"{source}: no generating series with a factor", path=source, reason="no-factor"
        )
    dup = counted.duplicated(["interval_start", "psr_type"], keep=False).to_numpy()
    if dup.any():
        lines = counted.loc[dup, "line"].head(2).tolist()
        raise InputDataError(
            f"{source}: lines {lines}: psrType {counted['psr_type'].to_numpy()[dup][0]} has "
            "two values for one interval (overlapping documents or TimeSeries?)",
            path=source,
            line=int(lines[0]),
            reason="duplicate",
        )
    mw = counted.pivot(index="interval_start", columns="psr_type", values="mw").sort_index()
    first_line = counted.groupby("interval_start")["line"].min().reindex(mw.index)
    negative = mw.to_numpy() < 0
    values_mw = np.where(negative, 0.0, mw.to_numpy())
    rate_row = np.array([rates[p][1] for p in mw.columns])
    incomplete = np.isnan(values_mw).any(axis=1)
    total = np.nansum(values_mw, axis=1)
    emitted = np.nansum(values_mw * rate_row, axis=1)
    missing_rows = incomplete | (total <= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        intensity = np.where(missing_rows, np.nan, emitted / np.where(total > 0, total, 1.0))
    flags = np.where(missing_rows, int(Flag.SOURCE_MISSING), int(Flag.MEASURED)).astype(np.int8)
    starts = pd.DatetimeIndex(mw.index).as_unit("ns")
    table = pd.DataFrame(
        {
            "interval_start": starts,
            "value": intensity,
            "flag": flags,
            "line": first_line.to_numpy(dtype=np.int64),
        }
    )
    free = np.array([entsoe_is_carbon_free(p) for p in mw.columns])  # one per psrType
    carbon_free = np.nansum(values_mw[:, free], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        table[GRID_CFE_COLUMN] = np.where(
            missing_rows, np.nan, carbon_free / np.where(total > 0, total, 1.0)
        )
    meta = {
        "source": "ENTSO-E Transparency Platform A75; intensity computed by carbon",
        "accounting": "production-based (generation inside the zone; imports ignored)",
        "formula": "sum(MW_psr * EF_psr) / sum(MW_psr) per interval; storage excluded",
        "factor_dataset": dataset,
        "factor_sha256": sha256,
        "factor_overrides": overrides,
        "psr_rates": "; ".join(f"{p}={rates[p][1]:g} kg CO2/MWh" for p in mw.columns),
        "storage_excluded": ", ".join(
            sorted(set(gen.loc[(category == "storage").to_numpy(), "psr_type"]))
        ),
        "ignored_psr_types": ", ".join(ignored),
        "consumption_rows_excluded": str(consumption_rows),
        "clipped_negative_cells": str(int(negative.sum())),
        "incomplete_intervals": str(int(incomplete.sum())),
        "missing_intervals": str(int(missing_rows.sum())),
        "cfe_basis": "ENTSO-E A75 generation per production type inside the zone "
        f"(production-based): {CARBON_FREE_SET}; carbon-free psrTypes here: "
        + (", ".join(p for p in mw.columns if entsoe_is_carbon_free(p)) or "none")
        + f"; negative cells counted as zero: {int(negative.sum())}",
        "time_convention": "timeInterval/start + (position-1) x resolution, UTC",
        "licence": "ENTSO-E Transparency Platform terms: reuse with attribution (confirm per "
        "dataset, docs/data-formats.md §8)",
        **{f"document_{k}": v for k, v in generation.attrs.get("meta", {}).items()},
    }
    out_record = InputRecord(
        path=source,
        sha256=record.sha256 if isinstance(record, InputRecord) else "",
        rows=len(table),
        start=starts.min().isoformat(),
        end=(starts.max() + step).isoformat(),
        kind=f"grid intensity (ENTSO-E A75, {zones[0]}, production-based, direct)",
    )
    return GridTable(
        frame=table,
        unit=parse_unit("kg CO2/MWh"),
        region=zones[0],
        gas="CO2",
        basis="direct",
        kind="average",
        resolution=step,
        record=out_record,
        meta=meta,
    )
