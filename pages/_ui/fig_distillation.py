"""Figure builders for the distillation page: payback against volume on log-log axes."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pages._ui.figures import Current, Marker, colour, current_trace, figure, layout, log_ticks, marker_shapes


def payback_vs_volume(
    data: pd.DataFrame,
    *,
    horizon_months: float,
    floor: Marker | None,
    markers: Sequence[Marker | None],
    current: Current | None,
) -> go.Figure:
    """Months to pay back against monthly volume, both on log scales.

    Near the minimum volume the payback runs off to infinity; the y-axis stops at ten horizons so the
    useful range stays readable (the CSV keeps every value). Volumes that never pay back leave a gap.
    `floor` marks the volume below which it never pays back; its label sits left of the line, over the gap,
    so it does not collide with the other markers' labels.
    """
    volume = data["requests_per_month"].to_numpy(dtype=float)
    months = data["payback_months"].to_numpy(dtype=float)
    traces = [dict(type="scatter", x=volume, y=months, mode="lines", name="months to pay back",
                   line=dict(color=colour(0), width=2.5))]
    yaxis: dict = dict(type="log", dtick=1)
    finite = months[np.isfinite(months) & (months > 0)]
    if finite.size:
        low = max(float(finite.min()) / 2, 1e-3)
        high = max(min(float(finite.max()), 10 * horizon_months) * 2, low * 10)
        yaxis = dict(type="log", range=[math.log10(low), math.log10(high)], **log_ticks(low, high))
    positive = volume[volume > 0]
    xaxis: dict = dict(type="log", **log_ticks(float(positive.min()), float(positive.max()))) if positive.size > 1 \
        else dict(type="log", dtick=1)
    floor = floor if floor is not None and floor.x > 0 else None
    shapes, annotations = marker_shapes([floor, *markers], log_x=True)
    if floor is not None:
        annotations[0]["xanchor"] = "right"
    shapes.append(dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=horizon_months, y1=horizon_months,
                       line=dict(color="#888", width=1, dash="dot")))
    annotations.append(dict(x=0, xref="paper", y=math.log10(horizon_months), yref="y", xanchor="left",
                            yanchor="bottom", text=f"{horizon_months:g}-month horizon", showarrow=False,
                            font=dict(size=11, color="#555")))
    lay = layout(title="Payback vs monthly volume", x_title="requests per month (log scale)",
                 y_title="months to pay back (log scale)", xaxis=xaxis, yaxis=yaxis,
                 shapes=shapes, annotations=annotations)
    return figure([*traces, *current_trace(current, y_format=",.2f")], lay)
