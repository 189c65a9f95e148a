"""Figures for the Jevons projection: indices on a log scale, with an optional uncertainty band."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pages._ui.figures import colour, figure, layout, log_ticks


def price_and_spend(frame: pd.DataFrame, *, spend0: float, band: bool) -> go.Figure:
    """Unit price, usage and spend relative to today, on one log axis."""
    traces = []
    if band and spend0 > 0:
        traces += [
            dict(type="scatter", x=frame["year"], y=frame["spend_high"] / spend0, mode="lines",
                 line=dict(width=0), showlegend=False, hoverinfo="skip"),
            dict(type="scatter", x=frame["year"], y=frame["spend_low"] / spend0, mode="lines", line=dict(width=0),
                 fill="tonexty", fillcolor="rgba(228,87,46,0.15)", name="spend, uncertainty band", hoverinfo="skip"),
        ]
    traces += [
        dict(type="scatter", x=frame["year"], y=frame["price_index"], mode="lines", name="unit price",
             line=dict(color=colour(0), width=2.5)),
        dict(type="scatter", x=frame["year"], y=frame["usage_index"], mode="lines", name="usage",
             line=dict(color=colour(2), width=2, dash="dot")),
        dict(type="scatter", x=frame["year"], y=frame["spend"] / spend0 if spend0 > 0 else frame["spend"] * 0 + 1,
             mode="lines", name="spend", line=dict(color=colour(1), width=3)),
    ]
    values = [v for t in traces for v in t["y"] if v > 0]
    ticks = log_ticks(min(values), max(values)) if values else {}  # 0.001, 0.01 ... 1k, not 10⁻³
    lay = layout(title="Prices fall, usage grows: what happens to spend", x_title="years from today",
                 y_title="× today (log scale)", yaxis=dict(type="log", **ticks),
                 xaxis=dict(dtick=1))
    lay["shapes"] = [dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=1, y1=1,
                          line=dict(color="#888", width=1))]
    return figure(traces, lay)
