"""The embedded demo site: a deterministic, seeded generator.

See docs/how-it-works.md "The embedded demo site".

An ERCOT campus (eGRID subregion ERCT, America/Chicago) with one revenue meter,
four air-cooled mining halls, one of which (HALL-D) converts to liquid-cooled AI
hosting on 14 June 2025 at noon local time, and an AI hall that hosts GPUs all
year. Shared loads: mining cooling (dedicated to mining), AI cooling (dedicated
to AI), offices (allocated pro rata to IT energy), and transformer losses as the
unmetered residual. Mining curtails in ERCOT's summer peak afternoons and in the
highest-load (highest-price) hours; AI does not.

The hourly grid intensity is a synthetic ERCOT-like profile (night wind, solar
dip, gas-fired evening and summer peaks) scaled so that its generation-weighted
annual mean equals the eGRID2023rev2 ERCT total-output CO2e rate. Reports label
it synthetic.

The generator returns what files would hold (tables whose column names carry
the unit); the pipeline reads them through the same ingest stage as user files.
Everything is vectorised over intervals; the only loops run over halls.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import xarray as xr

from carbon.analysis.sector import SUBSIDY_BTC_SINCE_2024_HALVING, expected_btc_per_day
from carbon.core.units import Q_, ureg
from carbon.demo.invoices import demo_invoices
from carbon.demo.operating import operating_from, operating_site_keys
from carbon.demo.register import demo_register
from carbon.demo.timeline import CONVERSION_AT, INTERVAL, TIMEZONE, YEAR
from carbon.factors.egrid import egrid_co2e_rate
from carbon.site.instruments import Certificate, PowerPurchaseAgreement, ResidualMix
from carbon.site.load import site_from_dict
from carbon.site.model import SiteConfig

SEED = 20250614
GENERATOR_VERSION = "demo-1"
CALIBRATION_DATASET = "egrid2023rev2"
GRID_REGION = "ERCT"

# Rated IT load of the mining halls before any conversion [MW].
_MINING_HALLS_MW = {"HALL-A": 22.0, "HALL-B": 24.0, "HALL-C": 21.0, "HALL-D": 20.0}
_AI_HALL_E_MW = 12.0  # GPU hall from the start [MW]
#: HALL-E's tenant cages: busway meter → colocation tenant, and each cage's share of the hall.
_HALL_E_TENANTS = {"HALL-E1": "tenant-2", "HALL-E2": "tenant-3"}
_HALL_E_SPLIT = {"HALL-E1": 0.6, "HALL-E2": 0.4}
_AI_HALL_D_MW = 16.0  # HALL-D after conversion, at full ramp [MW]
_HALL_D_REFIT_END = pd.Timestamp("2025-06-24T00:00", tz=TIMEZONE)
_HALL_D_RAMP_END = pd.Timestamp("2025-07-14T00:00", tz=TIMEZONE)
_OFFICE_GAP = pd.date_range("2025-07-09T14:00", periods=3, freq="15min", tz=TIMEZONE)
REPORTER = "Demo Mining & Compute Inc. (synthetic)"
MARKET_BOUNDARY = "ERCOT"
_SOLAR_PPA_MW = 30.0  # contracted solar plant, certificates retained, dedicated to AI
# Miner groups behind each mining hall: (model, rated W per unit, rated TH/s per unit). Ratings
# are the manufacturers' published nameplates; unit counts fill each hall's rated load.
_MINERS = {
    "HALL-A": ("Antminer S21", 3500.0, 200.0),  # 17.5 J/TH
    "HALL-B": ("Antminer S21 Pro", 3510.0, 234.0),  # 15.0 J/TH
    "HALL-C": ("Antminer S19 XP", 3010.0, 140.0),  # 21.5 J/TH
    "HALL-D": ("Antminer S19k Pro", 2760.0, 120.0),  # 23.0 J/TH, retired at the conversion
}
#: Realised hashing falls short of nameplate (PSU losses, ageing boards, tuning) [fraction].
_REALISED_PENALTY = 1.04
_ENERGISED_SHARE = 0.97  # units powered and able to hash; the rest are out for repair
#: Network hashrate the demo's BTC production assumes (a round 2025 figure, not measured).
NETWORK_HASHRATE_EH_S = 800.0
MEAN_FEES_BTC_PER_BLOCK = 0.025
# GPUs per AI hall (H100-class, ~1.4 kW of IT load per GPU all-in) and the share of available
# GPU-hours sold to tenants.
_GPUS = {"HALL-E": 8576, "HALL-D": 11424}
_GPU_SOLD_SHARE = {"HALL-E": 0.91, "HALL-D": 0.84}
# Site water withdrawal per month [m^3] (no waste heat is reused: ERF = 0)
_WATER_M3 = (6200, 6100, 7400, 8900, 11800, 14900, 17600, 17900, 14200, 10300, 7600, 6400)
# Backup diesel genset test runs into a load bank (no site consumption) [US gallons per month]
_GENSET_GALLONS = (1800, 1500, 1600, 1700, 2100, 2600, 2900, 3000, 2400, 1900, 1600, 2200)


@dataclass(frozen=True)
class DemoInputs:
    """What the demo site hands to the pipeline: a site model and file-like tables."""

    site: SiteConfig
    meter_readings: pd.DataFrame  # columns interval_start (UTC), meter_id, energy_kwh
    grid_intensity: pd.DataFrame  # columns interval_start (UTC, hourly), intensity_gco2e_per_kwh
    calibration_target_gco2e_per_kwh: float
    seed: int = SEED
    generator_version: str = GENERATOR_VERSION


def demo_site(
    activity: list[dict] | None = None,
    operating: dict | None = None,
    invoices: list[dict] | None = None,
) -> SiteConfig:
    """The demo site's configuration (the same model a TOML site file produces).

    `activity` holds the ``[[activity]]`` rows (:func:`generate` derives them from the
    generated meter data); without it the site has no activity block. `operating` holds the
    data-derived operating tables (``grid_carbon_free``, ``demand_response``, ``energy_cost``);
    the static ones (capacity, pipeline, cooling) are always present (carbon/demo/operating.py).
    """
    # long: the site file as one data literal, in the order a TOML site file lists it
    conversion = CONVERSION_AT.isoformat()
    meters = [
        {"id": "REV", "role": "revenue", "file": "demo://meters"},
        *(
            {"id": hall, "role": "it", "parent": "REV", "workload": "mining"}
            for hall in ("HALL-A", "HALL-B", "HALL-C")
        ),
        {
            "id": "HALL-D",
            "role": "it",
            "parent": "REV",
            "workload": [
                {"until": conversion, "workload": "mining"},
                {"workload": "ai", "tenant": "tenant-1"},
            ],
        },
        # HALL-E is one GPU hall metered per tenant cage (busway meters)
        *(
            {"id": meter, "role": "it", "parent": "REV", "workload": "ai", "tenant": tenant}
            for meter, tenant in _HALL_E_TENANTS.items()
        ),
        {
            "id": "COOL-MINING",
            "role": "shared",
            "parent": "REV",
            "allocation": "dedicated",
            "dedicated_to": "mining",
        },
        {
            "id": "COOL-AI",
            "role": "shared",
            "parent": "REV",
            "allocation": "dedicated",
            "dedicated_to": "ai",
        },
        {"id": "OFFICE", "role": "shared", "parent": "REV", "allocation": "it-energy"},
    ]
    return site_from_dict(
        {
            "site": {
                "id": "demo",
                "name": "Demo campus, West Texas (synthetic)",
                "timezone": TIMEZONE,
                "grid_region": GRID_REGION,
                "synthetic": True,
            },
            "meters": meters,
            # transformer losses run 1.5 to 2.5 % of load (more at low load); see docs
            "quality": {"reconciliation_tolerance": 0.03, "invoice_tolerance_pct": 2.0},
            **({"invoices": invoices} if invoices else {}),  # synthetic utility bills
            "reporting": {
                "reporter": REPORTER,
                "market_boundary": MARKET_BOUNDARY,
                "gwp_set": "AR6",
            },
            "fuel": [
                {
                    "genset_id": "GEN-1 (diesel backup, load-bank tests)",
                    "fuel": "distillate_fuel_oil_no2",
                    "quantity": f"{gallons} gallon",
                    "heat_content": "0.138 MMBtu/gallon",
                    "period": f"{YEAR}-{month:02d}",
                }
                for month, gallons in enumerate(_GENSET_GALLONS, start=1)
            ],
            **({"activity": activity} if activity else {}),
            **demo_register(REPORTER, YEAR),  # credits, boundary, hardware, network, fiscal year
            # a Scope 2 target (SBTi CNZS V2.0, location-based); the base year precedes the
            # demo's meter data, so its figures are declared, as a prior inventory gives them
            "targets": {
                "base_year": YEAR - 1,
                "base_year_location": "246000 t CO2e",
                "base_year_electricity": "690 GWh",
                "source": f"synthetic: the operator's {YEAR - 1} GHG inventory (not in the "
                "demo's meter data)",
                "target_year": 2030,
                "reduction_pct": 42.0,
            },
            **operating_site_keys(operating or {}),
            # the utility's mandated clean supply, for the 2025 draft's pro-rata claim
            "standard_supply": [
                {
                    "utility": "Demo retail electric provider (synthetic)",
                    "programme": "state renewable portfolio standard: certificates retired "
                    "for all retail customers (synthetic)",
                    "clean_energy": "1150000 MWh",
                    "retail_sales": "9800000 MWh",
                    "data_year": YEAR - 1,
                    "applies_from": f"{YEAR}-01-01",
                    "applies_to": f"{YEAR + 1}-01-01",
                    "source": "synthetic utility disclosure label, 2024 edition",
                }
            ],
            # evaporative assist on the AI halls' dry coolers: more water in the hot months
            "water": [
                {
                    "period": f"{YEAR}-{month:02d}",
                    "withdrawal": f"{m3} m^3",
                    "potable": f"{round(m3 * 0.1)} m^3",
                    "consumption": f"{round(m3 * 0.78)} m^3",  # evaporated; the rest discharged
                    "source": "synthetic: monthly utility water bills",
                }
                for month, m3 in enumerate(_WATER_M3, start=1)
            ],
        },
        source="demo site",
    )


def _year_index(freq: str) -> pd.DatetimeIndex:
    tz = ZoneInfo(TIMEZONE)
    start = pd.Timestamp(datetime(YEAR, 1, 1), tz=tz).tz_convert("UTC")
    end = pd.Timestamp(datetime(YEAR + 1, 1, 1), tz=tz).tz_convert("UTC")
    return pd.date_range(start, end, freq=freq, inclusive="left")


def _smooth_noise(rng: np.random.Generator, n: int, sigma: float, window: int) -> np.ndarray:
    """Gaussian noise with a moving-average memory of `window` steps (vectorised)."""
    raw = rng.normal(0.0, 1.0, n + window - 1)
    kernel = np.ones(window) / np.sqrt(window)
    return sigma * np.convolve(raw, kernel, mode="valid")


def _weather_and_grid(times: pd.DatetimeIndex, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Temperature [°C] and ERCOT-like system load [GW], wind and solar shapes at `times`."""
    local = times.tz_convert(TIMEZONE)
    hod = local.hour.to_numpy() + local.minute.to_numpy() / 60.0
    doy = local.day_of_year.to_numpy().astype(float)
    n = len(times)
    steps_per_day = int(pd.Timedelta(days=1) / (times[1] - times[0]))
    temp = (
        19.0
        + 12.0 * np.cos(2 * np.pi * (doy - 200.0) / 365.25)
        + 7.0 * np.cos(2 * np.pi * (hod - 16.0) / 24.0)
        + _smooth_noise(rng, n, 2.0, steps_per_day)
    )
    weekday = (local.day_of_week.to_numpy() < 5).astype(float)
    load = (
        38.0
        + 0.055 * (temp - 15.0) ** 2
        + 5.0 * np.clip(np.sin(np.pi * (hod - 6.0) / 16.0), 0.0, None)
        + 1.5 * weekday
    )
    wind = np.clip(
        0.33
        + 0.12 * np.cos(2 * np.pi * (doy - 100.0) / 365.25)
        + 0.10 * np.cos(2 * np.pi * (hod - 2.0) / 24.0)
        + _smooth_noise(rng, n, 0.05, steps_per_day // 2),
        0.02,
        0.8,
    )
    solar = np.clip(np.sin(np.pi * (hod - 7.0) / 12.0), 0.0, None) * (
        0.8 + 0.2 * np.cos(2 * np.pi * (doy - 172.0) / 365.25)
    )
    return {"temp": temp, "load": load, "wind": wind, "solar": solar, "hod": hod}


def _grid_intensity(target_gco2e_per_kwh: float, rng: np.random.Generator) -> pd.DataFrame:
    """Hourly synthetic intensity, calibrated so Σ(load·EF)/Σload equals the target."""
    hours = _year_index("1h")
    w = _weather_and_grid(hours, rng)
    nuclear_gw = 5.0
    carbon_free = np.clip(
        (nuclear_gw + 28.0 * w["wind"] * 0.6 + 18.0 * w["solar"] * 0.9) / w["load"], 0.0, 0.85
    )
    peak_gas = 1.0 + 0.25 * np.clip((w["load"] - 55.0) / 20.0, 0.0, None)  # peakers burn more
    raw = 600.0 * (1.0 - carbon_free) * peak_gas
    weighted_mean = float(np.sum(raw * w["load"]) / np.sum(w["load"]))
    intensity = raw * (target_gco2e_per_kwh / weighted_mean)
    return pd.DataFrame(
        {
            "interval_start": hours,
            "intensity_gco2e_per_kwh": intensity,
            "system_load_gw": w["load"],
            "carbon_free_share": carbon_free,
        }
    )


def _curtailment_hours(grid: pd.DataFrame) -> pd.Series:
    """Hours (UTC start) in which mining curtails: price-spike proxy and summer 4CP window."""
    load = grid["system_load_gw"].to_numpy()
    local = pd.DatetimeIndex(grid["interval_start"]).tz_convert(TIMEZONE)
    spike = load >= np.quantile(load, 0.96)
    summer_peak = (
        local.month.isin([6, 7, 8, 9])
        & (local.day_of_week < 5)
        & (local.hour >= 15)
        & (local.hour < 19)
        & (load >= np.quantile(load, 0.85))
    )
    return pd.Series(spike | np.asarray(summer_peak), index=grid["interval_start"].to_numpy())


def _hall_d_ramp(local: pd.DatetimeIndex) -> np.ndarray:
    """Share of HALL-D's AI capacity energised: 0 until the refit ends, 1 from the ramp's end."""
    return np.clip((local - _HALL_D_REFIT_END) / (_HALL_D_RAMP_END - _HALL_D_REFIT_END), 0.0, 1.0)


def _miner_units(hall: str) -> int:
    """Units of the hall's miner model that fill its rated IT load."""
    return round(_MINING_HALLS_MW[hall] * 1e6 / _MINERS[hall][1])


def _activity(times: pd.DatetimeIndex, power: dict[str, np.ndarray]) -> list[dict]:
    """Monthly ``[[activity]]`` rows consistent with the generated meter data.

    Hashrate of each mining hall per interval = hall power ÷ (nameplate J/TH ×
    the realised penalty); its monthly mean is the average operating hashrate.
    BTC = ``sector.expected_btc_per_day`` at :data:`NETWORK_HASHRATE_EH_S` and
    3.125 BTC subsidy plus fees, times the days of the month. GPU-hours available
    = GPUs energised × hours (HALL-D ramps up after its refit); sold = a fixed
    share per hall. All mining is self-mining.
    """
    local = times.tz_convert(TIMEZONE)
    step_h = INTERVAL / pd.Timedelta(hours=1)
    mining_d = np.asarray(local < pd.Timestamp(CONVERSION_AT))
    after_conversion = ~mining_d
    hashrate = np.zeros(len(times))  # TH/s
    for hall, (_model, watts, th_s) in _MINERS.items():
        hall_w = power[hall] * 1e6 * (mining_d if hall == "HALL-D" else 1.0)
        hashrate += hall_w / (watts / th_s * _REALISED_PENALTY)
    gpu_available = _GPUS["HALL-E"] * np.ones(len(times)) + _GPUS["HALL-D"] * np.where(
        after_conversion, _hall_d_ramp(local), 0.0
    )
    gpu_sold = _GPUS["HALL-E"] * _GPU_SOLD_SHARE["HALL-E"] + _GPUS["HALL-D"] * _GPU_SOLD_SHARE[
        "HALL-D"
    ] * np.where(after_conversion, _hall_d_ramp(local), 0.0)
    rows = []
    for month in range(1, 13):
        in_month = np.asarray(local.month == month)
        hours = float(in_month.sum()) * step_h
        end = pd.Timestamp(datetime(YEAR + month // 12, month % 12 + 1, 1), tz=TIMEZONE)
        halls = [h for h in _MINERS if h != "HALL-D" or end <= pd.Timestamp(CONVERSION_AT)]
        installed = sum(_MINERS[h][2] * _miner_units(h) for h in halls)  # TH/s
        average = float(hashrate[in_month].mean())
        expected = expected_btc_per_day(
            Q_(average, "TH/s"),
            Q_(NETWORK_HASHRATE_EH_S, "EH/s"),
            mean_fees_per_block_btc=MEAN_FEES_BTC_PER_BLOCK,
            subsidy_btc=SUBSIDY_BTC_SINCE_2024_HALVING,
        )
        btc = float(expected.value.to("1/day").magnitude) * hours / 24.0
        gpus = _GPUS["HALL-E"] + (_GPUS["HALL-D"] if end > pd.Timestamp(CONVERSION_AT) else 0)
        rows.append(
            {
                "period": f"{YEAR}-{month:02d}",
                "hashrate_installed": f"{installed / 1e6:.4f} EH/s",
                "hashrate_energised": f"{installed * _ENERGISED_SHARE / 1e6:.4f} EH/s",
                "hashrate_average": f"{average / 1e6:.4f} EH/s",
                "hashrate_average_hosted": "0 EH/s",
                "btc_mined_self": round(btc, 4),
                "btc_mined_hosted": 0.0,
                "network_hashrate": f"{NETWORK_HASHRATE_EH_S:g} EH/s",
                "network_hashrate_note": "assumption: a round figure for the 2025 network "
                "average, not a measured value",
                "mean_fees_btc_per_block": MEAN_FEES_BTC_PER_BLOCK,
                "gpu_count": gpus,
                "gpu_hours_available": f"{round(gpu_available[in_month].sum() * step_h)} hour",
                "gpu_hours_sold": f"{round(gpu_sold[in_month].sum() * step_h)} hour",
                "source": "synthetic: derived from the demo's metered hall energy, the miner "
                "nameplates and the stated network hashrate",
                "miners": [
                    {
                        "model": _MINERS[h][0],
                        "count": _miner_units(h),
                        "rated_power": f"{_MINERS[h][1]:g} W",
                        "rated_hashrate": f"{_MINERS[h][2]:g} TH/s",
                        "hall": h,
                    }
                    for h in halls
                ],
            }
        )
    return rows


def _meter_power_mw(
    times: pd.DatetimeIndex, curtailed_hour: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Average power per interval [MW] of every demo meter, as a dict of arrays."""
    w = _weather_and_grid(times, rng)
    n = len(times)
    local = times.tz_convert(TIMEZONE)
    hot_derate = 1.0 - 0.01 * np.clip(w["temp"] - 35.0, 0.0, None)
    power: dict[str, np.ndarray] = {}
    mining_it = np.zeros(n)
    ai_it = np.zeros(n)
    before_conversion = local < pd.Timestamp(CONVERSION_AT)
    for hall, rated in _MINING_HALLS_MW.items():
        availability = np.clip(0.97 + _smooth_noise(rng, n, 0.008, 8), 0.9, 1.0)
        hall_mw = rated * availability * hot_derate
        hall_mw = np.where(curtailed_hour, 0.05 * rated, hall_mw)
        if hall == "HALL-D":
            diurnal = 1.0 + 0.03 * np.cos(2 * np.pi * (w["hod"] - 15.0) / 24.0)
            ramp = _hall_d_ramp(local)
            ai_mw = np.maximum(
                0.15, _AI_HALL_D_MW * ramp * 0.94 * diurnal * (1 + _smooth_noise(rng, n, 0.004, 4))
            )
            ai_it += np.where(before_conversion, 0.0, ai_mw)
            mining_it += np.where(before_conversion, hall_mw, 0.0)
            hall_mw = np.where(before_conversion, hall_mw, ai_mw)
        else:
            mining_it += hall_mw
        power[hall] = hall_mw
    diurnal_e = 1.0 + 0.03 * np.cos(2 * np.pi * (w["hod"] - 15.0) / 24.0)
    hall_e = _AI_HALL_E_MW * 0.93 * diurnal_e * (1 + _smooth_noise(rng, n, 0.004, 4))
    # tenant-3 trains in batches: its cage swings more over the day than tenant-2's
    swing = 0.05 * np.sin(2 * np.pi * (w["hod"] - 9.0) / 24.0)
    power["HALL-E1"] = hall_e * (_HALL_E_SPLIT["HALL-E1"] - _HALL_E_SPLIT["HALL-E2"] * swing)
    power["HALL-E2"] = hall_e * _HALL_E_SPLIT["HALL-E2"] * (1.0 + swing)
    ai_it += hall_e
    warm = np.clip(w["temp"] - 10.0, 0.0, None)
    power["COOL-MINING"] = mining_it * (0.03 + 0.0025 * warm)
    power["COOL-AI"] = ai_it * (0.12 + 0.004 * warm)
    office_hours = (local.day_of_week < 5) & (local.hour >= 7) & (local.hour < 19)
    power["OFFICE"] = 0.18 + 0.12 * np.asarray(office_hours, dtype=float)
    children = sum(power.values())
    losses = 0.25 + 0.012 * children  # transformers and cabling: never metered
    power["REV"] = (children + losses) * (1 + rng.normal(0.0, 0.0005, n))
    return power


def generate() -> DemoInputs:
    """Build the demo inputs: a local year (2025) of 15-minute meter data, hourly intensity."""
    rate, _ = egrid_co2e_rate(GRID_REGION, CALIBRATION_DATASET)  # the rate the profile matches
    target = float(rate.to("g CO2e/kWh").magnitude)
    rng = np.random.default_rng(SEED)
    grid = _grid_intensity(target, rng)
    curtail = _curtailment_hours(grid)
    times = _year_index("15min")
    curtailed = curtail.reindex(times.floor("h").to_numpy()).to_numpy(dtype=bool)
    power = _meter_power_mw(times, curtailed, rng)
    rev_kwh = np.round(power["REV"] * 1000.0 * (INTERVAL / pd.Timedelta(hours=1)), 3)
    site = demo_site(
        _activity(times, power),
        operating_from(grid, curtail, times, power),
        demo_invoices(times, rev_kwh, YEAR),
    )
    hours_per_interval = INTERVAL / pd.Timedelta(hours=1)
    order = [m.id for m in site.meters]
    frames = []
    for meter_id in order:
        kwh = np.round(power[meter_id] * 1000.0 * hours_per_interval, 3)
        frames.append(
            pd.DataFrame({"interval_start": times, "meter_id": meter_id, "energy_kwh": kwh})
        )
    readings = pd.concat(frames, ignore_index=True)
    gap = readings["meter_id"].eq("OFFICE") & readings["interval_start"].isin(
        _OFFICE_GAP.tz_convert("UTC")
    )
    readings = readings.loc[~gap].reset_index(drop=True)
    readings["meter_id"] = readings["meter_id"].astype("category")
    return DemoInputs(
        site=site,
        meter_readings=readings,
        grid_intensity=grid[["interval_start", "intensity_gco2e_per_kwh"]],
        calibration_target_gco2e_per_kwh=target,
    )


def demo_instruments(target_gco2e_per_kwh: float) -> list:
    """The demo's contractual instruments (all synthetic, labelled so).

    Wind certificates for July, a solar PPA with an hourly profile dedicated to AI,
    a virtual PPA whose certificates were sold (null power: excluded by criterion 7),
    and a synthetic ERCOT residual mix (no published ERCOT residual mix is shipped).
    """
    # long: four instrument declarations, each field as the registry document states it
    tz = ZoneInfo(TIMEZONE)
    year_start = datetime(YEAR, 1, 1, tzinfo=tz)
    year_end = datetime(YEAR + 1, 1, 1, tzinfo=tz)
    july, august = datetime(YEAR, 7, 1, tzinfo=tz), datetime(YEAR, 8, 1, tzinfo=tz)
    hours = _year_index("1h")
    solar = _weather_and_grid(hours, np.random.default_rng(SEED + 1))["solar"]
    profile = xr.DataArray(
        _SOLAR_PPA_MW * 1000.0 * solar, dims=("time",), coords={"time": hours.tz_localize(None)}
    ).pint.quantify("kWh", unit_registry=ureg)
    common = {
        "site_id": "demo",
        "beneficiary": REPORTER,
        "market_boundary": MARKET_BOUNDARY,
        "location": "West Texas (synthetic)",
    }
    recs = Certificate(
        id="rec-wind-2025-07",
        consumption_start=july,
        consumption_end=august,
        generator_id="WND-DEMO-1",
        technology="wind",
        commissioning_date="2012-06-30",
        generation_start="2025-06-01",
        generation_end="2025-07-31",
        volume=ureg.Quantity(6000.0, "MWh"),
        registry="ERCOT REC program (synthetic)",
        serial_start="DEMO-WND-2025-000001",
        serial_end="DEMO-WND-2025-006000",
        retirement_date="2025-08-20",
        source="synthetic retirement report DEMO-RR-7",
        **common,
    )
    solar_ppa = PowerPurchaseAgreement(
        id="ppa-solar-ai",
        consumption_start=year_start,
        consumption_end=year_end,
        generator_id="SOL-DEMO-1",
        technology="solar",
        commissioning_date="2024-03-01",
        generation_start="2025-01-01",
        generation_end="2025-12-31",
        retirement_date="2026-01-31",
        ppa_type="physical",
        certificates_retained=True,
        designated_to="ai",
        profile=profile,
        source="synthetic PPA schedule B (hourly settlement profile)",
        **common,
    )
    null_power = PowerPurchaseAgreement(
        id="vppa-wind-sold-recs",
        consumption_start=july,
        consumption_end=august,
        generator_id="WND-DEMO-2",
        technology="wind",
        commissioning_date="2019-05-01",
        generation_start="2025-07-01",
        generation_end="2025-07-31",
        volume=ureg.Quantity(4000.0, "MWh"),
        retirement_date="2025-08-20",
        ppa_type="virtual",
        certificates_retained=False,
        source="synthetic virtual PPA; certificates sold to a third party",
        **common,
    )
    residual = ResidualMix(
        id="residual-ercot-synthetic",
        market_boundary=MARKET_BOUNDARY,
        consumption_start=year_start,
        consumption_end=year_end,
        emission_rate=ureg.Quantity(1.06 * target_gco2e_per_kwh, "g CO2e/kWh"),
        adjusted_for_claims=True,
        source="synthetic demo residual mix: 1.06 x the eGRID2023rev2 ERCT CO2e rate "
        "(no published ERCOT residual mix is shipped)",
    )
    return [recs, solar_ppa, null_power, residual]


def frame_sha256(frame: pd.DataFrame) -> str:
    """A stable content hash of a generated table (column names, dtypes and values)."""
    digest = hashlib.sha256()
    for name in frame.columns:
        column = frame[name]
        digest.update(name.encode())
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(str)
        if pd.api.types.is_datetime64_any_dtype(column):
            utc = column.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
            values = utc.to_numpy().view("int64")
            digest.update(values.tobytes())
        elif pd.api.types.is_numeric_dtype(column):
            digest.update(column.to_numpy(dtype="float64").tobytes())
        else:
            digest.update("\x1f".join(column.astype(str)).encode())
    return digest.hexdigest()
