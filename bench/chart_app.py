"""The benchmark's second baseline: one number input and one plotly chart that follows it (bench/browser.py,
bench/coldstart.py). Streamlit's own floor for a page whose chart changes: `st.plotly_chart` keys the chart by a hash
of the whole figure, so a changed figure is a new element that plotly draws from scratch."""
import numpy as np
import plotly.graph_objects as go
import streamlit as st

x = st.number_input("x", value=1)
t = np.linspace(0, 10, 121)
st.plotly_chart(go.Figure(go.Scatter(x=t, y=x * np.sqrt(t), name="spend")).update_layout(
    title="One chart that follows the input", height=360))
