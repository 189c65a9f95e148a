"""Figure builders for the output-caps page (pure plotly; no Streamlit).

Every chart here has the cap on a log x-axis.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from pages._ui.figures import Current, Marker, line_chart


def cap_chart(
    data: pd.DataFrame,
    *,
    series: dict[str, str],
    title: str,
    y_title: str,
    markers: Sequence[Marker | None],
    current: Current,
    dashes: dict[str, str] | None = None,
    log_y: bool = False,
    y_tickprefix: str = "",
    y_ticksuffix: str = "",
    y_tickformat: str | None = None,
    x_title: str = "max_tokens cap (log scale)",
    height: int = 400,
) -> go.Figure:
    """Curves of `data[column]` against `data["cap"]` on a log x-axis, with labelled markers and the current cap."""
    return line_chart(data, x="cap", series=series, title=title, x_title=x_title, y_title=y_title, markers=markers,
                      current=current, log_x=True, log_y=log_y, y_tickprefix=y_tickprefix, y_ticksuffix=y_ticksuffix,
                      y_tickformat=y_tickformat, dashes=dashes, height=height)
