"""Agent loops: why a tool-using agent costs many times the single-call estimate."""
import streamlit as st

from calculators import agent_loops as agents
from pages._ui import figures, levers, widgets
from pages._ui.layout import (
    Metric, chart, context, currency, explain, headline, illustrative, money, price_caption, sources,
)

st.title("Agent loops: the token economy of multi-turn tool use")
st.caption("Why does our agent cost 5-30× the single-call estimate? Every step re-sends the whole history.")

ctx = context()
illustrative("The task shape (steps, tool-result size, S/U split) and the compaction settings are illustrative; "
             "replace them with your agent's own numbers.")

Inputs = agents.AgentInputs


system_default, user_default = agents.default_split(ctx.sidebar.input_tokens)
window_default = ctx.prices.context_window or agents.DEFAULT_CONTEXT_WINDOW

shape, policy = st.columns(2)
with shape:
    st.subheader("One task")
    a, b = st.columns(2)
    system = widgets.number(Inputs, "system_tokens", key="agents.system",
                            default=system_default, container=a)
    user = widgets.number(Inputs, "user_tokens", key="agents.user", default=user_default,
                          container=b)
    assistant = widgets.number(Inputs, "assistant_tokens", key="agents.output",
                               default=min(ctx.sidebar.output_tokens, 200_000), container=a)
    tool = widgets.number(Inputs, "tool_result_tokens", key="agents.tool", container=b)
    steps = widgets.number(Inputs, "steps", key="agents.steps", container=a)
with policy:
    st.subheader("History policy")
    caching = widgets.toggle(Inputs, "caching", key="agents.cache")
    window = widgets.number(Inputs, "context_window", key="agents.window",
                            default=window_default)
    compaction = widgets.choice(Inputs, "compaction", key="agents.compaction", format_func=agents.COMPACTION_LABELS.get,
                                widget="radio")
    c1, c2 = st.columns(2)
    keep = every = summary = None
    if compaction == "sliding":
        keep = widgets.number(Inputs, "keep_steps", key="agents.keep", container=c1)
    if compaction == "summarise":
        every = widgets.number(Inputs, "summarise_every", key="agents.every", container=c1)
        summary = widgets.number(Inputs, "summary_tokens", key="agents.summary", container=c2)

optional = {k: v for k, v in {"keep_steps": keep, "summarise_every": every, "summary_tokens": summary}.items()
            if v is not None}
x = widgets.validated(
    Inputs, system_tokens=system, user_tokens=user, assistant_tokens=assistant, tool_result_tokens=tool,
    steps=steps, caching=caching, context_window=window, compaction=compaction,
    tasks_per_month=ctx.sidebar.requests_per_month, **optional,
)
result = agents.evaluate(x, ctx.prices)
levers.publish(levers.agent_loops_saving(x, result))
over = result.overflow

st.caption(price_caption(ctx.prices))
if ctx.prices.context_window is None:
    st.caption(f"genai-prices has no context window for this model: {agents.DEFAULT_CONTEXT_WINDOW:,} tokens "
               "assumed (illustrative). Edit it above.")
if x.caching and ctx.prices.cache_read is None:
    st.warning("This model has no cache-read price in the catalogue, so history caching changes nothing here.",
               icon=":material/warning:")

headline([
    Metric("Cost per task", money(result.cost_per_task),
           delta=f"{'+' if result.extra_per_task >= 0 else ''}{money(result.extra_per_task)} "
                 f"vs naive {money(result.naive_cost_per_task)}",
           delta_color="inverse",
           help="Sum of every step's request (and summary call) at the model's prices. Naive: n × one call with "
                "S+U input and A output."),
    Metric("Monthly cost", money(result.cost_per_month),
           delta=f"naive {money(result.naive_cost_per_month)}", delta_color="off",
           help="Cost per task × tasks per month (the workload's requests per month: one request = one agent "
                "task)."),
    Metric("Multiplier vs naive", f"{result.multiplier:.1f}×" if result.multiplier is not None else "—",
           help="Cost per task ÷ (n × one call). Above 1 because each step re-sends the history."),
    Metric("Context overflows at", f"step {over.step:,}" if over else "never",
           delta=(("within this task" if result.overflows_within_task else f"after this task's {x.steps} steps")
                  if over else "bounded by compaction"),
           delta_color="inverse" if result.overflows_within_task else "off",
           help="First request whose input plus output exceeds the context window (solved exactly)."),
])
st.caption(
    f"Tasks per month = the workload's {x.tasks_per_month:,} requests per month: each request is one agent task. "
    f"A task sends {result.input_tokens_per_task:,} input and {result.output_tokens_per_task:,} output tokens "
    f"(naive: {result.naive_input_tokens_per_task:,} and {result.naive_output_tokens_per_task:,})"
    + (f", including {result.summary_calls} summary call{'s' if result.summary_calls != 1 else ''}"
       if result.summary_calls else "")
    + ". Without caching or compaction it would cost " + money(result.quadratic_cost_per_task) + " per task."
)
if result.cache_payback_steps is not None and x.compaction == "none":
    st.caption(f"History caching (no compaction) costs no more than no caching from {result.cache_payback_steps} "
               f"step{'s' if result.cache_payback_steps != 1 else ''} per task on: the cache-read discount has "
               "then paid for the write premium.")

if over is not None and result.overflows_within_task:
    what = f"The summary call before step {over.step:,}" if over.in_summary_call else f"Step {over.step:,}"
    st.warning(
        f"{what} needs {over.tokens:,} tokens, more than the {x.context_window:,}-token context window: the API "
        "rejects that request, so the task cannot get past it without (more) compaction. The costs on this page "
        "count all steps as if the window were large enough.",
        icon=":material/warning:",
    )

# --- per-step bars -------------------------------------------------------------------------------------
table = agents.step_table(x, ctx.prices)
stacks = {
    "cached_input_cost": "cached input (cache reads)",
    "uncached_input_cost": "uncached input (incl. cache writes)",
    "output_cost": "output",
}
if result.summary_calls:
    stacks["summary_call_cost"] = "summary call after this step"
step_markers = []
if over is not None and result.overflows_within_task:
    step_markers.append(figures.Marker(over.step, f"context overflows at step {over.step}"))
fig = figures.stacked_bars(
    table, x="step", stacks=stacks, title="Cost of each step of one task", x_title="step",
    y_title="cost per step", markers=step_markers, y_tickprefix=currency(),
)
chart(fig, table, name="agent cost per step")

# --- cost vs steps ---------------------------------------------------------------------------------------
curve = agents.cost_curve(x, ctx.prices)
last = int(curve["steps"].iloc[-1])
markers = []
if over is not None and over.step <= last:
    markers.append(figures.Marker(over.step, f"context overflows at step {over.step}"))
tier = agents.tier_step(x, ctx.prices)
if tier is not None and tier <= last:
    markers.append(figures.Marker(tier, f"long-context price from step {tier} (no compaction)", colour="#8E5EA2"))
fig2 = figures.line_chart(
    curve, x="steps", series={
        "policy": "your policy (step model)",
        "quadratic": "no caching, no compaction (closed form, quadratic)",
        "naive": "naive: N × one call (linear)",
    },
    dashes={"quadratic": "dash", "naive": "dot"},
    title="Cost per task vs number of steps", x_title="steps per task (N)", y_title="cost per task",
    markers=markers, y_tickprefix=currency(),
)
figures.add_current(fig2, figures.Current(x.steps, result.cost_per_task, f"your task: {x.steps} steps"),
                    y_format=f"{currency()},.4g")
chart(fig2, curve, name="agent cost vs steps")
if over is not None and over.step > last:
    st.caption(f"The context overflows at step {over.step:,}, beyond this chart.")

# --- every policy -------------------------------------------------------------------------------------------
st.subheader("Every history policy at these settings")
compare = agents.compare_policies(x, ctx.prices)
shown = compare.assign(
    **{
        "cost per task": compare["cost per task"].map(money),
        "cost per month": compare["cost per month"].map(money),
        "× naive": compare["× naive"].map(lambda v: "—" if v != v or v is None else f"{v:.2f}×"),
        "overflows at step": compare["overflows at step"].map(lambda v: "never" if v != v or v is None
                                                              else f"{int(v):,}"),
        "current": compare["current"].map({True: "✓", False: ""}),
    }
).rename(columns={"current": "yours"})
st.dataframe(shown, hide_index=True, width="stretch")
st.caption("For scale: Anthropic reports that its agents use about 4× the tokens of chat interactions, and "
           "multi-agent systems about 15×.")

explain(agents.EXPLANATION)
sources("anthropic_agents", "agent_loop_defaults", "workload_defaults", "genai_prices", "anthropic_caching",
        "openai_caching", "long_context_cliff")
