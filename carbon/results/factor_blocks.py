"""The results.json blocks of the location-based annual rates and their provenance
(docs/methodology.md §1.2, §2.3): the annual-factor view, the factor rows of the lineage,
and the words of the factor hierarchy the report prints.

A site outside the US without a declared annual factor has no annual rate: the annual
view and the timing effect are null with the reason, and no eGRID row is listed.
"""

from __future__ import annotations

from typing import Any

from carbon.accounting.outcome import AnnualFactor, LocationFactors, PeriodOutcome

__all__ = ["annual_view_block", "factor_provenance", "hierarchy_words", "location_factor_rows"]


def factor_provenance(factor: AnnualFactor) -> dict[str, Any]:
    """Publisher, edition, licence, URL and id of an annual rate."""
    if factor.table is not None:
        return {**factor.table.as_dict(), "data_year": factor.data_year}
    dataset = factor.dataset
    assert dataset is not None  # an AnnualFactor has a dataset or a table row
    return {
        "id": dataset.id,
        "publisher": dataset.publisher,
        "edition": dataset.label,
        "licence": dataset.licence,
        "url": dataset.source_url,
        "sha256": dataset.sha256,
        "data_year": dataset.data_year,
    }


def annual_view_block(outcome: PeriodOutcome, lb_total_kg: float) -> dict[str, Any]:
    """``scope2_location_annual_factor_kgco2e``: the same energy at the annual rate, the
    rate, its provenance and the timing effect; nulls and the reason without a rate."""
    factor = outcome.annual_factor
    if factor is None or outcome.annual_view_total is None:
        return {
            "available": False,
            "reason": outcome.annual_unavailable,
            "total": None,
            "factor_gco2e_per_kwh": None,
            "factor_id": None,
            "timing_effect_kgco2e": None,
            "provenance": None,
        }
    total = float(outcome.annual_view_total.pint.to("kg CO2e").pint.magnitude)
    return {
        "available": True,
        "reason": None,
        "total": total,
        "factor_gco2e_per_kwh": float(factor.rate.to("g CO2e/kWh").magnitude),
        "factor_id": factor.factor_id,
        "timing_effect_kgco2e": lb_total_kg - total,
        "provenance": factor_provenance(factor),
    }


def location_factor_rows(outcome: PeriodOutcome) -> list[dict[str, Any]]:
    """The lineage rows of the annual rate and of the residual-mix table rows used."""
    rows: list[dict[str, Any]] = []
    factor = outcome.annual_factor
    year = outcome.period.start.year
    if factor is not None and factor.dataset is not None:
        rows.append(
            {
                "id": factor.dataset.id,
                "edition": factor.dataset.edition,
                "revision": factor.dataset.revision,
                "sha256": factor.dataset.sha256,
                "role": "annual-factor view and fallback for hours without a usable hourly "
                f"value ({factor.role_words})",
                "note": factor.note(year)
                + (
                    f"; CO2e recomputed from per-gas rates under {outcome.site.reporting.gwp_set}"
                    if factor.recomputed
                    else ""
                )
                + "; also the T&D loss rate and the Scope 3.3(c) factor",
            }
        )
    elif factor is not None and factor.table is not None:
        rows.append(
            _table_row(
                factor.table,
                f"annual-factor view and fallback for hours without "
                f"a usable hourly value ({factor.role_words})",
                f"{factor.note(year)}; {factor.gas_note}",
            )
        )
    for prov in outcome.residual_mix_rows:
        rows.append(
            _table_row(
                prov,
                f"market-based residual mix of region {outcome.site.factor_region} from the "
                "site's factor table",
                "CO2-only rows are used as CO2e with CO2's GWP of 1",
            )
        )
    return rows


def _table_row(prov: Any, role: str, note: str) -> dict[str, Any]:
    return {
        "id": prov.id,
        "edition": prov.edition,
        "revision": None,
        "sha256": prov.sha256,
        "role": role,
        "note": note,
        "publisher": prov.publisher,
        "licence": prov.licence,
        "url": prov.url,
    }


def hierarchy_words(factors: LocationFactors) -> dict[str, Any]:
    """The hierarchy's rule and the words of each level that exists for the site."""
    sub, nat = factors.subregion, factors.national
    if nat is not None:  # a US site: the eGRID levels, as before
        regional = (
            "the eGRID subregion annual total-output rate (latest edition with data for the "
            "year or before)"
            if sub is None or sub.dataset is not None
            else f"the annual factor of region {sub.region} from the site's factor table"
        )
        return {
            "rule": f"hourly grid source where it has a usable value; else {regional}; else, "
            "for a region unknown to eGRID, the eGRID national (US) rate "
            "(docs/methodology.md §1.2)",
            "level_labels": {
                "hourly_source": "hourly grid source",
                "subregion_annual": "eGRID subregion annual rate"
                if sub is None or sub.dataset is not None
                else "annual factor of the site's table",
                "national": "eGRID national rate",
            },
        }
    if sub is not None:
        return {
            "rule": "hourly grid source where it has a usable value; else the annual factor of "
            f"region {sub.region} from the site's factor table (year {sub.data_year}) "
            "(docs/methodology.md §1.2)",
            "level_labels": {
                "hourly_source": "hourly grid source",
                "subregion_annual": f"annual factor of {sub.region} (site's table)",
            },
        }
    return {
        "rule": "hourly grid source in every interval; no annual factor exists for the region, "
        f"so an interval without a usable hourly value is refused ({factors.unavailable})",
        "level_labels": {"hourly_source": "hourly grid source"},
    }
