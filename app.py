"""LLM Cost Levers: the router. Holds what every page shares: the workload in the sidebar."""
from __future__ import annotations

import time

import streamlit as st

_run_started = time.perf_counter()  # the benchmark reads this run's duration from session state

from calculators.money import CURRENCIES, MoneySettings
from calculators.workload import Workload, baseline_cost
from pages._ui import scenario, widgets
from pages._ui.layout import MONEY_STATE, PRESENT_STATE, WORKLOAD_STATE, catalogue, money, price_caption

# Presentation mode (for meetings) starts with the sidebar collapsed. Read before the toggle renders.
_presenting = st.session_state.get(PRESENT_STATE, st.query_params.get(PRESENT_STATE) == "true")
st.set_page_config(page_title="LLM Cost Levers", page_icon=":material/savings:", layout="wide",
                   initial_sidebar_state="collapsed" if _presenting else "expanded")

# Section -> pages: (file, title, icon); a page's URL path is its file name. Each page is a thin script:
# widgets -> input model -> calculator -> figure.
PAGE_TABLE: dict[str, list[tuple[str, str, str]]] = {
    "Start": [
        ("pages/overview.py", "Overview", ":material/dashboard:"),
        ("pages/prices.py", "Prices", ":material/sell:"),
        ("pages/token_counter.py", "Token counter", ":material/tag:"),
    ],
    "Fewer tokens": [
        ("pages/caching.py", "Prompt caching", ":material/cached:"),
        ("pages/output_caps.py", "Output caps", ":material/vertical_align_top:"),
        ("pages/system_prompt.py", "System-prompt length", ":material/description:"),
    ],
    "Cheaper models": [
        ("pages/right_sizing.py", "Model right-sizing", ":material/straighten:"),
        ("pages/routing.py", "Routing and cascades", ":material/alt_route:"),
        ("pages/reasoning.py", "Reasoning budgets", ":material/psychology:"),
        ("pages/distillation.py", "Distillation payback", ":material/school:"),
    ],
    "Architecture": [
        ("pages/agent_loops.py", "Agent loops", ":material/all_inclusive:"),
        ("pages/retry_budgets.py", "Retry budgets", ":material/replay:"),
        ("pages/pipeline.py", "AI-everywhere pipeline", ":material/account_tree:"),
    ],
    "Outlook": [
        ("pages/jevons.py", "Spend projection", ":material/trending_up:"),
        ("pages/summary.py", "Printable summary", ":material/print:"),
    ],
}
DEFAULT_PAGE = "pages/overview.py"


def page_files() -> list[str]:
    return [f for section in PAGE_TABLE.values() for f, *_ in section]


def pages() -> dict[str, list[st.Page]]:
    return {
        section: [
            st.Page(f, title=title, icon=icon, default=(f == DEFAULT_PAGE))
            for f, title, icon in entries
        ]
        for section, entries in PAGE_TABLE.items()
    }


def money_sidebar() -> MoneySettings:
    """Currency, exchange rate (with its date) and enterprise discount: applied to every price."""
    with st.sidebar.expander("Currency and discount", icon=":material/payments:"):
        currency = widgets.choice(MoneySettings, "currency", key="currency", options=list(CURRENCIES))
        rate = 1.0
        rate_date = None
        if currency != "USD":
            rate = widgets.number(MoneySettings, "rate_per_usd", key="fx")
            rate_date = st.date_input("Rate date", value=None, key="fx_date", bind="query-params",
                                      help="When you took the exchange rate; shown next to converted figures.")
            widgets.remember("fx_date", rate_date, None)
        discount = widgets.number(MoneySettings, "discount", key="discount")
        settings = widgets.validated(MoneySettings, currency=currency, rate_per_usd=rate, rate_date=rate_date,
                                     discount=discount)
        st.caption(f"Figures are in {settings.describe()}.")
    return settings


def scenario_sidebar():
    """Export the whole scenario (every page's inputs) as JSON, or open one from a file.

    Returns the slot for the export button, filled after the page has run so the file includes the
    values the page just recorded."""
    with st.sidebar.expander("Scenario: share, export, import", icon=":material/ios_share:"):
        st.caption("The address bar holds every input of every page: copy it to share this exact scenario.")
        export_slot = st.empty()
        upload = st.file_uploader("Import a scenario file", type=None, key="scenario.import",
                                  help="A JSON file exported here. Nothing changes unless the file is valid.")
        if upload is not None:
            try:
                params = scenario.parse(upload.getvalue())
            except scenario.ScenarioError as exc:
                st.error(f"Not imported: {exc}. Nothing was changed.", icon=":material/error:")
            else:
                st.success(f"Valid scenario with {len(params)} input(s).", icon=":material/check_circle:")
                st.link_button("Open the imported scenario", scenario.link(params), icon=":material/open_in_new:")
    return export_slot


def workload_sidebar() -> Workload:
    cat = catalogue()
    side = st.sidebar
    side.header("Your workload")
    side.caption("Every page starts from these numbers. Defaults are illustrative.")
    if cat.overrides_error:
        side.error(f"Price overrides ignored, using bundled prices. {cat.overrides_error}", icon=":material/error:")
    elif cat.overrides_count:
        side.caption(f"{cat.overrides_count} price override(s) loaded from `{cat.overrides_path.name}`.")
    requests = widgets.number(Workload, "requests_per_month", key="requests", container=side)
    keys = cat.keys()
    model_key = widgets.choice(
        None, None, key="model", options=keys, default=Workload().model_key, container=side,
        label="Provider / model", help="Type to search the catalogue (genai-prices snapshot plus local overrides).",
    )
    input_tokens = widgets.number(Workload, "input_tokens", key="in_tokens", container=side)
    output_tokens = widgets.number(Workload, "output_tokens", key="out_tokens", container=side)
    workload = widgets.validated(
        Workload, container=side, requests_per_month=requests, model_key=model_key,
        input_tokens=input_tokens, output_tokens=output_tokens,
    )
    prices = cat.get(workload.model_key)
    side.caption(price_caption(prices))
    cost = baseline_cost(workload, prices)
    side.metric("Baseline bill", f"{money(cost.per_month)}/month", help="Every request at list price, no lever pulled.")
    side.caption(f"{money(cost.per_request)} per request · output is {cost.output_share:.0%} of the bill")
    return workload


scenario.start_run()
widgets.remember(PRESENT_STATE, st.sidebar.toggle(
    "Presentation mode", key=PRESENT_STATE, bind="query-params",
    help="For meetings: sidebar collapsed, headline numbers first, larger charts."), False)
st.session_state[MONEY_STATE] = money_sidebar()
st.session_state[WORKLOAD_STATE] = workload_sidebar()
export_slot = scenario_sidebar()
st.session_state["available_pages"] = page_files()
try:
    st.navigation(pages(), expanded=True).run()
finally:  # also after st.stop(): the link and the export must carry every page's inputs
    scenario.sync_url()
    export_slot.download_button("Export scenario (JSON)", scenario.export().encode("utf-8"),
                                file_name="llm-cost-levers-scenario.json", mime="application/json",
                                icon=":material/download:", key="scenario.export", on_click="ignore")
    st.session_state["_rerun_ms"] = (time.perf_counter() - _run_started) * 1000
