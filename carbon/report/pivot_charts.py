"""Charts of the pivot, as deterministic SVG (see :mod:`carbon.report.charts`): the front's
waterfall and trend, and the heatmap of the detail section.

- :func:`waterfall_svg`: the LMDI effects from the baseline to the period, one
  panel per Scope 2 basis;
- :func:`trend_svg`: monthly facility energy and Scope 2 per workload, conversions marked;
- :func:`heatmap_svg`: hour of day × day of the period's grid intensity, with
  the site's load overlaid as contour lines.

Okabe-Ito colours, hatches and line styles so that every series also reads in
grey print; units on every axis. Inputs are plain numbers from ``results.json``
(already at the display boundary) or pint-quantified arrays, converted here.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from carbon.report.charts import WORKLOAD_STYLE, chart_rc, workload_label
from carbon.report.numbers import convert, convert_array
from carbon.results.fields import field_for

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

__all__ = ["EFFECT_LABELS", "heatmap_svg", "trend_svg", "waterfall_svg"]

EFFECT_LABELS: dict[str, str] = {
    "activity": "Activity",
    "structure": "Structure",
    "intensity": "Energy\nintensity",
    "carbon_intensity": "Carbon\nintensity",
}
_UP = {"color": "#D55E00", "hatch": "////"}  # vermillion, hatched: increases
_DOWN = {"color": "#56B4E9", "hatch": "\\\\\\\\"}  # sky blue, back-hatched: decreases
_TOTAL = {"color": "#555555", "hatch": ""}
_LINES = {"mining": "-", "ai": "--", "other": ":"}
_MARKERS = {"mining": "o", "ai": "s", "other": "^"}


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: f"{value:,.0f}")


def _tonnes(kg: float) -> float:
    return float(convert(kg, "kg CO2e", "t CO2e"))


def _monthly(rows: list[dict[str, Any]], key: str, workload: str) -> Any:
    """One workload's figure per month of the trend, in its display unit (t CO2e, MWh)."""
    figure = field_for(f"pivot_trend.months[].{key}.{workload}")
    values = [r[key].get(workload, 0.0) for r in rows]
    return convert_array(values, str(figure.unit), str(figure.display_unit))


#: The document's unit of emission intensity per energy.
_KG_MWH = "kg CO2e/MWh"


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def waterfall_svg(decomposition: dict[str, Any], baseline_label: str, period_label: str) -> str:
    """Waterfall per basis: baseline total, the four effects, period total [t CO2e].

    `decomposition` is the ``decomposition`` block of ``results.json``.
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    bases = [b for b in ("location", "market") if b in decomposition]
    titles = {"location": "Location-based Scope 2", "market": "Market-based Scope 2"}
    with mpl.rc_context(chart_rc()):
        fig = Figure(figsize=(6.7, 2.55))
        axes = fig.subplots(1, len(bases), sharey=True, squeeze=False)[0]
        for ax, basis in zip(axes, bases, strict=True):
            block = decomposition[basis]
            start = _tonnes(block["baseline_kgco2e"])
            end = _tonnes(block["period_kgco2e"])
            labels = [f"Baseline\n{baseline_label}"]
            bottoms, heights, styles = [0.0], [start], [_TOTAL]
            level = start
            for name in EFFECT_LABELS:
                value = _tonnes(block["effects"][name])
                bottoms.append(level if value >= 0 else level + value)
                heights.append(abs(value))
                styles.append(_UP if value >= 0 else _DOWN)
                labels.append(EFFECT_LABELS[name])
                level += value
            labels.append(f"Period\n{period_label}")
            bottoms.append(0.0)
            heights.append(end)
            styles.append(_TOTAL)
            xs = range(len(heights))
            for x, b, h, st in zip(xs, bottoms, heights, styles, strict=True):
                ax.bar(
                    x,
                    h,
                    bottom=b,
                    width=0.7,
                    color=st["color"],
                    hatch=st["hatch"],
                    edgecolor="#3a3a3a",
                    linewidth=0.5,
                )
            running = [start]
            for name in EFFECT_LABELS:
                running.append(running[-1] + _tonnes(block["effects"][name]))
            for x, top in enumerate(running):  # connectors at the running level
                ax.plot([x + 0.35, x + 0.65], [top, top], color="#3a3a3a", linewidth=0.5)
            ax.set_xticks(list(xs))
            ax.set_xticklabels(labels, fontsize=6.5)
            ax.set_title(titles[basis], fontsize=8)
            ax.grid(axis="y", linewidth=0.4, color="#cccccc")
            ax.set_axisbelow(True)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        axes[0].set_ylabel("Scope 2 [t CO2e]")
        axes[0].yaxis.set_major_formatter(_thousands())
        fig.legend(
            handles=[
                Patch(facecolor=_TOTAL["color"], edgecolor="#3a3a3a", label="Total"),
                Patch(
                    facecolor=_UP["color"],
                    hatch=_UP["hatch"],
                    edgecolor="#3a3a3a",
                    label="Increase",
                ),
                Patch(
                    facecolor=_DOWN["color"],
                    hatch=_DOWN["hatch"],
                    edgecolor="#3a3a3a",
                    label="Decrease",
                ),
            ],
            loc="upper center",
            ncol=3,
            fontsize=7,
        )
        fig.subplots_adjust(left=0.115, right=0.99, top=0.82, bottom=0.25, wspace=0.08)
        return _svg(fig)


def _month_ticks(labels: list[str]) -> list[str]:
    """``2025-01`` → ``Jan\n2025`` for the first month and each January, else ``Feb``."""
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    ticks = []
    for i, label in enumerate(labels):
        year, mon = label[:4], int(label[5:7])
        ticks.append(f"{names[mon - 1]}\n{year}" if i == 0 or mon == 1 else names[mon - 1])
    return ticks


def _mark_position(labels: list[str], at: str) -> float | None:
    """Where a local instant ``YYYY-MM-DDTHH:MM...`` falls on the month axis (bars at 0, 1, ...)."""
    import calendar

    if at[:7] not in labels:
        return None
    year, mon, day = int(at[:4]), int(at[5:7]), int(at[8:10])
    days = calendar.monthrange(year, mon)[1]
    return labels.index(at[:7]) - 0.5 + (day - 1) / days


def trend_svg(trend: dict[str, Any], conversions: list[dict[str, Any]] | None = None) -> str:
    """Monthly facility energy [MWh] (stacked by workload) and Scope 2 [t CO2e] per workload on
    both bases (filled markers location-based, open market-based), conversions marked.

    `trend` is the ``pivot_trend`` block of ``results.json``; `conversions` its
    ``conversions`` (``meter``, ``at`` in local time, ``to``), drawn as a dash-dot line at
    the day of the month they happened.
    """
    import matplotlib as mpl
    import numpy as np
    from matplotlib.figure import Figure

    rows = trend["months"]
    labels = [r["period"] for r in rows]
    x = np.arange(len(rows))
    names = [w for w in ("mining", "ai") if any(r["energy_kwh"].get(w, 0.0) > 0 for r in rows)]
    names += sorted(
        w
        for w in {k for r in rows for k in r["energy_kwh"]} - {"mining", "ai", "total"}
        if any(r["energy_kwh"].get(w, 0.0) > 0 for r in rows)
    )
    with mpl.rc_context(chart_rc()):
        fig = Figure(figsize=(6.7, 2.55))
        ax_e, ax_s = fig.subplots(1, 2)
        bottom = np.zeros(len(rows))
        for w in names:
            style = WORKLOAD_STYLE.get(w, {"color": "#777777", "hatch": ""})
            label = workload_label(w)
            mwh = _monthly(rows, "energy_kwh", w)
            ax_e.bar(
                x,
                mwh,
                bottom=bottom,
                width=0.7,
                color=style["color"],
                hatch=style.get("hatch", ""),
                edgecolor="#3a3a3a",
                linewidth=0.4,
                label=label,
            )
            bottom = bottom + mwh
            common = {"color": style["color"], "linestyle": _LINES.get(w, "-")}
            marker = _MARKERS.get(w, "o")
            lb = _monthly(rows, "scope2_location_kgco2e", w)
            mb = _monthly(rows, "scope2_market_kgco2e", w)
            ax_s.plot(
                x,
                lb,
                **common,
                marker=marker,
                markersize=3,
                linewidth=1.2,
                label=f"{label}, location-based",
            )
            ax_s.plot(
                x,
                mb,
                **common,
                marker=marker,
                markersize=3,
                linewidth=0.8,
                markerfacecolor="white",
                label=f"{label}, market-based",
            )
        for ax in (ax_e, ax_s):
            ax.set_xticks(x)
            ax.set_xticklabels(_month_ticks(labels), fontsize=6.5)
            ax.set_xlim(-0.6, len(rows) - 0.4)
            ax.grid(axis="y", linewidth=0.4, color="#cccccc")
            ax.set_axisbelow(True)
            ax.set_ylim(bottom=0.0)
            ax.yaxis.set_major_formatter(_thousands())
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            for c in conversions or ():
                pos = _mark_position(labels, str(c.get("at", "")))
                if pos is None:
                    continue
                ax.axvline(pos, color="#3a3a3a", linewidth=0.7, linestyle="-.")
                ax.text(
                    pos - 0.08,
                    0.03,
                    f"{c.get('meter')} \u2192 {workload_label(str(c.get('to')))}",
                    transform=ax.get_xaxis_transform(),
                    fontsize=5.8,
                    rotation=90,
                    va="bottom",
                    ha="right",
                    color="#1a1a1a",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85},
                )
        ax_e.set_title("Facility energy [MWh per month]", fontsize=7.5)
        ax_s.set_title("Scope 2 [t CO2e per month]", fontsize=7.5)
        ax_e.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=6.3)
        ax_s.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=6.3)
        fig.subplots_adjust(left=0.08, right=0.99, top=0.91, bottom=0.33, wspace=0.22)
        return _svg(fig)


def heatmap_svg(intensity: xr.DataArray, power_by_workload: xr.DataArray, *, timezone: str) -> str:
    """Grid intensity by local hour of day (y) and day (x) [kg CO2e/MWh], site load contours [MW].

    `intensity` is the location-based factor ``(time,)`` on its own grid and
    `power_by_workload` the average power ``(workload, time)``; both
    pint-quantified, UTC interval starts (tz-naive).
    """
    import matplotlib as mpl
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    factor = intensity.pint.to(_KG_MWH).pint.dequantify().to_series()
    factor.index = pd.DatetimeIndex(factor.index).tz_localize("UTC").tz_convert(timezone)
    power = power_by_workload.pint.to("MW").pint.dequantify().sum("workload").to_series()
    power.index = pd.DatetimeIndex(power.index).tz_localize("UTC").tz_convert(timezone)

    def grid_of(series: pd.Series) -> tuple[np.ndarray, list]:
        hourly = series.groupby([series.index.date, series.index.hour]).mean()
        table = hourly.unstack(level=0)  # rows hour 0..23, columns day
        table = table.reindex(range(24))
        return table.to_numpy(dtype=float), list(table.columns)

    values, days = grid_of(factor)
    load, load_days = grid_of(power)
    with mpl.rc_context({**chart_rc(), "hatch.color": "white", "hatch.linewidth": 0.6}):
        fig = Figure(figsize=(6.7, 3.4))
        ax = fig.add_subplot()
        image = ax.imshow(
            values,
            aspect="auto",
            origin="lower",
            cmap="cividis",
            extent=(-0.5, len(days) - 0.5, -0.5, 23.5),
            interpolation="nearest",
        )
        if load_days == days and np.isfinite(load).any():
            # Cells where the site's hourly load is below the midpoint of its range: hatched.
            low, high = float(np.nanmin(load)), float(np.nanmax(load))
            middle = (low + high) / 2.0
            if high > low:
                below = np.isfinite(load) & (load < middle)
                cells = ax.pcolor(
                    np.arange(len(days) + 1) - 0.5,
                    np.arange(25) - 0.5,
                    np.ma.masked_where(~below, np.ones_like(load)),
                    facecolor="none",
                    edgecolor="white",
                    linewidth=0.0,
                )
                cells.set_facecolor("none")
                cells.set_hatch("////")
                ax.legend(
                    handles=[
                        Patch(
                            facecolor="#777777",
                            hatch="////",
                            edgecolor="white",
                            label=f"Site load below {middle:,.0f} MW (hourly mean)",
                        )
                    ],
                    loc="lower left",
                    bbox_to_anchor=(0.0, 1.01),
                    fontsize=7,
                    borderaxespad=0.0,
                )
        ticks = list(range(0, len(days), max(1, len(days) // 10)))
        ax.set_xticks(ticks)
        ax.set_xticklabels([pd.Timestamp(days[i]).strftime("%d %b") for i in ticks], fontsize=6.5)
        ax.set_yticks([0, 6, 12, 18, 23])
        ax.set_xlabel(f"Day (local time, {timezone})")
        ax.set_ylabel("Hour of day (local)")
        bar = fig.colorbar(image, ax=ax, pad=0.015)
        bar.set_label("Grid intensity [kg CO2e/MWh]")
        fig.subplots_adjust(left=0.08, right=0.98, top=0.91, bottom=0.14)
        return _svg(fig)
