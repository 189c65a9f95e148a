"""The bill builder's waterfall: baseline, one bar per lever, optimised bill."""
from __future__ import annotations

import plotly.graph_objects as go

import numpy as np
import pandas as pd

from calculators.bill import LINE_LABEL, OVERHEAD, TIER_DISCOUNT
from calculators.lever import Waterfall
from calculators.workload import TOKEN_CATEGORIES
from pages._ui.figures import colour, figure, layout

SAVING_COLOUR = "#17A398"
RISE_COLOUR = "#E4572E"
TOTAL_COLOUR = "#2E6FD8"


def waterfall(result: Waterfall, *, rate: float, currency: str, urls: dict[str, str] | None = None) -> go.Figure:
    """Today's bill, then each lever's saving (a rise in red), then the bill after the levers; money (USD) shown
    at `rate`. Lever names on the x-axis link to their pages when `urls` maps lever name -> relative URL."""
    urls = urls or {}
    bars = result.bars
    labels = [b.lever.label for b in bars]
    names = ["Today", *labels, "After the levers"]
    links = [f'<a href="{urls[b.lever.name]}" target="_self">{b.lever.label}</a>' if b.lever.name in urls
             else b.lever.label for b in bars]
    today, final = result.baseline.total * rate, result.final.total * rate
    savings = [b.saving * rate for b in bars]
    values = [today, *[-s for s in savings], final]
    text = [f"{currency}{today:,.0f}", *[f"−{currency}{s:,.0f}" if s >= 0 else f"+{currency}{-s:,.0f}"
                                         for s in savings], f"{currency}{final:,.0f}"]
    trace = dict(
        type="waterfall", x=names, y=values, measure=["absolute", *["relative"] * len(bars), "total"],
        text=text, textposition="outside", cliponaxis=False, connector=dict(line=dict(color="#999", width=1)),
        decreasing=dict(marker=dict(color=SAVING_COLOUR)), increasing=dict(marker=dict(color=RISE_COLOUR)),
        totals=dict(marker=dict(color=TOTAL_COLOUR)), hovertemplate="%{x}: %{text}<extra></extra>",
    )
    lay = layout(
        title="From today's bill to the bill after the levers, lever by lever", x_title="", y_title="per month",
        height=460, hovermode="closest", showlegend=False,
        xaxis=dict(tickmode="array", tickvals=names, ticktext=["Today", *links, "After the levers"]),
        yaxis=dict(tickprefix=currency, rangemode="tozero"),
    )
    return figure([trace], lay)


def bill_lines(frame: pd.DataFrame, *, currency: str) -> go.Figure:
    """Where the bill comes from: money a month by call class (bars) and line of the bill (stacks).

    `frame` is `Bill.frame()` with money in the display currency."""
    classes = list(dict.fromkeys(frame["call class"]))
    position = {c: i for i, c in enumerate(classes)}
    lines = frame["line"].to_numpy()
    money = frame["per month"].to_numpy(dtype=float)
    where = np.array([position[c] for c in frame["call class"]], dtype=int)
    traces = []
    for i, line in enumerate(LINE_LABEL[c] for c in (*TOKEN_CATEGORIES, TIER_DISCOUNT, OVERHEAD)):
        mask = lines == line
        if not np.abs(money[mask]).sum():
            continue
        y = np.bincount(where[mask], weights=money[mask], minlength=len(classes))
        traces.append(dict(type="bar", x=classes, y=y, name=line, marker=dict(color=colour(i)),
                           hovertemplate=f"{line}: {currency}%{{y:,.2f}}<extra>%{{x}}</extra>"))
    lay = layout(title="Where the bill comes from", x_title="", y_title="per month", barmode="relative",
                 hovermode="closest", yaxis=dict(tickprefix=currency))
    return figure(traces, lay)
