"""The benchmark's second baseline: one number input and one plotly chart that follows it (bench/browser.py,
bench/coldstart.py). Streamlit's own floor for a page whose chart changes: `st.plotly_chart` keys the chart by a hash
of the whole figure, so a changed figure is a new element that plotly draws from scratch. Like the dashboard, it asks
the browser for plotly's JavaScript on its first run (`pages/_ui/preload.py`), so its cold start is the best a page
with one chart does."""
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pages._ui.preload import preload_chart_code  # noqa: E402

preload_chart_code()  # first, as app.py does: the browser fetches plotly's code while the server imports

import numpy as np  # noqa: E402
import plotly.graph_objects as go  # noqa: E402

x = st.number_input("x", value=1)
t = np.linspace(0, 10, 121)
st.plotly_chart(go.Figure(go.Scatter(x=t, y=x * np.sqrt(t), name="spend")).update_layout(
    title="One chart that follows the input", height=360))
