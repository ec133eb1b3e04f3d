"""US EPA eGRID look-ups: subregion emission rates, grid gross loss, the edition to use.

The eGRID editions are factor datasets of kind ``egrid_subregion_rates``
(:mod:`carbon.factors.catalogue`); each row is one (subregion, quantity, gas) value.
A CO2e rate under a GWP set other than the edition's own is recomputed from the
per-gas rates with :func:`carbon.factors.gwp.to_co2e`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

import pint

from carbon.core.errors import FactorNotFoundError
from carbon.core.units import GAS_DIMENSIONS, Q_
from carbon.factors.catalogue import FactorDataset, load_dataset, shipped_ids
from carbon.factors.gwp import to_co2e

__all__ = [
    "EGRID_GASES",
    "EGRID_KIND",
    "egrid_co2e_rate",
    "egrid_grid_gross_loss",
    "egrid_rate",
    "latest_egrid_for_year",
]

#: Dataset kind of the eGRID editions.
EGRID_KIND = "egrid_subregion_rates"
#: Gas keys of the eGRID emission-rate rows.
EGRID_GASES: tuple[str, ...] = ("CO2", "CH4", "N2O", "CO2e")
_RATE = "total_output_emission_rate"
_GGL = "grid_gross_loss"


def _egrid_ids() -> list[str]:
    return shipped_ids(EGRID_KIND)


def _egrid_dataset(dataset_id: str) -> FactorDataset:
    egrid = _egrid_ids()
    try:
        dataset = load_dataset(dataset_id)
    except FactorNotFoundError:
        dataset = None
    if dataset is None or dataset.kind != EGRID_KIND:
        raise FactorNotFoundError(
            f"{dataset_id!r} is not an eGRID dataset; valid eGRID ids: {', '.join(egrid)}"
        )
    return dataset


@functools.cache
def _egrid_values(dataset_id: str) -> Mapping[tuple[str, str, str], float]:
    """(subregion, quantity, gas) → value for one (cached, verified) eGRID dataset."""
    frame = _egrid_dataset(dataset_id).table()
    return MappingProxyType(
        {
            (row.subregion, row.quantity, row.gas): float(row.value)
            for row in frame.itertuples(index=False)
        }
    )


def _subregion_key(subregion: str, dataset: FactorDataset) -> str:
    values = _egrid_values(dataset.id)
    known = sorted({s for s, _q, _g in values})
    key = subregion.strip().upper() if isinstance(subregion, str) else subregion
    if key not in known:
        raise FactorNotFoundError(
            f"unknown eGRID subregion {subregion!r} in {dataset.id}; "
            f"valid: {', '.join(known)} (US = national)"
        )
    return key


def _gas_key(gas: str) -> str:
    for known in EGRID_GASES:
        if isinstance(gas, str) and gas.strip().casefold() == known.casefold():
            return known
    raise FactorNotFoundError(f"unknown gas {gas!r}; valid: {', '.join(EGRID_GASES)}")


def egrid_rate(subregion: str, dataset_id: str, gas: str) -> pint.Quantity:
    """Published eGRID subregion total-output emission rate of one gas.

    Parameters
    ----------
    subregion : str
        eGRID subregion acronym, e.g. ``"ERCT"``; ``"US"`` for the national rate.
    dataset_id : str
        e.g. ``"egrid2023rev2"``.
    gas : str
        ``"CO2"``, ``"CH4"``, ``"N2O"`` or ``"CO2e"``.

    Returns
    -------
    pint.Quantity
        The rate [lb <gas>/MWh], e.g. ``736.629 lb CO2e/MWh``. A CO2e rate embeds
        the dataset's GWP set (``load_dataset(dataset_id).gwp_set``).

    Raises
    ------
    FactorNotFoundError
        Unknown dataset, subregion or gas; the message lists the valid choices.

    References
    ----------
    .. [1] US EPA, eGRID, https://www.epa.gov/egrid (fields ``SRCO2RTA``,
       ``SRCH4RTA``, ``SRN2ORTA``, ``SRC2ERTA``; national ``US…``).
    """
    dataset = _egrid_dataset(dataset_id)
    gas_key = _gas_key(gas)
    key = _subregion_key(subregion, dataset)
    value = _egrid_values(dataset.id)[(key, _RATE, gas_key)]
    return Q_(value, f"lb {gas_key} / MWh")


def egrid_co2e_rate(
    subregion: str, dataset_id: str, gwp_set: str | None = None
) -> tuple[pint.Quantity, bool]:
    """eGRID CO2e rate, as published or recomputed under another GWP set.

    Parameters
    ----------
    subregion : str
        eGRID subregion acronym or ``"US"``.
    dataset_id : str
        e.g. ``"egrid2022"``.
    gwp_set : str, optional
        The report's GWP set (``"AR4"``, ``"AR5"``, ``"AR6"``). None, or the set the
        dataset embeds, returns EPA's published CO2e rate; any other set returns
        ``CO2 + GWP_CH4·CH4 + GWP_N2O·N2O`` from the published per-gas rates (in AR6,
        CH4 is the fossil value).

    Returns
    -------
    rate : pint.Quantity
        [lb CO2e/MWh]
    recomputed : bool
        True when the rate was recomputed from the per-gas rates (disclose it).

    Notes
    -----
    EPA's own CO2e is used whenever it matches the requested set: rebuilding it
    from the rounded per-gas rates does not close exactly for every row
    (docs/data-formats.md §1.2: HIMS and SRVC in eGRID2022).
    """
    dataset = _egrid_dataset(dataset_id)
    if gwp_set is None or gwp_set.strip().upper() == (dataset.gwp_set or "").upper():
        return egrid_rate(subregion, dataset.id, "CO2e"), False
    total = Q_(0.0, "lb CO2e / MWh")
    for gas in GAS_DIMENSIONS:
        total = total + to_co2e(egrid_rate(subregion, dataset.id, gas), gwp_set)
    return total, True


def egrid_grid_gross_loss(subregion: str, dataset_id: str) -> pint.Quantity:
    """Grid gross loss (GGRSLOSS) of the subregion's interconnect.

    Parameters
    ----------
    subregion : str
        eGRID subregion acronym or ``"US"``.
    dataset_id : str
        e.g. ``"egrid2023rev2"``.

    Returns
    -------
    pint.Quantity
        Fraction of generation lost in transmission and distribution
        [dimensionless], e.g. 0.042. Under the GHG Protocol these losses belong
        to Scope 3 category 3, not to the Scope 2 location-based figure.
    """
    dataset = _egrid_dataset(dataset_id)
    key = _subregion_key(subregion, dataset)
    return Q_(_egrid_values(dataset.id)[(key, _GGL, "")], "dimensionless")


def latest_egrid_for_year(year: int) -> tuple[str, bool]:
    """The eGRID dataset to use for a reporting year.

    Parameters
    ----------
    year : int
        Reporting (activity) year.

    Returns
    -------
    dataset_id : str
        The dataset whose data year is `year`; otherwise the one with the latest
        data year before `year` (latest release date among revisions).
    is_reporting_year : bool
        False when the edition is for an earlier data year (disclose the lag).

    Raises
    ------
    FactorNotFoundError
        If every shipped edition has a data year after `year`.
    """
    editions = [load_dataset(i) for i in _egrid_ids()]
    usable = [d for d in editions if d.data_year is not None and d.data_year <= year]
    if not usable:
        years = ", ".join(f"{d.id} ({d.data_year})" for d in editions)
        raise FactorNotFoundError(
            f"no eGRID edition has data for {year} or earlier; shipped: {years}"
        )
    best = max(usable, key=lambda d: (d.data_year, d.release_date))
    return best.id, best.data_year == year
