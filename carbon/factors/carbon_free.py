"""What counts as carbon-free in a grid's generation mix: one list per source's fuel names.

The grid's carbon-free share ``c_h`` of Google's CFE% (docs/methodology.md §2.5) is the
carbon-free generation of an interval over its generation, both net of storage:

    c_h = Σ_{f ∈ carbon-free} gen_f / Σ_{f ∉ storage} gen_f

Carbon-free: **nuclear, hydro (run-of-river and reservoir, not pumped storage), wind,
solar, geothermal** and marine. Not carbon-free (in the denominator only): every fossil
fuel, **biomass**, waste, "other" and "unknown" fuels. **Storage** (pumped storage,
batteries, other storage) moves energy and generates none: it is left out of numerator
and denominator. A source that states the share itself (Electricity Maps) is read with
that source's own definition, which is named where the share is reported.

Negative net generation (station load, pumping booked under a generating fuel) adds no
generation: the cell counts as zero in both sums and the number of such cells is
recorded with the share (the importers' ``cfe_negative_cells``), never dropped unsaid.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "CARBON_FREE_SET",
    "EIA930_CARBON_FREE",
    "EIA930_COMBINED_HYDRO",
    "ENTSOE_CARBON_FREE",
    "NESO_FUELS",
    "eia930_is_carbon_free",
    "entsoe_is_carbon_free",
]

#: The carbon-free set in words, as reports and docs name it.
CARBON_FREE_SET = (
    "nuclear, hydro (excluding pumped storage), wind, solar, geothermal, marine; "
    "biomass, waste, fossil, other and unknown fuels are not carbon-free; storage is "
    "left out of both sums"
)

#: EIA-930 ``Net Generation (MW) from <Fuel>`` names (normalised: case-folded, single
#: spaces) that are carbon-free. Every other generating fuel is not; storage fuels
#: (``Pumped Storage``, ``Battery Storage``, ``Other Energy Storage``,
#: ``Unknown Energy Storage``) are left out as for the intensity.
EIA930_CARBON_FREE: frozenset[str] = frozenset(
    {
        "nuclear",
        "hydropower and pumped storage",
        "hydropower excluding pumped storage",
        "solar",
        "solar without integrated battery storage",
        "solar with integrated battery storage",
        "wind",
        "wind without integrated battery storage",
        "wind with integrated battery storage",
        "geothermal",
    }
)

#: The older EIA-930 files' one hydro column, which nets pumped storage in: counted as
#: hydro because the file cannot separate it (the share says so where it is used).
EIA930_COMBINED_HYDRO = "hydropower and pumped storage"

#: ENTSO-E ``psrType`` codes (docs/data-formats.md §2.6) → carbon-free or not.
#: B10 (hydro pumped storage) and B25 (energy storage) are storage: in neither sum.
ENTSOE_CARBON_FREE: Mapping[str, bool] = MappingProxyType(
    {
        "B01": False,  # Biomass
        "B02": False,  # Fossil Brown coal/Lignite
        "B03": False,  # Fossil Coal-derived gas
        "B04": False,  # Fossil Gas
        "B05": False,  # Fossil Hard coal
        "B06": False,  # Fossil Oil
        "B07": False,  # Fossil Oil shale
        "B08": False,  # Fossil Peat
        "B09": True,  # Geothermal
        "B11": True,  # Hydro Run-of-river and poundage
        "B12": True,  # Hydro Water Reservoir
        "B13": True,  # Marine
        "B14": True,  # Nuclear
        "B15": False,  # Other renewable (biogas, landfill gas: combustion)
        "B16": True,  # Solar
        "B17": False,  # Waste
        "B18": True,  # Wind Offshore
        "B19": True,  # Wind Onshore
        "B20": False,  # Other
    }
)


#: NESO Carbon Intensity API ``generationmix`` fuels → carbon-free (True), not (False), or
#: left out of both sums (None): ``imports`` come from grids of unknown mix, so the share is
#: of the generation inside GB (or the region), as for EIA-930 and ENTSO-E.
NESO_FUELS: Mapping[str, bool | None] = MappingProxyType(
    {
        "biomass": False,
        "coal": False,
        "gas": False,
        "other": False,
        "imports": None,
        "nuclear": True,
        "hydro": True,
        "solar": True,
        "wind": True,
    }
)


def eia930_is_carbon_free(fuel: str) -> bool:
    """Whether the EIA-930 fuel (as in ``Net Generation (MW) from <Fuel>``) is carbon-free."""
    return " ".join(fuel.split()).casefold() in EIA930_CARBON_FREE


def entsoe_is_carbon_free(psr_type: str) -> bool:
    """Whether the ENTSO-E production type (``B01`` … ``B20``) is carbon-free."""
    return ENTSOE_CARBON_FREE.get(psr_type.strip().upper(), False)
