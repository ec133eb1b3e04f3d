"""A small site whose meter tree is three levels deep, written as files for the site pipeline.

revenue → (hall-ai, hall-mining, cooling); hall-ai → (pdu-1, pdu-2) read from jittered kWh
registers; each PDU → two GPUs read from DCGM scrapes at hh:mm:17 (± a few seconds);
hall-mining → one miner read from its API polls. Every load is constant, so the energy of
a whole 15-minute interval is known by hand whatever the jitter:

- GPU 700 W → 0.175 kWh; PDU 2.0 kW → 0.5 kWh (0.15 kWh of it not on the GPUs);
- hall-ai 4.2 kW → 1.05 kWh (0.05 kWh hall remainder); hall-mining 3.0 kW → 0.75 kWh
  (the miner reports 3.0 kW at 150 TH/s: 20 J/TH); cooling 1.0 kW → 0.25 kWh;
- revenue 5.5 + 3.0 = 8.5 kW → 2.125 kWh (0.075 kWh unmetered).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

START = pd.Timestamp("2025-07-01T00:00:00Z")
STEP = pd.Timedelta(minutes=15)
GPUS = {  # meter id → (UUID, PDU)
    "gpu-1a": ("GPU-0000000a-0000-0000-0000-000000000001", "pdu-1"),
    "gpu-1b": ("GPU-0000000b-0000-0000-0000-000000000002", "pdu-1"),
    "gpu-2a": ("GPU-0000000c-0000-0000-0000-000000000003", "pdu-2"),
    "gpu-2b": ("GPU-0000000d-0000-0000-0000-000000000004", "pdu-2"),
}
GPU_W, PDU_KW, HALL_AI_KW, MINING_KW, COOLING_KW, REVENUE_KW = 700.0, 2.0, 4.2, 3.0, 1.0, 8.5
MINER_THS = 150.0

SITE_TOML = """\
[site]
id = "tree-site"
name = "Tree test site"
timezone = "UTC"
grid_region = "ERCT"

[quality]
reconciliation_tolerance = 0.5

[[grid]]
source = "table"
path = "grid.csv"
region = "ERCOT (test)"

[[meters]]
id = "revenue"
role = "revenue"
file = "site_meters.csv"

[[meters]]
id = "hall-ai"
role = "it"
workload = "ai"
parent = "revenue"
file = "site_meters.csv"

[[meters]]
id = "hall-mining"
role = "it"
workload = "mining"
parent = "revenue"
file = "site_meters.csv"

[[meters]]
id = "cooling"
role = "shared"
parent = "revenue"
file = "site_meters.csv"

[[meters]]
id = "pdu-1"
role = "it"
workload = "ai"
parent = "hall-ai"
file = "pdu_registers.csv"
format = "register-csv"

[[meters]]
id = "pdu-2"
role = "it"
workload = "ai"
parent = "hall-ai"
file = "pdu_registers.csv"
format = "register-csv"

[[meters]]
id = "miner-1"
role = "it"
workload = "mining"
parent = "hall-mining"
file = "miner-1.jsonl"
"""


def _jitter(n: int, seed: int, spread: int) -> pd.TimedeltaIndex:
    return pd.to_timedelta(np.random.default_rng(seed).integers(-spread, spread + 1, n), unit="s")


def _times(first: pd.Timestamp, count: int, step: pd.Timedelta) -> pd.DatetimeIndex:
    return pd.date_range(first, periods=count, freq=step)


def write_site(folder: Path, days: float = 1.0, *, missed: Sequence[int] = ()) -> Path:
    """Write the site into `folder` for `days` from :data:`START`; return the site file.
    `missed`: indices of DCGM scrapes left out (see :func:`dcgm_scrapes`)."""
    folder.mkdir(parents=True, exist_ok=True)
    n = round(days * 96)
    grid_times = _times(START, n + 1, STEP)  # one extra interval of cover at the end
    hours = pd.date_range(START, grid_times[-1] + pd.Timedelta(hours=1), freq="h")
    pd.DataFrame(
        {"interval_start": hours.strftime("%Y-%m-%dT%H:%M:%SZ"), "intensity_gco2e_per_kwh": 400.0}
    ).to_csv(folder / "grid.csv", index=False)

    rows = []
    for meter, kw in (
        ("revenue", REVENUE_KW),
        ("hall-ai", HALL_AI_KW),
        ("hall-mining", MINING_KW),
        ("cooling", COOLING_KW),
    ):
        for t in grid_times[:-1]:
            rows.append((t.strftime("%Y-%m-%dT%H:%M:%SZ"), meter, kw / 4))
    pd.DataFrame(rows, columns=["interval_start", "meter_id", "energy_kwh"]).to_csv(
        folder / "site_meters.csv", index=False
    )

    # PDU registers read at hh:mm:05 ± 3 s (a register counts the constant load exactly)
    reads = []
    for k, pdu in enumerate(("pdu-1", "pdu-2")):
        times = _times(START - STEP + pd.Timedelta(seconds=5), n + 3, STEP)
        times = times + _jitter(len(times), k, 3)
        hours_since = (times - START) / pd.Timedelta(hours=1)
        register = 1000.0 + PDU_KW * (hours_since + 1.0)
        reads += [
            (t.strftime("%Y-%m-%dT%H:%M:%SZ"), pdu, f"{r:.9f}")
            for t, r in zip(times, register, strict=True)
        ]
    pd.DataFrame(reads, columns=["timestamp", "meter_id", "register_kwh"]).to_csv(
        folder / "pdu_registers.csv", index=False
    )
    (folder / "gpu_scrapes.prom").write_text(dcgm_scrapes(n + 2, missed=missed), encoding="utf-8")

    polls = []
    poll_times = _times(START - pd.Timedelta(minutes=5), n * 3 + 3, pd.Timedelta(minutes=5))
    for t in poll_times:  # Braiins-like summary+tunerstatus envelopes, every 5 minutes
        reply = {
            "STATUS": [{"STATUS": "S", "When": int(t.timestamp()), "Code": 11, "Msg": "Summary"}],
            "SUMMARY": [
                {
                    "Elapsed": int((t - poll_times[0]).total_seconds()) + 600,
                    "MHS 5s": f"{MINER_THS * 1e6:.1f}",
                }
            ],
            "TUNERSTATUS": [{"ApproximateMinerPowerConsumption": MINING_KW * 1000}],
        }
        polls.append(json.dumps({"time": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "response": reply}))
    (folder / "miner-1.jsonl").write_text("\n".join(polls) + "\n", encoding="utf-8")

    text = SITE_TOML
    for meter, (uuid, pdu) in GPUS.items():
        text += (
            f'\n[[meters]]\nid = "{meter}"\nrole = "it"\nworkload = "ai"\nparent = "{pdu}"\n'
            f'file = "gpu_scrapes.prom"\nsource_id = "{uuid}"\n'
        )
    site = folder / "site.toml"
    site.write_text(text, encoding="utf-8")
    return site


def scrape_times(count: int, *, seed: int = 7) -> pd.DatetimeIndex:
    """The instants of :func:`dcgm_scrapes`: hh:mm:17 ± 4 s, from 15 minutes before START."""
    times = _times(START - STEP + pd.Timedelta(seconds=17), count, STEP)
    return times + _jitter(count, seed, 4)


def dcgm_scrapes(count: int, *, seed: int = 7, missed: Sequence[int] = ()) -> str:
    """`count` dcgm-exporter scrapes of the four GPUs, 15 minutes apart at hh:mm:17 (± 4 s
    of jitter), from 15 minutes before :data:`START`; the counters count 700 W exactly.
    The scrapes whose indices are in `missed` are left out (a collector that was down)."""
    times = scrape_times(count, seed=seed)
    lines = []
    for k, t in enumerate(times):  # loop over scrapes (writing a fixture)
        if k in missed:
            continue
        lines.append(f"# scrape_time {t.strftime('%Y-%m-%dT%H:%M:%SZ')}")
        lines.append("# TYPE DCGM_FI_DEV_POWER_USAGE gauge")
        for i, (uuid, _) in enumerate(GPUS.values()):
            labels = (
                f'gpu="{i % 2}",UUID="{uuid}",device="nvidia{i % 2}",'
                f'modelName="NVIDIA H100 80GB HBM3",Hostname="node-{i // 2 + 1}"'
            )
            lines.append(f"DCGM_FI_DEV_POWER_USAGE{{{labels}}} {GPU_W:.3f}")
        lines.append("# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter")
        for i, (uuid, _) in enumerate(GPUS.values()):
            labels = (
                f'gpu="{i % 2}",UUID="{uuid}",device="nvidia{i % 2}",'
                f'modelName="NVIDIA H100 80GB HBM3",Hostname="node-{i // 2 + 1}"'
            )
            seconds = (t - START).total_seconds() + 86400.0 * (i + 1)  # up since a boot
            lines.append(
                f"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{{{labels}}} {seconds * GPU_W * 1000:.0f}"
            )
    return "\n".join(lines) + "\n"
