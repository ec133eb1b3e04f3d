"""Charts of the 'What changed' section, as deterministic SVG (see :mod:`carbon.report.charts`).

- :func:`waterfall_svg`: the LMDI effects from the baseline to the period, one
  panel per Scope 2 basis;
- :func:`trend_svg`: monthly Scope 2 and emission intensity per workload;
- :func:`heatmap_svg`: hour of day × day of the period's grid intensity, with
  the site's load overlaid as contour lines.

Okabe-Ito colours, hatches and line styles so that every series also reads in
grey print; units on every axis. Inputs are plain numbers from ``results.json``
(already at the display boundary) or pint-quantified arrays, converted here.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from carbon.report.charts import WORKLOAD_STYLE, chart_rc, month_words, workload_label
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
        fig = Figure(figsize=(6.7, 3.0))
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
        fig.subplots_adjust(left=0.115, right=0.99, top=0.84, bottom=0.22, wspace=0.08)
        return _svg(fig)


def _plot_bases(ax: Any, x: Any, lb: Any, mb: Any, w: str, color: str, label: str | None) -> None:
    """One workload's location-based (filled markers) and market-based (open) lines."""
    common = {"color": color, "linestyle": _LINES.get(w, "-"), "marker": _MARKERS.get(w, "o")}
    ax.plot(
        x,
        lb,
        **common,
        markersize=3,
        linewidth=1.2,
        **({"label": f"{label}, LB"} if label else {}),
    )
    ax.plot(
        x,
        mb,
        **common,
        markersize=3,
        linewidth=0.8,
        markerfacecolor="white",
        alpha=0.9,
        **({"label": f"{label}, MB"} if label else {}),
    )


def trend_svg(trend: dict[str, Any], marks: dict[str, str] | None = None) -> str:
    """Monthly location- and market-based Scope 2 [t CO2e] and intensity [kg CO2e/MWh] per workload.

    `trend` is the ``pivot_trend`` block of ``results.json``; `marks` maps month
    labels to short notes drawn as vertical lines (e.g. the conversion month).
    """
    import matplotlib as mpl
    import numpy as np
    from matplotlib.figure import Figure

    rows = trend["months"]
    labels = [r["period"] for r in rows]
    x = np.arange(len(rows))
    names = [w for w in ("mining", "ai") if any(r["energy_kwh"].get(w, 0.0) > 0 for r in rows)]
    with mpl.rc_context(chart_rc()):
        fig = Figure(figsize=(6.7, 3.6))
        ax_e, ax_i = fig.subplots(1, 2)
        for w in names:
            style = WORKLOAD_STYLE.get(w, {"color": "#777777"})
            lb = _monthly(rows, "scope2_location_kgco2e", w)
            mb = _monthly(rows, "scope2_market_kgco2e", w)
            mwh = _monthly(rows, "energy_kwh", w)
            label = workload_label(w)
            with np.errstate(divide="ignore", invalid="ignore"):
                # t CO2e per MWh in kg CO2e/MWh, the document's unit of intensity
                lb_i = convert_array(np.where(mwh > 0, lb / mwh, np.nan), "t CO2e/MWh", _KG_MWH)
                mb_i = convert_array(np.where(mwh > 0, mb / mwh, np.nan), "t CO2e/MWh", _KG_MWH)
            _plot_bases(ax_e, x, lb, mb, w, style["color"], label)
            _plot_bases(ax_i, x, lb_i, mb_i, w, style["color"], None)
        for ax in (ax_e, ax_i):
            ax.set_xticks(x)
            ax.set_xticklabels([month_words(lab) for lab in labels], rotation=90, fontsize=6.5)
            ax.set_xlabel("Month (local time)")
            ax.grid(axis="y", linewidth=0.4, color="#cccccc")
            ax.set_axisbelow(True)
            ax.set_ylim(bottom=0.0)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            for month_label, note in (marks or {}).items():
                if month_label in labels:
                    pos = labels.index(month_label)
                    ax.axvline(pos, color="#3a3a3a", linewidth=0.6, linestyle="-.")
                    ax.text(
                        pos - 0.12,
                        0.98,
                        note,
                        transform=ax.get_xaxis_transform(),
                        fontsize=6,
                        rotation=90,
                        va="top",
                        ha="right",
                    )
        ax_e.set_ylabel("Scope 2 [t CO2e per month]")
        ax_e.yaxis.set_major_formatter(_thousands())
        ax_i.set_ylabel("Intensity [kg CO2e per facility MWh]")
        fig.legend(loc="upper center", ncol=4, fontsize=6.8)
        fig.subplots_adjust(left=0.115, right=0.99, top=0.86, bottom=0.2, wspace=0.34)
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
