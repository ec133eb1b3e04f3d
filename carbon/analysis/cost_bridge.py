"""Energy cost bridge of one period: gross, credits, hedges, certificates, net
(docs/disclosure-items.md item 16).

Money is a pint quantity in a currency unit (``USD``, ``EUR``, ``CAD``, ``GBP``),
each its own dimension in ``carbon/core/units.txt``: two currencies never add and no
exchange rate is applied. Money never converts to energy, so a cost figure
cannot stand in for MWh; the per-MWh figures divide by *metered* energy.

Bridge (all in the row's currency)::

    net = energy charges − demand-response credits + hedge settlements + certificate spend

with hedge settlements signed (positive = paid, negative = received). Per MWh
divides by the site's metered energy of the period; per BTC divides the net cost
allocated to self-mining (its share of metered site energy) by BTC mined (self).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pint

from carbon.core.errors import InputDataError, UnitError
from carbon.core.money import currency_of, parse_money
from carbon.core.units import Q_, ureg

if TYPE_CHECKING:  # pragma: no cover
    from carbon.site.operating import EnergyCostPeriod

__all__ = ["CostBridge", "cost_bridge"]


def _money(q: Any, what: str, currency: str) -> pint.Quantity:
    if not isinstance(q, ureg.Quantity):
        raise UnitError(f"{what} must be a pint Quantity in {currency}, got {type(q).__name__}")
    if not q.is_compatible_with(currency):
        raise UnitError(f"{what} is in {q.units}, not {currency}; currencies are never converted")
    return q.to(currency)


#: The bridge as quantities, keyed by line (``gross`` … ``net_per_btc``).
CostBridge = dict[str, pint.Quantity]


def cost_bridge(
    *,
    energy_charges: pint.Quantity,
    metered_energy: pint.Quantity,
    credits: pint.Quantity | None = None,
    hedges: pint.Quantity | None = None,
    certificates: pint.Quantity | None = None,
    self_mining_energy: pint.Quantity | None = None,
    btc_mined_self: float | None = None,
) -> CostBridge:
    """The cost bridge in the currency of `energy_charges`.

    Parameters
    ----------
    energy_charges : pint.Quantity
        Gross energy and delivery charges [currency].
    metered_energy : pint.Quantity
        Metered site energy of the same period [energy]; never derived from cost.
    credits, hedges, certificates : pint.Quantity, optional
        Demand-response credits received, signed hedge settlement (positive = paid),
        certificate spend [same currency].
    self_mining_energy : pint.Quantity, optional
        Metered self-mining energy incl. allocated overhead [energy], for $/BTC.
    btc_mined_self : float, optional
        BTC mined by the self-mining fleet (a count).

    Returns
    -------
    CostBridge
        ``gross``, ``credits``, ``hedges``, ``certificates``, ``net`` [currency];
        ``gross_per_mwh`` … ``net_per_mwh`` [currency/MWh]; ``net_per_btc`` [currency]
        per BTC when BTC and self-mining energy are given.
    """
    if not isinstance(energy_charges, ureg.Quantity):
        raise UnitError("energy_charges must be a pint Quantity in a currency")
    currency = currency_of(energy_charges)
    if not isinstance(metered_energy, ureg.Quantity) or not metered_energy.is_compatible_with(
        "MWh"
    ):
        got = getattr(metered_energy, "units", type(metered_energy).__name__)
        raise UnitError(f"metered energy must be an energy (kWh, MWh), got {got}")
    energy = metered_energy.to("MWh")
    if float(energy.magnitude) <= 0:
        raise InputDataError("metered energy of the period must be positive for $/MWh")
    zero = Q_(0.0, currency)
    out: CostBridge = {}
    out["gross"] = energy_charges.to(currency)
    out["credits"] = zero if credits is None else _money(credits, "credits", currency)
    out["hedges"] = zero if hedges is None else _money(hedges, "hedges", currency)
    out["certificates"] = (
        zero if certificates is None else _money(certificates, "certificate spend", currency)
    )
    out["net"] = out["gross"] - out["credits"] + out["hedges"] + out["certificates"]
    for key in ("gross", "credits", "hedges", "certificates", "net"):
        out[f"{key}_per_mwh"] = (out[key] / energy).to(f"{currency}/MWh")
    if btc_mined_self and self_mining_energy is not None:
        if not self_mining_energy.is_compatible_with("MWh"):
            raise UnitError(f"self-mining energy must be an energy, got {self_mining_energy.units}")
        share = (self_mining_energy / energy).to("dimensionless")
        if not 0 <= float(share.magnitude) <= 1 + 1e-9:
            raise InputDataError(f"self-mining energy share {float(share.magnitude):.3f} ∉ [0, 1]")
        out["self_mining_share"] = share
        out["net_per_btc"] = (out["net"] * share / float(btc_mined_self)).to(currency)
    return out


def cost_bridge_from_config(
    row: EnergyCostPeriod,
    metered_energy: pint.Quantity,
    self_mining_energy: pint.Quantity | None,
    btc_mined_self: float | None,
) -> CostBridge:
    """The bridge of a validated ``[[energy_cost]]`` row."""

    def m(name: str) -> pint.Quantity | None:
        value = getattr(row, name)
        return None if value is None else parse_money(value, name)

    return cost_bridge(
        energy_charges=parse_money(row.energy_charges, "energy_charges"),
        metered_energy=metered_energy,
        credits=m("demand_response_credits"),
        hedges=m("hedge_settlements"),
        certificates=m("certificate_spend"),
        self_mining_energy=self_mining_energy,
        btc_mined_self=btc_mined_self,
    )
