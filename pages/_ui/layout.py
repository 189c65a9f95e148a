"""What every page shares: the workload context, headline metrics, charts with downloads, sources."""
from __future__ import annotations

import functools
import re
import threading
from pathlib import Path
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from calculators.bill import LINE_LABEL, Bill, Same, newly_refused, price
from calculators.money import MoneySettings
from calculators.prices import Catalogue, ModelPrices, build_catalogue, overrides_path
from calculators.sources import cite
from calculators.text import WORD_JOINER, plain  # noqa: F401  (pages import them from here)
from calculators.workload import SimpleWorkload, Workload

WORKLOAD_STATE = "workload"  # the sidebar's SimpleWorkload
CLASSES_STATE = "workload_classes"  # the Workload (call classes) every page prices
MONEY_STATE = "money"
PRESENT_STATE = "present"
_HEADLINE_SLOT = "_headline_slot"
PRESENTATION_CSS = """<style>
[data-testid="stMetricValue"] { font-size: 3rem; }
[data-testid="stMetricLabel"] p { font-size: 1.1rem; }
</style>"""


def ensure_router() -> None:
    """Make sure this page runs inside app.py's router (sidebar workload included).

    With a `pages/` folder beside the entry script, Streamlit starts in its older multipage mode and
    runs `pages/x.py` on its own for a deep link, until `st.navigation` has run once in the process.
    A copied link opened on a fresh server would then lose the sidebar workload. Switch modes and
    rerun: the page hash is the same in both modes, so the same page comes back, now via app.py.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


@functools.lru_cache(maxsize=8)  # process-wide, like st.cache_resource, without its per-call bookkeeping
def _catalogue(path: str, mtime: float, factor: float, note: str, team: tuple | None = None) -> Catalogue:
    from pages._ui.library import with_team_prices

    return with_team_prices(build_catalogue(Path(path)), team).scaled(factor, note)


def money_settings() -> MoneySettings:
    """Currency, exchange rate and discount chosen in the sidebar (app.py)."""
    return st.session_state.get(MONEY_STATE) or MoneySettings()


def catalogue() -> Catalogue:
    """The price catalogue in USD, net of the user's discount, with the team's prices from the library; rebuilt only
    when the overrides file, the team's prices or the discount change. (Currency is a display matter: see `money`.)"""
    m = money_settings()
    return _current_catalogue(m.price_factor, f"less a {m.discount:.0%} enterprise discount" if m.discount else "")


def list_catalogue() -> Catalogue:
    """The same catalogue before the user's enterprise discount: what an export's reported spend is reconciled
    against (the discount is one of the things that reconciliation measures)."""
    return _current_catalogue(1.0, "")


def _current_catalogue(factor: float, note: str) -> Catalogue:
    from pages._ui.library import team_prices_key

    ensure_router()
    memo = run_memo("_layout.catalogue")  # a run asks for it several times: the file is looked at once per run
    if (factor, note) not in memo:
        path = overrides_path()
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = 0.0
        memo[factor, note] = _catalogue(str(path), mtime, factor, note, team_prices_key())
    return memo[factor, note]


@dataclass(frozen=True)
class Context:
    """What every page starts from: the sidebar's description, the workload it defines, and its bill."""

    sidebar: SimpleWorkload  # the four numbers and the anatomy
    workload: Workload  # the call classes every page prices
    bill: Bill  # price(workload): the sidebar's bill, every page's "today"
    prices: ModelPrices  # the sidebar model's prices
    catalogue: Catalogue


def context() -> Context:
    """The shared workload chosen in the sidebar (app.py), with its main model's prices and its bill.

    Pages call this first; in presentation mode it also reserves the top of the page for the headline.
    """
    ensure_router()
    st.session_state[_HEADLINE_SLOT] = st.container() if presenting() else None
    sidebar = st.session_state.get(WORKLOAD_STATE) or SimpleWorkload()
    cat = catalogue()
    workload = st.session_state.get(CLASSES_STATE) or sidebar.workload()
    return Context(sidebar=sidebar, workload=workload, bill=bill_of(workload, cat), prices=cat.get(sidebar.model_key),
                   catalogue=cat)


_this_run = threading.local()  # a run executes in one thread: (the run's token, its memos)


def run_memo(name: str) -> dict[Any, Any]:
    """A dict that lasts one script run: what a run asks for many times and must read afresh every run (a secrets
    file, the scenario, a lever's workload-derived defaults). Kept with the thread, not in session state: a run asks
    for these over a hundred times, and each session-state access costs ~10 µs. Outside a run, a new dict each call."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return {}
    run = ctx.cursors  # a new dict at the start of every run: this run's token
    memos = getattr(_this_run, "memos", None)
    if memos is None or memos[0] is not run:
        memos = _this_run.memos = (run, {})
    return memos[1].setdefault(name, {})


def bill_of(workload: Workload, cat: Catalogue) -> Bill:
    """price(workload), once per run for the same workload and catalogue (the sidebar and the page share it)."""
    memo = st.session_state.setdefault("_bill_memo", {})
    key = (Same(cat), workload)  # the catalogue itself, not its id: a freed catalogue's id can be reused
    if key not in memo:
        memo.clear()
        memo[key] = price(workload, cat)
    return memo[key]


# --- formatting ---------------------------------------------------------------------------------


def money(value: float | None, digits: int | None = None) -> str:
    """A USD amount in the user's currency: $1,234 for large amounts, $0.0123 for per-request amounts;
    '—' for undefined."""
    if value is None or value != value:
        return "—"
    if value == float("inf"):
        return "∞"
    settings = money_settings()
    value = settings.shown(value)
    sign = "−" if value < 0 else ""
    symbol = settings.symbol
    v = abs(value)
    if digits is None:
        if v < 0.1:  # per-request amounts: three significant figures, never scientific notation
            return f"{sign}{symbol}{np.format_float_positional(v, precision=3, fractional=False, trim='-')}"
        digits = 0 if v >= 100 else 2  # $0.50, $12.34, $1,234
    return f"{sign}{symbol}{v:,.{digits}f}"


NOT_PRICED = "not priced"


def bill_money(bill: Bill) -> str:
    """A bill's monthly total for display: 'not priced' when none of its call classes could be priced (no model price,
    or no call fits its context window), never $0."""
    return NOT_PRICED if bill.nothing_priced else money(bill.total)


def currency() -> str:
    """The currency symbol for axis prefixes and labels ('$', '€', 'CHF ')."""
    return money_settings().symbol


def shown(value: float | None) -> float | None:
    """A USD amount in the user's currency, as a number (chart points, markers)."""
    return None if value is None else money_settings().shown(value)


def shown_frame(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """A copy of `frame` with the USD money `columns` in the user's currency, for charts and CSV downloads."""
    rate = money_settings().rate
    if rate == 1.0 or not columns:
        return frame
    return frame.assign(**{c: frame[c] * rate for c in columns})


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None or value != value else f"{value * 100:.{digits}f}%"


def multiple(value: float | None) -> str:
    """A ratio to today or to a baseline: 33,884x, 3.39x, 0.001x."""
    if value is None or value != value:
        return "—"
    if value >= 100:
        return f"{value:,.0f}x"
    return f"{np.format_float_positional(value, precision=3, fractional=False, trim='-')}x"


def tokens(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


# --- page building blocks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    delta: str | None = None
    help: str | None = None
    delta_color: str = "normal"  # "inverse": a rise is bad (costs); "off": a neutral note
    delta_arrow: str | None = None  # None: no arrow for a neutral note, else by the delta's sign


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT_STATE))


MAX_HEADLINE = 4  # a page answers with at most four figures; the rest go in `more_figures`


def _metric_row(area: Any, metrics: Sequence[Metric]) -> None:
    # At most four a row: wider cards keep large figures ($1,053,796) readable instead of truncated.
    per_row = min(MAX_HEADLINE, len(metrics)) or 1
    columns = [c for start in range(0, len(metrics), per_row) for c in area.columns(per_row)][: len(metrics)]
    for column, m in zip(columns, metrics, strict=True):
        arrow = m.delta_arrow or ("off" if m.delta_color == "off" else "auto")
        column.metric(m.label, m.value, delta=m.delta, help=m.help, delta_color=m.delta_color, delta_arrow=arrow,
                      border=True)


def headline(metrics: Sequence[Metric]) -> None:
    """The page's key results (at most four) in one row, before any chart (above the inputs when presenting)."""
    if len(metrics) > MAX_HEADLINE:
        raise ValueError(f"a headline has at most {MAX_HEADLINE} figures; put the rest in more_figures()")
    slot = st.session_state.get(_HEADLINE_SLOT) if presenting() else None
    area = slot if slot is not None else st
    if slot is not None:
        area.markdown(PRESENTATION_CSS, unsafe_allow_html=True)
    _metric_row(area, metrics)


def more_figures(metrics: Sequence[Metric], label: str = "More figures") -> None:
    """Secondary figures, folded away under the headline so the page opens on its answer."""
    if metrics:
        with st.expander(label, icon=":material/table_chart:"):
            _metric_row(st, metrics)


Tone = Literal["saves", "costs", "neutral", "idle"]
_VERDICT = {"saves": (st.success, ":material/savings:"), "costs": (st.warning, ":material/trending_up:"),
            "neutral": (st.info, ":material/info:"), "idle": (st.info, ":material/block:")}


def verdict(sentence: str, tone: Tone = "neutral") -> None:
    """The page's answer in one plain-English sentence with the number that matters, right under the title.

    `tone`: "saves" (the lever cuts the bill), "costs" (it raises it), "idle" (it does nothing here), "neutral"."""
    box, icon = _VERDICT[tone]
    slot = st.session_state.get(_HEADLINE_SLOT) if presenting() else None
    with slot if slot is not None else st.container():
        box(sentence, icon=icon)


def saving_tone(saving: float, cents: float = 0.005) -> Tone:
    """The verdict's tone for a monthly saving in USD: below half a cent either way it does nothing."""
    return "saves" if saving > cents else "costs" if saving < -cents else "idle"


MONEY_COLUMN = "money figures in"


# OWASP CSV injection: a text cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value: Any) -> Any:
    """A text cell a spreadsheet will not run: prefixed with a single quote when it starts like a formula (OWASP's
    guidance). Numbers, dates and booleans are left alone, so a negative number stays a number."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def safe_csv(data: pd.DataFrame) -> bytes:
    """A frame as UTF-8 CSV with every text cell (and column name) made inert; the only way the app writes CSV."""
    text_columns = [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])
                    and not pd.api.types.is_datetime64_any_dtype(data[c])]
    safe = data.copy()
    for column in text_columns:
        safe[column] = safe[column].map(inert_cell)
    safe.columns = [inert_cell(str(c)) for c in safe.columns]
    # CRLF as RFC 4180 has it; it also makes the writer quote a cell holding a lone CR, which would
    # otherwise end the row
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def csv_bytes(data: pd.DataFrame, money_note: str) -> bytes:
    """A chart's data as CSV, each row saying what its money figures are in (`MoneySettings.describe()`: currency, rate
    and the rate's date), so an exported figure is never read without its rate. Text cells are made inert
    (`safe_csv`)."""
    return safe_csv(data.assign(**{MONEY_COLUMN: money_note}))


def _file_name(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "chart"


SURE_TAB = "How sure are you?"  # a lever page's ranges and tornado (pages/_ui/ranges.lever_section)


def chart_tabs(labels: Sequence[str], *, key: str, default: str | None = None) -> list[Any]:
    """A page's charts grouped in tabs, the first (open by default, or `default`) holding its main chart.

    Only the open tab is computed, sent and drawn (`if tab.open:`); opening another tab reruns the page. A change to an
    input then redraws one or two charts, not every chart on the page: in the browser each plotly redraw costs
    far more than the script's rerun. The open tab is a view, not an input: it is not in the link."""
    return list(st.tabs(list(labels), key=key, on_change="rerun", default=default))


# Margins that plotly's automargin leaves as they are for this app's charts under Streamlit's theme (measured in
# Chromium at the dashboard's width): a y title and money ticks take 88 px on the left (46 without a title), an x axis
# below with its title 67 px, its last tick label up to 28 px on the right, the top tick label 41 px.
FITTED_LEFT_WITH_TITLE, FITTED_LEFT, FITTED_RIGHT, FITTED_TOP, FITTED_BOTTOM = 88, 46, 28, 41, 67


def _move_title_and_fit_margins(fig: go.Figure) -> str | None:
    """The change `chart` makes to a figure's layout: its title taken out (Streamlit draws it; returned), and margins
    that already fit.

    Plotly draws a chart at its given margins, then, if an axis's labels do not fit (automargin), grows the margins
    and draws the whole chart again. Starting from the margins it would settle on skips that second pass, about
    half of each draw; Streamlit draws a changed chart twice per rerun (hidden, then at its measured width).
    Longer labels still push a margin out as before; a figure's own larger margin is kept.

    Read from one plain copy of the layout and written as two whole top-level properties: reading plotly's property
    objects and `update_layout` (it parses every dotted or underscored path to notify listeners) took ~2.3 ms a
    chart for the same layout; this takes ~0.1 ms."""
    layout = fig.layout
    spec = layout.to_plotly_json()
    margin, title = spec.get("margin", {}), spec.get("title", {})
    y_title = spec.get("yaxis", {}).get("title", {}).get("text")
    fitted = dict(
        l=max(margin.get("l") or 0, FITTED_LEFT_WITH_TITLE if y_title else FITTED_LEFT),
        r=max(margin.get("r") or 0, FITTED_RIGHT),
        b=max(margin.get("b") or 0, FITTED_BOTTOM if spec.get("xaxis", {}).get("side") != "top" else 0),
    )
    if title.get("text"):
        layout.title = title | {"text": ""}
        fitted["t"] = FITTED_TOP
    layout.margin = margin | fitted
    return title.get("text")


def chart(fig: go.Figure, data: pd.DataFrame | None = None, *, name: str) -> None:
    """Show a figure; its toolbar saves a PNG named after it, and its data downloads as CSV."""
    stem = _file_name(name)
    # The title is drawn by Streamlit above the chart: it wraps on a phone (plotly's would be cut off) and the
    # chart's toolbar, at the plot's top right, can never cover it. The saved PNG is named after it.
    title = _move_title_and_fit_margins(fig)
    if title:
        st.markdown(f"**{title}**")
    if presenting():  # larger figures for a projector
        fig.layout.height = 600
        fig.layout.font.size = 16
    st.plotly_chart(
        fig,
        config={"toImageButtonOptions": {"format": "png", "filename": stem, "scale": 2}, "displaylogo": False},
        key=f"chart-{stem}",
    )
    if data is not None:
        note = money_settings().describe()
        st.download_button(
            "Download chart data (CSV)",
            lambda: csv_bytes(data, note),  # built only when clicked
            file_name=f"{stem}.csv",
            mime="text/csv",
            key=f"csv-{stem}",
            icon=":material/download:",
        )


def explain(markdown: str) -> None:
    with st.expander("How this is computed"):
        st.markdown(markdown)


def sources(*keys: str) -> None:
    """A caption listing where each default comes from."""
    lines = []
    for key in keys:
        s = cite(key)
        tag = " *(illustrative)*" if s.illustrative else ""
        lines.append(f"- {s.claim} — {s.citation()}{tag}")
    st.caption("**Sources for defaults**\n" + "\n".join(lines))


def price_caption(prices: ModelPrices) -> str:
    """Provider, model, prices and their source and date: shown wherever a price is used."""
    c = currency()
    m = money_settings()
    parts = [f"input {c}{m.shown(prices.input.base):.4g}", f"output {c}{m.shown(prices.output.base):.4g}"]
    if prices.cache_read is not None:
        parts.append(f"cache read {c}{m.shown(prices.cache_read.base):.4g}")
    if prices.cache_write is not None:
        parts.append(f"cache write {c}{m.shown(prices.cache_write.base):.4g}")
    if prices.batch is not None:
        parts.append(f"batch {c}{m.shown(prices.batch.input.base):.4g}/{c}{m.shown(prices.batch.output.base):.4g}")
    tier = " · long-context tiers apply" if prices.has_tiers else ""
    return (
        f"**{plain(prices.provider_name)} · {plain(prices.model_name)}**: {', '.join(parts)} per MTok{tier}. "
        f"Source: {plain(prices.source)}, {plain(prices.source_date)}."  # an overrides file may write these
    )


def illustrative(note: str = "Defaults on this page are illustrative; replace them with your own numbers.") -> None:
    st.info(note, icon=":material/info:")


def bill_lines(today: Bill, after: Bill, after_label: str) -> None:
    """Today's bill and the bill after a lever, line by line (uncached input, cache writes and reads, output,
    reasoning, tier discount, other costs): where the saving comes from."""
    before, later = today.lines(), after.lines()
    rate = money_settings().rate
    rows = [(LINE_LABEL[k], before[k], later[k]) for k in before if before[k] or later[k]]
    rows.append(("total", today.total, after.total))
    table = pd.DataFrame({"line": [r[0] for r in rows], "today": [r[1] * rate for r in rows],
                          after_label: [r[2] * rate for r in rows], "change": [(r[2] - r[1]) * rate for r in rows]})
    heading = after_label[:1].upper() + after_label[1:]
    for over in newly_refused(today, after):
        st.error(f"{heading}: {over.message()} The bill {after_label} leaves it out, so the change below is not a "
                 "saving: the Overview counts this lever as unable to apply.", icon=":material/block:")
    crossed_today = {(n.class_name, n.threshold) for n in today.tier_notices if n.crossed}
    for notice in after.tier_notices:  # a tier the lever makes the calls cross (today's are in the sidebar)
        if notice.crossed and (notice.class_name, notice.threshold) not in crossed_today:
            st.warning(f"{heading}: {notice.message()}", icon=":material/warning:")
    with st.expander(f"The bill, line by line: today and {after_label}"):
        st.dataframe(table, hide_index=True, column_config={
            c: st.column_config.NumberColumn(format=f"{currency()}%,.2f") for c in ("today", after_label, "change")})
