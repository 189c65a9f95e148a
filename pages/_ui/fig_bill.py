"""The bill builder's waterfall: baseline, one bar per lever, optimised bill."""
from __future__ import annotations

import plotly.graph_objects as go

import numpy as np
import pandas as pd

from calculators.bill import LINE_LABEL, OVERHEAD, TIER_DISCOUNT
from collections.abc import Sequence

from calculators.lever import Bar, Waterfall
from calculators.workload import TOKEN_CATEGORIES
from pages._ui.figures import colour, figure, layout

SAVING_COLOUR = "#17A398"
RISE_COLOUR = "#E4572E"
TOTAL_COLOUR = "#2E6FD8"


def amount(v: float, currency: str) -> str:
    """Money on a bar: whole units from 10 up, cents below (a $0.15 saving is not "$0"); the sign before the symbol."""
    v = float(v) + 0.0  # never "-0"
    digits = 0 if round(abs(v), 2) >= 10 else 2  # 9.996 reads "10", not "10.00"
    return f"{'−' if v < 0 else ''}{currency}{abs(v):,.{digits}f}"


def change(saving: float, currency: str) -> str:
    """A lever's bar as a change to the bill: −saving, +rise, or nothing at all."""
    if abs(saving) < 0.005:
        return f"{currency}0"
    return f"−{amount(saving, currency)}" if saving > 0 else f"+{amount(-saving, currency)}"


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
    text = [amount(today, currency), *[change(s, currency) for s in savings], amount(final, currency)]
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


IDLE_COLOUR = "#B8BEC4"


def ranked(bars: Sequence[Bar], today: float, *, rate: float, currency: str, illustrative: set[str] = frozenset(),
           urls: dict[str, str] | None = None) -> go.Figure:
    """Every lever alone on today's bill, biggest monthly saving at the top: green saves, red raises the bill, grey
    does nothing at these settings. A lever resting on its page's illustrative defaults is marked "illustrative".
    Money (USD) shown at `rate`; lever names link to their pages when `urls` maps lever name -> relative URL."""
    urls = urls or {}
    order = list(reversed(bars))  # plotly draws the first category at the bottom
    names = [b.lever.label for b in order]
    ticks = [f'<a href="{urls[b.lever.name]}" target="_self">{b.lever.label}</a>' if b.lever.name in urls
             else b.lever.label for b in order]
    savings = [b.saving * rate for b in order]
    # Grey where the label reads nothing: below half a cent of the shown currency, as the label rounds.
    colours = [IDLE_COLOUR if b.idle or abs(s) < 0.005 else SAVING_COLOUR if s > 0 else RISE_COLOUR
               for b, s in zip(order, savings, strict=True)]
    share = [b.saving / today if today else 0.0 for b in order]
    text = ["does nothing here" if b.idle else
            (f"saves {amount(s, currency)} ({p:.0%})" if s >= 0 else f"costs {amount(-s, currency)} more ({-p:.0%})")
            for b, s, p in zip(order, savings, share, strict=True)]
    text = [t + (" · illustrative" if b.lever.name in illustrative and not b.idle else "") for t, b in zip(text, order, strict=True)]
    trace = dict(type="bar", orientation="h", y=names, x=savings, marker=dict(color=colours), text=text,
                 textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{text}<extra></extra>")
    lay = layout(title="Each lever alone on today's bill: monthly saving, biggest first", x_title="saving per month",
                 y_title="", height=max(260, 44 * len(bars) + 110), hovermode="closest", showlegend=False,
                 xaxis=dict(tickprefix=currency, rangemode="tozero", zeroline=True, zerolinecolor="#888"),
                 yaxis=dict(tickmode="array", tickvals=names, ticktext=ticks, showgrid=False, automargin=True),
                 margin=dict(l=10, r=170, t=50, b=10))
    return figure([trace], lay)
