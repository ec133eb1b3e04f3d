"""Write the emission-factor datasets under ``factors/`` from tables typed in here.

Factor files are never edited by hand or built in a notebook: change the tables
below, run the script, review the diff, commit. Each dataset folder gets a CSV
(one row per value, with its unit and provenance) and ``metadata.json`` with the
CSV's SHA-256, which :mod:`carbon.factors.catalogue` verifies on every load.

Usage::

    python scripts/build_factors.py            # (re)write factors/
    python scripts/build_factors.py --check    # exit 1 if factors/ differs from this script
    python scripts/build_factors.py --out DIR  # write somewhere else

The output is deterministic (no "generated at" stamps), so ``--check`` can run in CI.
Sources and provenance rules: ``docs/factors.md``; docs/data-formats.md §1 and §8.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "factors"
METADATA_FILE = "metadata.json"
METADATA_SCHEMA = "carbon-factor-dataset/1"

# Date on which the tables below were typed in and checked (not the run date,
# so that re-running the script reproduces the files byte for byte).
TRANSCRIBED = "2026-11-25"

# --------------------------------------------------------------------------------------
# US EPA eGRID: subregion total-output emission rates [lb/MWh].
# Typed from EPA's Power Profiler data files (CO2, CO2e, grid loss) and the
# CH4/N2O transcriptions described in docs/data-formats.md §1.3. Published precision:
# 3 decimals. Columns: subregion, then for each edition CO2, CH4, N2O, CO2e.
# The values are kept as text so the CSV carries them exactly as published.
# --------------------------------------------------------------------------------------
SUBREGION_NAMES: Mapping[str, str] = {
    "AKGD": "ASCC Alaska Grid",
    "AKMS": "ASCC Miscellaneous",
    "AZNM": "WECC Southwest",
    "CAMX": "WECC California",
    "ERCT": "ERCOT All",
    "FRCC": "FRCC All",
    "HIMS": "HICC Miscellaneous",
    "HIOA": "HICC Oahu",
    "MROE": "MRO East",
    "MROW": "MRO West",
    "NEWE": "NPCC New England",
    "NWPP": "WECC Northwest",
    "NYCW": "NPCC NYC/Westchester",
    "NYLI": "NPCC Long Island",
    "NYUP": "NPCC Upstate NY",
    "PRMS": "Puerto Rico Miscellaneous",
    "RFCE": "RFC East",
    "RFCM": "RFC Michigan",
    "RFCW": "RFC West",
    "RMPA": "WECC Rockies",
    "SPNO": "SPP North",
    "SPSO": "SPP South",
    "SRMV": "SERC Mississippi Valley",
    "SRMW": "SERC Midwest",
    "SRSO": "SERC South",
    "SRTV": "SERC Tennessee Valley",
    "SRVC": "SERC Virginia/Carolina",
    "US": "U.S. national total",
}

GASES = ("CO2", "CH4", "N2O", "CO2e")

#        subregion   eGRID2022: CO2   CH4    N2O    CO2e      eGRID2023rev2: CO2  CH4   N2O    CO2e
EGRID_RATES_LB_PER_MWH = """
AKGD  1052.114 0.088 0.012 1057.841   899.633 0.086 0.012  905.109
AKMS   495.772 0.023 0.004  497.557   520.483 0.026 0.004  522.400
AZNM   776.036 0.051 0.007  779.382   703.703 0.039 0.005  706.189
CAMX   497.443 0.030 0.004  499.278   428.464 0.025 0.003  429.983
ERCT   771.083 0.049 0.007  774.298   733.862 0.043 0.006  736.629
FRCC   813.846 0.048 0.006  816.893   782.262 0.041 0.005  784.785
HIMS  1155.486 0.124 0.019 1163.065  1123.371 0.146 0.022 1133.294
HIOA  1575.407 0.163 0.025 1586.947  1489.548 0.134 0.021 1498.947
MROE  1479.621 0.133 0.019 1488.688  1397.313 0.116 0.017 1404.963
MROW   936.485 0.102 0.015  943.418   920.130 0.097 0.014  926.552
NEWE   536.428 0.063 0.008  540.480   539.275 0.063 0.008  543.178
NWPP   602.088 0.056 0.008  605.872   631.735 0.054 0.008  635.267
NYCW   885.233 0.023 0.003  886.580   864.469 0.022 0.002  865.744
NYLI  1200.708 0.135 0.018 1209.311  1180.672 0.140 0.018 1189.333
NYUP   274.559 0.015 0.002  275.389   242.089 0.011 0.001  242.776
PRMS  1593.481 0.087 0.014 1599.922  1543.073 0.077 0.012 1548.530
RFCE   657.386 0.045 0.006  660.311   596.904 0.036 0.005  599.170
RFCM  1216.404 0.116 0.016 1224.187   970.617 0.082 0.012  975.978
RFCW  1000.053 0.087 0.012 1005.904   911.424 0.071 0.010  916.054
RMPA  1124.887 0.101 0.014 1131.733  1036.601 0.090 0.013 1042.539
SPNO   952.575 0.100 0.014  959.381   861.999 0.087 0.012  867.740
SPSO   970.398 0.072 0.010  975.253   872.042 0.054 0.008  875.567
SRMV   801.015 0.040 0.006  803.658   739.720 0.032 0.004  741.741
SRMW  1369.887 0.151 0.022 1380.154  1239.839 0.132 0.019 1248.582
SRSO   893.290 0.064 0.009  897.659   842.329 0.056 0.008  846.007
SRTV   933.067 0.082 0.012  938.625   898.079 0.079 0.011  903.306
SRVC   622.987 0.047 0.007  625.874   593.419 0.045 0.006  596.326
US     823.149 0.066 0.009  827.520   767.209 0.057 0.008  770.884
"""

# Interconnect of each subregion, as EPA's Power Profiler assigns grid gross loss
# (prep/add_egrid_data.py): everything not listed is Eastern. PRMS is not in EPA's
# interconnect crosswalk; Power Profiler gives it the Eastern value.
INTERCONNECT: Mapping[str, str] = {
    "AKGD": "Alaska",
    "AKMS": "Alaska",
    "HIMS": "Hawaii",
    "HIOA": "Hawaii",
    "ERCT": "ERCOT",
    "CAMX": "Western",
    "NWPP": "Western",
    "AZNM": "Western",
    "RMPA": "Western",
    "US": "U.S.",
}

# Grid gross loss (GGRSLOSS, fraction) per interconnect, as carried in the Power
# Profiler files (rounded to 0.1 percentage point).
GRID_GROSS_LOSS: Mapping[str, Mapping[str, str]] = {
    "egrid2022": {
        "Eastern": "0.051",
        "Western": "0.051",
        "ERCOT": "0.051",
        "Alaska": "0.050",
        "Hawaii": "0.054",
        "U.S.": "0.051",
    },
    "egrid2023rev2": {
        "Eastern": "0.042",
        "Western": "0.041",
        "ERCOT": "0.042",
        "Alaska": "0.041",
        "Hawaii": "0.044",
        "U.S.": "0.042",
    },
}

# eGRID2023rev2 CH4/N2O values that rest on third-party copies only (docs/data-formats.md
# §1.3 names six values: AZNM, FRCC, NYCW, RFCM N2O, SPSO, SRSO). Only RFCM's gas
# is stated, so for the other five rows both CH4 and N2O are flagged.
EGRID2023REV2_THIRD_PARTY: frozenset[tuple[str, str]] = frozenset(
    {(s, g) for s in ("AZNM", "FRCC", "NYCW", "SPSO", "SRSO") for g in ("CH4", "N2O")}
    | {("RFCM", "N2O")}
)

POWER_PROFILER_FILE = (
    "https://github.com/USEPA/power-profiler/blob/{commit}/app/data/subregion.json"
)
EGRID_PAGE = "https://www.epa.gov/egrid"
EGRID_DOWNLOAD_PAGE = "https://www.epa.gov/egrid/download-data"
FACTORS_HUB = "https://www.epa.gov/climateleadership/ghg-emission-factors-hub"
US_GOV_LICENCE = (
    "US government work, public domain in the United States (17 U.S.C. 105). "
    "The Power Profiler repository's code is MIT-licensed; the data are EPA's."
)

FIELD_CODES_SUBREGION = {
    "CO2": "SRCO2RTA",
    "CH4": "SRCH4RTA",
    "N2O": "SRN2ORTA",
    "CO2e": "SRC2ERTA",
}
FIELD_CODES_US = {"CO2": "USCO2RTA", "CH4": "USCH4RTA", "N2O": "USN2ORTA", "CO2e": "USC2ERTA"}
FIELD_CODE_GGL = "GGRSLOSS"

EGRID_COLUMNS = (
    "subregion",
    "subregion_name",
    "interconnect",
    "quantity",
    "gas",
    "value",
    "unit",
    "field_code",
    "provenance",
    "provenance_detail",
)


@dataclass(frozen=True)
class EgridEdition:
    """What differs between the eGRID datasets we ship."""

    dataset_id: str
    column_offset: int  # where this edition's four rates start in EGRID_RATES_LB_PER_MWH
    edition: str
    revision: str | None
    data_year: int
    release_date: str
    release_note: str
    gwp_set: str
    power_profiler_commit: str
    power_profiler_commit_date: str


EGRID_EDITIONS = (
    EgridEdition(
        dataset_id="egrid2022",
        column_offset=0,
        edition="eGRID2022",
        revision=None,
        data_year=2022,
        release_date="2024-01-30",
        release_note="eGRID2022 (2022 data) released 2024-01-30.",
        gwp_set="AR4",
        power_profiler_commit="afce916ff6bab03ab5e19b3270fbd2141ca5bd22",
        power_profiler_commit_date="2024-05-10",
    ),
    EgridEdition(
        dataset_id="egrid2023rev2",
        column_offset=4,
        edition="eGRID2023",
        revision="rev2",
        data_year=2023,
        release_date="2025-06-12",
        release_note=(
            "eGRID2023 (2023 data) first released 2025-01-15, rev1 2025-01-17, "
            "rev2 2025-06-12. Only rev2 is shipped: the first Power Profiler file for "
            "eGRID2023 (commit fcf98223, 2025-01-22) has CO2e values that disagree with "
            "rev2 and some that are inconsistent (NYLI CO2e < CO2)."
        ),
        gwp_set="AR5",
        power_profiler_commit="9463d66807efcf2ec11fad6c1f8caa3916084aef",
        power_profiler_commit_date="2025-06-18",
    ),
)


def _parse_rates() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in EGRID_RATES_LB_PER_MWH.strip().splitlines():
        subregion, *values = line.split()
        if len(values) != 2 * len(GASES):
            raise ValueError(f"row {subregion}: expected {2 * len(GASES)} values, got {values}")
        for text in values:
            float(text)  # must be a number
        rows[subregion] = values
    if list(rows) != list(SUBREGION_NAMES):
        raise ValueError("rate rows and SUBREGION_NAMES disagree")
    return rows


def _interconnect(subregion: str) -> str:
    return INTERCONNECT.get(subregion, "Eastern")


def _rate_provenance(edition: EgridEdition, subregion: str, gas: str) -> tuple[str, str]:
    pp = f"EPA Power Profiler subregion.json @{edition.power_profiler_commit[:7]}"
    if gas in ("CO2", "CO2e"):
        detail = f"{pp} ({edition.power_profiler_commit_date})"
        if edition.dataset_id == "egrid2023rev2" and subregion == "US" and gas == "CO2e":
            detail += "; codecarbon 3.3.2 usa_emissions.json (eGRID2023 US23) agrees"
        return "verified", detail
    if edition.dataset_id == "egrid2022":
        detail = "two independent full third-party copies agree"
        if subregion == "US":
            detail += "; consistent with EPA's national totals"
        return "cross-checked", detail
    if (subregion, gas) in EGRID2023REV2_THIRD_PARTY:
        return "third-party", (
            "third-party copies only; consistent with EPA's rev2 CO2e; "
            "verify against the SRL23/US23 sheets (DATA-FORMATS §8 item 1)"
        )
    return "verified", (
        "matches EPA GHG Emission Factors Hub Table 6 (Jan 2025, which carries "
        "pre-rev2 eGRID2023; its CH4/N2O agree with rev2 for this row)"
    )


def egrid_rows(edition: EgridEdition) -> list[dict[str, str]]:
    """Rows of one eGRID edition's CSV, in a fixed order."""
    rates = _parse_rates()
    rows: list[dict[str, str]] = []
    ggl = GRID_GROSS_LOSS[edition.dataset_id]
    for subregion, values in rates.items():
        codes = FIELD_CODES_US if subregion == "US" else FIELD_CODES_SUBREGION
        common = {
            "subregion": subregion,
            "subregion_name": SUBREGION_NAMES[subregion],
            "interconnect": _interconnect(subregion),
        }
        for i, gas in enumerate(GASES):
            provenance, detail = _rate_provenance(edition, subregion, gas)
            rows.append(
                common
                | {
                    "quantity": "total_output_emission_rate",
                    "gas": gas,
                    "value": values[edition.column_offset + i],
                    "unit": f"lb {gas}/MWh",
                    "field_code": codes[gas],
                    "provenance": provenance,
                    "provenance_detail": detail,
                }
            )
        detail = (
            f"EPA Power Profiler subregion.json @{edition.power_profiler_commit[:7]} "
            f"({edition.power_profiler_commit_date}), gridLoss of the {common['interconnect']} "
            "interconnect, rounded to 0.1 percentage point"
        )
        if subregion == "PRMS":
            detail += "; PRMS is not in EPA's interconnect crosswalk, Power Profiler gives it "
            detail += "the Eastern value"
        rows.append(
            common
            | {
                "quantity": "grid_gross_loss",
                "gas": "",
                "value": ggl[_interconnect(subregion)],
                "unit": "dimensionless",
                "field_code": FIELD_CODE_GGL,
                "provenance": "verified",
                "provenance_detail": detail,
            }
        )
    return rows


def egrid_metadata(edition: EgridEdition, csv_name: str, sha256: str) -> dict[str, object]:
    """metadata.json content of one eGRID edition."""
    pp_url = POWER_PROFILER_FILE.format(commit=edition.power_profiler_commit)
    revision = f" {edition.revision}" if edition.revision else ""
    return {
        "schema": METADATA_SCHEMA,
        "id": edition.dataset_id,
        "kind": "egrid_subregion_rates",
        "title": (
            f"US EPA {edition.edition}{revision}: eGRID subregion total-output emission "
            "rates and grid gross loss"
        ),
        "publisher": "US EPA",
        "edition": edition.edition,
        "revision": edition.revision,
        "data_year": edition.data_year,
        "release_date": edition.release_date,
        "release_note": edition.release_note,
        "gwp_set": edition.gwp_set,
        "gwp_set_note": (
            f"The published CO2e rates ({FIELD_CODES_SUBREGION['CO2e']}) embed IPCC "
            f"{edition.gwp_set} GWP-100 values. To report under another set, recompute from "
            "the per-gas rates (carbon.factors.egrid.egrid_co2e_rate)."
        ),
        "field_codes": {
            "subregion": FIELD_CODES_SUBREGION,
            "national": FIELD_CODES_US,
            "grid_gross_loss": FIELD_CODE_GGL,
        },
        "units": {
            "total_output_emission_rate": "lb <gas>/MWh (lb per MWh of net generation)",
            "grid_gross_loss": "fraction (dimensionless), e.g. 0.042 = 4.2 %",
        },
        "source_url": EGRID_PAGE,
        "source_urls": [EGRID_PAGE, EGRID_DOWNLOAD_PAGE, pp_url, FACTORS_HUB],
        "licence": US_GOV_LICENCE,
        "transcribed": TRANSCRIBED,
        "transcription_note": (
            "Typed into scripts/build_factors.py. CO2, CO2e and grid gross loss: from EPA's "
            f"Power Profiler data file {pp_url} ({edition.power_profiler_commit_date}), "
            "3 decimals as published. CH4 and N2O: see the provenance column of each row. "
            "Grid gross loss is given per interconnect and repeated on each subregion row."
        ),
        "provenance_levels": {
            "verified": "read in an EPA file whose commit or edition is cited",
            "cross-checked": "two independent sources agree",
            "third-party": "single third-party source; open item until checked against EPA",
        },
        "columns": list(EGRID_COLUMNS),
        "file": csv_name,
        "sha256": sha256,
    }


# --------------------------------------------------------------------------------------
# IPCC GWP-100 values (docs/methodology.md §9). "CH4" in AR6 is the fossil value; the
# non-fossil value is the separate key CH4_nonfossil.
# --------------------------------------------------------------------------------------
GWP_COLUMNS = ("gwp_set", "gas", "value", "unit", "horizon_years", "source", "note")
_AR4 = "IPCC AR4 WG1 (2007) Ch. 2, Table 2.14"
_AR5 = "IPCC AR5 WG1 (2013) Ch. 8, Table 8.7 (without climate-carbon feedbacks)"
_AR5_FOSSIL = "IPCC AR5 WG1 (2013) Ch. 8, Table 8.A.1 (fossil methane)"
_AR6 = "IPCC AR6 WG1 (2021) Ch. 7, Table 7.15"
GWP100_ROWS: Sequence[tuple[str, str, str, str, str]] = (
    # set, gas, value, source, note
    ("AR4", "CO2", "1", _AR4, "reference gas"),
    ("AR4", "CH4", "25", _AR4, "embedded in eGRID CO2e up to eGRID2022"),
    ("AR4", "N2O", "298", _AR4, ""),
    ("AR5", "CO2", "1", _AR5, "reference gas"),
    ("AR5", "CH4", "28", _AR5, "embedded in eGRID CO2e from eGRID2023"),
    ("AR5", "CH4_fossil", "30", _AR5_FOSSIL, "includes CO2 from oxidation of fossil CH4 (verify)"),
    ("AR5", "N2O", "265", _AR5, ""),
    ("AR6", "CO2", "1", _AR6, "reference gas"),
    ("AR6", "CH4", "29.8", _AR6, "fossil CH4; carbon's default CH4 in AR6 (METHODOLOGY §9)"),
    ("AR6", "CH4_fossil", "29.8", _AR6, "same value as CH4"),
    ("AR6", "CH4_nonfossil", "27.0", _AR6, "non-fossil (biogenic) CH4"),
    ("AR6", "N2O", "273", _AR6, ""),
)


def gwp_rows() -> list[dict[str, str]]:
    """Rows of the GWP-100 CSV."""
    return [
        {
            "gwp_set": s,
            "gas": g,
            "value": v,
            "unit": f"CO2e/{g.split('_', 1)[0]}",
            "horizon_years": "100",
            "source": src,
            "note": note,
        }
        for s, g, v, src, note in GWP100_ROWS
    ]


def gwp_metadata(csv_name: str, sha256: str) -> dict[str, object]:
    """metadata.json content of the GWP-100 table."""
    return {
        "schema": METADATA_SCHEMA,
        "id": "ipcc_gwp100",
        "kind": "gwp100",
        "title": "IPCC 100-year global warming potentials (AR4, AR5, AR6) for CO2, CH4, N2O",
        "publisher": "IPCC",
        "edition": "AR4 (2007), AR5 (2013), AR6 (2021)",
        "revision": None,
        "data_year": None,
        "release_date": "2021-08-09",
        "release_note": "Release date is that of the newest set (AR6 WG1).",
        "gwp_set": None,
        "units": {"value": "CO2e per unit mass of the gas (kg CO2e/kg gas)"},
        "source_url": "https://www.ipcc.ch/report/ar6/wg1/chapter/chapter-7/",
        "source_urls": [
            "https://www.ipcc.ch/report/ar6/wg1/chapter/chapter-7/",
            "https://www.ipcc.ch/report/ar5/wg1/",
            "https://www.ipcc.ch/report/ar4/wg1/",
        ],
        "licence": (
            "Published values (facts) from IPCC assessment reports, cited with their tables; "
            "no IPCC text or figures are reproduced."
        ),
        "transcribed": TRANSCRIBED,
        "transcription_note": (
            "Typed into scripts/build_factors.py from METHODOLOGY §9, which cites AR6 WG1 "
            "Table 7.15, AR5 WG1 Table 8.7 and AR4. AR6 'CH4' is the fossil value 29.8; "
            "the generic AR6 value 27.9 (Table 7.SM.7) is not shipped."
        ),
        "columns": list(GWP_COLUMNS),
        "file": csv_name,
        "sha256": sha256,
    }


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------
def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> bytes:
    """CSV with LF line ends, minimal quoting, UTF-8: the bytes that get hashed."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def json_bytes(data: Mapping[str, object]) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def build() -> dict[str, bytes]:
    """All files to write, as {relative path: content}."""
    files: dict[str, bytes] = {}
    for edition in EGRID_EDITIONS:
        folder = f"epa/{edition.dataset_id}"
        name = "subregion_rates.csv"
        data = csv_bytes(EGRID_COLUMNS, egrid_rows(edition))
        files[f"{folder}/{name}"] = data
        meta = egrid_metadata(edition, name, hashlib.sha256(data).hexdigest())
        files[f"{folder}/{METADATA_FILE}"] = json_bytes(meta)
    name = "gwp100.csv"
    data = csv_bytes(GWP_COLUMNS, gwp_rows())
    files[f"ipcc/gwp100/{name}"] = data
    files[f"ipcc/gwp100/{METADATA_FILE}"] = json_bytes(
        gwp_metadata(name, hashlib.sha256(data).hexdigest())
    )
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="factors folder")
    parser.add_argument(
        "--check", action="store_true", help="compare instead of writing; exit 1 on difference"
    )
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        stale = [
            rel
            for rel, data in files.items()
            if not (args.out / rel).is_file() or (args.out / rel).read_bytes() != data
        ]
        for rel in stale:
            print(f"out of date: {args.out / rel}", file=sys.stderr)
        return 1 if stale else 0
    for rel, data in files.items():
        path = args.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
