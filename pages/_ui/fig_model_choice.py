"""Figure builders specific to the model right-sizing page: pure plotly, composed from `figures.py`'s pieces."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pages._ui.figures import Current, Marker, colour, current_trace, figure, layout, zero_line_shape


def short_name(key: str) -> str:
    """'anthropic/claude-haiku-5-5' -> 'claude-haiku-5-5' for chart labels."""
    return key.split("/", 1)[-1]


def frontier(points: pd.DataFrame, *, one_model: str, bar: Marker, current: Current, money_prefix: str = "$"
             ) -> go.Figure:
    """Monthly cost vs first-attempt quality: the per-class policy as the bar rises, and each model alone."""
    single = (points["kind"] == "one model").to_numpy()
    policy, models = points[~single], points[single]
    labels = [short_name(m) + (" (one model)" if m == one_model else "") for m in models["label"]]
    traces = [
        dict(type="scatter", x=policy["quality"].to_numpy(), y=policy["monthly_cost"].to_numpy(),
             mode="lines+markers", name="cheapest per class, as the bar rises", line=dict(color=colour(0), width=2.5),
             marker=dict(size=7), customdata=policy["quality_bar"].to_numpy(),
             hovertemplate=f"bar %{{customdata:.0%}}: quality %{{x:.1%}}, {money_prefix}%{{y:,.0f}}/month"
                           "<extra></extra>"),
        dict(type="scatter", x=models["quality"].to_numpy(), y=models["monthly_cost"].to_numpy(),
             mode="markers+text", name="one model for everything", text=labels, textposition="bottom center",
             cliponaxis=False, marker=dict(size=11, color=colour(1), symbol="diamond"),
             hovertemplate=f"%{{text}}: quality %{{x:.1%}}, {money_prefix}%{{y:,.0f}}/month<extra></extra>"),
    ]
    xs = [*points["quality"], bar.x, current.x]
    pad = max(max(xs) - min(xs), 0.01) * 0.12  # room for the point labels at both ends
    lay = layout(title="Monthly cost vs quality", x_title="first-attempt pass rate, traffic-weighted",
                 y_title="cost per month", hovermode="closest",
                 xaxis=dict(tickformat=".0%", range=[min(xs) - pad, max(xs) + pad]),
                 yaxis=dict(tickprefix=money_prefix, rangemode="tozero"))
    return figure([*traces, *current_trace(current, y_format=",.0f")], lay, [bar])


def savings_vs_bar(curve: pd.DataFrame, *, marker: Marker | None, current: Current, money_prefix: str = "$"
                   ) -> go.Figure:
    """Savings as the quality bar rises: a step curve. The value at a pass rate v holds for bars just
    below v, so each step rises vertically first (line shape 'vh')."""
    trace = dict(type="scatter", x=curve["quality_bar"].to_numpy(), y=curve["savings"].to_numpy(), mode="lines",
                 name="savings vs one model", line=dict(color=colour(0), width=2.5, shape="vh"))
    lay = layout(title="Monthly savings vs quality bar", x_title="quality bar (lowest pass rate a model may have)",
                 y_title="savings per month", xaxis=dict(tickformat=".0%"), yaxis=dict(tickprefix=money_prefix))
    return figure([trace, *current_trace(current, y_format=",.0f")], lay, [marker], [zero_line_shape()])
