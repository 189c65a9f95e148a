"""Distillation payback: when does labelling with a frontier model and training a small one pay back?"""
import streamlit as st

from calculators import distillation as ds
from pages._ui import ranges
from pages._ui import fig_distillation, figures, glossary, widgets
from pages._ui.layout import (
    SURE_TAB, chart_tabs, Metric, bill_lines, chart, context, currency, explain, headline, illustrative, money,
    percent, price_caption, saving_tone, shown, shown_frame, sources, tokens, verdict,
)
from pages._ui.lever_form import LeverForm, publish

LEVER = ds.LEVER

st.title("Distillation payback")
st.caption(LEVER.question)
answer = st.container()  # the verdict, filled once the result exists
glossary.glossary("distillation", "teacher and student", "fallback", "upkeep", "payback", "epoch", "illustrative")

ctx = context()
illustrative("Training prices, evaluation cost, upkeep and quality retained are illustrative; replace them with your "
             "provider's fine-tuning prices and your own evals. Every amount is typed in your currency.")

form = LeverForm(LEVER, ctx)
models, running = st.columns(2)
with models:
    st.markdown("**Student and teacher**")
    source = form("student_source")
    if source == "Self-hosted":
        hosted = form("self_hosted_price")
        st.caption(f"Student: served by you at {money(hosted, 4)} per million tokens, input and output alike.")
    else:
        student = form("student")
        st.caption(f"Student: {price_caption(ctx.catalogue.get(student))}")
    teacher = form("teacher")
    st.caption(f"Teacher: {price_caption(ctx.catalogue.get(teacher))}")
with running:
    st.markdown("**Running the student**")
    form("quality_retained")
    form("fallback_mode")
    form("upkeep_per_month")
    form("horizon_months")

labelling, training = st.columns(2)
with labelling:
    st.markdown("**Labelling with the teacher**")
    form("examples")
    form("label_input_tokens")
    form("label_output_tokens")
    if form("use_batch") and ctx.catalogue.get(teacher).batch is None:
        form("batch_discount")
with training:
    st.markdown("**Training and evaluation**")
    if form("training_mode") == "Per training token":
        form("training_price")
        form("epochs")
    else:
        form("gpu_hours")
        form("gpu_rate")
    form("evaluation_cost")
x = form.inputs()
r = ds.evaluate(ctx.workload, x, ctx.catalogue, ctx.bill)
publish(LEVER, r.saving)
why_idle = ds.idle(ctx.workload, x, ctx.catalogue)
note = ds.caveat(ctx.workload, x, ctx.catalogue)
if note:
    st.warning(widgets._escape(note), icon=":material/warning:")

margin = r.margin_per_request
student_name = ("a self-hosted student" if x.student_source == "Self-hosted"
                else ctx.catalogue.get(x.student).model_name)
distilling = f"Distilling into {student_name}"
tone = saving_tone(r.saving)
if why_idle:
    tone, sentence = "idle", (f"Distillation changes nothing on this workload and saves {money(0.0)}: "
                              f"{widgets._escape(why_idle)}.")
elif r.requests == 0:
    tone, sentence = "idle", (
        f"The workload has no requests a month for the student to serve: nothing pays for the "
        f"{money(x.upkeep_per_month)} monthly upkeep or the {money(r.one_off.total)} one-off cost, so it never pays "
        "back at this volume (set the requests in the sidebar to see the volume at which it would).")
elif margin is not None and margin <= 0:
    tone, sentence = "costs", (
        f"{distilling} raises the bill by {money(-r.saving)} a month: per request the student and its fallbacks cost "
        f"{money(r.serving_per_request)} against {money(r.per_request_today)} today, so it never pays back, at any "
        "volume.")
elif r.payback_months is None:
    tone, sentence = "costs", (
        f"{distilling} never pays back: at {tokens(r.requests)} requests a month the {money(margin)} it saves per "
        f"request does not cover the {money(x.upkeep_per_month)} monthly upkeep (it needs more than "
        f"{tokens(r.min_volume)} requests a month).")
elif r.payback_months > x.horizon_months:
    tone, sentence = "costs", (
        f"{distilling} saves {money(r.saving)} a month ({percent(r.saving_share, 0)}) but pays back its "
        f"{money(r.one_off.total)} one-off cost only after {r.payback_months:.1f} months, beyond your "
        f"{x.horizon_months}-month horizon.")
else:
    sentence = (f"{distilling} saves {money(r.saving)} a month ({percent(r.saving_share, 0)}) and pays back its "
                f"{money(r.one_off.total)} one-off cost in {r.payback_months:.1f} months.")
with answer:
    verdict(sentence, tone)

change = r.after.total - r.today.total
headline([
    Metric("Bill after, per month", money(r.after.total),
           delta=("+" if change > 0 else "-") + f"{money(abs(change))} vs today {money(r.today.total)}",
           delta_color="inverse",
           help=f"The student, today's model for the {percent(x.fallback_share)} of requests that fall back "
           f"({x.fallback_mode.lower()}), plus upkeep. Today (the sidebar's bill): {money(r.today.total)}."),
    Metric("Monthly saving", money(r.saving),
           delta=f"{money(r.saving / r.requests)} per request" if r.requests else None, delta_color="off",
           help="Today's bill minus the bill after distillation, upkeep included: the Overview's bar."),
    Metric("One-off cost", money(r.one_off.total),
           help="Teacher labelling + training + evaluation, paid before the first saving. "
           + glossary.term("teacher and student")),
    Metric("Payback, months", f"{r.payback_months:.1f}" if r.payback_months is not None else "never",
           help="One-off cost / monthly saving. " + glossary.term("payback")),
])
basis = {
    "batch price": f"at {teacher}'s batch prices",
    "typed discount": f"at standard prices less your {percent(x.batch_discount, 0)} batch discount: the catalogue has "
                      f"no batch price for {teacher}",
    "standard price": "at standard prices",
}[r.one_off.labelling_basis]
st.caption(
    f"One-off: labelling {money(r.one_off.labelling)} ({tokens(x.examples)} examples {basis}) + training "
    f"{money(r.one_off.training)}"
    + (f" ({tokens(r.one_off.training_tokens)} training tokens)" if x.training_mode == "Per training token" else "")
    + f" + evaluation {money(r.one_off.evaluation)}. "
    + (f"Per request: {money(r.per_request_today)} today; the student and its "
       f"{percent(x.fallback_share)} fallbacks {money(r.serving_per_request)}, plus {money(x.upkeep_per_month)} "
       "upkeep a month. " if r.requests else "")
    + (f"It pays back within {x.horizon_months} months above {tokens(r.volume_for_horizon)} requests a month, and "
       f"never below {tokens(r.min_volume)}." if r.volume_for_horizon is not None
       else "With no requests to distil, the volume at which it pays back is unknown." if r.requests == 0
       else "It never pays back at any volume.")
)

cumulative_tab, volume_tab, sure_tab = chart_tabs(["Cumulative cost", "Payback vs volume", SURE_TAB], key="ds.view")
if cumulative_tab.open:  # only the open tab is computed, sent and drawn
    with cumulative_tab:
        curve = shown_frame(ds.cumulative_curve(r), "teacher_only", "distilled", "cumulative_saving")
        _, at_horizon = r.cumulative(x.horizon_months)
        fig = figures.line_chart(
            curve, x="month", series={"teacher_only": "today's bill only",
                                      "distilled": "distil, then serve the student"},
            title="Cumulative cost: today's models vs distilling", x_title="months from the start",
            y_title="cumulative spend",
            markers=[figures.Marker(r.payback_months, f"pays back after {r.payback_months:.1f} months")
                     if r.payback_months is not None else None],
            current=figures.Current(x.horizon_months, shown(float(at_horizon)), f"{x.horizon_months}-month horizon"),
            y_tickprefix=currency(), y_tickformat=",",
        )
        chart(fig, curve, name="distillation cumulative cost")
if volume_tab.open:
    with volume_tab:
        if r.requests > 0:
            volume_curve = shown_frame(ds.payback_curve(r), "monthly_saving")
            floor = (figures.Marker(r.min_volume, f"never pays back below {tokens(r.min_volume)}")
                     if r.min_volume is not None and r.min_volume > 0 else None)
            markers = [
                figures.Marker(r.requests, "your volume", colour="#111111")
                if r.payback_months is None else None,  # otherwise the point on the curve shows it
                figures.Marker(r.volume_for_horizon,
                               f"within {x.horizon_months} months above {tokens(r.volume_for_horizon)}",
                               colour="#17A398") if r.volume_for_horizon is not None else None,
            ]
            fig2 = fig_distillation.payback_vs_volume(
                volume_curve, horizon_months=x.horizon_months, floor=floor, markers=markers,
                current=figures.Current(r.requests, r.payback_months, "your volume")
                if r.payback_months is not None else None,
            )
            chart(fig2, volume_curve, name="distillation payback vs volume")
            st.caption("Volume changes the running saving, not the one-off cost: the labelled set and training run "
                       "stay the same. The whole workload scales with the volume.")
        else:
            st.caption("No requests to distil: the payback-vs-volume chart needs some traffic to scale.")
if sure_tab.open:
    with sure_tab:
        ranges.lever_section(LEVER, ctx, x)

bill_lines(r.today, r.after, "after distillation")
explain(ds.EXPLANATION)
sources("hsieh_distilling", "batch_discount", "distillation_defaults", "genai_prices", "workload_defaults")
