"""Overview: where the bill comes from, and which lever answers which question."""
import streamlit as st

from pathlib import Path

from calculators import lever as lever_module
from calculators.lever import ORDER_REASON
from calculators.registry import LEVERS
from pages._ui import bill_builder, fig_bill, scenario
from pages._ui.layout import (
    Metric, chart, context, currency, explain, headline, money, money_settings, percent, price_caption, shown_frame,
    sources,
)

st.title("LLM Cost Levers")
st.caption("Where your LLM bill comes from, and which lever cuts it. Set your workload in the sidebar; every page "
           "starts from it.")
ctx = context()
output_share = (ctx.bill.category("output") + ctx.bill.category("reasoning")) / ctx.bill.total if ctx.bill.total else 0.0

headline([
    Metric("Monthly bill", money(ctx.bill.total), help="price(workload): every call at the catalogue's prices, net "
           "of your discount. Every page's 'today' is this number."),
    Metric("Per request", money(ctx.bill.per_request)),
    Metric("Output share of the bill", percent(output_share),
           help="Visible output and reasoning. Output tokens usually cost 4-8x input tokens, so short answers can "
           "still dominate the bill."),
    Metric("Output / input price", f"{ctx.prices.output_input_ratio or 0:.1f}x"),
])
st.caption(price_caption(ctx.prices))

lines = shown_frame(ctx.bill.frame(), "per month")
chart(fig_bill.bill_lines(lines, currency=currency()), lines, name="where the bill comes from")
st.dataframe(
    shown_frame(ctx.bill.class_frame().round({"requests per month": 0, "model calls per month": 0}),  # whole counts
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

headline([
    Metric("Today's bill", money(result.baseline.total)),
    Metric("Bill after the levers", money(result.final.total),
           delta=f"{percent(-result.saving_share)} vs today",
           delta_color="inverse", delta_arrow="down" if result.total_saving > 0 else "up"),
    Metric("Monthly saving", money(result.total_saving)),
    Metric("Levers pulled", f"{len(result.bars)}"),
])
urls = {b.lever.name: "./" + Path(b.lever.page).stem + scenario.query_suffix() for b in result.bars}
illustrative_bars = bill_builder.on_illustrative_defaults(ctx, result)
table = shown_frame(bill_builder.table(result, illustrative_bars), "bill before", "monthly saving", "bill after",
                    "one-off cost")
chart(fig_bill.waterfall(result, rate=money_settings().rate_per_usd, currency=currency(), urls=urls), table,
      name="bill builder waterfall")
st.caption(f"**Order.** {ORDER_REASON} The bars' labels link to each lever's page.")
for note in skipped:
    st.caption(f"Not counted: {note}.")
if result.one_off:
    paybacks = [f"{b.lever.label} {money(b.one_off)}"
                + (f" (pays back in {bill_builder.payback_months(b):.1f} months)" if bill_builder.payback_months(b)
                   else " (never pays back at this saving)") for b in result.bars if b.one_off]
    st.caption("One-off costs, outside the monthly bars: " + "; ".join(paybacks) + ".")
if illustrative_bars:
    st.caption("Resting on their page's illustrative defaults (nobody has set them for this workload): "
               + ", ".join(b.lever.label for b in result.bars if b.lever.name in illustrative_bars) + ".")
st.dataframe(
    table, hide_index=True,
    column_config={c: st.column_config.NumberColumn(format=f"{currency()}%,.0f")
                   for c in ("bill before", "monthly saving", "bill after", "one-off cost")}
    | {"share of today's bill": st.column_config.NumberColumn(format="percent"),
       "payback (months)": st.column_config.NumberColumn(format="%.1f")},
)
links = st.columns(max(1, len(result.bars)))
for column, bar in zip(links, result.bars, strict=False):
    column.page_link(bar.lever.page, label=bar.lever.label, icon=":material/arrow_forward:")
explain(lever_module.__doc__ or "")

st.subheader("Which lever answers your question?")
QUESTIONS = [(lever.page, lever.question) for lever in LEVERS] + [
    ("pages/workload.py", "What exactly is the workload every page prices?"),
    ("pages/token_counter.py", "How many tokens is this text, exactly?"),
    ("pages/prices.py", "What does each model cost per million tokens?"),
]
columns = st.columns(2)
available = set(st.session_state.get("available_pages", []))
for i, (page, question) in enumerate(p for p in QUESTIONS if p[0] in available):
    with columns[i % 2]:
        st.page_link(page, help=question)
        st.caption(question)
sources("workload_defaults", "output_input_ratio", "genai_prices")
