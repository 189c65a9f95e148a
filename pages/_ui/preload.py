"""Ask the browser for the frontend's chart and table code on a session's first run (app.py, bench/chart_app.py)."""
from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

_PRELOADED = "_chart_code_preloaded"
PRELOADED_CHUNKS = ("PlotlyChart", "DataFrame")  # the frontend's code for st.plotly_chart and st.dataframe


@functools.cache  # here, once per process: the files do not change while it runs
def _preload_script() -> str | None:
    """JavaScript that imports the frontend's chart and table code by the file names this Streamlit ships."""
    static = Path(st.__file__).parent / "static" / "static" / "js"
    files = [f.name for chunk in PRELOADED_CHUNKS for f in sorted(static.glob(f"{chunk}.*.js"))[:1]]
    if not files:
        return None
    return ("(() => { const index = document.querySelector(\"script[src*='static/js/index.']\"); if (index) for "
            f"(const file of {files!r}) import(new URL(file, index.src).href).catch(() => {{}}); }})();")


def preload_chart_code() -> None:
    """On a session's first run, before anything is imported or computed, ask the browser for the frontend's plotly
    and table code. The frontend fetches an element's code only when the first such element arrives, and plotly's is
    4.7 MB of JavaScript to download and compile: on a cold start that began after the page's script had finished.
    Asked for here, it loads while the server works. Sent to the event container, which draws nothing."""
    if st.session_state.get(_PRELOADED):
        return
    st.session_state[_PRELOADED] = True
    script = _preload_script()
    try:
        from streamlit.delta_generator_singletons import get_dg_singleton_instance
        from streamlit.proto.Html_pb2 import Html
    except ImportError:  # another Streamlit: charts then load as they always did
        return
    if script:
        element = Html(body=f"<script>{script}</script>", unsafe_allow_javascript=True)
        get_dg_singleton_instance().event_dg._enqueue("html", element)
