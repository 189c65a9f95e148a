"""Routing and cascades: does a router (or a cheap-first cascade) pay for itself, given its real accuracy?"""
import streamlit as st

from calculators import routing as rt
from calculators.bill import model_prices
from pages._ui import ranges
from pages._ui import figures, glossary, widgets
from pages._ui.layout import (
    SURE_TAB, chart_tabs, Metric, bill_lines, chart, context, currency, explain, headline, illustrative, money,
    percent, price_caption, saving_tone, shown, shown_frame, sources, verdict,
)
from pages._ui.lever_form import LeverForm, key_of, publish

LEVER = rt.LEVER
Inputs = rt.RoutingInputs

st.title("Routing and cascades: a cheap model for the easy requests")
st.caption(LEVER.question)
answer = st.container()  # the verdict, filled once the result exists
glossary.glossary("routing", "escalation rate", "confusion matrix", "latency", "illustrative")

ctx = context()
keys = ctx.catalogue.keys()
illustrative("Every rate, cost per 1,000 requests and latency below is illustrative: measure your router's confusion "
             "matrix and your models' success rates on your own traffic. Model prices come from the catalogue; "
             "latencies are typical values, not measurements.")


def load_trap() -> None:
    """Set the widgets to the 'escalating 60% where 30% was planned' cascade, in each widget's display units."""
    for name, value in rt.TRAP_SETTINGS.items():
        shown_value = value if isinstance(value, str) else round(value * widgets.NumberSpec.of(Inputs, name).scale, 9)
        st.session_state[key_of(Inputs, name)] = shown_value
    if rt.TRAP_CHEAP_MODEL in keys:
        st.session_state[key_of(Inputs, "cheap_model")] = rt.TRAP_CHEAP_MODEL


form = LeverForm(LEVER, ctx)
models = st.columns([2, 3])
with models[0]:
    cheap_key = form("cheap_model")
with models[1]:
    mode = form("mode")
    st.button("Show a cascade that raises the bill", on_click=load_trap, icon=":material/trending_up:",
              help="Loads a cascade through Claude Haiku 4.5 (half of Claude Sonnet 5.5's price per request) whose "
                   "score escalates 60% of requests where 30% was planned and misses bad answers, which users then "
                   "retry. On the default workload it raises the bill; the headline says what it does on yours.")
strong_key = rt.strong_model(ctx.workload, cheap_key, ctx.catalogue)
strong_prices = model_prices(ctx.workload, ctx.catalogue, strong_key) if strong_key else None
if strong_prices is not None:
    st.caption(f"Strong model (today's, of the class with the most requests): {price_caption(strong_prices)}")
st.caption(f"Cheap model: {price_caption(ctx.catalogue.get(cheap_key))}")

left, middle, right = st.columns(3)
with left:
    st.markdown("**Traffic**")
    form("simple_share")
    form("user_retry")
    form("router_cost_per_1k")
with middle:
    if mode == "router":
        st.markdown("**Router confusion matrix**")
        form("simple_to_cheap")
        form("complex_to_cheap")
        form("fallback_catch")
    else:
        st.markdown("**Confidence score**")
        form("catch_rate")
        form("false_escalation")
with right:
    st.markdown("**Answer quality**")
    form("cheap_success_simple")
    form("cheap_success_complex")
    form("strong_success")
with st.expander("Latency (illustrative)"):
    lat = st.columns(3)
    form("router_latency_ms", container=lat[0])
    form("cheap_latency_ms", container=lat[1])
    form("strong_latency_ms", container=lat[2])
x = form.inputs()
r = rt.evaluate(ctx.workload, x, ctx.catalogue, ctx.bill)
publish(LEVER, r.saving)
why_idle = rt.idle(ctx.workload, x, ctx.catalogue)
if why_idle:
    with answer:
        verdict(f"Routing changes nothing on this workload and saves {money(0.0)}: {widgets._escape(why_idle)}.",
                "idle")
    st.stop()
note = rt.caveat(ctx.workload, x, ctx.catalogue)
if note:
    st.warning(widgets._escape(note), icon=":material/warning:")

design = "router" if x.mode == "router" else "cascade"
# No root: one sign throughout, read per request so that it holds with no requests too.
always = "saves at every rate" if r.saving_per_request > 0 else "loses at every rate"
be = r.break_even_escalation
cheap_name = ctx.catalogue.get(cheap_key).model_name
strong_name = strong_prices.model_name if strong_prices is not None else "today's model"
path = (f"sends {percent(r.escalation_rate)} of requests to {strong_name} and the rest to {cheap_name}"
        if x.mode == "router" else
        f"answers every request with {cheap_name} first and escalates {percent(r.escalation_rate)} to {strong_name}")
ends = ("at these prices it saves at every escalation rate" if be is None and r.saving_per_request > 0
        else f"it stops saving above a {percent(be)} escalation rate" if be is not None
        else "it loses money at every escalation rate")
tone = saving_tone(r.saving)
if r.coefficients.requests == 0:
    tone, sentence = "idle", (f"The workload has no requests a month, so routing moves no money: per request, the "
                              f"{design} would {'save' if r.saving_per_request > 0 else 'cost'} "
                              f"{money(abs(r.saving_per_request))}, and {ends}; the figures below are per request.")
elif tone == "saves":
    sentence = (f"The {design} {path}, saving {money(r.saving)} a month ({percent(r.saving_share, 0)}); {ends}.")
elif tone == "costs":
    sentence = (f"This {design} raises the bill by {money(-r.saving)} a month ({percent(-r.saving_share, 0)}): it "
                f"{path}" + (f", above the {percent(be)} at which it stops saving" if be is not None else "")
                + f", and bad answers add {percent(r.requests_per_user_request - 1)} more requests as retries (today "
                f"{percent(r.baseline_requests_per_user_request - 1)}).")
else:
    sentence = (f"The {design} {path} and leaves the bill at {money(r.today.total)}: the saving and the extra cost "
                "cancel.")
with answer:
    verdict(sentence, tone)
headline([
    Metric("Monthly saving", money(r.saving), delta=f"{percent(r.saving_share)} of today's bill", delta_color="off",
           help=f"Today's bill minus the bill with the {design}: the same user requests, priced by the same function "
           "(router or scorer, model calls, and the retries of bad answers)."),
    Metric(f"Bill with the {design}", money(r.after.total), delta=f"today {money(r.today.total)}", delta_color="off",
           help="Today is the sidebar's bill: every request on its own model, the user's retries of bad answers "
           "included."),
    Metric("Escalation rate", percent(r.escalation_rate),
           help="Share of requests the router sends to the strong model, or the score escalates. "
           + glossary.term("escalation rate")),
    Metric("Stops saving at", percent(be) if be is not None else "none",
           delta=None if be is not None else always, delta_color="off",
           help="Raising false escalations (good answers escalated anyway), the saving hits zero at this escalation "
           "rate."),
])
ratio = r.price_ratio
if be is None and r.saving_per_request > 0:
    st.caption(f"Why it saves at every escalation rate: a request on the cheap model costs {percent(ratio, 1)} of one "
               "on today's model. It stops paying when the cheap model is closer in price, the router costs more per "
               "request, or bad answers send users back: the button above shows a cascade that raises the bill.")
no_root = f"none ({always.replace('rate', 'accuracy')})"
st.caption(
    f"{'Router' if x.mode == 'router' else 'Score'} accuracy {percent(r.accuracy)}; break-even accuracy "
    + (percent(r.break_even_accuracy) if r.break_even_accuracy is not None else no_root)
    + f". One request costs {money(r.coefficients.cheap_cost)} on the cheap model and "
    f"{money(r.coefficients.strong_cost)} on today's model, at the workload's tokens"
    + (f" (today {money(r.coefficients.today_cost)}: its cache receives less traffic once part of it is routed)"
       if abs(r.coefficients.strong_cost - r.coefficients.today_cost) > 1e-9 * max(r.coefficients.today_cost, 1e-12)
       else "")
    + ". Along the curves below, cache hit rates stay those of your setting."
)

st.markdown("**Quality and latency**")
st.dataframe(
    [
        {"": "First answer good", "today": percent(r.baseline_quality), f"with the {design}": percent(r.quality)},
        {"": "Good after the user's retries", "today": percent(r.baseline_eventual),
         f"with the {design}": percent(r.eventual_success)},
        {"": "Requests per user request", "today": f"{r.baseline_requests_per_user_request:.3f}",
         f"with the {design}": f"{r.requests_per_user_request:.3f}"},
        {"": "p50 latency (illustrative)", "today": f"{x.strong_latency_ms:,.0f} ms",
         f"with the {design}": f"{r.p50_latency_ms:,.0f} ms"},
        {"": "Mean latency (illustrative)", "today": f"{x.strong_latency_ms:,.0f} ms",
         f"with the {design}": f"{r.mean_latency_ms:,.0f} ms"},
    ],
    hide_index=True,
)
st.caption("Latency: each path takes its typical time (router + cheap, router + cheap + strong, router + strong); the "
           "p50 says which path the typical attempt takes.")

c = currency()
escalation_tab, accuracy_tab, parts_tab, sure_tab = chart_tabs(
    ["Saving vs escalation rate", "Saving vs accuracy", "Where the money goes", SURE_TAB], key="rt.view")
if escalation_tab.open:  # only the open tab is computed, sent and drawn
    with escalation_tab:
        curve = shown_frame(rt.saving_vs_escalation(x, r.coefficients), "saving")
        fig = figures.line_chart(
            curve, x="escalation_rate", series={"saving": f"saving vs today ({design})"},
            title="Monthly saving vs escalation rate", x_title="escalation rate (raising false escalations)",
            y_title="saving per month", x_tickformat=".0%", y_tickprefix=c, y_tickformat=",", zero_line=True,
            markers=[figures.Marker(r.break_even_escalation, f"break-even {percent(r.break_even_escalation)}")
                     if r.break_even_escalation is not None else None],
            current=figures.Current(r.escalation_rate, shown(r.saving)),
        )
        chart(fig, curve, name="routing saving vs escalation rate")
if accuracy_tab.open:
    with accuracy_tab:
        curve = shown_frame(rt.saving_vs_accuracy(x, r.coefficients), "saving")
        fig = figures.line_chart(
            curve, x="accuracy", series={"saving": f"saving vs today ({design})"},
            title=f"Monthly saving vs {'router' if x.mode == 'router' else 'score'} accuracy",
            x_title="accuracy (both errors scaled together)", y_title="saving per month", x_tickformat=".0%",
            y_tickprefix=c, y_tickformat=",", zero_line=True,
            markers=[figures.Marker(r.break_even_accuracy, f"break-even {percent(r.break_even_accuracy)}")
                     if r.break_even_accuracy is not None else None],
            current=figures.Current(r.accuracy, shown(r.saving)),
        )
        chart(fig, curve, name="routing saving vs accuracy")
if parts_tab.open:
    with parts_tab:
        parts = rt.cost_breakdown(x, r)
        money_columns = [col for col in parts.columns if col != "setup"]
        parts = shown_frame(parts, *money_columns)
        fig = figures.stacked_bars(parts, x="setup", stacks={col: col for col in money_columns},
                                   title="Where the money goes, per month", x_title="", y_title="cost per month",
                                   y_tickprefix=c)
        chart(fig, parts, name="routing cost breakdown")
        st.caption("Today every request runs on today's model; its bad answers come back as retries. With routing, the "
                   "router or scorer sees every attempt, retries included.")
if sure_tab.open:
    with sure_tab:
        ranges.lever_section(LEVER, ctx, x)

bill_lines(r.today, r.after, f"with the {design}")
explain(rt.EXPLANATION)
sources("routellm", "frugalgpt", "routing_defaults", "routing_cheap_model", "genai_prices", "workload_defaults")
