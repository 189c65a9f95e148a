"""Pure figure builders: data in, `plotly.graph_objects.Figure` out. No Streamlit here.

Every lever chart shares one look: a labelled dashed vertical line for each break-even or optimum,
a highlighted point for the user's current setting, money on the y-axis with the currency symbol.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

PALETTE = ("#2E6FD8", "#E4572E", "#17A398", "#F3A712", "#8E5EA2", "#5C6B73", "#C2185B", "#6A994E")
BREAK_EVEN_COLOUR = "#B23A48"
CURRENT_COLOUR = "#111111"


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


def base_layout(fig: go.Figure, *, title: str, x_title: str, y_title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=16)),
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=height,
        margin=dict(l=10, r=10, t=60, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        hovermode="x unified",
        template="plotly_white",
    )
    return fig


def add_markers(fig: go.Figure, markers: Sequence[Marker | None]) -> go.Figure:
    """Dashed vertical lines with their label at the top; None entries (no break-even) are skipped."""
    for i, m in enumerate(x for x in markers if x is not None):
        fig.add_vline(
            x=m.x,
            line=dict(color=m.colour, dash="dash", width=1.5),
            annotation=dict(text=m.label, font=dict(color=m.colour, size=12), bgcolor="rgba(255,255,255,0.85)"),
            annotation_position="top right" if i % 2 == 0 else "bottom right",
        )
    return fig


def add_current(fig: go.Figure, current: Current | None, *, y_format: str = ",.2f") -> go.Figure:
    if current is not None:
        fig.add_trace(
            go.Scatter(
                x=[current.x],
                y=[current.y],
                mode="markers+text",
                marker=dict(size=12, color=CURRENT_COLOUR, symbol="circle", line=dict(color="white", width=2)),
                text=[current.label],
                textposition="top center",
                name=current.label,
                hovertemplate=f"{current.label}: %{{y:{y_format}}}<extra></extra>",
            )
        )
    return fig


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
) -> go.Figure:
    """Curves of `data[column]` against `data[x]`; `series` maps column -> legend name."""
    fig = go.Figure()
    for i, (column, name) in enumerate(series.items()):
        fig.add_trace(
            go.Scatter(
                x=data[x],
                y=data[column],
                mode="lines",
                name=name,
                line=dict(color=PALETTE[i % len(PALETTE)], width=2.5, dash=(dashes or {}).get(column, "solid")),
            )
        )
    add_current(fig, current)
    add_markers(fig, markers)
    base_layout(fig, title=title, x_title=x_title, y_title=y_title)
    fig.update_xaxes(type="log" if log_x else "linear", tickformat=x_tickformat)
    fig.update_yaxes(
        type="log" if log_y else "linear", tickprefix=y_tickprefix, ticksuffix=y_ticksuffix, tickformat=y_tickformat
    )
    if zero_line:
        fig.add_hline(y=0, line=dict(color="#888", width=1))
    return fig


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
    fig = go.Figure()
    for i, (column, name) in enumerate(stacks.items()):
        fig.add_trace(go.Bar(x=data[x], y=data[column], name=name, marker_color=PALETTE[i % len(PALETTE)]))
    for j, (column, name) in enumerate((overlay_lines or {}).items()):
        fig.add_trace(
            go.Scatter(x=data[x], y=data[column], name=name, mode="lines",
                       line=dict(color=PALETTE[(len(stacks) + j) % len(PALETTE)], width=2, dash="dot"))
        )
    fig.update_layout(barmode="stack")
    add_markers(fig, markers)
    base_layout(fig, title=title, x_title=x_title, y_title=y_title)
    fig.update_yaxes(tickprefix=y_tickprefix)
    return fig


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
    fig = go.Figure()
    for i, (name, ys) in enumerate(values.items()):
        fig.add_trace(
            go.Bar(x=list(categories), y=list(ys), name=name, marker_color=PALETTE[i % len(PALETTE)],
                   texttemplate=f"{y_tickprefix}%{{y:{text_format}}}", textposition="outside")
        )
    fig.update_layout(barmode="group")
    base_layout(fig, title=title, x_title=x_title, y_title=y_title)
    fig.update_yaxes(tickprefix=y_tickprefix)
    return fig
