"""Figures of the Usage import page: the bill's token anatomy, per-request distributions, and the per-group what-if."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pages._ui.figures import colour, figure, layout

SAVING_COLOUR = "#17A398"
RISE_COLOUR = "#E4572E"


def anatomy(frame: pd.DataFrame, *, currency: str) -> go.Figure:
    """Share of the bill by line (uncached input, cache writes, cache reads, output, reasoning): one bar per line,
    labelled with its share and its money. `frame`: columns line, money (display currency), share."""
    frame = frame.sort_values("money", ascending=True)
    text = [f"{s:.1%} · {currency}{m:,.0f}" for s, m in zip(frame["share"], frame["money"], strict=True)]
    trace = dict(type="bar", orientation="h", x=frame["share"] * 100, y=frame["line"], text=text,
                 textposition="outside", cliponaxis=False, marker=dict(color=colour(0)),
                 hovertemplate="%{y}: %{text}<extra></extra>")
    lay = layout(title="Where the money goes: share of the list-price bill by token line", x_title="share of the bill",
                 y_title="", height=120 + 40 * len(frame), hovermode="closest", showlegend=False,
                 xaxis=dict(ticksuffix="%", range=[0, float(frame["share"].max()) * 100 * 1.4]))
    return figure([trace], lay)


def distributions(frame: pd.DataFrame) -> go.Figure:
    """Per-request exports: median and 95th percentile of visible output per request, per model and group.
    `frame`: PER_REQUEST_COLUMNS plus a `label` column."""
    traces = [
        dict(type="bar", name="median (p50)", x=frame["label"], y=frame["output_p50"], marker=dict(color=colour(0)),
             hovertemplate="%{x}: median %{y:,.0f} output tokens<extra></extra>"),
        dict(type="bar", name="95th percentile (p95)", x=frame["label"], y=frame["output_p95"],
             marker=dict(color=colour(3)), hovertemplate="%{x}: p95 %{y:,.0f} output tokens<extra></extra>"),
    ]
    lay = layout(title="Output tokens per request: median and 95th percentile", x_title="", y_title="output tokens",
                 height=380, barmode="group", hovermode="closest")
    return figure(traces, lay)


def steps(frame: pd.DataFrame) -> go.Figure:
    """Per-request exports: model calls per conversation (agent task or chat), median, mean and p95."""
    traces = [
        dict(type="bar", name=name, x=frame["label"], y=frame[col], marker=dict(color=colour(i)),
             hovertemplate="%{x}: " + name + " %{y:,.1f} calls<extra></extra>")
        for i, (col, name) in enumerate((("steps_p50", "median"), ("steps_mean", "mean"), ("steps_p95", "p95")))
    ]
    lay = layout(title="Model calls per conversation (steps of an agent task)", x_title="", y_title="calls",
                 height=360, barmode="group", hovermode="closest")
    return figure(traces, lay)


def what_if(frame: pd.DataFrame, *, currency: str) -> go.Figure:
    """Group x lever: each lever's monthly saving alone on each group's traffic (display currency); a grey cell does
    nothing there, red raises the bill."""
    groups = list(dict.fromkeys(frame["group"]))
    levers = list(dict.fromkeys(frame["lever"]))
    grid = frame.pivot_table(index="group", columns="lever", values="monthly saving", aggfunc="sum", dropna=False)
    grid = grid.reindex(index=groups, columns=levers)
    z = grid.to_numpy(dtype=float)
    text = np.where(np.isnan(z), "—", np.vectorize(lambda v: f"{'−' if v < 0 else ''}{currency}{abs(v):,.0f}")(
        np.nan_to_num(z)))
    peak = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    trace = dict(type="heatmap", z=z, x=levers, y=groups, text=text, texttemplate="%{text}", zmid=0,
                 zmin=-peak or -1, zmax=peak or 1, colorscale=[[0, RISE_COLOUR], [0.5, "#FFFFFF"], [1, SAVING_COLOUR]],
                 showscale=False, xgap=2, ygap=2, hovertemplate="%{y} · %{x}: %{text} a month<extra></extra>")
    lay = layout(title="Monthly saving of each lever alone, per group", x_title="", y_title="",
                 height=160 + 44 * len(groups), hovermode="closest",
                 xaxis=dict(side="top", showgrid=False, tickangle=-30), yaxis=dict(autorange="reversed", showgrid=False))
    return figure([trace], lay)
