"""The eGRID annual rates the location-based factor hierarchy falls back to
(docs/methodology.md §1.2).

Where the hourly grid source has no usable value, an interval takes the eGRID subregion
annual total-output CO2e rate (the latest edition with data for the year or before),
and where the site's region is unknown to eGRID, the national ``US`` rate of the same
edition; both under the report's GWP set.
"""

from __future__ import annotations

from carbon.accounting.outcome import AnnualFactor
from carbon.core.errors import FactorNotFoundError
from carbon.factors.catalogue import load_dataset
from carbon.factors.egrid import egrid_co2e_rate, latest_egrid_for_year
from carbon.site.model import SiteConfig

__all__ = ["annual_factor_for", "location_factors_for"]


def annual_factor_for(site: SiteConfig, year: int) -> AnnualFactor:
    """The eGRID subregion CO2e rate for `year` (or the latest edition before it),
    under the report's GWP set (recomputed from the per-gas rates where eGRID's
    CO2e embeds another set)."""
    dataset_id, exact = latest_egrid_for_year(year)
    rate, recomputed = egrid_co2e_rate(
        site.site.grid_region, dataset_id, gwp_set=site.reporting.gwp_set
    )
    return AnnualFactor(
        rate=rate,
        dataset=load_dataset(dataset_id),
        region=site.site.grid_region,
        exact_year=exact,
        recomputed=recomputed,
    )


def location_factors_for(site: SiteConfig, year: int) -> tuple[AnnualFactor | None, AnnualFactor]:
    """The fallback levels of the location-based hierarchy for `year`.

    The eGRID subregion annual rate (latest edition with data for `year` or
    before), or None when the site's region is unknown to eGRID; and the eGRID
    national ``US`` rate of the same edition. Both under the report's GWP set.
    """
    dataset_id, exact = latest_egrid_for_year(year)
    try:
        subregion = annual_factor_for(site, year)
    except FactorNotFoundError:
        subregion = None
    rate, recomputed = egrid_co2e_rate("US", dataset_id, gwp_set=site.reporting.gwp_set)
    national = AnnualFactor(
        rate=rate,
        dataset=load_dataset(dataset_id),
        region="US",
        exact_year=exact,
        recomputed=recomputed,
    )
    return subregion, national
