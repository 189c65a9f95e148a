"""LLM Cost Levers: the router. Holds what every page shares: the workload in the sidebar."""
from __future__ import annotations

import time

import streamlit as st

_run_started = time.perf_counter()  # the benchmark reads this run's duration from session state

from pages._ui.preload import preload_chart_code  # noqa: E402  (first: the browser fetches while the server imports)

preload_chart_code()

from calculators.bill import Bill
from calculators.money import CURRENCIES, MoneySettings
from calculators.prices import DATA_DIR
from calculators.workload import SimpleWorkload, Workload, automatic_hit_rate, custom_workload
from pages._ui import scenario, widgets
from pages._ui.process import freeze_startup_objects, one_run_at_a_time
from pages._ui.workload_edit import SIDEBAR_KEYS as K
from pages._ui.workload_edit import custom_rows, leave_custom
from pages._ui.layout import (
    CLASSES_STATE, MONEY_STATE, PRESENT_STATE, WORKLOAD_STATE, bill_money, bill_of, catalogue, ensure_router, money,
    percent, plain, price_caption,
)

ICON = DATA_DIR / "icon.svg"
ensure_router()  # a fresh process's first run: switch to st.navigation now, before drawing a sidebar it would redo

# Presentation mode (for meetings) starts with the sidebar collapsed. Read before the toggle renders.
_presenting = st.session_state.get(PRESENT_STATE, st.query_params.get(PRESENT_STATE) == "true")
# The icon is a file the app serves: a ":material/...:" page icon makes the browser fetch it from Google's servers.
st.set_page_config(page_title="LLM Cost Levers", page_icon=str(ICON), layout="wide",
                   initial_sidebar_state="collapsed" if _presenting else "auto")  # auto: menu folded on phones

# Section -> pages: (file, title, icon); a page's URL path is its file name. Each page is a thin script:
# widgets -> input model -> calculator -> figure.
PAGE_TABLE: dict[str, list[tuple[str, str, str]]] = {
    "Start": [
        ("pages/overview.py", "Overview", ":material/dashboard:"),
        ("pages/workload.py", "Call classes", ":material/table_rows:"),
        ("pages/usage.py", "Usage import", ":material/upload_file:"),
        ("pages/prices.py", "Prices", ":material/sell:"),
        ("pages/token_counter.py", "Token counter", ":material/tag:"),
        ("pages/library.py", "Scenario library", ":material/bookmarks:"),
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
        ("pages/batch.py", "Batch and flex", ":material/schedule:"),
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
    """The navigation, built once per session (a Page's construction reads its file; the table never changes)."""
    if "_pages" not in st.session_state:
        st.session_state["_pages"] = {
            section: [st.Page(f, title=title, icon=icon, default=(f == DEFAULT_PAGE)) for f, title, icon in entries]
            for section, entries in PAGE_TABLE.items()
        }
    return st.session_state["_pages"]


def _iso_date(values: list[str]) -> bool:
    import datetime as dt

    return len(values) == 1 and bool(dt.date.fromisoformat(values[0]))


def money_sidebar() -> MoneySettings:
    """Currency, exchange rate (with its date) and enterprise discount: applied to every price. A chosen currency
    converts nothing until its rate is entered (no default rate: a rate of 1 would print dollars with a euro sign)."""
    chosen = st.session_state.get("currency", st.query_params.get("currency", "USD"))
    # Open while another currency is chosen: its rate and date are right there to type (and stay open as they are).
    with st.sidebar.expander("Currency and discount", icon=":material/payments:", expanded=chosen != "USD"):
        currency = widgets.choice(MoneySettings, "currency", key="currency", options=list(CURRENCIES))
        rate = None
        rate_date = None
        if currency != "USD":
            rate = widgets.number(MoneySettings, "rate_per_usd", key="fx")
            widgets.screen("fx_date", _iso_date, "not a date (YYYY-MM-DD)", None)
            rate_date = st.date_input("Rate date", value=None, key="fx_date", bind="query-params", format="YYYY-MM-DD",
                                      help="When you took the exchange rate: type it (2026-11-20) or pick it. Shown "
                                      "next to converted figures and in every export.")
            widgets.remember("fx_date", rate_date, None)
        discount = widgets.number(MoneySettings, "discount", key="discount")
        settings = widgets.validated(MoneySettings, currency=currency, rate_per_usd=rate, rate_date=rate_date,
                                     discount=discount)
        if settings.rate_missing:
            st.warning(f"{currency} chosen: enter a rate; figures stay in USD until then.",
                       icon=":material/currency_exchange:")
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
            except scenario.ScenarioError as exc:  # its message is already literal Markdown (it may quote the file)
                st.error(f"Not imported: {exc}. Nothing was changed.", icon=":material/error:")
            except Exception:  # noqa: BLE001 - whatever the file holds, the sidebar keeps working
                st.error("Not imported: the file could not be read. Nothing was changed.", icon=":material/error:")
            else:
                st.success(f"Valid scenario with {len(params)} input(s).", icon=":material/check_circle:")
                st.link_button("Open the imported scenario", scenario.link(params), icon=":material/open_in_new:")
    return export_slot


def workload_sidebar() -> tuple[SimpleWorkload, Workload]:
    """The four numbers every page starts from and the anatomy behind them; or a custom table of call classes."""
    cat = catalogue()
    side = st.sidebar
    side.header("Your workload")
    if cat.overrides_error:
        side.error(f"Price overrides ignored, using bundled prices. {plain(cat.overrides_error)}",
                   icon=":material/error:")
    elif cat.overrides_count:
        side.caption(f"{cat.overrides_count} price override(s) loaded from {plain(cat.overrides_path.name)}.")
    W = SimpleWorkload
    rows = custom_rows()
    if rows is not None:
        side.caption(f"A custom workload of {len(rows)} call classes (edit them on the Call classes page). The four "
                     "numbers below are set aside until you go back to them.")
        side.button("Back to the four numbers", on_click=leave_custom, icon=":material/undo:", key="w.leave_custom")
    else:
        side.caption("Every page starts from these numbers. Defaults are illustrative.")
    container = side.expander("The four numbers (set aside)") if rows is not None else side
    values = dict(requests_per_month=widgets.number(W, "requests_per_month", key=K["requests_per_month"],
                                                    container=container))
    # Text-generation models by name; the others (speech, audio, image, embedding models, alias rows) behind a toggle
    # that a link to one of them turns on. The link holds the model's key (provider/model), never its label.
    linked = st.session_state.get(K["model_key"]) or widgets.stored_choice(
        cat.keys(), key=K["model_key"], default=W().model_key, format_func=cat.picker_format())
    picker = container.container()
    hidden = linked in cat.keys() and cat.get(linked).kind != "text"
    widgets.screen("w.all_models", widgets.is_flag, "not true or false", hidden, container=container)
    all_models = container.toggle(
        "Also list audio, image and alias models", value=hidden, key="w.all_models", bind="query-params",
        help="The list holds text-generation models. Turn on to add text-to-speech, transcription, realtime audio, "
        "image, video, embedding and safety models, and alias rows (~…, …-latest, …:batch).")
    widgets.remember("w.all_models", all_models, hidden)
    values["model_key"] = widgets.choice(
        None, None, key=K["model_key"], options=cat.picker_keys(all_models, keep=[linked]), default=W().model_key,
        container=picker, label="Provider / model", format_func=cat.picker_format(), url_holds_option=True,
        help="Type to search by provider or model name (genai-prices snapshot plus local overrides).",
    )
    values["input_tokens"] = widgets.number(W, "input_tokens", key=K["input_tokens"], container=container)
    values["output_tokens"] = widgets.number(W, "output_tokens", key=K["output_tokens"], container=container)
    container.caption(f"{values['requests_per_month']:,} requests a month, {values['input_tokens']:,} tokens in and "
                      f"{values['output_tokens']:,} out per request.")  # the inputs cannot show thousands separators
    prices = cat.get(values["model_key"])
    anatomy = side.expander("Anatomy: prefix, caching, reasoning, agents, failures", icon=":material/tune:") \
        if rows is None else container
    with anatomy:
        values["prefix_share"] = widgets.number(W, "prefix_share", key=K["prefix_share"])
        auto = automatic_hit_rate(prices, values["requests_per_month"],
                                  values["input_tokens"] * values["prefix_share"])
        hit = widgets.number(W, "cache_hit_rate", key=K["cache_hit_rate"], default=auto)
        estimated = prices.caches_automatically and abs(hit - auto) < 1e-9
        values["cache_hit_rate"] = None if estimated and auto > 0 else hit  # None: derived from the traffic
        if prices.caches_automatically:
            st.caption(f"{prices.provider_name} caches repeated prefixes automatically: the default is estimated "
                       f"from your traffic ({percent(auto, 0)}), and follows it as levers move traffic.")
        values["reasoning_tokens"] = widgets.number(W, "reasoning_tokens", key=K["reasoning_tokens"])
        values["agent_share"] = widgets.number(W, "agent_share", key=K["agent_share"])
        if values["agent_share"] > 0:
            values["agent_steps"] = widgets.number(W, "agent_steps", key=K["agent_steps"])
            values["tool_result_tokens"] = widgets.number(W, "tool_result_tokens", key=K["tool_result_tokens"])
            values["history_caching"] = widgets.toggle(W, "history_caching", key=K["history_caching"],
                                                       default=prices.caches_automatically)
        values["failure_rate"] = widgets.number(W, "failure_rate", key=K["failure_rate"])
        if values["failure_rate"] > 0:
            values["max_attempts"] = widgets.number(W, "max_attempts", key=K["max_attempts"])
            values["restarts"] = widgets.number(W, "restarts", key=K["restarts"])
            values["failed_output_share"] = widgets.number(W, "failed_output_share", key=K["failed_output_share"])
            values["replay"] = widgets.choice(W, "replay", key=K["replay"])
    simple = widgets.validated(W, container=side, **values)
    return simple, (custom_workload(rows) if rows is not None else simple.workload())


def bill_sidebar(bill: Bill) -> None:
    """The bill every page starts from, and every warning about where its money changes shape."""
    side = st.sidebar
    left_out = len(bill.not_priced)
    side.metric("Monthly bill", bill_money(bill) if bill.nothing_priced else f"{money(bill.total)}/month",
                delta=f"leaves out {left_out} class{'es' if left_out > 1 else ''} not priced"
                if left_out and not bill.nothing_priced else None,
                delta_color="off", delta_arrow="off",
                help="price(workload): every call at the catalogue's prices, net of your discount. Every page's "
                "'today' is this number. A class whose model has no price, or whose calls do not fit the model's "
                "context window, is left out (not priced), never counted as $0.")
    m = st.session_state[MONEY_STATE]
    if m.rate_missing:
        side.caption(f":orange-badge[:material/currency_exchange: rate not set] {m.currency} chosen: enter a rate "
                     "under Currency and discount; figures stay in USD until then.")
    if not bill.nothing_priced:
        output = bill.category("output") + bill.category("reasoning")
        side.caption(f"{money(bill.per_request)} per request · output is "
                     f"{percent(output / bill.total if bill.total else 0, 0)} of the bill")
    for over in bill.overflows:
        side.error(over.message(), icon=":material/block:")
    for notice in bill.tier_notices:
        (side.warning if notice.crossed else side.info)(notice.message(), icon=":material/stairs:")
    for c in bill.classes:
        if c.requests and c.completed / c.requests < 0.5:
            side.warning(f"**{plain(c.name)}**: only {percent(c.completed / c.requests, 1)} of its tasks complete at "
                         "this failure rate, so every completed task carries the cost of the failed ones. Check the "
                         "failure rate in the anatomy.", icon=":material/warning:")
    for name in bill.unpriced:
        side.warning(f"**{plain(name)}**: its model has no price in the catalogue; it is left out of the bill "
                     "(unpriced, not free).", icon=":material/warning:")


with one_run_at_a_time():  # reruns take turns: see pages/_ui/process.py
    scenario.start_run()
    widgets.screen(PRESENT_STATE, widgets.is_flag, "not true or false", False, container=st.sidebar)
    widgets.remember(PRESENT_STATE, st.sidebar.toggle(
        "Presentation mode", key=PRESENT_STATE, bind="query-params",
        help="For meetings: sidebar collapsed, headline numbers first, larger charts."), False)
    st.session_state[MONEY_STATE] = money_sidebar()
    st.session_state[WORKLOAD_STATE], st.session_state[CLASSES_STATE] = workload_sidebar()
    bill_sidebar(bill_of(st.session_state[CLASSES_STATE], catalogue()))
    st.sidebar.caption(price_caption(catalogue().get(st.session_state[WORKLOAD_STATE].model_key)))
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
        freeze_startup_objects()
