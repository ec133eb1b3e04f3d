"""The Scope 2 Quality Criteria an instrument must meet before it is applied
(docs/methodology.md §1.3).

:func:`check_quality` tests one record of :mod:`carbon.site.instruments` against the eight
criteria of the GHG Protocol Scope 2 Guidance (Table 7.1), in the :class:`ClaimContext`
of the reporter, the site and its market boundary; criterion 4's window is a
:class:`VintageRule`, and criterion 2 uses the serial checks of :mod:`carbon.accounting.serials`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from carbon.accounting.serials import SerialUse, find_overlaps, serial_uses
from carbon.site.instruments import (
    CONTRACTUAL,
    Certificate,
    PowerPurchaseAgreement,
    ResidualMix,
    SupplierFactor,
    label_key,
)

__all__ = [
    "QUALITY_CRITERIA",
    "ClaimContext",
    "CriterionFailure",
    "QualityResult",
    "VintageRule",
    "check_quality",
    "same_label",
]

#: The Scope 2 Quality Criteria (GHG Protocol Scope 2 Guidance Table 7.1; docs/methodology.md §1.3).
QUALITY_CRITERIA: Mapping[int, str] = {
    1: "conveys the direct emission-rate attribute",
    2: "only instrument carrying the claim",
    3: "tracked and retired by or for the reporter",
    4: "issued close to the consumption period",
    5: "same market as the consumption",
    6: "supplier rate on delivered electricity",
    7: "attribute claims to the reporter alone",
    8: "residual mix adjusted for claimed attributes",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClaimContext(_Frozen):
    """Who claims, and where: the reporter, the site and the site's market boundary."""

    reporter: Annotated[str, Field(min_length=1)]
    site_id: Annotated[str, Field(min_length=1)]
    market_boundary: Annotated[str, Field(min_length=1)]


class VintageRule(_Frozen):
    """Criterion 4: the generation period must lie inside the consumption period widened
    by ``months_before`` and ``months_after``. The default (6 before, 3 after) follows
    common North American retail practice; set the rule your programme requires.
    """

    months_before: Annotated[int, Field(ge=0)] = 6
    months_after: Annotated[int, Field(ge=0)] = 3


@dataclass(frozen=True)
class CriterionFailure:
    """One failed quality criterion and why."""

    criterion: int
    reason: str

    @property
    def name(self) -> str:
        return QUALITY_CRITERIA[self.criterion]

    def __str__(self) -> str:
        return f"criterion {self.criterion} ({self.name}): {self.reason}"


@dataclass(frozen=True)
class QualityResult:
    """The criteria that apply to one instrument and those it fails."""

    instrument_id: str
    kind: str
    checked: tuple[int, ...]
    failures: tuple[CriterionFailure, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failures


def same_label(a: str | None, b: str | None) -> bool:
    """Labels (boundary, reporter) compare equal ignoring case and outer spaces."""
    return label_key(a) == label_key(b)


def _vintage_failure(inst: Any, rule: VintageRule) -> str | None:
    if inst.profile is not None:
        return None  # matched hour by hour; hours outside the consumption period are not used
    start = pd.Timestamp(inst.consumption_start)
    last = pd.Timestamp(inst.consumption_end) - pd.Timedelta(microseconds=1)
    lo = (start - pd.DateOffset(months=rule.months_before)).date()
    hi = (last + pd.DateOffset(months=rule.months_after)).date()
    if inst.generation_start < lo or inst.generation_end > hi:
        return (
            f"generated {inst.generation_start} – {inst.generation_end}, outside {lo} – {hi} "
            f"(consumption {start.date()} – {last.date()} widened by {rule.months_before} "
            f"months before and {rule.months_after} after)"
        )
    return None


def check_quality(
    instrument: Any,
    context: ClaimContext,
    *,
    vintage_rule: VintageRule | None = None,
    prior_uses: Sequence[SerialUse] = (),
) -> QualityResult:
    """Check one instrument against the Scope 2 Quality Criteria (docs/methodology.md §1.3).

    Parameters
    ----------
    instrument : Instrument
        Any record of :mod:`carbon.site.instruments`.
    context : ClaimContext
        The reporter (must be the beneficiary), the site and its market boundary.
    vintage_rule : VintageRule, optional
        Criterion 4's window; default :class:`VintageRule` ().
    prior_uses : sequence of SerialUse
        Serial blocks applied elsewhere; an overlap fails criterion 2.

    Returns
    -------
    QualityResult
        The criteria checked for this kind of instrument and the failures, each with
        a reason. Certificates: 1–5; PPAs and green tariffs: 1–5 and 7; supplier
        factors: 5, 6; residual mixes: 5, 8.
    """
    rule = vintage_rule or VintageRule()
    fails: list[CriterionFailure] = []
    if isinstance(instrument, CONTRACTUAL):
        checked = _contractual_failures(instrument, context, rule, prior_uses, fails)
    elif isinstance(instrument, SupplierFactor):
        checked = (5, 6)
        if not instrument.delivered_basis:
            fails.append(CriterionFailure(6, "not computed on delivered electricity"))
        if not instrument.net_of_sold_attributes:
            fails.append(
                CriterionFailure(6, "attributes sold to others are not removed from the rate")
            )
    elif isinstance(instrument, ResidualMix):
        checked = (5, 8)
        if not instrument.adjusted_for_claims:
            fails.append(
                CriterionFailure(
                    8, "not adjusted for claimed attributes (it is a grid average, not a residual)"
                )
            )
    else:
        raise TypeError(f"not an instrument record: {type(instrument).__name__}")
    if not same_label(instrument.market_boundary, context.market_boundary):
        fails.append(
            CriterionFailure(
                5,
                f"market boundary {instrument.market_boundary!r} differs from the site's "
                f"{context.market_boundary!r}",
            )
        )
    fails.sort(key=lambda f: f.criterion)
    return QualityResult(instrument.id, instrument.kind, checked, tuple(fails))


def _contractual_failures(
    instrument: Any,
    context: ClaimContext,
    rule: VintageRule,
    prior_uses: Sequence[SerialUse],
    fails: list[CriterionFailure],
) -> tuple[int, ...]:
    """Criteria 1 to 4 and 7 of a certificate, PPA or green tariff: the failures are
    appended to `fails`; returns the criteria checked (criterion 5 is the caller's)."""
    checked: tuple[int, ...] = (1, 2, 3, 4, 5)
    if instrument.emission_rate is None:
        fails.append(
            CriterionFailure(
                1, f"no emission rate for its {instrument.technology} generation is conveyed"
            )
        )
    mine = serial_uses([instrument])
    for a, b, (lo, hi) in find_overlaps([*prior_uses, *mine]):
        if instrument.id in (a.instrument_id, b.instrument_id):
            other = b if a.instrument_id == instrument.id else a
            fails.append(
                CriterionFailure(
                    2,
                    f"serials {a.serials.serial(lo)} … {a.serials.serial(hi)} are also "
                    f"applied by {other.describe()}",
                )
            )
    if not isinstance(instrument, Certificate) and not instrument.certificates_retained:
        checked = (1, 2, 3, 4, 5, 7)
        what = (
            f"{instrument.ppa_type} PPA"
            if isinstance(instrument, PowerPurchaseAgreement)
            else "green tariff"
        )
        fails.append(
            CriterionFailure(
                7,
                f"the certificates of the {what} were not retained for the reporter: "
                "null power, its MWh take the residual mix",
            )
        )
    else:
        if not isinstance(instrument, Certificate):
            checked = (1, 2, 3, 4, 5, 7)
        if instrument.retirement_date is None:
            fails.append(CriterionFailure(3, "not retired, redeemed or cancelled (no date)"))
        if not same_label(instrument.beneficiary, context.reporter):
            fails.append(
                CriterionFailure(
                    3,
                    f"retired for {instrument.beneficiary!r}, not for the reporter "
                    f"{context.reporter!r}",
                )
            )
    vintage = _vintage_failure(instrument, rule)
    if vintage is not None:
        fails.append(CriterionFailure(4, vintage))
    return checked
