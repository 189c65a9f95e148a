"""Retry budgets for agents: what a per-step failure rate does to the bill, and what a retry budget buys."""
import streamlit as st

from calculators import retries
from calculators.prices import ModelPrices
from pages._ui import fig_retry_pipeline as figs, levers
from pages._ui import figures, widgets
from pages._ui.layout import (
    Metric, chart, context, currency, explain, headline, money, percent, price_caption, sources,
)

st.title("Retry budgets for agents")
st.caption("What does a per-step failure rate do to an agent's bill, and what does capping retries buy?")

ctx = context()
st.caption(price_caption(ctx.prices))
st.caption(
    f"Each of the sidebar workload's {ctx.sidebar.requests_per_month:,} requests per month is one agent task. "
    "Task-shape defaults are illustrative; attempt cap and budget follow the Google SRE book."
)

Inputs = retries.RetryInputs
col1, col2, col3 = st.columns(3)
with col1:
    steps = widgets.number(Inputs, "steps", key="retry.steps")
    failure = widgets.number(Inputs, "failure_rate", key="retry.p")
    attempts = widgets.number(Inputs, "max_attempts", key="retry.k")
    restarts = widgets.number(Inputs, "restarts", key="retry.restarts")
with col2:
    prompt = widgets.number(Inputs, "prompt_tokens", key="retry.S",
                            default=min(ctx.sidebar.input_tokens, 1_000_000))
    output = widgets.number(Inputs, "output_tokens", key="retry.A",
                            default=min(ctx.sidebar.output_tokens, 100_000))
    tool = widgets.number(Inputs, "tool_tokens", key="retry.R")
with col3:
    billed = widgets.number(Inputs, "failed_output_share", key="retry.billed")
    replay = widgets.choice(Inputs, "replay", key="retry.replay")
    budget_on = widgets.toggle(Inputs, "budget_on", key="retry.budget_on")
    budget = (widgets.number(Inputs, "budget", key="retry.budget") if budget_on
              else Inputs.model_fields["budget"].default)

x = widgets.validated(
    Inputs, steps=steps, failure_rate=failure, max_attempts=attempts, restarts=restarts, prompt_tokens=prompt,
    output_tokens=output, tool_tokens=tool, failed_output_share=billed, replay=replay, budget_on=budget_on,
    budget=budget, tasks_per_month=ctx.sidebar.requests_per_month,
)


@st.cache_data(show_spinner=False, max_entries=64)
def _simulate(inputs_json: str, prices_json: str) -> retries.SimulationSummary:
    inputs = retries.RetryInputs.model_validate_json(inputs_json)
    return retries.simulate(inputs, ModelPrices.model_validate_json(prices_json)).summary()


result = retries.evaluate(x, ctx.prices)
levers.publish(levers.retries_saving(ctx, x, result))
if result.clean_cost <= 0:
    st.warning(f"{ctx.prices.label} is priced at zero in the catalogue, so failures cost nothing here. "
               "Pick a priced model in the sidebar.", icon=":material/warning:")
    st.stop()
if result.overflow_step is not None:
    st.warning(
        f"From step {result.overflow_step} the history ({result.last_context:,.0f} tokens at the last step) exceeds "
        f"{ctx.prices.model_name}'s context window of {ctx.prices.context_window:,} tokens: a real agent would have "
        "to compact it (see the Agent loops page). Costs here assume it fits.",
        icon=":material/warning:",
    )
sim = _simulate(x.model_dump_json(exclude={"tasks_per_month"}), ctx.prices.model_dump_json())  # volume-free

headline([
    Metric("Monthly bill", money(result.monthly_cost),
           delta=f"{result.overhead:+.1%} vs no failures", delta_color="inverse",
           help=f"{x.tasks_per_month:,} tasks × {money(result.expected_cost)} expected per task (failed attempts, retries, "
                f"restarts and abandoned tasks included). With no failures: {money(result.clean_monthly_cost)}."),
    Metric("Cost per task", money(result.expected_cost), delta=f"clean task {money(result.clean_cost)}",
           delta_color="off", help="Expected spend per task started."),
    Metric("Per successful task", money(result.cost_per_success),
           delta=f"×{result.multiplier:.2f} the clean cost" if result.multiplier is not None else None,
           delta_color="off", help="Cost per task ÷ task success probability: what each finished task really costs."),
    Metric("Task success", percent(result.success, 2),
           help="Probability every step succeeds within its attempts (and restarts)."),
    Metric("Cost ×2 at p =", percent(result.doubles_at) if result.doubles_at is not None else "never",
           help="Per-step failure probability at which the cost per successful task is twice the clean cost, "
                "under your policy (solved exactly)."),
])

requests_line = (
    f"{result.requests_per_task:.2f} API calls per task ({percent(result.retry_share)} of them retries)"
    + (f"; the budget admits {percent(result.admitted)} of wanted retries" if x.budget_on and x.max_attempts > 1
       else "")
    + (f"; it starts refusing above p = {percent(result.budget_binds_at)}" if result.budget_binds_at is not None
       else "")
    + "."
)
st.caption(requests_line)

curves = retries.policy_curves(x, ctx.prices)
policies = retries.policies(x)
budgeted = next((p for p in policies if p.budget is not None), None)
binds_at = budgeted.budget_binds_at if budgeted is not None else None
markers = [
    figures.Marker(result.doubles_at, f"your cost ×2 at {percent(result.doubles_at)}")
    if result.doubles_at is not None else None,
    figures.Marker(binds_at, f"{percent(budgeted.budget, 0)} budget binds at {percent(binds_at)}", colour="#17A398")
    if binds_at is not None else None,
]
solid = [p.name for p in policies if p.yours]
fig = figs.twin_panels(
    curves, x="failure_rate", names=[p.name for p in policies],
    left={p.name: f"{p.name}|multiplier" for p in policies}, right={p.name: f"{p.name}|success" for p in policies},
    title="Cost per successful task (× the clean task) and task success, vs per-step failure probability",
    x_title="per-step failure probability p", left_title="× clean cost (log scale)", right_title="task success",
    left_log=True, x_tickformat=".0%", right_tickformat=".0%", solid=solid,
    left_markers=markers, right_markers=[markers[1]],
    left_current=figures.Current(x.failure_rate, result.multiplier or 1.0),
    right_current=figures.Current(x.failure_rate, result.success),
)
chart(fig, curves, name="retries cost multiplier and success vs failure probability")
st.caption("Solid: your policy. The no-retry and restart-only cost lines coincide: a restart buys success, not a "
           "cheaper success, because every failed run is paid in full. The clean task is one where nothing fails.")

st.subheader("Distribution of cost per task")
headline([
    Metric("Median task (p50)", money(sim.p50)),
    Metric("p95 task", money(sim.p95), delta=f"×{sim.over_median(sim.p95):.2f} the median" if sim.p50 > 0 else None,
           delta_color="off"),
    Metric("p99 task", money(sim.p99), delta=f"×{sim.over_median(sim.p99):.2f} the median" if sim.p50 > 0 else None,
           delta_color="off"),
])
fig3 = figs.cost_histogram(
    sim.histogram, x="cost", stacks={"succeeded": "tasks that succeeded", "failed": "tasks that failed"},
    title=f"Cost per task across {sim.trials:,} simulated tasks (your policy)", x_title="cost per task",
    y_title="share of tasks", money_prefix=currency(),
    markers=[figures.Marker(sim.p50, f"p50 {money(sim.p50)}", colour="#5C6B73"),
             figures.Marker(sim.p95, f"p95 {money(sim.p95)}"),
             figures.Marker(sim.p99, f"p99 {money(sim.p99)}", colour="#8E5EA2")],
)
chart(fig3, sim.histogram, name="retries cost per task distribution")
st.caption(
    f"Monte Carlo mean {money(sim.mean)} ± {money(sim.margin95)} (95%) vs closed form "
    f"{money(result.expected_cost)}; {percent(sim.success, 2)} of simulated tasks succeeded (closed form "
    f"{percent(result.success, 2)}). Seeded, so the same inputs give the same figures."
    + ("" if sim.trials == retries.DEFAULT_TRIALS else
       f" {sim.trials:,} trials instead of {retries.DEFAULT_TRIALS:,}: at these settings each task sees many "
       "failures, and fewer trials keep the page fast.")
)

st.subheader("Retry amplification across layers")
st.caption("When several services in a stack each retry, the attempts multiply at the bottom: the model API.")
Amp = retries.AmplificationInputs
a1, a2, a3 = st.columns(3)
with a1:
    per_layer = widgets.number(Amp, "attempts_per_layer", key="retry.amp_attempts")
with a2:
    layers = widgets.number(Amp, "layers", key="retry.amp_layers")
with a3:
    amp_budget = widgets.number(Amp, "budget", key="retry.amp_budget")
amp_inputs = widgets.validated(Amp, attempts_per_layer=per_layer, layers=layers, budget=amp_budget,
                               failure_rate=x.failure_rate)
amp = retries.amplification(amp_inputs)
headline([
    Metric("Worst case, no budget", f"×{amp.worst_case:,.0f}",
           help="API calls per user request when every call fails: attempts per layer ^ layers."),
    Metric("Worst case with budgets", f"×{amp.worst_case_budget:,.2f}",
           help="Each layer's retries capped at the budget share of its requests: (1 / (1 − budget)) ^ layers."),
    Metric(f"At p = {percent(x.failure_rate)}", f"×{amp.expected:,.2f}",
           delta=f"×{amp.expected_budget:,.2f} with budgets",
           delta_color="off", help="Expected API calls per user request at the per-step failure probability above."),
])
if amp.budget_binds_at is not None:
    st.caption(f"With budgets, each layer starts refusing retries once more than {percent(amp.budget_binds_at)} of "
               "the calls it makes fail; below that the budgets change nothing.")

explain(retries.EXPLANATION)
sources("sre_retries", "retry_defaults", "genai_prices")
