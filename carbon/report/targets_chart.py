"""The chart of the Scope 2 target tracker, as deterministic SVG (see :mod:`carbon.report.charts`).

Location-based Scope 2 by year (bars: solid for a whole year, hatched and lighter for the
months to date of a partial year, an open diamond for its flat-rate annualisation), the
required linear path from the base year to the target year (dashed line, held after it),
and on a second axis the low-carbon electricity share and the recognised hourly-matched
share (lines with markers). Inputs are the ``sbti`` block of ``results.json``.
"""

from __future__ import annotations

import io
from typing import Any

from carbon.report.charts import chart_rc
from carbon.report.numbers import convert

__all__ = ["tracker_svg"]

_WHOLE = {"color": "#0072B2", "hatch": ""}
_PARTIAL = {"color": "#9ecae1", "hatch": "////"}
_PATH = "#D55E00"
_LOW_CARBON = "#009E73"
_MATCHED = "#CC79A7"


def _t(kg: float | None) -> float | None:
    return convert(kg, "kg CO2e", "t CO2e")


def tracker_svg(sbti: dict[str, Any]) -> str:
    """Trajectory, path and shares of an available ``sbti`` block, as SVG text."""
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    rows = sbti["years"]
    years = [int(p["year"]) for p in sbti["path"]]
    y0, last = years[0], years[-1]

    with mpl.rc_context(chart_rc()):
        fig = Figure(figsize=(6.7, 2.9))
        ax = fig.subplots()
        for r in rows:
            style = _WHOLE if r["complete"] else _PARTIAL
            ax.bar(
                int(r["year"]),
                _t(r["location_kgco2e"]),
                width=0.6,
                color=style["color"],
                hatch=style["hatch"],
                edgecolor="#3a3a3a",
                linewidth=0.5,
            )
            if r.get("annualised_location_kgco2e") is not None:
                ax.plot(
                    int(r["year"]),
                    _t(r["annualised_location_kgco2e"]),
                    marker="D",
                    markersize=5,
                    markerfacecolor="white",
                    markeredgecolor="#3a3a3a",
                    linestyle="none",
                )
        path = [_t(p["kgco2e"]) for p in sbti["path"]]
        ax.plot(years, path, color=_PATH, linestyle="--", linewidth=1.2)
        ax.set_xticks(years)
        ax.set_xticklabels([str(y) for y in years], fontsize=7)
        ax.set_xlim(y0 - 0.6, last + 0.6)
        ax.set_ylim(bottom=0.0)
        ax.set_ylabel("Scope 2 location-based [t CO2e]")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
        ax.grid(axis="y", linewidth=0.4, color="#cccccc")
        ax.set_axisbelow(True)
        ax.spines["top"].set_visible(False)
        share = ax.twinx()
        for key, color, marker in (
            ("low_carbon_share", _LOW_CARBON, "o"),
            ("hourly_matched_share", _MATCHED, "s"),
        ):
            pts = [(int(r["year"]), r[key]) for r in rows if r.get(key) is not None]
            if pts:
                share.plot(
                    [p[0] for p in pts],
                    [p[1] for p in pts],
                    color=color,
                    marker=marker,
                    markersize=4,
                    linewidth=1.0,
                    linestyle=":",
                )
        share.set_ylim(0.0, 1.0)
        share.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        share.set_ylabel("Share of electricity [%]")
        share.spines["top"].set_visible(False)
        handles = [
            Patch(facecolor=_WHOLE["color"], edgecolor="#3a3a3a", label="Whole year"),
            Patch(
                facecolor=_PARTIAL["color"],
                hatch=_PARTIAL["hatch"],
                edgecolor="#3a3a3a",
                label="Months to date",
            ),
            Line2D(
                [],
                [],
                marker="D",
                markerfacecolor="white",
                markeredgecolor="#3a3a3a",
                linestyle="none",
                label="Annualised (indicative)",
            ),
            Line2D([], [], color=_PATH, linestyle="--", label="Required linear path"),
            Line2D([], [], color=_LOW_CARBON, marker="o", linestyle=":", label="Low-carbon share"),
            Line2D([], [], color=_MATCHED, marker="s", linestyle=":", label="Hourly-matched share"),
        ]
        fig.legend(handles=handles, loc="upper center", ncol=3, fontsize=6.5)
        fig.subplots_adjust(left=0.13, right=0.9, top=0.8, bottom=0.1)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()
