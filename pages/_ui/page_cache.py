"""The pages' cached computations (`st.cache_data`), defined here, once per process.

A page script runs from the top on every rerun, so a cached function defined in it is decorated again each time, and
each decoration reads the function's source to key its cache (`inspect.getsource`): ~1.3 ms a function, every rerun.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from calculators import output_caps as oc
from calculators import retries
from calculators import system_prompt as sp
from calculators import tokens
from pages._ui.layout import safe_csv


@st.cache_data(show_spinner="Reading lengths…", max_entries=8)
def read_lengths(data: bytes) -> np.ndarray:
    """Output caps: the answer lengths in an uploaded file."""
    return oc.parse_lengths(tokens.decode_upload(data))


@st.cache_data(show_spinner=False, max_entries=64)
def simulate(costs_json: str, p: float, rules: tuple[int, int, float | None]) -> retries.SimulationSummary:
    """Retry budgets: the Monte Carlo of one policy on one task's per-attempt costs (seeded, so the same inputs give
    the same figures; cached: it is the page's slowest part)."""
    return retries.simulate(retries.TaskCosts.from_json(costs_json), p, retries.Policy("policy", *rules)).summary()


@st.cache_data(show_spinner="Counting tokens…", max_entries=16)
def analyse_prompt(text: str, encoding: str) -> sp.PromptAnalysis:
    """System prompt: the prompt's sections and their token counts."""
    return sp.analyse(text, encoding)


@st.cache_data(max_entries=16)
def sections_csv(text: str, encoding: str, cost_per_token: float) -> bytes:
    """System prompt: every section with its tokens and monthly cost, as CSV (cached: a 1 MB prompt has thousands of
    sections)."""
    frame = sp.section_table(analyse_prompt(text, encoding), cost_per_token)
    return safe_csv(frame.drop(columns=["start"]))


@st.cache_data(show_spinner="Counting tokens…", max_entries=32)
def text_stats(text: str) -> tokens.TextStats:
    """Token counter: the exact counts for a text."""
    return tokens.text_stats(text)
