import numpy as np
import pandas as pd
import pytest

from carbon.attribution.workloads import attribute, workload_shares
from carbon.core.errors import ConfigError, InputDataError
from carbon.core.flags import Flag
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import build_cube
from carbon.quality.assess import assess
from tests.conftest import long_frame, tiny_site

INTERVAL = pd.Timedelta("15min")


def cube(values: dict[str, list[float]]):
    site = tiny_site()
    return site, to_cube(site, values)


def to_cube(site, values: dict[str, list[float]]):
    table = read_long_frame(long_frame(values), source="t", sha256="0", interval=INTERVAL)
    return build_cube([table], [m.id for m in site.meters])


def kwh(da) -> np.ndarray:
    return da.pint.to("kWh").pint.magnitude


def test_conversion_mid_interval_splits_by_time_overlap() -> None:
    site = tiny_site()
    time = pd.date_range("2025-01-01", periods=2, freq="15min")
    share = workload_shares(site, time, INTERVAL)
    x = share.sel(meter="X")
    assert x.sel(workload="mining").values.tolist() == pytest.approx([7 / 15, 0.0])
    assert x.sel(workload="ai").values.tolist() == pytest.approx([8 / 15, 1.0])
    assert share.sum("workload").values == pytest.approx(np.ones((3, 2)))


def test_hand_computed_allocation() -> None:
    # Interval 1: M=60 mining, A=20 ai, X=30 split 7/15 mining, COOL=12, REV=130.
    site, r = cube({"REV": [130.0], "M": [60.0], "A": [20.0], "X": [30.0], "COOL": [12.0]})
    split = attribute(r.energy, site, r.interval)
    it_mining, it_ai = 60 + 30 * 7 / 15, 20 + 30 * 8 / 15
    key_mining = it_mining / (it_mining + it_ai)
    assert kwh(split.it.sel(workload="mining")) == pytest.approx([it_mining])
    assert kwh(split.shared.sel(workload="mining")) == pytest.approx([12 * key_mining])
    assert kwh(split.unmetered) == pytest.approx([130 - 60 - 20 - 30 - 12])
    assert kwh(split.residual.sel(workload="ai")) == pytest.approx([8 * (1 - key_mining)])
    assert kwh(split.total.sum("workload")) == pytest.approx([130.0], rel=1e-12)
    assert kwh(split.total.sel(workload="other")) == pytest.approx([0.0])


def test_dedicated_shared_meter_goes_to_its_workload() -> None:
    data = tiny_site().model_dump(mode="json")
    data["meters"][4].update(allocation="dedicated", dedicated_to="ai")
    from carbon.site.load import site_from_dict

    site = site_from_dict(data)
    r = to_cube(site, {"REV": [100.0], "M": [50.0], "A": [20.0], "X": [0.0], "COOL": [10.0]})
    split = attribute(r.energy, site, r.interval)
    assert kwh(split.shared.sel(workload="ai")) == pytest.approx([10.0])
    assert kwh(split.shared.sel(workload="mining")) == pytest.approx([0.0])


def test_no_it_load_sends_shared_energy_to_other() -> None:
    site, r = cube(
        {
            "REV": [10.0, 100.0],
            "M": [0.0, 50.0],
            "A": [0.0, 20.0],
            "X": [0.0, 10.0],
            "COOL": [8.0, 10.0],
        }
    )
    split = attribute(r.energy, site, r.interval)
    assert kwh(split.total.sel(workload="other")) == pytest.approx([10.0, 0.0])
    assert kwh(split.total.sum("workload")) == pytest.approx([10.0, 100.0])


def test_missing_sub_meter_reading_lands_in_residual_and_is_flagged() -> None:
    site, r = cube(
        {
            "REV": [100.0, 100.0],
            "M": [50.0, 50.0],
            "A": [20.0, 20.0],
            "X": [10.0, 10.0],
            "COOL": [10.0, -1.0],
        }
    )
    energy = r.energy.copy()
    energy.loc[{"meter": "COOL", "time": energy["time"][0]}] = np.nan * energy.pint.units
    flags = r.flags.copy()
    flags.loc[{"meter": "COOL", "time": flags["time"][0]}] = int(Flag.GAP)
    split = attribute(energy, site, r.interval)
    assert kwh(split.unmetered) == pytest.approx([20.0, 21.0])
    assert kwh(split.total.sum("workload")) == pytest.approx([100.0, 100.0])
    report = assess(
        energy,
        flags,
        roles={m.id: m.role for m in site.meters},
        rows_read=r.rows_read,
        duplicates=r.duplicates_identical,
    )
    cool = next(m for m in report.meters if m.id == "COOL")
    assert (cool.missing, cool.negatives, cool.present) == (1, 1, 1)
    assert report.flags.sel(meter="COOL").values.tolist() == [Flag.GAP, Flag.NEGATIVE]
    assert report.total_gaps == 1


def test_missing_revenue_reading_is_an_error_naming_the_interval() -> None:
    site, r = cube(
        {
            "REV": [100.0, 100.0],
            "M": [50.0, 50.0],
            "A": [1.0, 1.0],
            "X": [1.0, 1.0],
            "COOL": [1.0, 1.0],
        }
    )
    energy = r.energy.copy()
    energy.loc[{"meter": "REV", "time": energy["time"][1]}] = np.nan * energy.pint.units
    with pytest.raises(InputDataError, match=r"'REV' has no reading .* 2025-01-01T00:15:00\+00:00"):
        attribute(energy, site, r.interval)


def test_generation_meters_are_refused_until_supported() -> None:
    data = tiny_site().model_dump(mode="json")
    data["meters"].append({"id": "GEN", "role": "generation"})
    from carbon.site.load import site_from_dict

    site = site_from_dict(data)
    r = to_cube(site, {m.id: [1.0] for m in site.meters})
    with pytest.raises(ConfigError, match="GEN"):
        attribute(r.energy, site, r.interval)
