"""The annual rates of the location-based factor hierarchy, per region
(docs/methodology.md §1.2).

Where the hourly grid source has no usable value, an interval takes the region's annual
grid-average rate, and the annual-factor view and timing effect use the same rate:

- a factor table the site declares (``[factors] annual``): its ``location`` row for the
  region and year (or the latest year before), with the row's provenance;
- else, for a US site only, the eGRID subregion annual total-output CO2e rate (the latest
  edition with data for the year or before), and where the region is unknown to eGRID the
  national ``US`` rate of the same edition; both under the report's GWP set.

A site outside the US never takes an eGRID rate: without a declared table it has no annual
rate, so the annual view and the timing effect are not available (with the reason), and an
hour without a usable hourly value is an error naming the hours.
"""

from __future__ import annotations

from carbon.accounting.outcome import AnnualFactor
from carbon.accounting.table_factors import annual_table_factor
from carbon.core.errors import FactorNotFoundError
from carbon.factors.catalogue import load_dataset
from carbon.factors.egrid import egrid_co2e_rate, egrid_rate, latest_egrid_for_year
from carbon.ingest.factor_table import FactorTable
from carbon.site.model import SiteConfig

__all__ = [
    "annual_factor_for",
    "annual_unavailable_reason",
    "is_us_site",
    "location_factors_for",
]


def is_us_site(site: SiteConfig) -> bool:
    """True for a US site: ``site.country = "US"``, or no country and a grid region that is
    an eGRID subregion (or ``US``). Only a US site may fall back to eGRID rates."""
    if site.site.country is not None:
        return site.site.country == "US"
    dataset_id, _ = latest_egrid_for_year(9999)
    try:
        egrid_rate(site.site.grid_region, dataset_id, "CO2")
    except FactorNotFoundError:
        return False
    return True


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


def location_factors_for(
    site: SiteConfig, year: int, annual_table: FactorTable | None = None
) -> tuple[AnnualFactor | None, AnnualFactor | None]:
    """The fallback levels of the location-based hierarchy for `year`: the regional annual
    rate (or None) and the national rate (or None).

    With `annual_table` (the site's ``[factors] annual``) the regional rate is the table's;
    otherwise, for a US site, the eGRID subregion rate (None when the region is unknown to
    eGRID). The national level is the eGRID ``US`` rate of the same edition, for a US site
    only; a site outside the US has none.
    """
    regional: AnnualFactor | None = None
    if annual_table is not None:
        regional, _ = annual_table_factor(
            annual_table, site.factor_region, year, site.reporting.gwp_set
        )
    if not is_us_site(site):
        return regional, None
    dataset_id, exact = latest_egrid_for_year(year)
    if annual_table is None:
        try:
            regional = annual_factor_for(site, year)
        except FactorNotFoundError:
            regional = None
    rate, recomputed = egrid_co2e_rate("US", dataset_id, gwp_set=site.reporting.gwp_set)
    national = AnnualFactor(
        rate=rate,
        dataset=load_dataset(dataset_id),
        region="US",
        exact_year=exact,
        recomputed=recomputed,
    )
    return regional, national


def annual_unavailable_reason(
    site: SiteConfig, year: int, annual_table: FactorTable | None = None
) -> str:
    """Why a site has no annual rate for `year` (the results' and the report's words)."""
    region = site.factor_region
    if annual_table is not None:
        _, why = annual_table_factor(annual_table, region, year, site.reporting.gwp_set)
        detail = f"{why}"
    else:
        detail = (
            f"no annual grid-average factor is declared for region {region!r} "
            "([factors] annual in the site file)"
        )
    return (
        f"not available: {detail}; the annual-factor view and the timing effect are not "
        "computed, and no other region's rate stands in"
    )
