"""Figure builders for the reasoning page: pure plotly, no Streamlit."""
from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from pages._ui.figures import Trace, colour, figure, layout


def cost_per_correct_bars(
    categories: Sequence[str],
    without: Sequence[float],
    with_: Sequence[float],
    *,
    title: str,
    currency: str = "$",
) -> go.Figure:
    """Grouped bars of cost per correct answer, without and with reasoning.

    An infinite cost (accuracy 0: nothing correct) has no height; its slot gets an outlined, hatched bar
    reaching the top of the scale, labelled 'no correct answers', so it cannot pass for a cheap task.
    """
    categories = list(categories)
    finite = [v for v in (*without, *with_) if math.isfinite(v)]
    top = max(finite) if finite else 1.0
    traces: list[Trace] = []
    for i, (name, values) in enumerate((("without reasoning", without), ("with reasoning", with_))):
        traces.append(dict(
            type="bar", x=categories, y=[v if math.isfinite(v) else None for v in values], name=name,
            marker=dict(color=colour(i)), offsetgroup=str(i), cliponaxis=False, textposition="outside",
            text=[f"{currency}{v:,.4f}" if math.isfinite(v) else "" for v in values],
            hovertemplate="%{x}: %{text}<extra>" + name + "</extra>",
        ))
        infinite = [c for c, v in zip(categories, values, strict=True) if not math.isfinite(v)]
        if infinite:
            traces.append(dict(
                type="bar", x=infinite, y=[top] * len(infinite), name=f"{name}: no correct answers",
                offsetgroup=str(i), showlegend=False, text=["∞ no correct answers"] * len(infinite),
                textposition="inside", textangle=-90,
                marker=dict(color="rgba(0,0,0,0)", line=dict(color=colour(i), width=1.5), pattern=dict(shape="/")),
                hovertemplate="%{x}: accuracy 0, cost per correct answer is infinite<extra></extra>",
            ))
    lay = layout(title=title, x_title="", y_title="cost per correct answer", barmode="group", hovermode="closest",
                 yaxis=dict(tickprefix=currency, tickformat=",", rangemode="tozero"))
    return figure(traces, lay)
