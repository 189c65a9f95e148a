"""Figure builders specific to the model right-sizing page: pure plotly, composed from `figures.py`'s pieces."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pages._ui.figures import Current, Marker, colour, current_trace, figure, layout, zero_line_shape


def short_name(key: str) -> str:
    """'anthropic/claude-haiku-5-5' -> 'claude-haiku-5-5' for chart labels."""
    return key.split("/", 1)[-1]


def frontier(points: pd.DataFrame, *, bar: Marker, current: Current, money_prefix: str = "$") -> go.Figure:
    """Monthly bill vs first-attempt quality: the per-class policy as the bar rises, each model alone, and today.
    `points` is `right_sizing.frontier` with its money in the user's currency."""
    kind = points["kind"]
    policy, models, today = points[kind == "per class"], points[kind == "one model"], points[kind == "today"]
    hover = f"quality %{{x:.1%}}, {money_prefix}%{{y:,.0f}}/month<extra></extra>"
    traces = [
        dict(type="scatter", x=policy["quality"].to_numpy(), y=policy["monthly_bill"].to_numpy(),
             mode="lines+markers", name="cheapest per class, as the bar rises", line=dict(color=colour(0), width=2.5),
             marker=dict(size=7), customdata=policy["quality_bar"].to_numpy(),
             hovertemplate="bar %{customdata:.0%}: " + hover),
        dict(type="scatter", x=models["quality"].to_numpy(), y=models["monthly_bill"].to_numpy(),
             mode="markers+text", name="one model for everything", text=[short_name(m) for m in models["label"]],
             textposition="bottom center", cliponaxis=False, marker=dict(size=11, color=colour(1), symbol="diamond"),
             hovertemplate="%{text}: " + hover),
        dict(type="scatter", x=today["quality"].to_numpy(), y=today["monthly_bill"].to_numpy(), mode="markers",
             name="today", marker=dict(size=14, color=colour(2), symbol="star"), hovertemplate="today: " + hover),
    ]
    xs = [*points["quality"], bar.x, current.x]
    pad = max(max(xs) - min(xs), 0.01) * 0.12  # room for the point labels at both ends
    lay = layout(title="Monthly bill vs quality", x_title="first-attempt pass rate, weighted by today's requests",
                 y_title="bill per month", hovermode="closest",
                 xaxis=dict(tickformat=".0%", range=[min(xs) - pad, max(xs) + pad]),
                 yaxis=dict(tickprefix=money_prefix, tickformat=",", rangemode="tozero"))
    return figure([*traces, *current_trace(current, y_format=",.0f")], lay, [bar])


def saving_vs_bar(curve: pd.DataFrame, *, marker: Marker | None, current: Current, money_prefix: str = "$"
                  ) -> go.Figure:
    """Saving as the quality bar rises: a step curve. The value at a pass rate v holds for bars just below v, so
    each step rises vertically first (line shape 'vh')."""
    trace = dict(type="scatter", x=curve["quality_bar"].to_numpy(), y=curve["saving"].to_numpy(), mode="lines",
                 name="saving vs today", line=dict(color=colour(0), width=2.5, shape="vh"))
    lay = layout(title="Monthly saving vs quality bar", x_title="quality bar (lowest pass rate a model may have)",
                 y_title="saving per month", xaxis=dict(tickformat=".0%"),
                 yaxis=dict(tickprefix=money_prefix, tickformat=","))
    return figure([trace, *current_trace(current, y_format=",.0f")], lay, [marker], [zero_line_shape()])
