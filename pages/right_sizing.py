"""Model right-sizing: the cheapest model that meets a quality bar, per task class, vs one model for all."""
import streamlit as st

from calculators import right_sizing as rs
from pages._ui import fig_model_choice as figs, levers
from pages._ui import figures, scenario, table_input, widgets
from pages._ui.layout import (
    Metric, catalogue, chart, context, currency, explain, headline, illustrative, money, percent, price_caption,
    sources,
)

st.title("Model right-sizing: the “good enough” trap")
st.caption("How much of your traffic pays frontier prices for work a cheaper model does as well?")

ctx = context()
c = currency()
cat = catalogue()
keys = cat.keys()
illustrative("The task classes and pass rates are illustrative defaults, not measurements: replace them with your "
             "own eval numbers (you can paste a block of cells from a spreadsheet into the tables). "
             "Requests per month come from the sidebar.")

Inputs = rs.RightSizingInputs
default_models = rs.default_candidates(ctx.sidebar.model_key, keys)
linked = st.query_params.get_all("rs.models") or scenario.store().get("rs.models") or []
linked = [linked] if isinstance(linked, str) else linked
unknown = [v for v in linked if v not in keys]
if linked and "rs.models" not in st.session_state and not st.query_params.get_all("rs.models"):
    st.session_state["rs.models"] = [v for v in linked if v in keys][: rs.MAX_CANDIDATES]  # link opened elsewhere
top = st.columns([2, 1, 1])
with top[0]:
    if unknown:
        st.warning(f"Ignored the link's value `rs.models={widgets._display(unknown[0])}`: not a model in the "
                   "catalogue.", icon=":material/warning:")
    candidates = st.multiselect(
        "Candidate models", options=keys, default=default_models, key="rs.models", bind="query-params",
        max_selections=rs.MAX_CANDIDATES, help=Inputs.model_fields["candidates"].description, wrap=True,
    )
    scenario.record("rs.models", candidates, default_models)
if not candidates:
    st.error("Pick at least one candidate model.", icon=":material/error:")
    st.stop()
with top[1]:
    one_default = ctx.sidebar.model_key if ctx.sidebar.model_key in candidates else candidates[0]
    one_model = widgets.choice(Inputs, "one_model", key="rs.one", options=candidates, default=one_default)
    failure = widgets.choice(Inputs, "failure_mode", key="rs.fail", format_func=rs.FAILURE_LABEL.get)
with top[2]:
    bar = widgets.number(Inputs, "quality_bar", key="rs.bar")

st.markdown("**Task classes** (edit cells, add or delete rows)")
classes, problems = table_input.edit_rows(rs.TaskClass, rs.DEFAULT_CLASSES, key="rs.classes",
                                          label=lambda row: row.get("name"), in_link=True)
st.markdown("**Pass rate per class and model** (your evals; blank = not evaluated)")
rates, rate_problems = table_input.edit_matrix(
    list(dict.fromkeys(c.name for c in classes)), candidates,
    lambda r, c: rs.default_pass_rate(default_models.index(c), r) if c in default_models else None,
    key="rs.rates", corner="Task class", help="Share of attempts your eval grades as a pass (illustrative defaults).",
    validate=lambda r, v: table_input.validation_errors(rs.PassRateRow, {"task_class": r, "rates": v}),
    link_model=rs.PassRateRow,
)
st.caption("Both tables travel in the page link with every other setting, as long as they fit (about 4,000 "
           "characters each).")
for message in problems + rate_problems:
    st.error(message, icon=":material/error:")
if problems or rate_problems:
    st.stop()
if not classes:
    st.error("Add at least one task class.", icon=":material/error:")
    st.stop()

x = widgets.validated(
    Inputs, requests_per_month=ctx.sidebar.requests_per_month, classes=tuple(classes),
    candidates=tuple(candidates), pass_rates=tuple(tuple(rates[(c.name, m)] for m in candidates) for c in classes),
    one_model=one_model, quality_bar=bar, failure_mode=failure,
)
prices = {m: cat.get(m) for m in candidates}
result = rs.evaluate(x, prices)
levers.publish(levers.right_sizing_saving(x, result))


def signed(value: float) -> str:
    """A money delta with an ASCII sign, so the metric arrow points the right way."""
    return ("-" if value < 0 else "+") + money(abs(value))


headline([
    Metric("One model, monthly", money(result.one_model_monthly),
           help=f"Every class on {x.one_model}, failed attempts included: "
                f"{money(result.one_model_per_request)} per successful task."),
    Metric("Per class, monthly", money(result.per_class_monthly),
           delta=f"{signed(-result.savings_monthly)} ({percent(-result.savings_share)})"
           if result.savings_share is not None else None,
           delta_color="inverse",
           help="Each class on the cheapest candidate, per successful task, that meets the quality bar."),
    Metric("Per successful task", money(result.per_class_per_request),
           delta=signed(-result.savings_per_request), delta_color="inverse",
           help="Cost of one request that ends in a pass, traffic-weighted, vs the one model."),
    Metric("Savings multiple", f"{result.savings_multiple:.1f}×" if result.savings_multiple else "—",
           help="One-model bill divided by the per-class bill."),
    Metric("Break-even bar",
           "every bar" if result.saves_at_every_bar else percent(result.break_even_bar, 0)
           if result.break_even_bar is not None else "no bar saves",
           help="The highest quality bar that still saves money: above it only models that cost as much as the "
                "one model (or none) qualify."),
])
st.caption(f"The per-class policy moves {percent(result.share_moved, 0)} of traffic off {x.one_model}. "
           f"First-attempt pass rate, traffic-weighted: {percent(result.per_class_quality)} per class vs "
           f"{percent(result.one_model_quality)} on the one model. Failed attempts are "
           f"{rs.FAILURE_LABEL[x.failure_mode].lower()}.")
if result.unmet_classes:
    st.warning("No candidate meets the quality bar on: "
               + ", ".join(f"**{widgets._escape(n)}**" for n in result.unmet_classes)
               + ". These classes stay on the one model.", icon=":material/warning:")

table = rs.class_table(result)
st.dataframe(
    table, hide_index=True, width="stretch",
    column_config={
        "share": st.column_config.NumberColumn(format="percent", width="small"),
        "pass rate": st.column_config.NumberColumn(format="percent", width="small"),
        "break-even": st.column_config.NumberColumn(
            format="percent", width="small",
            help="The pass rate at which the chosen model costs, per successful task, what the one model costs. "
                 "Blank: it can never match."),
        "per task, one model": st.column_config.NumberColumn(f"{c}/task, one model", format="%.5f",
                                                           help="Per successful task."),
        "per task, chosen": st.column_config.NumberColumn(f"{c}/task, chosen", format="%.5f",
                                                        help="Per successful task."),
        "per month, one model": st.column_config.NumberColumn(f"{c}/month, one model", format="%.2f"),
        "per month, chosen": st.column_config.NumberColumn(f"{c}/month, chosen", format="%.2f"),
    },
)

fig = figures.grouped_bars(
    table["task class"], {"One model for everything": table["per month, one model"],
                          "Cheapest per class": table["per month, chosen"]},
    title="Spend by task class", y_title="cost per month", y_tickprefix=c,
)
chart(fig, table[["task class", "per month, one model", "per month, chosen"]], name="right-sizing spend by class")

curve = rs.savings_vs_bar(x, prices)
points = rs.frontier(x, prices, curve)
fig = figs.frontier(
    points, one_model=x.one_model,
    bar=figures.Marker(x.quality_bar, f"quality bar {percent(x.quality_bar, 0)}", colour="#5C6B73"),
    current=figures.Current(result.per_class_quality, result.per_class_monthly, "your bar"), money_prefix=c,
)
chart(fig, points, name="right-sizing cost vs quality frontier")
st.caption("Each blue point is the per-class policy at one quality bar; each diamond puts all traffic on one model. "
           "The vertical line is your quality bar, on the same pass-rate scale.")

fig = figs.savings_vs_bar(
    curve,
    marker=figures.Marker(result.break_even_bar, f"savings end above {percent(result.break_even_bar, 0)}")
    if result.break_even_bar is not None and not result.saves_at_every_bar else None,
    current=figures.Current(x.quality_bar, result.savings_monthly), money_prefix=c,
)
chart(fig, curve, name="right-sizing savings vs quality bar")

with st.expander("Prices used"):
    for m in candidates:
        st.caption(price_caption(prices[m]))
explain(rs.EXPLANATION)
sources("right_sizing_defaults", "genai_prices", "workload_defaults")
