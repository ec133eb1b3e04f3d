"""ENTSO-E A75: position -> interval start, A01 vs A03, DST days in UTC, psrType intensity."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.core.errors import ConfigError, InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.units import parse_unit
from carbon.factors.catalogue import load_dataset
from carbon.ingest.grid_entsoe import GENERATION_COLUMNS, read_entsoe_generation
from carbon.ingest.grid_entsoe_intensity import DEFAULT_PSR_FACTORS, entsoe_intensity
from carbon.ingest.grid_table import grid_from_table

DATA = Path(__file__).resolve().parents[1] / "data" / "grid"
BE = DATA / "entsoe_a75_be_dst_spring.xml"
DE = DATA / "entsoe_a75_delu_dst_autumn_prefixed.xml"
ACK = DATA / "entsoe_acknowledgement.xml"
GAS, HARD_COAL, LIGNITE = 403.9, 896.2, 1010.0  # kg CO2/MWh, factors/entsoe_psr
NS = "urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0"


def _doc(tmp_path: Path, series: str, name: str = "a75.xml", doc_type: str = "A75") -> Path:
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<GL_MarketDocument xmlns="{NS}">\n'
        f"<mRID>t</mRID><type>{doc_type}</type>\n{series}</GL_MarketDocument>\n"
    )
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _series(
    psr: str,
    points: list[tuple[int, float]],
    curve: str = "A01",
    start: str = "2024-01-01T00:00Z",
    end: str = "2024-01-01T04:00Z",
    resolution: str = "PT60M",
    zone: str = "<inBiddingZone_Domain.mRID>10YBE----------2</inBiddingZone_Domain.mRID>",
    unit: str = "MAW",
) -> str:
    pts = "".join(
        f"<Point><position>{p}</position><quantity>{q}</quantity></Point>\n" for p, q in points
    )
    return (
        f"<TimeSeries><mRID>1</mRID>{zone}\n"
        f"<quantity_Measure_Unit.name>{unit}</quantity_Measure_Unit.name>"
        f"<curveType>{curve}</curveType>\n"
        f"<MktPSRType><psrType>{psr}</psrType></MktPSRType>\n"
        f"<Period><timeInterval><start>{start}</start><end>{end}</end></timeInterval>\n"
        f"<resolution>{resolution}</resolution>\n{pts}</Period></TimeSeries>\n"
    )


def _line_of(path: Path, pattern: str, occurrence: int = 0) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if re.search(pattern, line)]
    return hits[occurrence]


# ------------------------------------------------------------------ the reader
def test_generation_frame_columns_and_dtypes():
    gen = read_entsoe_generation(BE)
    assert tuple(gen.columns) == GENERATION_COLUMNS
    assert str(gen["interval_start"].dtype) == "datetime64[ns, UTC]"
    assert gen["mw"].dtype == np.float64
    assert gen["flag"].dtype == np.int8
    assert gen["line"].dtype == np.int64
    assert str(gen["resolution"].dtype) == "timedelta64[ns]"
    assert set(gen["zone"]) == {"10YBE----------2"}
    assert gen.attrs["record"].rows == len(gen)
    assert gen.attrs["meta"]["curve_types"] == "A01=2; A03=3"


def test_spring_dst_day_has_23_hours_in_utc():
    # CET -> CEST on 2024-03-31: the Belgian day is 2024-03-30T23:00Z .. 2024-03-31T22:00Z.
    gen = read_entsoe_generation(BE)
    gas = gen[gen["psr_type"] == "B04"]
    assert len(gas) == 23
    starts = pd.DatetimeIndex(gas["interval_start"])
    assert (starts == pd.date_range("2024-03-30T23:00Z", periods=23, freq="h")).all()
    # position p -> start + (p - 1) x resolution
    assert gas["mw"].tolist() == [1000.0 + 10 * p for p in range(1, 24)]
    assert gen.attrs["record"].end == "2024-03-31T22:00:00+00:00"


def test_autumn_dst_day_has_100_quarter_hours_and_prefixed_namespace():
    gen = read_entsoe_generation(DE)
    assert gen.groupby("psr_type").size().to_dict() == {"B02": 100, "B05": 100, "B19": 100}
    wind = gen[gen["psr_type"] == "B19"].set_index("interval_start")["mw"]
    assert wind.index[0] == pd.Timestamp("2024-10-26T22:00Z")
    assert wind.index[-1] == pd.Timestamp("2024-10-27T22:45Z")
    assert (gen["resolution"] == pd.Timedelta(minutes=15)).all()


def test_a03_repeats_the_previous_quantity_until_the_next_position():
    gen = read_entsoe_generation(DE)
    wind = gen[gen["psr_type"] == "B19"]
    mw = wind["mw"].to_numpy()
    assert (mw[:36] == 12000).all()  # positions 1..36
    assert (mw[36:89] == 15000.5).all()  # positions 37..89
    assert (mw[89:] == 9000).all()  # positions 90..100, to the end of the Period
    assert (wind["flag"] == Flag.MEASURED).all()
    # The line of a repeated value is the line of the Point it repeats.
    first_point = _line_of(DE, r"<gl:position>1</gl:position>") - 1
    assert wind["line"].iloc[0] == wind["line"].iloc[35] == first_point


def test_a01_missing_position_is_a_missing_row_not_a_dropped_one():
    gen = read_entsoe_generation(BE)
    solar = gen[gen["psr_type"] == "B16"]
    assert len(solar) == 23  # 22 points in the file, all 23 positions kept
    fifth = solar.iloc[4]
    assert np.isnan(fifth["mw"])
    assert fifth["flag"] == Flag.SOURCE_MISSING
    assert fifth["interval_start"] == pd.Timestamp("2024-03-31T03:00Z")
    period_line = _line_of(BE, r"<Period>", occurrence=2)
    assert fifth["line"] == period_line
    assert gen.attrs["meta"]["missing_a01_positions"] == "1"


def test_curve_type_absent_means_a01(tmp_path):
    series = _series("B04", [(1, 1), (2, 2), (3, 3), (4, 4)]).replace(
        "<curveType>A01</curveType>", ""
    )
    gen = read_entsoe_generation(_doc(tmp_path, series))
    assert gen["mw"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_consumption_series_is_marked():
    gen = read_entsoe_generation(BE)
    pumping = gen[gen["direction"] == "consumption"]
    assert set(pumping["psr_type"]) == {"B10"}
    assert len(pumping) == 23


def test_no_namespace_is_read_too(tmp_path):
    text = BE.read_text(encoding="utf-8").replace(f' xmlns="{NS}"', "")
    path = tmp_path / "plain.xml"
    path.write_text(text, encoding="utf-8")
    assert len(read_entsoe_generation(path)) == len(read_entsoe_generation(BE))


# ------------------------------------------------------------------ reader errors
def test_acknowledgement_document_quotes_the_reason():
    with pytest.raises(InputDataError, match=r"acknowledgement.*No matching data found"):
        read_entsoe_generation(ACK)


def test_other_document_type_is_refused(tmp_path):
    path = _doc(tmp_path, _series("B04", [(1, 1)], end="2024-01-01T01:00Z"), doc_type="A65")
    with pytest.raises(InputDataError, match=r"line 3: document type 'A65'; only A75"):
        read_entsoe_generation(path)


def test_position_outside_the_period(tmp_path):
    path = _doc(tmp_path, _series("B04", [(1, 1), (5, 2)]))
    line = _line_of(path, r"<position>5</position>")
    with pytest.raises(
        InputDataError, match=rf"a75\.xml: line {line}: position 5 is outside 1\.\.4"
    ):
        read_entsoe_generation(path)


def test_duplicate_position(tmp_path):
    path = _doc(tmp_path, _series("B04", [(1, 1), (2, 2), (2, 3)]))
    line = _line_of(path, r"<position>2</position>", occurrence=1)
    with pytest.raises(InputDataError, match=f"line {line}: position 2 appears twice"):
        read_entsoe_generation(path)


def test_a03_must_start_at_position_one(tmp_path):
    path = _doc(tmp_path, _series("B04", [(2, 1)], curve="A03"))
    with pytest.raises(InputDataError, match=r"A03 Period must start with position 1"):
        read_entsoe_generation(path)


def test_unknown_curve_type(tmp_path):
    path = _doc(tmp_path, _series("B04", [(1, 1)], curve="A02"))
    with pytest.raises(InputDataError, match=r"curveType 'A02'; expected A01"):
        read_entsoe_generation(path)


def test_bad_resolution(tmp_path):
    path = _doc(tmp_path, _series("B04", [(1, 1)], resolution="P1D"))
    with pytest.raises(InputDataError, match=r"resolution 'P1D' is not read"):
        read_entsoe_generation(path)


def test_interval_not_whole_steps(tmp_path):
    path = _doc(tmp_path, _series("B04", [(1, 1)], end="2024-01-01T01:10Z"))
    with pytest.raises(InputDataError, match=r"not a whole number of"):
        read_entsoe_generation(path)


def test_quantity_unit_must_be_mw(tmp_path):
    path = _doc(tmp_path, _series("B04", [(1, 1)], unit="KWH"))
    with pytest.raises(UnitError, match=r"quantity unit 'KWH'; expected MAW"):
        read_entsoe_generation(path)


def test_non_numeric_quantity(tmp_path):
    path = _doc(tmp_path, _series("B04", [(1, "abc")]))
    line = _line_of(path, r"<Point>")
    with pytest.raises(InputDataError, match=f"line {line}: Point position '1' / quantity 'abc'"):
        read_entsoe_generation(path)


def test_malformed_xml(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_text("<GL_MarketDocument><TimeSeries></GL_MarketDocument>", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"bad.xml: line 1, column \d+: not well-formed XML"):
        read_entsoe_generation(path)


def test_doctype_is_refused(tmp_path):
    path = tmp_path / "dtd.xml"
    path.write_text('<!DOCTYPE x [<!ENTITY a "b">]><x/>', encoding="utf-8")
    with pytest.raises(InputDataError, match=r"dtd.xml: line 1: a document type declaration"):
        read_entsoe_generation(path)


# ------------------------------------------------------------------ the factors
def test_psr_factor_dataset_loads_with_checksum_and_marks_provenance():
    ds = load_dataset(DEFAULT_PSR_FACTORS)
    table = ds.table().set_index("psr_type")
    assert ds.metadata["gas"] == "CO2" and ds.metadata["basis"] == "direct"
    assert set(table["unit"]) == {"kg CO2/MWh"}
    assert table.loc["B04", "value"] == GAS
    # Nothing here is verified against a primary source yet.
    assert "verified" not in set(table["provenance"])
    assert set(table["provenance"]) <= {"unverified", "assumption", "convention"}
    assert set(table.loc[["B10", "B25"], "category"]) == {"storage"}
    assert (table.loc[table["category"] != "combustion", "value"] == 0).all()
    expected = {f"B{i:02d}" for i in range(1, 21)} | {"B25"}
    assert set(table.index) == expected


# ------------------------------------------------------------------ intensity
def test_intensity_by_hand_for_the_dst_day():
    table = entsoe_intensity(read_entsoe_generation(BE))
    assert table.unit == parse_unit("kg CO2/MWh")
    assert (table.gas, table.basis, table.kind) == ("CO2", "direct", "average")
    assert table.region == "10YBE----------2"
    assert table.resolution == pd.Timedelta(hours=1)
    frame = table.frame
    assert len(frame) == 23
    # Hour 1: gas 1010 MW, nuclear 3000 (A03 block), solar 0; pumped storage left out.
    assert frame["value"].iloc[0] == pytest.approx(1010 * GAS / (1010 + 3000), rel=1e-12)
    # Hour 10 (position 10): gas 1100, nuclear 2900 (new block), solar 500.
    assert frame["value"].iloc[9] == pytest.approx(1100 * GAS / (1100 + 2900 + 500), rel=1e-12)
    # Hour 5: solar missing (A01) -> the whole hour is missing.
    assert np.isnan(frame["value"].iloc[4])
    assert frame["flag"].iloc[4] == Flag.SOURCE_MISSING
    assert (frame["flag"].drop(index=4) == Flag.MEASURED).all()
    assert table.meta["storage_excluded"] == "B10"
    assert table.meta["consumption_rows_excluded"] == "23"
    assert table.meta["factor_sha256"] == load_dataset(DEFAULT_PSR_FACTORS).sha256


def test_intensity_quarter_hours_by_hand():
    table = entsoe_intensity(read_entsoe_generation(DE))
    frame = table.frame
    assert len(frame) == 100
    first = (12000 * 0 + 4000 * HARD_COAL + 6000 * LIGNITE) / (12000 + 4000 + 6000)
    assert frame["value"].iloc[0] == pytest.approx(first, rel=1e-12)
    pos_50 = (15000.5 * 0 + 4200 * HARD_COAL + 6000 * LIGNITE) / (15000.5 + 4200 + 6000)
    assert frame["value"].iloc[49] == pytest.approx(pos_50, rel=1e-12)
    grid = grid_from_table(table)
    assert grid.resolution == pd.Timedelta(minutes=15)
    assert grid.intensity.sizes["time"] == 100


def test_unknown_psr_type_with_generation_is_an_error(tmp_path):
    series = _series("B04", [(1, 5)], curve="A03")
    series += _series("B99", [(1, 0), (2, 7), (3, 0), (4, 0)])
    path = _doc(tmp_path, series)
    gen = read_entsoe_generation(path)
    line = _line_of(path, r"<quantity>7</quantity>")
    with pytest.raises(InputDataError, match=rf"a75\.xml: line {line}: psrType 'B99' has 7 MW"):
        entsoe_intensity(gen)


def test_unknown_psr_type_without_generation_is_listed(tmp_path):
    series = _series("B04", [(1, 5)], curve="A03") + _series("B21", [(1, 0)], curve="A03")
    table = entsoe_intensity(read_entsoe_generation(_doc(tmp_path, series)))
    assert table.meta["ignored_psr_types"] == "B21"
    assert (table.frame["value"] == GAS).all()


def test_override_a_factor_and_extend_to_a_new_type(tmp_path):
    series = _series("B04", [(1, 100)], curve="A03") + _series("B99", [(1, 100)], curve="A03")
    gen = read_entsoe_generation(_doc(tmp_path, series))
    table = entsoe_intensity(gen, {"B04": "300 g CO2/kWh", "B99": "0.1 t CO2/MWh"})
    assert table.frame["value"].to_numpy() == pytest.approx([(300 + 100) / 2] * 4, rel=1e-12)
    assert table.meta["factor_overrides"] == "B04=300 kg CO2/MWh; B99=100 kg CO2/MWh"


def test_co2e_override_is_refused(tmp_path):
    gen = read_entsoe_generation(_doc(tmp_path, _series("B04", [(1, 1)], curve="A03")))
    with pytest.raises(UnitError, match=r"expected a CO2 mass per energy"):
        entsoe_intensity(gen, {"B04": "400 kg CO2e/MWh"})
    with pytest.raises(UnitError, match=r"has no unit"):
        entsoe_intensity(gen, {"B04": 400})
    with pytest.raises(ConfigError, match=r"storage"):
        entsoe_intensity(gen, {"B10": "1 kg CO2/MWh"})


def test_overlapping_series_are_refused(tmp_path):
    series = _series("B04", [(1, 1)], curve="A03") + _series("B04", [(1, 2)], curve="A03")
    gen = read_entsoe_generation(_doc(tmp_path, series))
    with pytest.raises(InputDataError, match=r"B04 has two values for one interval"):
        entsoe_intensity(gen)


def test_mixed_resolutions_are_refused(tmp_path):
    series = _series("B04", [(1, 1)], curve="A03") + _series(
        "B05", [(1, 1)], curve="A03", resolution="PT15M"
    )
    gen = read_entsoe_generation(_doc(tmp_path, series))
    with pytest.raises(InputDataError, match=r"mixed resolutions"):
        entsoe_intensity(gen)


def test_zero_total_is_missing(tmp_path):
    series = _series("B16", [(1, 0), (2, 10), (3, 10), (4, 0)])
    frame = entsoe_intensity(read_entsoe_generation(_doc(tmp_path, series))).frame
    assert frame["flag"].tolist() == [Flag.SOURCE_MISSING, 0, 0, Flag.SOURCE_MISSING]
    assert frame["value"].iloc[1] == 0.0


def test_frame_without_columns_is_refused():
    with pytest.raises(InputDataError, match=r"lacks column"):
        entsoe_intensity(pd.DataFrame({"interval_start": []}))


# ------------------------------------------------------------------ the carbon-free share
def test_carbon_free_share_by_hand_for_the_dst_day():
    frame = entsoe_intensity(read_entsoe_generation(BE)).frame
    # Hour 1: nuclear 3000 and solar 0 of gas 1010 + 3000 + 0; pumped storage (B10) in neither.
    assert frame["cfe_share"].iloc[0] == pytest.approx(3000 / 4010, rel=1e-12)
    # Hour 10: nuclear 2900 + solar 500 of 1100 + 2900 + 500.
    assert frame["cfe_share"].iloc[9] == pytest.approx(3400 / 4500, rel=1e-12)
    assert np.isnan(frame["cfe_share"].iloc[4])  # solar missing: no share either


def test_carbon_free_share_quarter_hours():
    table = entsoe_intensity(read_entsoe_generation(DE))
    # First quarter-hour: wind onshore 12000 of 12000 + hard coal 4000 + lignite 6000.
    assert table.frame["cfe_share"].iloc[0] == pytest.approx(12000 / 22000, rel=1e-12)
    assert "carbon-free psrTypes here: B19" in table.meta["cfe_basis"]
    grid = grid_from_table(table)
    assert grid.cfe_share.sizes["time"] == 100


def test_biomass_and_other_renewable_are_not_carbon_free(tmp_path):
    series = _series("B01", [(1, 100)], curve="A03") + _series("B15", [(1, 100)], curve="A03")
    series += _series("B09", [(1, 50)], curve="A03") + _series("B12", [(1, 150)], curve="A03")
    series += _series("B25", [(1, -40)], curve="A03")  # storage: in neither sum
    frame = entsoe_intensity(read_entsoe_generation(_doc(tmp_path, series))).frame
    assert frame["cfe_share"].tolist() == pytest.approx([200 / 400] * 4)


def test_negative_generation_counts_zero_in_the_share(tmp_path):
    series = _series("B14", [(1, -10), (2, 300), (3, 300), (4, 300)])
    series += _series("B04", [(1, 100)], curve="A03")
    table = entsoe_intensity(read_entsoe_generation(_doc(tmp_path, series)))
    assert table.frame["cfe_share"].tolist() == pytest.approx([0.0, 0.75, 0.75, 0.75])
    assert "negative cells counted as zero: 1" in table.meta["cfe_basis"]


def test_entity_declaration_is_refused_before_expansion(tmp_path):
    path = tmp_path / "lol.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE GL_MarketDocument [<!ENTITY a "aaaa">]>\n'
        "<GL_MarketDocument><mRID>&a;</mRID></GL_MarketDocument>\n",
        encoding="utf-8",
    )
    with pytest.raises(InputDataError, match=r"lol.xml: line 2: a document type declaration"):
        read_entsoe_generation(path)
