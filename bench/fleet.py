"""A deterministic, seeded fleet of sites for the benchmarks (vectorised numpy, seeded).

Layout of a generated fleet folder::

    fleet.json                         the spec, the sites and what was written (the manifest)
    meters.csv                         one row per meter: site, meter_id, role, workload, ...
    readings/site=<id>/part-0.parquet  long readings, hive-partitioned by site, zstd
    intensity/<region>.parquet         hourly grid intensity of each region

Readings: ``ts`` timestamp[ms, UTC] (interval start), ``meter_id`` dictionary<int32, string>,
``energy_kwh`` float64, rows in (ts, meter) order as a logger writes them.

Each site has one revenue meter (``m000``), a few shared meters (``m001`` offices, allocated
pro rata to IT energy; ``m002`` mining cooling and ``m003`` AI cooling, dedicated) and IT
meters: 10 % of the site's meters (at least one) switch from mining to AI at a local midnight
inside the span, about a fifth of the rest are AI from the start, the others mine. The revenue
meter reads the children plus transformer losses (1.2 % plus a fixed 50 kW), so the unmetered
residual is positive. There are no gaps and no duplicates: the benchmark measures throughput,
the unit tests measure data quality.

Each site runs ``days`` local days from local midnight on the first day of ``year``-``month``
in its region's timezone; the span is ``days`` x 24 h in UTC (a DST change inside the span
shifts the local end by an hour; the period is defined by the UTC span, not the local calendar).

carbon is imported inside :func:`site_config` and :func:`period`, for start-up time and
memory: the parent process of ``python -m bench`` generates the fleet without it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

GENERATOR_VERSION = "fleet-1"

#: eGRID subregion → (IANA timezone, annual mean intensity [g CO2e/kWh], rough eGRID2023 CO2e).
REGIONS: dict[str, tuple[str, float]] = {
    "ERCT": ("America/Chicago", 334.0),
    "CAMX": ("America/Los_Angeles", 195.0),
    "NYUP": ("America/New_York", 110.0),
    "RMPA": ("America/Denver", 473.0),
    "NWPP": ("America/Boise", 288.0),
}

#: Roles of the first meters of every site (the rest are IT meters).
SHARED = (
    # meter index, allocation, dedicated_to
    (1, "it-energy", ""),
    (2, "dedicated", "mining"),
    (3, "dedicated", "ai"),
)


@dataclass(frozen=True)
class FleetSpec:
    """What to generate: N sites x M meters x interval x days."""

    sites: int = 20
    meters: int = 100
    days: int = 31
    interval: str = "1min"
    year: int = 2025
    month: int = 1
    seed: int = 20250101

    def __post_init__(self) -> None:
        if self.sites < 1 or self.meters < 3 or self.days < 1:
            raise ValueError("a fleet needs >= 1 site, >= 3 meters per site and >= 1 day")
        step = self.interval_td
        if step <= pd.Timedelta(0) or pd.Timedelta(hours=1) % step != pd.Timedelta(0):
            raise ValueError(f"interval {self.interval!r} must divide one hour")

    @property
    def interval_td(self) -> pd.Timedelta:
        return pd.Timedelta(self.interval)

    @property
    def per_day(self) -> int:
        return int(pd.Timedelta(days=1) / self.interval_td)

    @property
    def intervals(self) -> int:
        """Intervals per meter."""
        return self.days * self.per_day

    @property
    def readings(self) -> int:
        return self.sites * self.meters * self.intervals

    @property
    def key(self) -> str:
        """A short name for the cache folder: the spec and the generator version."""
        text = json.dumps({**asdict(self), "v": GENERATOR_VERSION}, sort_keys=True)
        return (
            f"s{self.sites}-m{self.meters}-{self.interval}-d{self.days}-"
            f"{hashlib.sha256(text.encode()).hexdigest()[:8]}"
        )


@dataclass(frozen=True)
class SiteSpec:
    """One site of a generated fleet."""

    id: str
    region: str
    timezone: str
    start_utc_ms: int  # first interval start [ms since epoch, UTC]
    intervals: int

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.start_utc_ms, unit="ms", tz="UTC")


@dataclass(frozen=True)
class Fleet:
    """A generated fleet on disk."""

    root: Path
    spec: FleetSpec
    sites: tuple[SiteSpec, ...]
    meters: pd.DataFrame  # the meter manifest (see meters.csv)
    bytes_on_disk: int

    @property
    def interval_ms(self) -> int:
        return int(self.spec.interval_td / pd.Timedelta(milliseconds=1))

    @property
    def readings_dir(self) -> Path:
        return self.root / "readings"

    def site_path(self, site_id: str) -> Path:
        return self.readings_dir / f"site={site_id}" / "part-0.parquet"

    def intensity_path(self, region: str) -> Path:
        return self.root / "intensity" / f"{region}.parquet"

    def site(self, site_id: str) -> SiteSpec:
        return next(s for s in self.sites if s.id == site_id)

    def site_meters(self, site_id: str) -> pd.DataFrame:
        return self.meters.loc[self.meters["site"] == site_id].reset_index(drop=True)

    def regions(self) -> list[str]:
        return sorted({s.region for s in self.sites})


# --------------------------------------------------------------------------- generation


def _site_start(spec: FleetSpec, timezone: str) -> pd.Timestamp:
    return pd.Timestamp(datetime(spec.year, spec.month, 1), tz=ZoneInfo(timezone)).tz_convert("UTC")


def _intensity(region: str, hours_ms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Hourly synthetic intensity [g CO2e/kWh]: diurnal solar dip, evening peak, weather noise."""
    tz, mean = REGIONS[region]
    local = pd.DatetimeIndex(pd.to_datetime(hours_ms, unit="ms", utc=True)).tz_convert(tz)
    hod = local.hour.to_numpy(dtype=float)
    solar = np.clip(np.sin(np.pi * (hod - 7.0) / 12.0), 0.0, None)
    evening = np.exp(-0.5 * ((hod - 19.0) / 2.0) ** 2)
    raw = rng.normal(0.0, 1.0, hours_ms.size + 23)
    weather = np.convolve(raw, np.ones(24) / np.sqrt(24), mode="valid")
    shape = 1.0 - 0.25 * solar + 0.15 * evening + 0.08 * weather
    return np.round(mean * np.clip(shape, 0.2, None), 4)


def _meter_table(spec: FleetSpec, sites: list[SiteSpec], rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    m = spec.meters
    n_shared = min(len(SHARED), max(1, m // 25), m - 2)
    for site in sites:  # loops over configuration, never readings
        tz = ZoneInfo(site.timezone)
        local0 = datetime(spec.year, spec.month, 1)
        it_index = np.arange(1 + n_shared, m)
        n_switch = min(it_index.size, max(1, round(0.1 * m)))
        switching = set(rng.choice(it_index, size=n_switch, replace=False).tolist())
        rest = [j for j in it_index.tolist() if j not in switching]
        n_ai = round(0.2 * len(rest))
        ai_from_start = set(rng.choice(rest, size=n_ai, replace=False).tolist()) if n_ai else set()
        rated = rng.uniform(300.0, 1500.0, m)
        for j in range(m):
            row = {
                "site": site.id,
                "meter_id": f"m{j:03d}",
                "role": "it",
                "workload": "",
                "allocation": "",
                "dedicated_to": "",
                "switch_at": "",
                "rated_kw": round(float(rated[j]), 1),
                "region": site.region,
            }
            if j == 0:
                row.update(role="revenue", rated_kw="")
            elif j <= n_shared:
                _, allocation, dedicated = SHARED[j - 1]
                row.update(role="shared", allocation=allocation, dedicated_to=dedicated)
                row["rated_kw"] = ""
            elif j in switching:
                day = int(rng.integers(1, spec.days)) if spec.days > 1 else 0
                at = pd.Timestamp(local0 + timedelta(days=day), tz=tz)
                row.update(workload="mining>ai", switch_at=at.isoformat())
            else:
                row.update(workload="ai" if j in ai_from_start else "mining")
            rows.append(row)
    return pd.DataFrame(rows)


def _site_energy(
    spec: FleetSpec,
    site: SiteSpec,
    meters: pd.DataFrame,
    intensity_at: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Energy per interval [kWh] as an (meter, time) array."""
    n = site.intervals
    step = spec.interval_td
    hours = step / pd.Timedelta(hours=1)
    stamps = site.start + step * np.arange(n)
    local = pd.DatetimeIndex(stamps).tz_convert(site.timezone)
    hod = local.hour.to_numpy() + local.minute.to_numpy() / 60.0
    curtailed = intensity_at >= np.quantile(intensity_at, 0.95)  # price-spike proxy
    mining = np.where(curtailed, 0.05, 0.97)
    ai = 0.93 * (1.0 + 0.03 * np.cos(2 * np.pi * (hod - 15.0) / 24.0))

    roles = meters["role"].to_numpy()
    it = np.flatnonzero(roles == "it")
    rated = meters["rated_kw"].iloc[it].to_numpy(dtype=float)
    workload = meters["workload"].iloc[it].to_numpy()
    t_ms = site.start_utc_ms + np.arange(n, dtype=np.int64) * int(step / pd.Timedelta("1ms"))
    switch_ms = np.array(
        [
            pd.Timestamp(s).tz_convert("UTC").value // 1_000_000 if s else np.iinfo(np.int64).max
            for s in meters["switch_at"].iloc[it]
        ],
        dtype=np.int64,
    )
    is_ai = (workload == "ai")[:, None] | (t_ms[None, :] >= switch_ms[:, None])
    noise = 1.0 + rng.normal(0.0, 0.01, (it.size, n))
    it_kwh = np.round(rated[:, None] * hours * np.where(is_ai, ai, mining) * noise, 3)

    energy = np.empty((len(meters), n))
    energy[it] = it_kwh
    mining_it = np.where(is_ai, 0.0, it_kwh).sum(axis=0)
    ai_it = it_kwh.sum(axis=0) - mining_it
    office_hours = (local.day_of_week < 5) & (local.hour >= 7) & (local.hour < 19)
    shared_kwh = {
        "it-energy": (30.0 + 20.0 * np.asarray(office_hours, dtype=float)) * hours,
        "mining": 0.04 * mining_it,
        "ai": 0.12 * ai_it,
    }
    for j in np.flatnonzero(roles == "shared"):
        key = meters["dedicated_to"].iloc[j] or meters["allocation"].iloc[j]
        energy[j] = np.round(shared_kwh[key] * (1.0 + rng.normal(0.0, 0.005, n)), 3)
    children = energy[roles != "revenue"].sum(axis=0)
    losses = 0.012 * children + 50.0 * hours
    energy[roles == "revenue"] = np.round(
        (children + losses) * (1.0 + rng.normal(0.0, 0.0005, n)), 3
    )
    return energy


def _write_readings(path: Path, energy: np.ndarray, site: SiteSpec, interval_ms: int, ids) -> int:
    m, n = energy.shape
    ts = site.start_utc_ms + np.repeat(np.arange(n, dtype=np.int64) * interval_ms, m)
    codes = np.tile(np.arange(m, dtype=np.int32), n)
    table = pa.table(
        {
            "ts": pa.array(ts, type=pa.timestamp("ms", tz="UTC")),
            "meter_id": pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(list(ids))),
            "energy_kwh": pa.array(energy.T.ravel()),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        table,
        path,
        compression="zstd",
        use_dictionary=["meter_id"],
        column_encoding={"ts": "DELTA_BINARY_PACKED", "energy_kwh": "BYTE_STREAM_SPLIT"},
        row_group_size=1 << 20,
    )
    return path.stat().st_size


def generate(spec: FleetSpec, root: Path) -> Fleet:
    """Write a fleet under `root` (replacing what is there) and return it."""
    root = Path(root)
    if root.exists():
        shutil.rmtree(root)
    (root / "intensity").mkdir(parents=True)
    rng = np.random.default_rng(spec.seed)
    regions = list(REGIONS)
    sites = []
    for i in range(spec.sites):
        region = regions[i % len(regions)]
        tz = REGIONS[region][0]
        sites.append(
            SiteSpec(
                id=f"s{i:03d}",
                region=region,
                timezone=tz,
                start_utc_ms=_site_start(spec, tz).value // 1_000_000,
                intervals=spec.intervals,
            )
        )
    meters = _meter_table(spec, sites, rng)
    interval_ms = int(spec.interval_td / pd.Timedelta("1ms"))
    hour_ms = 3_600_000
    first = min(s.start_utc_ms for s in sites) // hour_ms * hour_ms
    last = max(s.start_utc_ms + s.intervals * interval_ms for s in sites)
    hours_ms = np.arange(first, -(-last // hour_ms) * hour_ms, hour_ms, dtype=np.int64)
    intensity = {}
    written = 0
    for region in sorted({s.region for s in sites}):
        values = _intensity(region, hours_ms, np.random.default_rng([spec.seed, len(region)]))
        intensity[region] = values
        pq.write_table(
            pa.table(
                {
                    "interval_start": pa.array(hours_ms, type=pa.timestamp("ms", tz="UTC")),
                    "intensity_gco2e_per_kwh": pa.array(values),
                }
            ),
            root / "intensity" / f"{region}.parquet",
            compression="zstd",
        )
    for site in sites:  # loops over sites
        own = meters.loc[meters["site"] == site.id].reset_index(drop=True)
        t_ms = site.start_utc_ms + np.arange(site.intervals, dtype=np.int64) * interval_ms
        at = intensity[site.region][(t_ms - first) // hour_ms]
        energy = _site_energy(
            spec, site, own, at, np.random.default_rng([spec.seed, int(site.id[1:])])
        )
        written += _write_readings(
            root / "readings" / f"site={site.id}" / "part-0.parquet",
            energy,
            site,
            interval_ms,
            own["meter_id"],
        )
    meters.to_csv(root / "meters.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    manifest = {
        "generator": GENERATOR_VERSION,
        "spec": asdict(spec),
        "sites": [asdict(s) for s in sites],
        "readings": spec.readings,
        "readings_bytes_on_disk": written,
    }
    (root / "fleet.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return load(root)


def load(root: Path) -> Fleet:
    """Open a fleet folder written by :func:`generate`."""
    root = Path(root)
    manifest = json.loads((root / "fleet.json").read_text())
    meters = pd.read_csv(root / "meters.csv", dtype=str, keep_default_na=False)
    return Fleet(
        root=root,
        spec=FleetSpec(**manifest["spec"]),
        sites=tuple(SiteSpec(**s) for s in manifest["sites"]),
        meters=meters,
        bytes_on_disk=int(manifest["readings_bytes_on_disk"]),
    )


def cached(spec: FleetSpec, cache: Path) -> tuple[Fleet, bool]:
    """The fleet for `spec` under `cache`, generated if missing. Returns (fleet, reused)."""
    root = Path(cache) / spec.key
    if (root / "fleet.json").is_file():
        return load(root), True
    tmp = Path(cache) / f".{spec.key}.{os.getpid()}"
    generate(spec, tmp)
    if root.exists():  # another process won the race
        shutil.rmtree(tmp)
    else:
        tmp.rename(root)
    return load(root), False


# --------------------------------------------------------------------------- carbon's model


def site_config(fleet: Fleet, site_id: str):
    """The site as carbon's :class:`~carbon.site.model.SiteConfig`."""
    from carbon.site.load import site_from_dict

    site = fleet.site(site_id)
    meters = []
    for row in fleet.site_meters(site_id).itertuples(index=False):
        entry: dict[str, object] = {"id": row.meter_id, "role": row.role}
        if row.role != "revenue":
            entry["parent"] = "m000"
        if row.role == "it":
            entry["workload"] = (
                [{"until": row.switch_at, "workload": "mining"}, {"workload": "ai"}]
                if row.workload == "mining>ai"
                else row.workload
            )
        if row.role == "shared":
            entry["allocation"] = row.allocation
            if row.dedicated_to:
                entry["dedicated_to"] = row.dedicated_to
        meters.append(entry)
    return site_from_dict(
        {
            "site": {
                "id": site.id,
                "name": f"Fleet site {site.id} ({site.region}, synthetic)",
                "timezone": site.timezone,
                "grid_region": site.region,
                "synthetic": True,
            },
            "meters": meters,
            "quality": {"reconciliation_tolerance": 0.03},
        },
        source=f"bench fleet {site.id}",
    )


def period(fleet: Fleet, site_id: str):
    """The benchmark period of a site: its whole UTC span, shown in its timezone."""
    from carbon.core.period import Period

    site = fleet.site(site_id)
    start = site.start
    end = start + fleet.spec.interval_td * site.intervals
    return Period(
        label=f"{fleet.spec.year}-{fleet.spec.month:02d}",
        start=start.tz_convert(site.timezone),
        end=end.tz_convert(site.timezone),
    )
