"""Routing and cascades: will a router (or a cascade) pay for itself, given its real accuracy?"""
import streamlit as st

from calculators import routing as rt
from pages._ui import figures, levers, widgets
from pages._ui.layout import (
    Metric, catalogue, chart, context, currency, explain, headline, illustrative, money, percent, price_caption,
    sources,
)

st.title("Routing and cascades: when the router costs more than it saves")
st.caption("Will a router (or a cheap-first cascade) pay for itself, given how accurate it really is?")

ctx = context()
cat = catalogue()
keys = cat.keys()
illustrative("Every rate, cost and latency below is illustrative: measure your router's confusion matrix and your "
             "models' success rates on your own traffic. Model prices come from the catalogue; latencies are "
             "typical values, not measurements.")

Inputs = rt.RoutingInputs


def load_trap() -> None:
    """Set the widgets to the 'escalating 60% where 30% was planned' cascade, in each widget's display units."""
    for name, value in rt.TRAP_SETTINGS.items():
        shown = value if isinstance(value, str) else round(value * widgets.NumberSpec.of(Inputs, name).scale, 9)
        st.session_state[f"rt.{name}"] = shown
    if rt.TRAP_CHEAP_MODEL in keys:
        st.session_state["rt.cheap"] = rt.TRAP_CHEAP_MODEL


models = st.columns([2, 2, 3])
with models[0]:
    strong_key = widgets.choice(None, None, key="rt.strong", options=keys, default=ctx.sidebar.model_key,
                                label="Strong model", help="The model every request goes to today (the sidebar's).")
strong = cat.get(strong_key)
with models[1]:
    cheap_key = widgets.choice(
        None, None, key="rt.cheap", options=keys, label="Cheap model",
        default=rt.default_cheap_model(strong, cat, ctx.sidebar.input_tokens, ctx.sidebar.output_tokens),
        help="Where simple requests go. Default: a cheaper model of the same provider.")
cheap = cat.get(cheap_key)
with models[2]:
    mode = widgets.choice(Inputs, "mode", key="rt.mode", format_func=rt.MODE_LABEL.get, widget="radio")
    st.button("Show a cascade that raises the bill", on_click=load_trap, icon=":material/trending_up:",
              help="Escalates 60% of requests where 30% was planned, with a cheap model at half the strong price "
                   "and a score that misses bad answers, which users then retry.")
st.caption(price_caption(strong))
st.caption(price_caption(cheap))

left, middle, right = st.columns(3)
with left:
    st.markdown("**Traffic**")
    simple = widgets.number(Inputs, "simple_share", key="rt.simple_share")
    retry = widgets.number(Inputs, "user_retry", key="rt.user_retry")
    router_cost = widgets.number(Inputs, "router_cost_per_1k", key="rt.router_cost")
with middle:
    defaults = Inputs.model_fields
    if mode == "router":
        st.markdown("**Router confusion matrix**")
        to_cheap = widgets.number(Inputs, "simple_to_cheap", key="rt.simple_to_cheap")
        wrong_cheap = widgets.number(Inputs, "complex_to_cheap", key="rt.complex_to_cheap")
        fallback = widgets.number(Inputs, "fallback_catch", key="rt.fallback_catch")
        catch, false_esc = defaults["catch_rate"].default, defaults["false_escalation"].default
    else:
        st.markdown("**Confidence score**")
        catch = widgets.number(Inputs, "catch_rate", key="rt.catch_rate")
        false_esc = widgets.number(Inputs, "false_escalation", key="rt.false_escalation")
        to_cheap, wrong_cheap = defaults["simple_to_cheap"].default, defaults["complex_to_cheap"].default
        fallback = defaults["fallback_catch"].default
with right:
    st.markdown("**Answer quality**")
    q_simple = widgets.number(Inputs, "cheap_success_simple", key="rt.q_simple")
    q_complex = widgets.number(Inputs, "cheap_success_complex", key="rt.q_complex")
    q_strong = widgets.number(Inputs, "strong_success", key="rt.q_strong")
with st.expander("Latency (illustrative)"):
    lat = st.columns(3)
    with lat[0]:
        router_ms = widgets.number(Inputs, "router_latency_ms", key="rt.router_ms")
    with lat[1]:
        cheap_ms = widgets.number(Inputs, "cheap_latency_ms", key="rt.cheap_ms")
    with lat[2]:
        strong_ms = widgets.number(Inputs, "strong_latency_ms", key="rt.strong_ms")

cheap_call, strong_call = rt.call_costs(strong, cheap, ctx.sidebar.input_tokens, ctx.sidebar.output_tokens)
x = widgets.validated(
    Inputs, requests_per_month=ctx.sidebar.requests_per_month, cheap_call_cost=cheap_call,
    strong_call_cost=strong_call, mode=mode, simple_share=simple, simple_to_cheap=to_cheap,
    complex_to_cheap=wrong_cheap, fallback_catch=fallback, catch_rate=catch, false_escalation=false_esc,
    cheap_success_simple=q_simple, cheap_success_complex=q_complex, strong_success=q_strong, user_retry=retry,
    router_cost_per_1k=router_cost, router_latency_ms=router_ms, cheap_latency_ms=cheap_ms,
    strong_latency_ms=strong_ms,
)
result = rt.evaluate(x)
levers.publish(levers.routing_saving(x, result, cheap))


def signed(value: float, text: str) -> str:
    """A delta with an ASCII sign, so the metric arrow points the right way."""
    return ("-" if value < 0 else "+") + text


design = "router" if x.mode == "router" else "cascade"
headline([
    Metric(f"Per month, with the {design}", money(result.monthly),
           delta=f"{signed(-result.savings_monthly, money(abs(result.savings_monthly)))} vs all strong",
           delta_color="inverse", help=f"Router or scorer, model calls and the retries of bad answers. All strong: "
                                       f"{money(result.baseline_monthly)} a month."),
    Metric("Per request", money(result.per_request),
           delta=signed(result.per_request_change, money(abs(result.per_request_change))),
           delta_color="inverse", help="Per user request, retries included, vs every request on the strong model."),
    Metric("Quality: first answer good", percent(result.quality),
           delta=signed(result.quality_change, f"{abs(result.quality_change) * 100:.1f} pts"),
           help="Share of requests whose first answer to the user is good; all strong: the strong model's success."),
    Metric("p50 latency", f"{result.p50_latency_ms:,.0f} ms",
           delta=signed(result.latency_change_ms, f"{abs(result.latency_change_ms):,.0f} ms"),
           delta_color="inverse", help=f"Median over requests of the path's typical time (mean "
                                       f"{result.mean_latency_ms:,.0f} ms). Illustrative latencies."),
])
always = "saves at every" if result.savings_monthly > 0 else "loses at every"  # no root: one sign throughout
headline([
    Metric("Escalation rate", percent(result.escalation_rate),
           help="Share of requests the router sends to the strong model, or the score escalates."),
    Metric("Break-even escalation rate",
           percent(result.break_even_escalation) if result.break_even_escalation is not None else "none",
           delta=None if result.break_even_escalation is not None else f"{always} rate", delta_color="off",
           help="Raising false escalations, savings hit zero at this escalation rate."),
    Metric("Router accuracy" if x.mode == "router" else "Score accuracy", percent(result.accuracy),
           help="Share of decisions that are right: simple to cheap and complex to strong, or bad answers "
                "escalated and good ones kept."),
    Metric("Break-even accuracy",
           percent(result.break_even_accuracy) if result.break_even_accuracy is not None else "none",
           delta=None if result.break_even_accuracy is not None else f"{always} accuracy", delta_color="off",
           help="Scaling both errors together, savings hit zero at this accuracy."),
])
st.caption(f"Requests sent, retries included: {result.attempts_per_request:.3f} per user request "
           f"(all strong: {result.baseline_attempts_per_request:.3f}). Eventual success after retries: "
           f"{percent(result.eventual_success)}. One call costs {money(result.cheap_cost)} on the cheap model and "
           f"{money(result.strong_cost)} on the strong one at the workload's tokens.".replace("$", r"\$"))
if result.savings_monthly < 0:
    st.warning(
        f"**This {design} raises the bill** by {money(-result.savings_monthly)} a month "
        f"({percent(-result.savings_share) if result.savings_share is not None else '—'}): it escalates "
        f"{percent(result.escalation_rate, 0)} of requests, and bad answers add "
        f"{percent(result.retry_volume)} more requests as retries.".replace("$", r"\$"),
        icon=":material/trending_up:",
    )

c = currency()
curve = rt.savings_vs_escalation(x)
fig = figures.line_chart(
    curve, x="escalation_rate", series={"savings": f"savings vs all strong ({design})"},
    title="Monthly savings vs escalation rate", x_title="escalation rate (raising false escalations)",
    y_title="savings per month", x_tickformat=".0%", y_tickprefix=c, zero_line=True,
    markers=[figures.Marker(result.break_even_escalation, f"break-even {percent(result.break_even_escalation)}")
             if result.break_even_escalation is not None else None],
    current=figures.Current(result.escalation_rate, result.savings_monthly),
)
chart(fig, curve, name="routing savings vs escalation rate")

curve = rt.savings_vs_accuracy(x)
fig = figures.line_chart(
    curve, x="accuracy", series={"savings": f"savings vs all strong ({design})"},
    title=f"Monthly savings vs {'router' if x.mode == 'router' else 'score'} accuracy",
    x_title="accuracy (both errors scaled together)", y_title="savings per month", x_tickformat=".0%",
    y_tickprefix=c, zero_line=True,
    markers=[figures.Marker(result.break_even_accuracy, f"break-even {percent(result.break_even_accuracy)}")
             if result.break_even_accuracy is not None else None],
    current=figures.Current(result.accuracy, result.savings_monthly),
)
chart(fig, curve, name="routing savings vs accuracy")

parts = rt.cost_breakdown(x, result)
fig = figures.stacked_bars(parts, x="setup", stacks={col: col for col in parts.columns[1:]},
                           title="Where the money goes, per month", x_title="", y_title="cost per month",
                           y_tickprefix=c)
chart(fig, parts, name="routing cost breakdown")

explain(rt.EXPLANATION)
sources("routellm", "frugalgpt", "routing_defaults", "genai_prices", "workload_defaults")
