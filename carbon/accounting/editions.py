"""The editions of the GHG Protocol's market-based Scope 2 rules, as data
(docs/methodology.md §1.3, §1.8; docs/market-based.md "Both editions").

Each :class:`Edition` states the rules :mod:`carbon.accounting.scope2_editions` applies to
the same hourly arrays: how instruments are matched to load, what deliverability means,
whether a standard supply service claim is made, what prices the load no instrument covers
where no residual mix exists, the load- and generation-data fallback ladders, and the
exemption thresholds. A later text (the final standard expected in 2027) is a new entry of
:data:`EDITIONS`, not a change to an existing one: results name the edition they follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = [
    "EDITIONS",
    "EDITIONS_BY_KEY",
    "GENERATION_TIERS",
    "LOAD_TIERS",
    "RESIDUAL_FALLBACKS",
    "Edition",
]

#: The load-data fallback ladder of the 2025 draft, most specific first.
LOAD_TIERS: tuple[str, ...] = (
    "interval_meter",
    "facility_profile",
    "market_boundary_profile",
    "time_of_use_average",
    "flat",
)
#: The generation-data fallback ladder of the 2025 draft, most specific first, and
#: ``not_counted`` for an instrument none of the steps applies to.
GENERATION_TIERS: tuple[str, ...] = (
    "hourly_certificates",
    "certificates_with_hourly_production",
    "facility_profile",
    "regional_profile",
    "not_counted",
)
#: What prices uncovered load where no residual mix (or supplier factor) exists.
RESIDUAL_FALLBACKS: Mapping[str, str] = MappingProxyType(
    {
        "grid_average": "the location-based (grid-average) rate of the hour, disclosed as such",
        "fossil_only": "the rate of the boundary's emitting generation in the hour: the "
        "location-based rate ÷ (1 − the grid's carbon-free share c_h)",
        "conservative": "the highest location-based rate of any hour of the period",
    }
)


@dataclass(frozen=True)
class Edition:
    """One edition of the market-based rules."""

    key: str
    title: str
    #: "in force", or "proposal, consultation <dates>"
    status: str
    #: the date of the text (ISO 8601) and where it is published
    dated: str
    source: str
    matching: Literal["annual", "hourly"]
    #: what deliverability (Quality Criterion 5) means under the edition, in words
    deliverability: str
    standard_supply: bool
    #: tried in order where no residual mix or supplier factor prices an hour
    residual_fallbacks: tuple[str, ...]
    #: the load-data ladder; empty where the edition needs the period's total only
    load_tiers: tuple[str, ...] = ()
    #: the generation-data ladder; empty where volumes over the period suffice
    generation_tiers: tuple[str, ...] = ()
    #: annual consumption [GWh] below which hourly matching may be waived (options consulted)
    exemption_thresholds_gwh: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def in_force(self) -> bool:
        return self.status == "in force"


EDITIONS: tuple[Edition, ...] = (
    Edition(
        key="ghgp-s2-2015",
        title="GHG Protocol Scope 2 Guidance (2015), market-based method",
        status="in force",
        dated="2015-01-20",
        source="GHG Protocol Scope 2 Guidance, ch. 6-7 (Tables 6.3, 7.1)",
        matching="annual",
        deliverability="Quality Criterion 5: the instrument's market boundary equals the "
        "site's (labels compared ignoring case)",
        standard_supply=False,
        residual_fallbacks=("grid_average",),
        notes=(
            "instruments matched against the period's load as a whole (annual matching); "
            "surplus in one hour covers load in another",
            "an instrument without an hourly profile counts with its volume in the period",
        ),
    ),
    Edition(
        key="ghgp-s2-2025-draft",
        title="GHG Protocol Scope 2 revision, public consultation draft (2025)",
        status="proposal, consultation Oct 2025 – Jan 2026",
        dated="2025-10-20",
        source="GHG Protocol Scope 2 Standard, public consultation draft (ISB approved "
        "14 Jul 2025; consultation 20 Oct 2025 – 31 Jan 2026)",
        matching="hourly",
        deliverability="deliverability to the load's market boundary: the instrument's market "
        "boundary equals the site's (labels compared ignoring case); the price-convergence "
        "and firm-transmission alternatives are not assessed",
        standard_supply=True,
        residual_fallbacks=("fossil_only", "conservative"),
        load_tiers=LOAD_TIERS,
        generation_tiers=GENERATION_TIERS,
        exemption_thresholds_gwh=(5.0, 10.0, 50.0),
        notes=(
            "instruments matched hour by hour: generation in one hour covers load in the same "
            "hour only, surplus is not carried",
            "a proposal, not in force: the 2015 Guidance remains operative",
        ),
    ),
)

#: Edition key → edition.
EDITIONS_BY_KEY: Mapping[str, Edition] = MappingProxyType({e.key: e for e in EDITIONS})
