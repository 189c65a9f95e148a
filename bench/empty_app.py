"""The benchmark's baseline: an empty Streamlit page with one number input (bench/browser.py)."""
import streamlit as st

x = st.number_input("x", value=1)
st.write(x)
