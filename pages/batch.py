"""Batch and flex: the traffic that can wait, at the cheaper tier's prices."""
import streamlit as st

from calculators import batch
from pages._ui import ranges
from pages._ui import figures, glossary
from pages._ui.layout import (
    SURE_TAB, chart_tabs, Metric, bill_lines, chart, context, currency, explain, headline, illustrative, money,
    percent, price_caption, saving_tone, shown, shown_frame, sources, verdict,
)
from pages._ui.lever_form import LeverForm, publish

LEVER = batch.LEVER
st.title("Batch and flex: the traffic that can wait")
st.caption(LEVER.question)
answer = st.container()  # the verdict, filled once the result exists
glossary.glossary("batch", "flex", "illustrative")

ctx = context()
st.caption(price_caption(ctx.prices))
tiers = [f"{t} input {money(rates.input.base)}, output {money(rates.output.base)}" for t in ("batch", "flex")
         if (rates := ctx.prices.rates(t)) is not None]
st.caption(f"{ctx.prices.label} per million tokens: " + ("; ".join(tiers) if tiers else "no batch or flex price in "
           "the catalogue") + ". Cache prices follow the tier's own rate set.")
illustrative(f"The share of traffic that can wait (30%) and the pipeline's monthly cost ({money(0.0)}) are "
             "illustrative: set them to your traffic and your team's costs.")

form = LeverForm(LEVER, ctx)
left, right = st.columns(2)
with left:
    form("tier")
    form("share")
with right:
    form("pipeline_cost")
x = form.inputs()
r = batch.evaluate(ctx.workload, x, ctx.catalogue, ctx.bill)
publish(LEVER, r.saving)

why = LEVER.idle(ctx.workload, x, ctx.catalogue)
be = r.break_even_share
moving = f"Moving {percent(x.share, 0)} of the eligible traffic to the {x.tier} tier"
tone = saving_tone(r.saving)
if why:
    tone, sentence = "idle", f"Nothing moves to the {x.tier} tier, so this lever saves {money(0.0)}: {why}."
elif tone == "saves":
    sentence = (f"{moving} saves {money(r.saving)} a month ({percent(r.saving_share, 0)})"
                + (f", after the pipeline's {money(r.pipeline_cost)}." if r.pipeline_cost else "."))
elif tone == "costs":
    sentence = (f"{moving} raises the bill by {money(-r.saving)} a month: the {money(r.pipeline_cost)} pipeline costs "
                "more than the discount saves"
                + (f" below a {percent(be)} share." if be else "; even moving all of it would not pay for it."))
else:
    sentence = f"{moving} leaves the bill at {money(r.today.total)}: the discount just pays for the pipeline."
with answer:
    verdict(sentence, tone)
if any(not batch.single_call(c) for c in ctx.workload.classes):
    st.caption("Agent tasks stay on the standard tier: a multi-step task cannot wait up to 24 hours for each step.")

headline([
    Metric("Monthly saving", money(r.saving), delta=f"{percent(r.saving_share)} of today's bill", delta_color="off",
           help="Today's bill minus the bill with the share moved to the tier and the pipeline's cost added."),
    Metric(f"Bill with {percent(x.share, 0)} on {x.tier}", money(r.after.total), delta=f"today {money(r.today.total)}",
           delta_color="off", help="Today is the sidebar's bill."),
    Metric("Pipeline pays from", percent(be) if be else "any share" if be == 0 else "never",
           help="The share of eligible traffic that must move before the tier's discount pays for the pipeline: "
           "pipeline cost ÷ what moving all of it saves. 'never': even moving all of it does not."),
    Metric("Discount on what moves", percent(r.discount, 0) if r.discount is not None else "—",
           help="What the tier takes off the bill of the traffic that moves (cache prices included). "
           + glossary.term("batch")),
])
st.caption(f"Moving all eligible traffic ({money(r.eligible_bill)} of today's bill) would save "
           f"{money(r.saving_per_share)} a month"
           + (f", before the pipeline's {money(r.pipeline_cost)}." if r.pipeline_cost else "; no pipeline cost is "
              "entered, so any share saves."))

share_tab, sure_tab = chart_tabs(["Saving vs share", SURE_TAB], key="batch.view")
if share_tab.open:  # only the open tab is computed, sent and drawn
    with share_tab:
        curve = shown_frame(batch.saving_vs_share(r, x), "saving")
        fig = figures.line_chart(
            curve, x="share", series={"saving": f"saving on the {x.tier} tier"},
            title="Monthly saving vs the share of traffic that waits", x_title="share of eligible traffic moved",
            y_title="saving per month",
            markers=[figures.Marker(be, f"break-even {percent(be)}")
                     if be is not None and x.pipeline_cost > 0 else None],
            current=figures.Current(x.share, shown(r.saving), label=f"your share: {percent(x.share, 0)}"),
            x_tickformat=".0%", y_tickprefix=currency(), y_tickformat=",", zero_line=True,
        )
        chart(fig, curve, name="batch saving vs share")
        st.caption("A straight line: the bill is linear in the split between tiers. Below zero, the pipeline costs "
                   "more than the discount brings.")
if sure_tab.open:
    with sure_tab:
        ranges.lever_section(LEVER, ctx, x)

st.dataframe(
    shown_frame(r.classes, "bill today", f"{x.tier} input /MTok", f"{x.tier} output /MTok"), hide_index=True,
    column_config={"bill today": st.column_config.NumberColumn(format=f"{currency()}%,.0f"),
                   f"{x.tier} input /MTok": st.column_config.NumberColumn(format=f"{currency()}%.4g"),
                   f"{x.tier} output /MTok": st.column_config.NumberColumn(format=f"{currency()}%.4g")},
)
if x.tier == "flex":
    st.caption("Flex answers in the same API call, only slower, and may return 429 when capacity is short: keep a "
               "fallback to the standard tier (its cost is not in this bill).")
else:
    st.caption("Batch results arrive within 24 hours: only traffic nobody waits for can move (nightly jobs, evals, "
               "back-fills, enrichment).")

bill_lines(r.today, r.after, f"{percent(x.share, 0)} on {x.tier}")
explain(batch.EXPLANATION)
sources("batch_discount", "batch_window", "batch_flex", "batch_defaults", "genai_prices", "workload_defaults")
