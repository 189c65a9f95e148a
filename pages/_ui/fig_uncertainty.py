"""Sensitivity figures: the tornado of input swings, the Monte Carlo histogram, the projection's fan."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pages._ui.figures import CURRENT_COLOUR, figure, layout

LOW_COLOUR = "#2E6FD8"  # the input at its low
HIGH_COLOUR = "#E4572E"  # the input at its high
BAND_COLOUR = "rgba(46, 111, 216, 0.18)"


def _money(currency: str, v: float) -> str:
    """$1,234 or $12.34; a minus sign only where the amount shown is not zero (−$0.0000033 is shown as $0.00)."""
    digits = 0 if abs(v) >= 100 else 2
    sign = "−" if v < 0 and round(abs(v), digits) > 0 else ""
    return f"{sign}{currency}{abs(v):,.{digits}f}"


def tornado(frame: pd.DataFrame, base: float, *, currency: str, title: str, what: str) -> go.Figure:
    """One horizontal bar per input, widest swing on top: from `what` at the input's low (blue end) to `what` at its
    high (red end), labelled with the money at each end; the point estimate is the vertical line.

    `frame`: one row per input, widest first, with columns 'input', 'range' (low – high, as text), 'at low',
    'at high' (money in the display currency)."""
    rows = frame.iloc[::-1]  # plotly draws the first category at the bottom
    labels = list(rows["input"])  # categories; each is written above its bar (tick labels would squeeze a phone)
    low, high = rows["at low"].to_numpy(dtype=float), rows["at high"].to_numpy(dtype=float)
    # Where both ends lie on one side of the line the two bars overlap and their labels would print over each other:
    # the outer bar carries both amounts, low first (so does a flat bar, at the line).
    one_side = (low - base) * (high - base) >= 0
    low_outer = np.abs(low - base) > np.abs(high - base)
    both = [f"low {_money(currency, a)} · high {_money(currency, b)}" if a != b else _money(currency, a)
            for a, b in zip(low, high)]
    traces = []
    for values, colour, name, outer in ((low, LOW_COLOUR, "input at its low", low_outer),
                                        (high, HIGH_COLOUR, "input at its high", ~low_outer)):
        text = [(b if o else "") if side else _money(currency, v)
                for v, side, o, b in zip(values, one_side, outer, both)]
        traces.append(dict(
            type="bar", orientation="h", y=labels, x=values - base, base=base, name=name,
            marker=dict(color=colour), text=text, customdata=[_money(currency, v) for v in values],
            textposition="outside", cliponaxis=False, textfont=dict(size=12),
            hovertemplate="%{y}<br>" + name + ": %{customdata}<extra></extra>",
        ))
    # The point estimate's line is named in the legend (a label above the plot would sit on the legend).
    traces.append(dict(type="scatter", x=[None], y=[None], mode="lines", name=f"likely {_money(currency, base)}",
                       line=dict(color=CURRENT_COLOUR, width=1.5), hoverinfo="skip"))
    span = np.concatenate([rows["at low"].to_numpy(dtype=float), rows["at high"].to_numpy(dtype=float), [base]])
    lo, hi = float(span.min()), float(span.max())
    pad = (hi - lo) * 0.22 or abs(base) * 0.1 or 1.0  # room for the end labels
    lay = layout(
        title=title, x_title=what, y_title="", height=max(280, 90 + 64 * len(rows)), barmode="overlay",
        hovermode="closest", bargap=0.55,
        xaxis=dict(tickprefix=currency, range=[lo - pad, hi + pad]),
        yaxis=dict(showticklabels=False, showgrid=False),
        shapes=[dict(type="line", xref="x", yref="paper", x0=base, x1=base, y0=0, y1=1,
                     line=dict(color=CURRENT_COLOUR, width=1.5))],
        # Each input's name above its bar, on white so the line of the point estimate does not strike through it.
        annotations=[dict(x=0, xref="paper", y=label, yref="y", yshift=13, xanchor="left", yanchor="bottom",
                          showarrow=False, text=f"<b>{label}</b>  <span style='color:#555'>{r}</span>",
                          font=dict(size=12), bgcolor="rgba(255,255,255,0.85)")
                     for label, r in zip(labels, rows["range"])],
    )
    return figure(traces, lay)


def histogram(today: np.ndarray, after: np.ndarray, bands: tuple[float, float, float], *, currency: str,
              title: str, point: float | None = None) -> go.Figure:
    """The Monte Carlo draws of today's bill and of the bill after the levers (display currency), with the P10, P50
    and P90 of the bill after the levers marked, and its point estimate."""
    traces = [
        dict(type="histogram", x=today, name="today's bill", marker=dict(color="#5C6B73"), opacity=0.45,
             nbinsx=40, hovertemplate="today's bill %{x}<br>%{y} draws<extra></extra>"),
        dict(type="histogram", x=after, name="bill after the levers", marker=dict(color=LOW_COLOUR), opacity=0.7,
             nbinsx=40, hovertemplate="after the levers %{x}<br>%{y} draws<extra></extra>"),
    ]
    shapes, annotations = [], []
    marks = [(v, label, "dash") for v, label in zip(bands, ("P10", "P50", "P90"))]
    if point is not None:
        marks.append((point, "likely", "solid"))
    for i, (v, label, dash) in enumerate(marks):
        shapes.append(dict(type="line", xref="x", yref="paper", x0=v, x1=v, y0=0, y1=1,
                           line=dict(color=CURRENT_COLOUR, dash=dash, width=1.2)))
        # Each mark's label just right of its line, one step lower than the one before, below the legend: the marks
        # of a narrow distribution sit close together and their labels must not print over each other.
        annotations.append(dict(x=v, xref="x", xanchor="left", xshift=3, y=0.98 - 0.09 * i, yref="paper",
                                yanchor="top", text=label, showarrow=False, font=dict(size=11, color=CURRENT_COLOUR),
                                bgcolor="rgba(255,255,255,0.8)"))
    lay = layout(title=title, x_title="per month", y_title="draws", height=360, barmode="overlay",
                 hovermode="closest", xaxis=dict(tickprefix=currency), shapes=shapes, annotations=annotations)
    return figure(traces, lay)


def fan(frame: pd.DataFrame, *, currency: str, title: str) -> go.Figure:
    """The projection's P10-P90 band, its P50 and the point projection (display currency).

    `frame`: columns 'year', 'P10', 'P50', 'P90', 'likely'."""
    x = frame["year"].to_numpy(dtype=float)
    traces = [
        dict(type="scatter", x=x, y=frame["P90"], mode="lines", line=dict(width=0), showlegend=False,
             hovertemplate="P90 %{y:,.0f}<extra></extra>"),
        dict(type="scatter", x=x, y=frame["P10"], mode="lines", line=dict(width=0), fill="tonexty",
             fillcolor=BAND_COLOUR, name="P10 to P90", hovertemplate="P10 %{y:,.0f}<extra></extra>"),
        dict(type="scatter", x=x, y=frame["P50"], mode="lines", line=dict(color=LOW_COLOUR, width=2, dash="dash"),
             name="P50", hovertemplate="P50 %{y:,.0f}<extra></extra>"),
        dict(type="scatter", x=x, y=frame["likely"], mode="lines", line=dict(color=CURRENT_COLOUR, width=2),
             name="at the likely values", hovertemplate="likely %{y:,.0f}<extra></extra>"),
    ]
    lay = layout(title=title, x_title="years from now", y_title="monthly spend", height=400,
                 yaxis=dict(tickprefix=currency, rangemode="tozero"))
    return figure(traces, lay)
