"""Charts for the disclosure PDF, drawn with matplotlib as deterministic SVG.

The same input gives the same SVG string, byte for byte, so that the PDF that
embeds it is reproducible (docs/how-it-works.md "Determinism and audit"):

- ``svg.hashsalt`` is fixed, so the ids of clip paths and hatch patterns do not
  come from a random salt;
- ``metadata={"Date": None}`` drops the timestamp matplotlib writes by default;
- ``svg.fonttype = "path"``: text is drawn as glyph outlines taken from the
  DejaVu Sans that ships inside matplotlib, so the chart does not depend on
  which fonts WeasyPrint finds when it renders the PDF. The price is that chart
  labels are not selectable text in the PDF; every figure they show is also
  printed in the tables.

matplotlib is imported inside the function (it costs about 0.5 s) and only the
object-oriented API is used (a bare :class:`~matplotlib.figure.Figure`, no
``pyplot``), so no global state or GUI backend is touched; the SVG canvas is
used directly, which is equivalent to Agg for our purposes.
"""

from __future__ import annotations

import calendar
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

__all__ = [
    "MAX_CHART_STEPS",
    "WORKLOAD_STYLE",
    "chart_resolution",
    "month_words",
    "monthly_workload_svg",
    "stacked_power_svg",
    "workload_label",
]

#: Fixed style per workload: Okabe-Ito colours (colour-blind safe), ordered and
#: hatched so that neighbouring layers also differ in grey print (dark blue,
#: light orange with diagonal hatching, mid green with the other diagonal, light
#: grey with horizontal lines). Dotted hatches are avoided: matplotlib writes
#: each dot as a curve, which makes the SVG hundreds of kB larger.
WORKLOAD_STYLE: dict[str, dict[str, str]] = {
    "mining": {"label": "Mining", "color": "#0072B2", "hatch": ""},
    "ai": {"label": "AI hosting", "color": "#E69F00", "hatch": "////"},
    "shared": {"label": "Shared (allocated)", "color": "#009E73", "hatch": "\\\\\\\\"},
    "other": {"label": "Unallocated (no IT load)", "color": "#BBBBBB", "hatch": "----"},
}

# Colours for workloads not listed above, in order of first use (sorted names).
_EXTRA_COLORS = ("#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

_HASH_SALT = "carbon-report"


def chart_rc() -> dict[str, Any]:
    """The matplotlib settings of every report chart: deterministic SVG (fixed hash salt,
    text as paths), the shipped font, thin lines and hatches that print in grey."""
    return {
        "svg.hashsalt": _HASH_SALT,
        "svg.fonttype": "path",
        "font.family": "DejaVu Sans",
        "font.size": 8,
        "axes.linewidth": 0.6,
        "hatch.linewidth": 0.5,
        "hatch.color": "#3a3a3a",
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "legend.frameon": False,
    }


#: Series longer than this many steps (three weeks of 15-minute intervals) are
#: drawn as hourly means: a month of 15-minute steps is finer than print can
#: show and makes the PDF slow to lay out. See :func:`chart_resolution`.
MAX_CHART_STEPS = 2016


def chart_resolution(power_by_workload: xr.DataArray) -> str:
    """What one step of the chart represents: ``"hourly"`` or ``"native"``."""
    return "hourly" if power_by_workload.sizes["time"] > MAX_CHART_STEPS else "native"


def workload_label(workload: str) -> str:
    """Display name of a workload (``mining`` → ``Mining``); unknown names are title-cased."""
    style = WORKLOAD_STYLE.get(workload)
    if style is not None:
        return style["label"]
    return workload.replace("_", " ").replace("-", " ").capitalize()


def _ordered_workloads(names: list[str]) -> list[str]:
    known = [w for w in WORKLOAD_STYLE if w in names]
    extra = sorted(w for w in names if w not in WORKLOAD_STYLE)
    # Unallocated stays on top of the stack, whatever else is present.
    if "other" in known:
        known.remove("other")
        return [*known, *extra, "other"]
    return [*known, *extra]


def stacked_power_svg(power_by_workload: xr.DataArray, *, timezone: str) -> str:
    """Draw the stacked area of power by workload over the period, as SVG text.

    Parameters
    ----------
    power_by_workload
        pint-quantified DataArray of average power per interval, dims
        ``("workload", "time")``, any power unit (converted to MW here). ``time`` is
        the interval start as tz-naive UTC datetime64; steps are regular. Series of
        more than :data:`MAX_CHART_STEPS` steps are drawn as hourly means.
    timezone
        IANA name of the site's timezone; the x axis is labelled in local time
        (daylight-saving changes are handled, the data stay on a UTC axis).

    Returns
    -------
    str
        A standalone SVG document. Identical input gives an identical string.
    """
    # Long on purpose: one matplotlib figure drawn step by step (data, stack, axes,
    # ticks, legend); split up, the drawing would be scattered over many functions.
    from zoneinfo import ZoneInfo

    import matplotlib as mpl
    import matplotlib.dates as mdates
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure

    tz = ZoneInfo(timezone)
    power_mw = power_by_workload.pint.to("MW").pint.dequantify()
    power_mw = power_mw.transpose("workload", "time")
    if chart_resolution(power_mw) == "hourly":
        # Mean power per UTC hour (display only; energy totals come from results).
        power_mw = power_mw.resample(time="1h").mean()
    names = [str(w) for w in power_mw["workload"].values]
    if "other" in names and not np.nan_to_num(power_mw.sel(workload="other").values).any():
        names.remove("other")  # no empty "Unallocated" entry in the legend
    order = _ordered_workloads(names)

    times = pd.DatetimeIndex(power_mw["time"].values)
    if len(times) == 0:
        raise ValueError("power_by_workload has no time steps; nothing to draw")
    step = times[1] - times[0] if len(times) > 1 else pd.Timedelta(minutes=15)
    # Interval-start values drawn as steps up to the end of the last interval.
    edges = times.append(pd.DatetimeIndex([times[-1] + step])).tz_localize("UTC")
    x = mdates.date2num(edges.to_pydatetime())
    ys = []
    for name in order:
        values = np.asarray(power_mw.sel(workload=name).values, dtype=float)
        values = np.nan_to_num(values, nan=0.0)
        ys.append(np.append(values, values[-1]))

    extra_colors = iter(_EXTRA_COLORS)
    styles = []
    for name in order:
        style = WORKLOAD_STYLE.get(name)
        if style is None:
            style = {
                "label": workload_label(name),
                "color": next(extra_colors, "#777777"),
                "hatch": "",
            }
        styles.append(style)

    with mpl.rc_context(chart_rc()):
        fig = Figure(figsize=(6.7, 3.1))
        ax = fig.add_subplot()
        polys = ax.stackplot(
            x,
            *ys,
            labels=[s["label"] for s in styles],
            colors=[s["color"] for s in styles],
            step="post",
            linewidth=0.4,
            edgecolor="white",
        )
        for poly, style in zip(polys, styles, strict=True):
            if style["hatch"]:
                poly.set_hatch(style["hatch"])
                poly.set_edgecolor("#3a3a3a")
                poly.set_linewidth(0.0)

        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(bottom=0.0)
        locator = mdates.AutoDateLocator(tz=tz, minticks=4, maxticks=10)
        formatter = mdates.ConciseDateFormatter(locator, tz=tz)
        # No offset text ("2025-Aug" taken from the last tick would misname the period).
        formatter.offset_formats = ["", "", "", "", "", ""]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(formatter)
        ax.set_xlabel(f"Local time ({timezone})")
        ax.set_ylabel("Power [MW]")
        ax.grid(axis="y", linewidth=0.4, color="#cccccc")
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        # Legend in one row above the plot, in stacking order (bottom layer first).
        ax.legend(
            loc="lower left",
            bbox_to_anchor=(0.0, 1.01),
            ncol=len(order),
            fontsize=7.5,
            handlelength=1.8,
            borderaxespad=0.0,
            columnspacing=1.6,
        )
        fig.subplots_adjust(left=0.075, right=0.955, top=0.90, bottom=0.15)

        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def month_words(label: str) -> str:
    """A month label ``2025-01`` as a chart tick reads it: ``Jan 2025``."""
    year, month_number = label[:4], int(label[5:7])
    return f"{calendar.month_abbr[month_number]} {year}"


def monthly_workload_svg(months: list[str], energy_mwh: dict[str, list[float]]) -> str:
    """Energy per month by workload [MWh], mining and AI hosting side by side, as SVG text
    (the fiscal roll-up). `energy_mwh` maps a workload to one value per month of `months`
    (``YYYY-MM``); a missing value is drawn as no bar, never as zero."""
    import matplotlib as mpl
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    x = np.arange(len(months))
    names = [w for w in WORKLOAD_STYLE if w in energy_mwh] + sorted(
        w for w in energy_mwh if w not in WORKLOAD_STYLE
    )
    width = 0.8 / max(1, len(names))
    with mpl.rc_context(chart_rc()):
        fig = Figure(figsize=(6.7, 2.4))
        ax = fig.add_subplot()
        for i, name in enumerate(names):
            style = WORKLOAD_STYLE.get(name, {"color": "#777777", "hatch": ""})
            values = np.array([np.nan if v is None else v for v in energy_mwh[name]], dtype=float)
            bars = ax.bar(
                x + (i - (len(names) - 1) / 2) * width,
                np.nan_to_num(values),
                width,
                label=workload_label(name),
                color=style["color"],
                edgecolor="#3a3a3a" if style["hatch"] else "white",
                linewidth=0.0,
            )
            for bar, value in zip(bars, values, strict=True):
                bar.set_hatch(style["hatch"])
                bar.set_visible(not np.isnan(value))
        ax.set_xticks(x)
        ax.set_xticklabels([month_words(m) for m in months])
        ax.set_ylabel("Energy [MWh]")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
        ax.grid(axis="y", linewidth=0.4, color="#cccccc")
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=len(names), fontsize=7.5)
        fig.subplots_adjust(left=0.1, right=0.98, top=0.86, bottom=0.14)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
