"""Context of the methodology section: the location-based factor levels and what the
report says about global warming potentials."""

from __future__ import annotations

from carbon.report.crossref import section_ref
from carbon.report.numbers import in_display_unit

__all__ = ["factor_levels_context", "gwp_note"]


def factor_levels_context(results: dict) -> dict | None:
    """Shares of MWh per location-based factor level, for the methodology section."""
    block = results.get("scope2_location_factor_levels")
    if not block:
        return None
    shares = block.get("shares", {}) or {}
    hours = block.get("hours", {}) or {}
    sub = block.get("subregion_annual_factor") or {}
    nat = block.get("national_factor") or {}
    labels = block.get("level_labels")
    if labels is None or "national" in labels:  # a US site (or older results): eGRID levels
        egrid_sub = labels is None or labels.get("subregion_annual", "").startswith("eGRID")
        name = "the eGRID subregion annual rate" if egrid_sub else "the annual factor of the table"
        words = {
            "hourly_source": "the hourly grid source",
            "subregion_annual": f"{name} ({sub.get('region', '')}, {sub.get('factor_id', '')})"
            if sub
            else name,
            "national": f"the eGRID national rate ({nat.get('region', 'US')}, "
            f"{nat.get('factor_id', '')})",
        }
        rule = (
            "the hourly grid source where it has a usable value, else the eGRID subregion "
            "annual rate, else (region unknown to eGRID) the eGRID national rate"
            if egrid_sub
            else "the hourly grid source where it has a usable value, else the annual factor "
            "of the site's factor table, else the eGRID national rate"
        )
    else:  # a site outside the US: its own table's annual factor, or the hourly source alone
        words = {"hourly_source": "the hourly grid source"}
        rule = "the hourly grid source; an interval without a usable value is refused"
        if "subregion_annual" in labels:
            words["subregion_annual"] = (
                f"the annual factor of {sub.get('region', '')} from the site's factor table "
                f"({sub.get('factor_id', '')})"
            )
            rule = (
                "the hourly grid source where it has a usable value, else the annual factor of "
                f"region {sub.get('region', '')} from the site's factor table"
            )
    levels = []
    for key, text in words.items():
        levels.append(
            {
                "key": key,
                "words": text,
                "share_pct": in_display_unit(
                    shares.get(key), "scope2_location_factor_levels.shares.{level}"
                ),
                "mwh": block.get(f"{key}_mwh"),
                "hours": hours.get(key, 0),
            }
        )
    spans = [
        {"start": s.get("start", ""), "end": s.get("end", ""), "level": s.get("level", "")}
        for s in (block.get("fallback_spans") or [])[:5]
    ]
    return {
        "rule": rule,
        "levels": levels,
        "interval": str(block.get("interval", "") or "hourly"),
        "spans": spans,
        "spans_total": block.get("fallback_spans_total", 0),
    }


def gwp_note(factors: list[dict], gwp_set: str | None = None, grid_source: str = "") -> str:
    """What the report says about GWPs: the report's set, and where a source embeds another."""
    embedded = []
    for factor in factors:
        edition = factor.get("edition") or ""
        if edition.lower().startswith("egrid") and edition[5:].isdigit():
            year = int(edition[5:])
            embedded.append(
                f"{edition} publishes CO2e with IPCC {'AR5' if year >= 2023 else 'AR4'}"
            )
    if gwp_set:
        text = (
            f"This report uses IPCC {gwp_set} 100-year GWPs: Scope 1, the T&D losses and the "
            "annual-factor view are computed per gas under that set"
        )
        if embedded:
            text += f" ({'; '.join(embedded)}; its CO2e is recomputed from the per-gas rates)"
        text += (
            ". The hourly grid-intensity series is a CO2e rate as its source states it "
            f"({grid_source or 'see section ' + section_ref('lineage')}); "
            "its GWP set is the source's."
        )
        return text
    if embedded:
        return "; ".join(embedded) + "; used as published. No other GWP set is mixed in."
    return (
        "CO2e factors are used as published by the factor datasets listed in "
        f"section {section_ref('lineage')}, with the 100-year GWP set each dataset states."
    )
