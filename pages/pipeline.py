"""The AI-everywhere antipattern: what the LLM calls in a pipeline cost, and what if some steps were plain code."""
import pandas as pd
import streamlit as st

from calculators import pipeline
from calculators.workload import DEFAULT_MODEL
from pages._ui import figures, levers, scenario, widgets
from pages._ui.layout import (
    Metric, catalogue, chart, context, currency, explain, headline, illustrative, money, percent, price_caption,
    sources,
)

st.title("The AI-everywhere pipeline")
st.caption("What do the LLM calls in our pipeline cost in money, latency and reliability, "
           "and what if some steps were plain code?")

ctx = context()
cat = catalogue()
keys = sorted(cat.keys())
illustrative(
    "The default pipeline is illustrative (an invoice-processing pipeline, not measured): replace its steps, "
    "tokens, latencies and success rates with your own. Four of its LLM steps do work that code does better, "
    "and are ticked for the what-if."
)
st.caption(
    f"Each of the sidebar workload's {ctx.sidebar.requests_per_month:,} requests per month runs the pipeline once. "
    "Each LLM step is priced with the model in its row. The table travels in the page link."
)

Step = pipeline.PipelineStep
fields = Step.model_fields


def _help(name: str) -> str | None:
    return fields[name].description


light = pipeline.DEFAULT_LIGHT_MODEL
defaults = pipeline.default_steps(DEFAULT_MODEL, light if light in keys else DEFAULT_MODEL)
column_config = {
    "name": st.column_config.TextColumn(fields["name"].title, help=_help("name"), max_chars=60, required=True,
                                        width="medium"),
    "kind": st.column_config.SelectboxColumn(fields["kind"].title, help=_help("kind"), options=list(pipeline.KINDS),
                                             required=True),
    "model_key": st.column_config.SelectboxColumn(fields["model_key"].title, help=_help("model_key"), options=keys,
                                                  width="medium"),
    "input_tokens": st.column_config.NumberColumn(fields["input_tokens"].title, help=_help("input_tokens"),
                                                  min_value=0, max_value=2_000_000, step=1, format="%d"),
    "output_tokens": st.column_config.NumberColumn(fields["output_tokens"].title, help=_help("output_tokens"),
                                                   min_value=0, max_value=200_000, step=1, format="%d"),
    "latency_ms": st.column_config.NumberColumn(fields["latency_ms"].title, help=_help("latency_ms"), min_value=0,
                                                max_value=3_600_000, format="%g", required=True),
    "success_rate": st.column_config.NumberColumn(fields["success_rate"].title + " (%)", help=_help("success_rate"),
                                                  min_value=0, max_value=100, format="%.2f%%", required=True),
    "convert": st.column_config.CheckboxColumn(fields["convert"].title, help=_help("convert")),
    "code_latency_ms": st.column_config.NumberColumn(fields["code_latency_ms"].title, help=_help("code_latency_ms"),
                                                     min_value=0, max_value=3_600_000, format="%g"),
    "code_success_rate": st.column_config.NumberColumn(fields["code_success_rate"].title + " (%)",
                                                       help=_help("code_success_rate"), min_value=0, max_value=100,
                                                       format="%.2f%%"),
}
initial = scenario.initial_rows(Step, defaults, key="pipe.table")  # the link's table, when it carries one
edited = st.data_editor(
    pd.DataFrame(pipeline.table_records(initial), columns=list(fields)),
    key="pipe.table", num_rows="dynamic", hide_index=True, width="stretch", column_config=column_config,
)
steps, problems = pipeline.parse_steps(edited.to_dict("records"), keys)
scenario.record_rows("pipe.table", steps, defaults)
for message in problems:
    st.warning(message, icon=":material/warning:")
if problems and steps:
    st.caption("Rows with a problem are left out of the figures below until they are fixed.")
if not steps:
    st.warning("The pipeline has no valid step yet: add at least one row with every column filled in.", icon=":material/warning:")
    st.stop()
if len(steps) > pipeline.MAX_STEPS:
    st.warning(f"Only the first {pipeline.MAX_STEPS} steps are used.", icon=":material/warning:")
    steps = steps[: pipeline.MAX_STEPS]

Inputs = pipeline.PipelineInputs
left, right = st.columns(2)
with left:
    rewrite = widgets.number(Inputs, "rewrite_cost", key="pipe.rewrite")
with right:
    target = widgets.number(Inputs, "target_success", key="pipe.target")
x = widgets.validated(Inputs, steps=tuple(steps), runs_per_month=ctx.sidebar.requests_per_month,
                      rewrite_cost=rewrite, target_success=target)
models = {s.model_key: cat.get(s.model_key) for s in x.steps if s.kind == "LLM"}
result = pipeline.evaluate(x, models)
levers.publish(levers.pipeline_saving(x, result))
before, after = result.original, result.what_if

headline([
    Metric("Monthly bill, what-if", money(after.cost_per_month),
           delta=f"{'-' if result.saving_per_month > 0 else '+'}{money(abs(result.saving_per_month))} vs original",
           delta_color="inverse",
           help=f"Original pipeline: {money(before.cost_per_month)}/month = {money(before.cost_per_run)} per run × "
                f"{x.runs_per_month:,} runs."),
    Metric("Cost per run", money(after.cost_per_run), delta=f"was {money(before.cost_per_run)}", delta_color="off"),
    Metric("End-to-end success", percent(after.success),
           delta=f"{result.success_change * 100:+.1f} pts",
           help=f"Product of the steps' success rates. Original pipeline: {percent(before.success)}."),
    Metric("Latency per run", f"{after.latency_ms / 1000:,.2f} s",
           delta=f"{result.latency_change_ms / 1000:+,.2f} s", delta_color="inverse",
           help="Sum of the steps' latencies (they run in sequence)."),
    Metric("Payback (months)", f"{result.payback_months:,.1f}" if result.payback_months is not None else "never",
           help="Months until the monthly saving repays the one-off rewrite cost: rewrite cost ÷ monthly saving."),
])

st.subheader("Original vs what-if")
st.dataframe(
    pd.DataFrame({
        "": ["LLM steps", "Cost per run", "Cost per month", "Latency per run", "End-to-end success",
             "Cost per successful run"],
        "Original": [str(before.llm_steps), money(before.cost_per_run), money(before.cost_per_month),
                     f"{before.latency_ms / 1000:,.2f} s", percent(before.success), money(before.cost_per_success)],
        f"What-if ({result.converted} step{'s' if result.converted != 1 else ''} as code)": [
            str(after.llm_steps), money(after.cost_per_run), money(after.cost_per_month),
            f"{after.latency_ms / 1000:,.2f} s", percent(after.success), money(after.cost_per_success)],
    }),
    hide_index=True, width="stretch",
)
for prices in models.values():
    st.caption(price_caption(prices))

steps_frame = result.steps
fig = figures.grouped_bars(
    steps_frame["step"], {"original": steps_frame["cost_per_month"], "what-if": steps_frame["what_if_cost_per_month"]},
    title="Monthly cost by step", y_title="cost per month", y_tickprefix=currency(),
)
chart(fig, steps_frame[["step", "runs_as", "what_if_runs_as", "cost_per_month", "what_if_cost_per_month",
                        "latency_ms", "what_if_latency_ms"]], name="pipeline cost by step")

fig2 = figures.line_chart(
    steps_frame.assign(position=range(1, len(steps_frame) + 1)), x="position",
    series={"cumulative_success": "original", "what_if_cumulative_success": "what-if"},
    title="Share of runs still on track after each step", x_title="after step", y_title="runs with every step right",
    y_tickformat=".0%", x_tickformat="d",
)
chart(fig2, steps_frame[["step", "success", "what_if_success", "cumulative_success", "what_if_cumulative_success"]],
      name="pipeline success through the steps")

curve = pipeline.success_curve(x, result)
series = {"reference": f"every LLM step at {percent(pipeline.REFERENCE_STEP_SUCCESS, 0)}"}
if "yours" in curve:
    series["yours"] = f"at your average LLM step ({percent(result.mean_llm_success)})"
n_star = result.llm_steps_for_target
fig3 = figures.line_chart(
    curve, x="llm_steps", series=series,
    title="End-to-end success vs number of chained LLM steps", x_title="LLM steps in the pipeline",
    y_title="end-to-end success", y_tickformat=".0%",
    markers=[
        figures.Marker(n_star, f"below {percent(x.target_success, 0)} after {n_star:.1f} steps")
        if n_star is not None and n_star <= curve["llm_steps"].max() else None,
        figures.Marker(pipeline.REFERENCE_STEPS, "12 steps at 95% → 54%", colour="#5C6B73"),
    ],
    current=figures.Current(before.llm_steps, float(curve["yours"].iloc[before.llm_steps]), "your pipeline")
    if "yours" in curve and before.llm_steps <= curve["llm_steps"].max() else None,
)
chart(fig3, curve, name="pipeline success vs llm steps")

if result.converted:
    payback = pipeline.payback_curve(x, result)
    fig4 = figures.line_chart(
        payback, x="month", series={"net_saving": "cumulative saving − rewrite cost"},
        title="Does the rewrite pay back?", x_title="months after the rewrite", y_title="net saving",
        y_tickprefix=currency(), zero_line=True,
        markers=[figures.Marker(result.payback_months, f"pays back after {result.payback_months:,.1f} months")
                 if result.payback_months is not None else None],
    )
    chart(fig4, payback, name="pipeline rewrite payback")
else:
    st.caption("Tick **What-if: as code** on an LLM step to see the what-if and its payback.")

explain(pipeline.EXPLANATION)
sources("pipeline_reliability", "pipeline_defaults", "genai_prices")
