"""Monthly activity records of the site model: production and hosting, water, heat reuse.

``[[activity]]`` rows carry what the meters cannot (hashrate on three definitions,
BTC mined, GPU-hours; docs/methodology.md §8), ``[[water]]`` the site water (WUE) and
``[[heat_reuse]]`` the heat reused outside the site (ERF). Quantities are strings
with units, checked here and parsed again where they are used.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from carbon.core.units import parse_quantity
from carbon.site.schema import MONTH_PATTERN, Frozen, checked_quantity

__all__ = ["ActivityPeriod", "HeatReusePeriod", "MinerGroup", "WaterPeriod"]


class MinerGroup(Frozen):
    """A group of identical miners for the nameplate fleet efficiency (docs/methodology.md §8)."""

    model: Annotated[str, Field(min_length=1)]
    count: Annotated[int, Field(ge=0)]
    rated_power: str = Field(description="nameplate power of one unit, e.g. '3500 W'")
    rated_hashrate: str = Field(description="nameplate hashrate of one unit, e.g. '200 TH/s'")
    hall: str | None = Field(default=None, description="IT meter the group sits behind")

    @field_validator("rated_power")
    @classmethod
    def _power(cls, value: str) -> str:
        return checked_quantity(value, "W", "rated_power")

    @field_validator("rated_hashrate")
    @classmethod
    def _hashrate(cls, value: str) -> str:
        return checked_quantity(value, "TH/s", "rated_hashrate")


class ActivityPeriod(Frozen):
    """Production and hosting activity of one month (docs/methodology.md §8); every field optional.

    Hashrates and GPU-hours are strings with units (``"3.6 EH/s"``, ``"6380000 hour"``);
    BTC amounts are plain numbers (a count). Self-mining and hosted-client figures are
    kept apart: ``hashrate_average`` is all mining hashrate behind the site's mining
    meters, ``hashrate_average_hosted`` the hosted clients' part of it.
    """

    period: Annotated[str, Field(pattern=MONTH_PATTERN)]
    hashrate_installed: str | None = Field(
        default=None, description="installed/deployed (nameplate) hashrate at period end"
    )
    hashrate_energised: str | None = Field(
        default=None, description="energised hashrate (units powered and able to hash)"
    )
    hashrate_average: str | None = Field(
        default=None, description="average operating (realised, pool-side) hashrate"
    )
    hashrate_average_hosted: str | None = Field(
        default=None, description="hosted clients' part of hashrate_average"
    )
    btc_mined_self: Annotated[float, Field(ge=0)] | None = None
    btc_mined_hosted: Annotated[float, Field(ge=0)] | None = None
    network_hashrate: str | None = Field(
        default=None, description="network hashrate used for expectations (state the source)"
    )
    network_hashrate_note: str | None = None
    mean_fees_btc_per_block: Annotated[float, Field(ge=0)] | None = None
    gpu_count: Annotated[int, Field(ge=0)] | None = None
    gpu_hours_available: str | None = None
    gpu_hours_sold: str | None = None
    source: str | None = Field(default=None, description="where the figures come from")
    miners: list[MinerGroup] = Field(default_factory=list)

    @field_validator(
        "hashrate_installed",
        "hashrate_energised",
        "hashrate_average",
        "hashrate_average_hosted",
        "network_hashrate",
    )
    @classmethod
    def _hashrates(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else checked_quantity(value, "TH/s", info.field_name)

    @field_validator("gpu_hours_available", "gpu_hours_sold")
    @classmethod
    def _gpu_hours(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else checked_quantity(value, "hour", info.field_name)

    @model_validator(mode="after")
    def _consistent(self) -> ActivityPeriod:
        def q(name: str, unit: str) -> Any:
            value = getattr(self, name)
            return None if value is None else parse_quantity(value, unit, name).to(unit)

        pairs = (
            ("hashrate_energised", "hashrate_installed", "TH/s"),
            ("hashrate_average_hosted", "hashrate_average", "TH/s"),
            ("gpu_hours_sold", "gpu_hours_available", "hour"),
        )
        if self.hashrate_average_hosted is not None and self.hashrate_average is None:
            raise ValueError(
                f"{self.period}: hashrate_average_hosted needs hashrate_average (the hosted part "
                "splits the mining energy between self-mining and hosted clients)"
            )
        for part, whole, unit in pairs:
            a, b = q(part, unit), q(whole, unit)
            if a is not None and b is not None and a > b:
                raise ValueError(
                    f"{self.period}: {part} ({getattr(self, part)}) exceeds {whole} "
                    f"({getattr(self, whole)})"
                )
        return self


class WaterPeriod(Frozen):
    """Site water of one month (docs/methodology.md §3, WUE; EED Annex I ``W_IN``).

    Volumes are strings with units (``"18500 m^3"``, ``"4.2e6 L"``).
    """

    period: Annotated[str, Field(pattern=MONTH_PATTERN)]
    withdrawal: str = Field(description="total water input (withdrawal), e.g. '18500 m^3'")
    potable: str | None = Field(default=None, description="potable part of the withdrawal")
    consumption: str | None = Field(
        default=None, description="consumption (withdrawal minus discharge)"
    )
    source: str | None = Field(default=None, description="where the figures come from")

    @field_validator("withdrawal", "potable", "consumption")
    @classmethod
    def _volume(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else checked_quantity(value, "m^3", info.field_name)


class HeatReusePeriod(Frozen):
    """Waste heat reused outside the boundary in one month (docs/methodology.md §3, ERF)."""

    period: Annotated[str, Field(pattern=MONTH_PATTERN)]
    energy: str = Field(description="heat delivered to the reuse, e.g. '420 MWh'")
    destination: str | None = None
    source: str | None = Field(default=None, description="where the figure comes from")

    @field_validator("energy")
    @classmethod
    def _energy(cls, value: str) -> str:
        return checked_quantity(value, "kWh", "energy")
