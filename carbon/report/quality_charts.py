"""The completeness matrix of the data-quality section: meters × local days, as SVG.

Each cell is one meter on one local day, coloured by the share of the day's intervals
that hold a measured reading (imputed, estimated and flagged intervals do not count),
in five bands so that one missing interval stands out from a complete day. Deterministic
like the other charts (:func:`carbon.report.charts.chart_rc`); drawn from
``quality.completeness`` of results.json, nothing recomputed.
"""

from __future__ import annotations

import io
from typing import Any

from carbon.report.charts import chart_rc

__all__ = ["COMPLETENESS_BANDS", "completeness_svg"]

#: (lower bound of the measured share, colour, legend label), best first. A day is in the
#: first band whose bound it reaches.
COMPLETENESS_BANDS: tuple[tuple[float, str, str], ...] = (
    (1.0, "#DCEBD3", "100 %"),
    (0.95, "#FDD49E", "95 to < 100 %"),
    (0.5, "#FC8D59", "50 to < 95 %"),
    (1e-12, "#D7301F", "> 0 to < 50 %"),
    (0.0, "#67000D", "0 % (no measured reading)"),
)


def _band(share: float) -> int:
    return next(i for i, (bound, _, _) in enumerate(COMPLETENESS_BANDS) if share >= bound)


def completeness_svg(completeness: dict[str, Any], order: list[str] | None = None) -> str | None:
    """The meter × day matrix as SVG text, or None without days or meters.

    `completeness` is ``quality.completeness`` of results.json: ``days`` (local dates),
    ``intervals`` (per day) and ``measured`` (meter → measured intervals per day); `order`
    lists the meters top to bottom (default: sorted, as results.json stores them).
    """
    days = list(completeness.get("days") or ())
    per_day = list(completeness.get("intervals") or ())
    measured = dict(completeness.get("measured") or {})
    if not days or not measured:
        return None
    import matplotlib as mpl
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    meters = [m for m in order if m in measured] if order else sorted(measured)
    meters += sorted(m for m in measured if m not in meters)
    bands = [
        [_band(n / d if d else 0.0) for n, d in zip(measured[m], per_day, strict=True)]
        for m in meters
    ]
    colours = ListedColormap([c for _, c, _ in COMPLETENESS_BANDS])
    norm = BoundaryNorm([-0.5 + i for i in range(len(COMPLETENESS_BANDS) + 1)], colours.N)
    height = 0.9 + 0.17 * len(meters)
    with mpl.rc_context(chart_rc()):
        fig = Figure(figsize=(6.7, height))
        ax = fig.add_subplot()
        ax.pcolormesh(
            bands,
            cmap=colours,
            norm=norm,
            edgecolors="white",
            linewidth=0.5 if len(days) <= 62 else 0.0,
            rasterized=len(days) * len(meters) > 20_000,
        )
        ax.invert_yaxis()
        ax.set_yticks([i + 0.5 for i in range(len(meters))], meters, fontsize=6.5)
        step = max(1, -(-len(days) // 10))  # at most ten labels
        ticks = list(range(0, len(days), step))
        ax.set_xticks([t + 0.5 for t in ticks], [days[t][5:] for t in ticks], fontsize=6.5)
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_xlabel("Local day (month-day)", fontsize=7)
        ax.legend(
            handles=[Patch(facecolor=c, label=label) for _, c, label in COMPLETENESS_BANDS],
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncol=len(COMPLETENESS_BANDS),
            fontsize=6.5,
            handlelength=1.2,
            borderaxespad=0.2,
            columnspacing=1.0,
        )
        top = 1.0 - 0.3 / height
        fig.subplots_adjust(left=0.13, right=0.99, top=top, bottom=0.38 / height)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
