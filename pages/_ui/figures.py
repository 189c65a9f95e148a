"""Pure figure builders: data in, `plotly.graph_objects.Figure` out. No Streamlit here.

Every lever chart shares one look: a labelled dashed vertical line for each break-even or optimum,
a highlighted point for the user's current setting, money on the y-axis with the currency symbol.

Speed matters (a page reruns on every widget change, budget 100 ms): plotly validates every
property on each `update_layout`/`add_vline` call, ~5-15 ms apiece. So figures are assembled as
plain dicts (`layout()`, `marker_shapes()`, `current_trace()`) and handed to plotly once, via
`figure()`. Builders for a single lever compose these pieces rather than restyling figures.
"""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

# Streamlit's theme restyles charts in the browser; plotly's own default template would only cost
# ~15 ms per figure to build and then be replaced.
pio.templates.default = "none"

# Plotly validates every property of every figure (~5-10 ms a chart, most of a page's rerun). The figures
# here are built from our own dicts, so the app skips it; the test suite turns it on (tests/conftest.py)
# and so checks every figure that every page draws.
VALIDATE = os.environ.get("LLM_COST_LEVERS_VALIDATE_FIGURES") == "1"

PALETTE = ("#2E6FD8", "#E4572E", "#17A398", "#F3A712", "#8E5EA2", "#5C6B73", "#C2185B", "#6A994E")
BREAK_EVEN_COLOUR = "#B23A48"
CURRENT_COLOUR = "#111111"

Trace = dict[str, Any]


@dataclass(frozen=True)
class Marker:
    """A labelled vertical line: a break-even, an optimum, a limit."""

    x: float
    label: str
    colour: str = BREAK_EVEN_COLOUR


@dataclass(frozen=True)
class Current:
    """The user's current setting, drawn as a point on a curve."""

    x: float
    y: float
    label: str = "your setting"


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def log_ticks(lo: float, hi: float, *, prefix: str = "", suffix: str = "") -> dict[str, Any]:
    """Readable ticks for a log axis from `lo` to `hi`: 1-2-5 steps labelled 1, 2, 5, 10, 20, 50, 100, 200, 500,
    1k, 2k, 5k, 10k... (more steps within one decade; only powers of ten beyond three decades), instead
    of plotly's small '2 5' digits."""
    if not (lo > 0 and hi > lo):
        return {}
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    steps = (1, 2, 3, 5, 7) if last - first <= 1 else (1, 2, 5) if last - first <= 3 else (1,)
    values = [m * 10.0**e for e in range(first, last + 1) for m in steps if lo <= m * 10.0**e <= hi]
    return dict(tickmode="array", tickvals=values, ticktext=[f"{prefix}{short_number(v)}{suffix}" for v in values])


def short_number(v: float) -> str:
    """1,500 -> '1.5k', 2,000,000 -> '2M', 0.05 -> '0.05': a tick label a reader takes in at a glance."""
    for size, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= size:
            return f"{v / size:.3g}{unit}"
    return f"{v:.3g}"


def layout(*, title: str, x_title: str, y_title: str, height: int = 420, **extra: Any) -> dict[str, Any]:
    """The shared layout as a dict; `extra` keys (xaxis=..., barmode=...) are merged in."""
    base: dict[str, Any] = dict(
        template="none",
        title=dict(text=title, x=0, xanchor="left", font=dict(size=16)),
        xaxis=dict(title=dict(text=x_title), showgrid=True, gridcolor="#E6E6E6", zeroline=False, separatethousands=True),
        yaxis=dict(title=dict(text=y_title), showgrid=True, gridcolor="#E6E6E6", zeroline=False, separatethousands=True),
        height=height,
        margin=dict(l=10, r=10, t=70, b=10),
        # Left, above the plot: the toolbar sits at the top right, so nothing it covers is text.
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
        hovermode="x unified",
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    for key, value in extra.items():
        if key in ("xaxis", "yaxis") and isinstance(value, dict):
            base[key] = base[key] | value
        else:
            base[key] = value
    return base


def marker_shapes(markers: Sequence[Marker | None], *, log_x: bool = False) -> tuple[list[dict], list[dict]]:
    """Dashed vertical lines with labels (alternating top and bottom); None entries are skipped.

    On a log x-axis plotly places shapes in data units but annotations in log10 units."""
    shapes, annotations = [], []
    for i, m in enumerate(x for x in markers if x is not None and (not log_x or x.x > 0)):
        shapes.append(dict(type="line", xref="x", yref="paper", x0=m.x, x1=m.x, y0=0, y1=1,
                           line=dict(color=m.colour, dash="dash", width=1.5)))
        top = i % 2 == 0
        annotations.append(dict(x=math.log10(m.x) if log_x else m.x, xref="x", yref="paper", y=1 if top else 0, yanchor="top" if top else "bottom",
                                xanchor="left", text=m.label, showarrow=False, bgcolor="rgba(255,255,255,0.85)",
                                font=dict(color=m.colour, size=12)))
    return shapes, annotations


def zero_line_shape() -> dict:
    return dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=0, y1=0, line=dict(color="#888", width=1))


def current_trace(current: Current | None, *, y_format: str = ",.2f", text_below: bool = False) -> list[Trace]:
    """The user's setting as a labelled point; `text_below` for a point near the top of its chart, where the markers'
    labels sit."""
    if current is None:
        return []
    return [dict(
        type="scatter", x=[current.x], y=[current.y], mode="markers+text", name=current.label,
        marker=dict(size=12, color=CURRENT_COLOUR, line=dict(color="white", width=2)),
        text=[current.label], textposition="bottom center" if text_below else "top center",
        hovertemplate=f"{current.label}: %{{y:{y_format}}}<extra></extra>",
    )]


def figure(data: Sequence[Trace], layout_dict: dict[str, Any], markers: Sequence[Marker | None] = (),
           extra_shapes: Sequence[dict] = ()) -> go.Figure:
    """Assemble traces, layout and markers into a Figure in one validated call."""
    log_x = layout_dict.get("xaxis", {}).get("type") == "log"
    shapes, annotations = marker_shapes(markers, log_x=log_x)
    full = dict(layout_dict)
    full["shapes"] = [*full.get("shapes", []), *extra_shapes, *shapes]
    full["annotations"] = [*full.get("annotations", []), *annotations]
    return go.Figure(data=list(data), layout=full, _validate=VALIDATE)


# Kept for builders that start from an existing figure (slower: plotly validates each update).
def base_layout(fig: go.Figure, *, title: str, x_title: str, y_title: str, height: int = 420) -> go.Figure:
    fig.update_layout(layout(title=title, x_title=x_title, y_title=y_title, height=height))
    return fig


def add_markers(fig: go.Figure, markers: Sequence[Marker | None]) -> go.Figure:
    shapes, annotations = marker_shapes(markers)
    fig.update_layout(shapes=[*fig.layout.shapes, *shapes], annotations=[*fig.layout.annotations, *annotations])
    return fig


def add_current(fig: go.Figure, current: Current | None, *, y_format: str = ",.2f") -> go.Figure:
    fig.add_traces(current_trace(current, y_format=y_format))
    return fig


# --- the shared chart types ----------------------------------------------------------------------


def line_chart(
    data: pd.DataFrame,
    *,
    x: str,
    series: dict[str, str],
    title: str,
    x_title: str,
    y_title: str,
    markers: Sequence[Marker | None] = (),
    current: Current | None = None,
    log_x: bool = False,
    log_y: bool = False,
    y_tickprefix: str = "",
    y_ticksuffix: str = "",
    y_tickformat: str | None = None,
    x_tickformat: str | None = None,
    dashes: dict[str, str] | None = None,
    zero_line: bool = False,
    height: int = 420,
) -> go.Figure:
    """Curves of `data[column]` against `data[x]`; `series` maps column -> legend name."""
    traces = [
        dict(type="scatter", x=data[x].to_numpy(), y=data[column].to_numpy(), mode="lines", name=name,
             line=dict(color=colour(i), width=2.5, dash=(dashes or {}).get(column, "solid")))
        for i, (column, name) in enumerate(series.items())
    ]
    x_ticks = log_ticks(float(data[x].min()), float(data[x].max())) if log_x and not x_tickformat else {}
    ys = data[list(series)].to_numpy(dtype=float)
    y_ticks = log_ticks(float(ys[ys > 0].min()), float(ys.max()), prefix=y_tickprefix, suffix=y_ticksuffix) \
        if log_y and not y_tickformat and (ys > 0).any() else {}
    lay = layout(
        title=title, x_title=x_title, y_title=y_title, height=height,
        xaxis=dict(type="log" if log_x else "linear", **({"tickformat": x_tickformat} if x_tickformat else {}),
                   **x_ticks),
        yaxis=dict(type="log" if log_y else "linear", tickprefix="" if y_ticks else y_tickprefix,
                   ticksuffix="" if y_ticks else y_ticksuffix,
                   **({"tickformat": y_tickformat} if y_tickformat else {}), **y_ticks),
    )
    return figure([*traces, *current_trace(current, text_below=near_top(current, ys, log_y))], lay, markers,
                  [zero_line_shape()] if zero_line else [])


def near_top(current: Current | None, ys: np.ndarray, log_y: bool = False) -> bool:
    """Whether the point sits in the top third of the curves' values: its label then goes below it, clear of the
    markers' labels along the top of the plot."""
    values = ys[np.isfinite(ys) & (ys > 0)] if log_y else ys[np.isfinite(ys)]
    if current is None or values.size == 0 or (log_y and current.y <= 0):
        return False
    scale = np.log10 if log_y else (lambda v: v)
    lo, hi, y = float(scale(values.min())), float(scale(values.max())), float(scale(current.y))
    return hi > lo and y > lo + 2 / 3 * (hi - lo)


def stacked_bars(
    data: pd.DataFrame,
    *,
    x: str,
    stacks: dict[str, str],
    title: str,
    x_title: str,
    y_title: str,
    markers: Sequence[Marker | None] = (),
    y_tickprefix: str = "",
    overlay_lines: dict[str, str] | None = None,
) -> go.Figure:
    """Stacked bars of `data[stacks...]` per `data[x]`, with optional overlay lines."""
    traces: list[Trace] = [
        dict(type="bar", x=data[x].to_numpy(), y=data[column].to_numpy(), name=name, marker=dict(color=colour(i)))
        for i, (column, name) in enumerate(stacks.items())
    ]
    traces += [
        dict(type="scatter", x=data[x].to_numpy(), y=data[column].to_numpy(), name=name, mode="lines",
             line=dict(color=colour(len(stacks) + j), width=2, dash="dot"))
        for j, (column, name) in enumerate((overlay_lines or {}).items())
    ]
    lay = layout(title=title, x_title=x_title, y_title=y_title, barmode="stack", yaxis=dict(tickprefix=y_tickprefix))
    return figure(traces, lay, markers)


def grouped_bars(
    categories: Sequence[str],
    values: dict[str, Sequence[float]],
    *,
    title: str,
    y_title: str,
    x_title: str = "",
    y_tickprefix: str = "",
    text_format: str = ",.0f",
) -> go.Figure:
    """Side-by-side bars: one group per category, one bar per key of `values`."""
    traces = [
        dict(type="bar", x=list(categories), y=list(ys), name=name, marker=dict(color=colour(i)),
             texttemplate=f"{y_tickprefix}%{{y:{text_format}}}", textposition="outside", cliponaxis=False)
        for i, (name, ys) in enumerate(values.items())
    ]
    lay = layout(title=title, x_title=x_title, y_title=y_title, barmode="group", hovermode="closest",
                 yaxis=dict(tickprefix=y_tickprefix))
    return figure(traces, lay)
