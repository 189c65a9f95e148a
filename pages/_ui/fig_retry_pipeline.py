"""Figure builders for the retry-budget page, composed from the shared pieces in `figures.py`
(layout, break-even markers, current point, one validated `figure()` call). No Streamlit here."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pages._ui.figures import Current, Marker, Trace, colour, current_trace, figure, layout, marker_shapes


def _finite(values: pd.Series) -> np.ndarray:
    """Infinities (a policy that never succeeds) become gaps in the line."""
    v = values.to_numpy(dtype=float)
    return np.where(np.isfinite(v), v, np.nan)


def twin_panels(
    data: pd.DataFrame,
    *,
    x: str,
    names: Sequence[str],
    left: dict[str, str],
    right: dict[str, str],
    title: str,
    x_title: str,
    left_title: str,
    right_title: str,
    left_log: bool = False,
    x_tickformat: str | None = None,
    right_tickformat: str | None = None,
    solid: Sequence[str] = (),
    left_markers: Sequence[Marker | None] = (),
    right_markers: Sequence[Marker | None] = (),
    left_current: Current | None = None,
    right_current: Current | None = None,
    current_formats: tuple[str, str] = (",.2f", ".1%"),
) -> go.Figure:
    """Two side-by-side panels over the same x with one shared legend: per name, `left[name]` is drawn
    in the left panel and `right[name]` in the right. Names in `solid` are solid lines, the rest dashed."""
    xs = data[x].to_numpy(dtype=float)
    traces: list[Trace] = []
    for i, name in enumerate(names):
        style = dict(color=colour(i), width=2.5, dash="solid" if name in solid else "dash")
        traces.append(dict(type="scatter", x=xs, y=_finite(data[left[name]]), mode="lines", name=name,
                           legendgroup=name, line=style))
        traces.append(dict(type="scatter", x=xs, y=_finite(data[right[name]]), mode="lines", name=name,
                           legendgroup=name, showlegend=False, line=style, xaxis="x2", yaxis="y2"))
    traces += [t | dict(legendgroup="current") for t in current_trace(left_current, y_format=current_formats[0])]
    traces += [t | dict(xaxis="x2", yaxis="y2", mode="markers", showlegend=False, legendgroup="current")
               for t in current_trace(right_current, y_format=current_formats[1])]
    axis = dict(showgrid=True, gridcolor="#E6E6E6", zeroline=False)
    x_format = {"tickformat": x_tickformat} if x_tickformat else {}
    lay = layout(
        title=title, x_title=x_title, y_title=left_title, height=460,
        xaxis=dict(domain=[0, 0.46], anchor="y", **x_format),
        yaxis=dict(type="log" if left_log else "linear", anchor="x"),
        xaxis2=dict(axis, domain=[0.54, 1], anchor="y2", title=dict(text=x_title), **x_format),
        yaxis2=dict(axis, anchor="x2", title=dict(text=right_title),
                    **({"tickformat": right_tickformat} if right_tickformat else {})),
        margin=dict(l=10, r=10, t=95, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
    )
    # Markers: the shared builder draws them on x / paper; the right panel's are moved to x2. Markers past
    # the end of the curves are left out rather than stretching the axis.
    top = float(np.nanmax(xs)) if xs.size else 0.0
    shapes, notes = marker_shapes([m for m in left_markers if m is not None and m.x <= top])
    right_shapes, right_notes = marker_shapes([m for m in right_markers if m is not None and m.x <= top])
    lay["shapes"] = shapes + [s | dict(xref="x2") for s in right_shapes]
    lay["annotations"] = notes + [n | dict(xref="x2") for n in right_notes]
    return figure(traces, lay)


def cost_histogram(
    data: pd.DataFrame,
    *,
    x: str,
    stacks: dict[str, str],
    title: str,
    x_title: str,
    y_title: str,
    money_prefix: str = "$",
    markers: Sequence[Marker | None] = (),
) -> go.Figure:
    """A histogram given as bin centres and shares of all tasks, stacked by outcome; money on x."""
    width = float(data[x].iloc[1] - data[x].iloc[0]) if len(data) > 1 else None
    xs = data[x].to_numpy(dtype=float)
    traces: list[Trace] = [
        dict(type="bar", x=xs, y=data[column].to_numpy(dtype=float), name=name, width=width,
             marker=dict(color=colour(2 if i == 0 else 1)),
             hovertemplate=f"{money_prefix}%{{x:,.4f}}: %{{y:.2%}}<extra>{name}</extra>")
        for i, (column, name) in enumerate(stacks.items())
    ]
    lay = layout(title=title, x_title=x_title, y_title=y_title, barmode="stack", bargap=0.02, hovermode="closest",
                 xaxis=dict(tickprefix=money_prefix), yaxis=dict(tickformat=".0%"))
    return figure(traces, lay, markers)
