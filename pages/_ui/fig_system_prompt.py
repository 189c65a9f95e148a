"""Figure builders for the system-prompt page (pure plotly; no Streamlit)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pages._ui.figures import colour, figure, layout


def section_bars(top: pd.DataFrame, *, title: str, currency: str = "$") -> go.Figure:
    """Horizontal bars of each section's monthly cost, largest first.

    `top` needs: section (label), tokens, share, cost_per_month (see `calculators.system_prompt.top_sections`).
    """
    labels = list(top["section"])
    custom = [[f"{int(t):,}", f"{s:.1%}"] for t, s in zip(top["tokens"], top["share"], strict=True)]
    traces = [
        dict(type="bar", y=labels, x=top[column].to_numpy(), name=name, orientation="h",
             marker=dict(color=colour(i)), customdata=custom, texttemplate=currency + "%{x:,.0f}", textposition="outside",
             cliponaxis=False,
             hovertemplate="%{y}: " + currency + "%{x:,.2f}/month · %{customdata[0]} tokens (%{customdata[1]})<extra>" + name
             + "</extra>")
        for i, (column, name) in enumerate((("cost_per_month", "monthly cost"),))
    ]
    lay = layout(title=title, x_title="cost per month", y_title="", height=max(320, 120 + 44 * len(labels)),
                 hovermode="closest", showlegend=False, xaxis=dict(tickprefix=currency),
                 yaxis=dict(autorange="reversed", automargin=True))
    return figure(traces, lay)
