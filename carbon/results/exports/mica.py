"""``exports/mica.json``: the mining share of a site as the sustainability indicators
that a crypto-asset issuer or service provider asks its miners for under MiCA.

Commission Delegated Regulation (EU) 2025/422 (supplementing Regulation (EU) 2023/1114)
asks issuers and crypto-asset service providers for energy, renewable share, energy and
GHG intensity, Scope 1 and Scope 2 emissions and waste of electrical and electronic
equipment, per crypto-asset. A miner is the upstream supplier of those figures; this
export gives them for the Bitcoin-mining workload of one site, with the units in the
field names, so that the issuer can attribute them (e.g. by hashrate share of the
network). The rules (docs/exports.md):

- energy = the mining workload's energy: its IT energy plus its allocated share of the
  shared and unmetered load (``energy_kwh.mining``);
- renewable share = certificates and PPAs applied to mining in the market-based
  result (annual matching) ÷ mining energy; the hourly-matched share is given beside it;
- Scope 2 location- and market-based = the mining column of results.json;
- Scope 1: the site's on-site combustion has no workload of its own, so the export
  attributes it pro rata to energy (mining energy ÷ site energy), and says so;
- intensity per TH/s = over the period, per average operating (realised) hashrate,
  all mining; per BTC = self-mining only, as results.json's per-BTC figures;
- e-waste = retired ASICs of the period (``retired_hardware``), by disposal route.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from carbon.results.exports.common import (
    ReportSource,
    SitePeriod,
    Strict,
    convert,
    header,
    number,
)

__all__ = ["MicaExport", "mica_export"]

REGULATION = (
    "Commission Delegated Regulation (EU) 2025/422 of 17 December 2024 supplementing "
    "Regulation (EU) 2023/1114 (MiCA): sustainability indicators on adverse impacts on the "
    "climate and the environment"
)
#: Disposal routes that keep retired hardware in use (not waste); every other route is
#: counted as waste of electrical and electronic equipment.
_KEPT_IN_USE = frozenset({"resale", "reuse", "refurbishment"})


class MicaIndicators(Strict):
    """The indicators for the mining share of the site, over the period."""

    energy_consumption_kwh: float | None = Field(
        description="mining energy: IT energy plus allocated share of shared and unmetered load"
    )
    renewable_energy_share_fraction: float | None = Field(
        description="certificate- and PPA-backed renewable energy applied to mining (annual "
        "matching, market-based result) ÷ mining energy, 0-1"
    )
    non_renewable_energy_share_fraction: float | None = Field(
        description="1 − renewable_energy_share_fraction"
    )
    hourly_matched_renewable_share_fraction: float | None = Field(
        description="mining energy matched hour by hour with contracted carbon-free "
        "generation ÷ mining energy, 0-1 (given beside the annual share, never merged)"
    )
    scope1_tco2e: float | None = Field(
        description="site Scope 1 attributed to mining pro rata to energy (see allocation)"
    )
    scope2_location_based_tco2e: float | None
    scope2_market_based_tco2e: float | None
    ghg_scope1_2_location_based_tco2e: float | None = Field(
        description="scope1_tco2e + scope2_location_based_tco2e"
    )
    ghg_scope1_2_market_based_tco2e: float | None = Field(
        description="scope1_tco2e + scope2_market_based_tco2e"
    )
    average_operating_hashrate_ths: float | None = Field(
        description="average operating (realised) hashrate over the period, all mining"
    )
    energy_intensity_kwh_per_ths: float | None = Field(
        description="energy_consumption_kwh ÷ average_operating_hashrate_ths, for the period"
    )
    ghg_intensity_location_based_kgco2e_per_ths: float | None = Field(
        description="Scope 1 + 2 location-based ÷ average operating hashrate, for the period"
    )
    ghg_intensity_market_based_kgco2e_per_ths: float | None = Field(
        description="Scope 1 + 2 market-based ÷ average operating hashrate, for the period"
    )
    btc_mined_self: float | None = Field(description="BTC mined by the self-mining fleet")
    btc_mined_hosted: float | None = Field(description="BTC mined for hosted clients")
    energy_intensity_kwh_per_btc: float | None = Field(
        description="self-mining energy (incl. allocated overhead) ÷ BTC mined (self)"
    )
    ghg_intensity_location_based_kgco2e_per_btc: float | None = Field(
        description="self-mining Scope 1 + 2 location-based ÷ BTC mined (self)"
    )
    ghg_intensity_market_based_kgco2e_per_btc: float | None = Field(
        description="self-mining Scope 1 + 2 market-based (2015 annual matching) ÷ BTC (self)"
    )
    ewaste_retired_asic_t: float | None = Field(
        description="mass of ASIC miners retired in the period (all routes); null when the "
        "site file keeps no retired-hardware register"
    )
    ewaste_retired_asic_units: int | None
    ewaste_retired_asic_t_by_disposal_route: dict[str, float] = Field(
        description="mass per disposal route (recycling, resale, ...)"
    )
    ewaste_weee_t: float | None = Field(
        description="retired ASIC mass not kept in use (routes other than resale, reuse, "
        "refurbishment): waste of electrical and electronic equipment"
    )
    ewaste_weee_non_recycled_share_fraction: float | None = Field(
        description="WEEE not sent to recycling ÷ ewaste_weee_t, 0-1 (null without WEEE)"
    )


class MicaExport(Strict):
    """The MiCA sustainability indicators of a site's mining share (``exports/mica.json``)."""

    export: Literal["mica"]
    schema_version: Literal["1"]
    regulation: str = Field(description="the act the indicators answer")
    source: ReportSource
    site: SitePeriod
    workload: Literal["mining"] = Field(
        description="the figures are the Bitcoin-mining share of the site"
    )
    gwp_set: str = Field(description="GWP-100 set of every tCO2e and kgCO2e figure here")
    indicators: MicaIndicators
    allocation: list[str] = Field(description="how the mining share was taken, rule by rule")
    not_available: dict[str, str] = Field(description="indicator → why it is null for this period")


def _sum(*values: float | None) -> float | None:
    return None if any(v is None for v in values) else float(sum(values))  # type: ignore[arg-type]


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return None if top is None or not bottom else top / bottom


def _ewaste(results: dict[str, Any]) -> dict[str, Any]:
    register = results.get("retired_hardware") or {}
    if not register.get("reported"):
        return {
            "ewaste_retired_asic_t": None,
            "ewaste_retired_asic_units": None,
            "ewaste_retired_asic_t_by_disposal_route": {},
            "ewaste_weee_t": None,
            "ewaste_weee_non_recycled_share_fraction": None,
        }
    asics = [i for i in register.get("items") or () if i.get("kind") == "asic"]
    by_route: dict[str, float] = {}
    for item in asics:
        route = str(item["disposal_route"])
        by_route[route] = by_route.get(route, 0.0) + float(item["mass_t"])
    weee = sum(m for r, m in by_route.items() if r not in _KEPT_IN_USE)
    return {
        "ewaste_retired_asic_t": float(sum(by_route.values())),
        "ewaste_retired_asic_units": int(sum(int(i["units"]) for i in asics)),
        "ewaste_retired_asic_t_by_disposal_route": dict(sorted(by_route.items())),
        "ewaste_weee_t": float(weee),
        "ewaste_weee_non_recycled_share_fraction": _ratio(
            weee - by_route.get("recycling", 0.0), weee
        ),
    }


def mica_export(results: dict[str, Any], canonical_json: bytes) -> MicaExport:
    """The MiCA indicators of the mining share of `results` (see the module text)."""
    source, site = header(results, canonical_json)
    energy = number(results, "energy_kwh.mining")
    site_energy = number(results, "energy_kwh.total")
    scope1_site = convert(number(results, "scope1_kgco2e.total"), "kg CO2e", "t CO2e")
    share = _ratio(energy, site_energy)
    scope1 = None if scope1_site is None or share is None else scope1_site * share
    location = convert(number(results, "scope2_location_kgco2e.mining"), "kg CO2e", "t CO2e")
    market = convert(number(results, "scope2_market_kgco2e.mining"), "kg CO2e", "t CO2e")
    total_location, total_market = _sum(scope1, location), _sum(scope1, market)
    hashrate = convert(number(results, "hashrate.average_operating.value"), "PH/s", "TH/s")
    renewable = number(results, "market_based.metrics_by_workload.mining.annual_match")
    # per BTC: self-mining energy (kWh/BTC) carries Scope 1 at the site's kg per kWh
    scope1_per_kwh = _ratio(number(results, "scope1_kgco2e.total"), site_energy)
    kwh_per_btc = number(results, "intensities.kwh_per_btc")
    scope1_per_btc = (
        None if kwh_per_btc is None or scope1_per_kwh is None else scope1_per_kwh * kwh_per_btc
    )
    per_btc = {
        basis: _sum(number(results, f"intensities.kgco2e_per_btc_{basis}"), scope1_per_btc)
        for basis in ("location", "market")
    }
    indicators = MicaIndicators(
        energy_consumption_kwh=energy,
        renewable_energy_share_fraction=renewable,
        non_renewable_energy_share_fraction=None if renewable is None else 1.0 - renewable,
        hourly_matched_renewable_share_fraction=number(
            results, "market_based.metrics_by_workload.mining.hourly_matched_share"
        ),
        scope1_tco2e=scope1,
        scope2_location_based_tco2e=location,
        scope2_market_based_tco2e=market,
        ghg_scope1_2_location_based_tco2e=total_location,
        ghg_scope1_2_market_based_tco2e=total_market,
        average_operating_hashrate_ths=hashrate,
        energy_intensity_kwh_per_ths=_ratio(energy, hashrate),
        ghg_intensity_location_based_kgco2e_per_ths=_ratio(
            convert(total_location, "t CO2e", "kg CO2e"), hashrate
        ),
        ghg_intensity_market_based_kgco2e_per_ths=_ratio(
            convert(total_market, "t CO2e", "kg CO2e"), hashrate
        ),
        btc_mined_self=number(results, "production.btc_mined_self"),
        btc_mined_hosted=number(results, "production.btc_mined_hosted"),
        energy_intensity_kwh_per_btc=kwh_per_btc,
        ghg_intensity_location_based_kgco2e_per_btc=per_btc["location"],
        ghg_intensity_market_based_kgco2e_per_btc=per_btc["market"],
        **_ewaste(results),
    )
    return MicaExport(
        export="mica",
        schema_version="1",
        regulation=REGULATION,
        workload="mining",
        source=source,
        site=site,
        gwp_set=str(results.get("gwp_set") or "not stated"),
        indicators=indicators,
        allocation=[
            "energy and Scope 2: the mining column of results.json (mining IT energy plus its "
            "allocated share of shared and unmetered load, docs/methodology.md §6)",
            "Scope 1: on-site combustion serves the whole site; attributed to mining pro rata "
            f"to energy (mining ÷ site energy = {share:.6f})"
            if share is not None
            else "Scope 1: not attributed (site energy is zero or missing)",
            "per TH/s: all mining (self and hosted) per average operating hashrate; "
            "per BTC: self-mining energy and emissions per BTC mined by the self-mining fleet",
            "renewable share: contractual (certificates and PPAs applied in the market-based "
            "result, annual matching); the grid's own renewable or carbon-free share is not "
            "counted",
            "e-waste: ASICs retired in the period; resale, reuse and refurbishment keep "
            "hardware in use and are not counted as WEEE",
        ],
        not_available={
            name: _why(name, results)
            for name, value in indicators.model_dump().items()
            if value is None
        },
    )


def _why(name: str, results: dict[str, Any]) -> str:
    if name.startswith("ewaste"):
        return "the site file keeps no retired-hardware register ([[retired_hardware]])"
    if "btc" in name:
        return "no BTC mined for the fleet in the period, or no activity rows"
    if "ths" in name:
        return "no average operating hashrate in the period"
    if "renewable" in name:
        return "no market-based result by workload in the period"
    return "not in the results of this period"
