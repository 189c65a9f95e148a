"""Overview: where the bill comes from, and which lever answers which question."""
import streamlit as st

from pathlib import Path

from calculators import lever as lever_module
from calculators.lever import ORDER_REASON
from calculators.registry import LEVERS
from pages._ui import bill_builder, fig_bill, ranges, scenario
from pages._ui.layout import (
    SURE_TAB, Metric, bill_money, chart, chart_tabs, context, currency, explain, headline, money, money_settings,
    percent, price_caption, shown_frame, sources, verdict,
)
from pages._ui.glossary import glossary

st.title("LLM Cost Levers")
st.caption("Where your LLM bill comes from, and which lever cuts it. Set your workload in the sidebar; every page "
           "starts from it.")
ctx = context()
output_share = ((ctx.bill.category("output") + ctx.bill.category("reasoning")) / ctx.bill.total
                if ctx.bill.total else 0.0)
verdict_slot = st.container()
headline_slot = st.container()

bars, unread = bill_builder.ranked(ctx)
illustrative_levers = bill_builder.on_illustrative_defaults(ctx, bars)
st.session_state["_overview_ranked"] = {b.lever.name: b.saving for b in bars}  # compared with pages in tests
top = next((b for b in bars if not b.idle and b.saving >= 0.005), None)
with verdict_slot:
    if ctx.bill.nothing_priced:  # unknown, not $0: the sidebar says which class and why
        verdict("Your bill is not priced: none of its call classes can be priced (a model without a price, or calls "
                "beyond the model's context window; the sidebar says which).", "neutral")
    elif top is None:
        verdict(f"Your bill is {money(ctx.bill.total)} a month. No lever cuts it at its page's current settings: "
                "open a lever's page to set it for your system.", "idle")
    else:
        verdict(f"Your bill is {money(ctx.bill.total)} a month. **{top.lever.label}** cuts it most: "
                f"{money(top.saving)} a month ({percent(top.saving / ctx.bill.total if ctx.bill.total else 0, 0)}) "
                "on its own, with its page's settings"
                + (" (illustrative defaults: check them on its page)" if top.lever.name in illustrative_levers else "")
                + (f", after a one-off {money(top.one_off)} that "
                   + (f"pays back in {payback:.1f} months" if (payback := bill_builder.payback_months(top))
                      else "never pays back") if top.one_off else "") + ".", "saves")
    glossary("call class", "illustrative", "cache read", "batch", "right-sizing")

page_urls = {b.lever.name: "./" + Path(b.lever.page).stem + scenario.query_suffix() for b in bars}
ranked_tab, lines_tab = chart_tabs(["Levers ranked", "Where the bill comes from"], key="overview.view")
if ranked_tab.open:  # only the open tab is computed, sent and drawn
    with ranked_tab:
        ranking_frame = shown_frame(bill_builder.ranking_table(bars, ctx.bill.total, illustrative_levers, money, ctx),
                                    "monthly saving")
        chart(fig_bill.ranked(bars, ctx.bill.total, rate=money_settings().rate, currency=currency(),
                              illustrative=illustrative_levers, urls=page_urls), ranking_frame, name="levers ranked")
        st.dataframe(
            ranking_frame, hide_index=True,
            column_config={"monthly saving": st.column_config.NumberColumn(format=f"{currency()}%,.2f"),
                           "share of today's bill": st.column_config.NumberColumn(format="percent"),
                           "verdict": st.column_config.TextColumn(width="large")},
        )
        st.caption("Each lever is priced alone on today's workload, with the settings on its own page (or in this "
                   "link): the same number as its page's headline. Alternatives that move the same traffic "
                   "(right-sizing, routing, distillation) are ranked side by side; do not add their bars. The bill "
                   "builder below combines the levers you pick, counting overlaps once.")
        for note in unread:
            st.caption(f"Not ranked: {note}.")
if lines_tab.open:
    with lines_tab:
        st.caption(price_caption(ctx.prices))
        lines = shown_frame(ctx.bill.frame(), "per month")
        chart(fig_bill.bill_lines(lines, currency=currency()), lines, name="where the bill comes from")
        st.dataframe(
            shown_frame(ctx.bill.class_frame().round({"requests per month": 0,
                                                      "model calls per month": 0}),  # whole counts
                        "per request", "per month"), hide_index=True,
            column_config={"requests per month": st.column_config.NumberColumn(format="localized"),
                           "model calls per month": st.column_config.NumberColumn(format="localized"),
                           "per request": st.column_config.NumberColumn(format=f"{currency()}%.4f"),
                           "per month": st.column_config.NumberColumn(format=f"{currency()}%,.0f")},
        )

st.subheader("Bill builder: pull several levers at once")
chosen = bill_builder.pick()
st.caption("On by default: the token levers that apply to any workload. Levers that change the model or the "
           "workflow are off until you turn them on, once their pages describe your system.")
result, skipped = bill_builder.build(ctx, chosen)
st.session_state["_overview_bars"] = {b.lever.name: b.saving for b in result.bars}  # compared with pages in tests

with headline_slot:
    headline([
        Metric("Monthly bill", bill_money(ctx.bill), help="price(workload): every call at the catalogue's prices, "
               "net of your discount. Every page's 'today' is this number."),
        Metric("Biggest single lever", money(top.saving) if top else "—",
               delta=top.lever.label if top else "none saves here", delta_color="off",
               help="The lever that saves most on its own, with its page's settings (the top bar below)."),
        Metric("Bill after the levers you pick", bill_money(result.final),
               delta=None if ctx.bill.nothing_priced else f"{percent(-result.saving_share)} vs today",
               delta_color="inverse", delta_arrow="down" if result.total_saving > 0 else "up",
               help="The bill builder below: the picked levers applied together, overlaps counted once."),
        Metric("Output share of the bill", "—" if ctx.bill.nothing_priced else percent(output_share),
               help="Visible output and reasoning. Output tokens usually cost 4-8x input tokens, so short answers can "
               "still dominate the bill."),
    ])
# The sensitivity reprices the waterfall dozens of times: it runs only in its own tab, opened by a link that carries
# ranges or the Monte Carlo.
builder_tab, sure_tab = chart_tabs(["The levers you pick, together", SURE_TAB], key="overview.builder",
                                   default=SURE_TAB if ranges.in_link() else None)
if builder_tab.open:
    with builder_tab:
        illustrative_bars = bill_builder.on_illustrative_defaults(ctx, result)
        table = shown_frame(bill_builder.table(result, illustrative_bars), "bill before", "monthly saving",
                            "bill after", "one-off cost")
        chart(fig_bill.waterfall(result, rate=money_settings().rate, currency=currency(), urls=page_urls), table,
              name="bill builder waterfall")
        st.caption(f"**Order.** {ORDER_REASON} The bars' labels link to each lever's page.")
        for note in skipped:
            st.caption(f"Not counted: {note}.")
        if result.one_off:
            paybacks = [f"{b.lever.label} {money(b.one_off)}"
                        + (f" (pays back in {months:.1f} months)" if (months := bill_builder.payback_months(b))
                           else " (never pays back at this saving)") for b in result.bars if b.one_off]
            st.caption("One-off costs, outside the monthly bars: " + "; ".join(paybacks) + ".")
        if illustrative_bars:
            st.caption("Resting on their page's illustrative defaults (nobody has set them for this workload): "
                       + ", ".join(b.lever.label for b in result.bars if b.lever.name in illustrative_bars) + ".")
        if not result.one_off:  # no lever here costs anything up front: the columns would only say "None"
            table = table.drop(columns=["one-off cost", "payback (months)"])
        st.dataframe(
            table, hide_index=True,
            column_config={c: st.column_config.NumberColumn(format=f"{currency()}%,.0f")
                           for c in ("bill before", "monthly saving", "bill after", "one-off cost")}
            | {"share of today's bill": st.column_config.NumberColumn(format="percent"),
               "payback (months)": st.column_config.NumberColumn(format="%.1f")},
        )
        explain(lever_module.__doc__ or "")
if sure_tab.open:
    with sure_tab:
        ranges.overview_section(ctx, [(b.lever, b.inputs) for b in result.bars])

QUESTIONS = [(lever.page, lever.question) for lever in LEVERS] + [
    ("pages/workload.py", "What exactly is the workload every page prices?"),
    ("pages/token_counter.py", "How many tokens is this text, exactly?"),
    ("pages/prices.py", "What does each model cost per million tokens?"),
]
available = set(st.session_state.get("available_pages", []))
# Its 40 elements are built only while it is open: every rerun of the Overview would otherwise send them again.
questions = st.expander("Which page answers your question?", icon=":material/help:", key="overview.questions",
                        on_change="rerun")
if questions.open:
    with questions:
        columns = st.columns(2)
        for i, (page, question) in enumerate(p for p in QUESTIONS if p[0] in available):
            with columns[i % 2]:
                st.page_link(page, help=question)
                st.caption(question)
sources("workload_defaults", "output_input_ratio", "genai_prices")
