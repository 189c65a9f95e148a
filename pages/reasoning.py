"""Reasoning economics: on which task types does a reasoning budget pay for itself?"""
import re

import streamlit as st

from calculators import reasoning
from pages._ui import fig_reasoning, figures, levers, table_input, widgets
from pages._ui.layout import (
    Metric, chart, context, currency, explain, headline, illustrative, money, percent, price_caption, sources, tokens,
)

st.title("Reasoning budgets: when chain-of-thought earns its cost")
st.caption("On which of your task types does a reasoning model or thinking budget pay for itself, and what does "
           "'always on' cost against 'only where it earns'?")


def _md(text: str) -> str:
    """A task name typed by the user, made inert in Markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>$~])", r"\\\1", text)


ctx = context()
st.caption(price_caption(ctx.prices))
illustrative("The task mix, accuracies, answer values and token budgets are illustrative; replace them with your "
             "own evals. Reasoning tokens are billed as output, on top of the workload's answer tokens.")

Inputs = reasoning.ReasoningInputs
controls = st.columns([1.2, 1, 1, 1.15, 1])
with controls[0]:
    effort = widgets.choice(Inputs, "effort", key="reason.effort", options=list(reasoning.EFFORTS))
budgets = {}
for column, e in zip(controls[1:], reasoning.EFFORTS, strict=True):
    with column:
        budgets[e] = widgets.number(Inputs, f"budget_{e}", key=f"reason.{e}")

st.markdown("**Task types** (edit cells, add or delete rows; the table travels in the page link).")
tasks, problems = table_input.edit_rows(reasoning.TaskType, reasoning.DEFAULT_TASKS, key="reason.tasks",
                                        label=lambda row: row.get("name"))
for message in problems:
    st.warning(f"{message} (row ignored)", icon=":material/warning:")
if not tasks:
    st.error("No valid task type in the table: add at least one row with a share, two accuracies and a value.",
             icon=":material/error:")
    st.stop()

x = widgets.validated(
    Inputs, requests_per_month=ctx.sidebar.requests_per_month, input_tokens=ctx.sidebar.input_tokens,
    output_tokens=ctx.sidebar.output_tokens, prices=ctx.prices, tasks=tuple(tasks), effort=effort,
    **{f"budget_{e}": v for e, v in budgets.items()},
)
result = reasoning.evaluate(x)
levers.publish(levers.reasoning_saving(x, result))
never, selective, always = (result.policies[p] for p in reasoning.POLICIES)

if result.shares_scaled:
    st.warning(f"The shares of traffic add up to {percent(result.share_total)}; they are scaled to 100%.",
               icon=":material/warning:")
if result.reasoning_tokens == 0:
    st.info(f"At effort '{x.effort}' no reasoning tokens are billed, so reasoning costs nothing extra here.",
            icon=":material/info:")
for t in result.tasks:
    flagged = [label for label, flag in (("without", t.no_correct_without), ("with", t.no_correct_with)) if flag]
    if flagged:
        st.warning(f"**{_md(t.name)}**: accuracy {' and '.join(flagged)} reasoning is 0%, so its cost "
                   "per correct answer is infinite (you pay for answers and get none right).",
                   icon=":material/warning:")


def _delta(value: float | None) -> str:
    """Signed money for a metric delta; ASCII '-' so Streamlit points the arrow down."""
    text = money(value)
    return "+" + text if value is not None and value > 0 else text.replace("−", "-", 1)


earning = [t.name for t in result.tasks if t.earns]
headline([
    Metric("Always on, per month", money(always.bill), delta=f"{_delta(always.bill_vs_never)} vs never",
           delta_color="inverse",
           help=f"{money(always.per_request)} per request: every request pays {tokens(result.reasoning_tokens)} "
                "reasoning tokens at the output price."),
    Metric("Where it earns, per month", money(selective.bill),
           delta=f"{_delta(selective.bill_vs_never)} vs never", delta_color="inverse",
           help=f"{money(selective.per_request)} per request: reasoning on for {percent(selective.reasoned_share)} "
                "of traffic, the task types whose extra correct answers are worth more than the extra tokens."),
    Metric("Selective vs always on, net", _delta(result.selective_gain_vs_always),
           help="Per month: net value (value of correct answers minus the bill) of 'only where it earns' minus "
                "that of 'always on'."),
    Metric("Break-even budget, tokens",
           tokens(result.break_even_tokens) if result.break_even_tokens is not None
           and result.break_even_tokens != float("inf") else ("any" if result.break_even_tokens else "never"),
           help="Reasoning tokens per request at which always-on reasoning's extra correct answers just pay for "
                "its extra tokens. Above it, always-on loses money; 'never' means no budget earns."),
])
names = ", ".join(_md(n) for n in earning)
st.caption(
    f"Reasoning earns its cost on {len(earning)} of {len(result.tasks)} task types "
    f"({percent(selective.reasoned_share)} of traffic){': ' + names if names else ''}. "
    f"Per request: never {money(never.per_request)} (the sidebar's baseline) · only where it earns "
    f"{money(selective.per_request)} · always on {money(always.per_request)}. Reasoning adds "
    f"{tokens(result.reasoning_tokens)} tokens × {currency()}{result.output_price:g}/MTok = "
    f"{money(result.extra_cost_per_request)} to each request it is on for."
)

curve = reasoning.policy_curve(x)
be = result.break_even_tokens
fig = figures.line_chart(
    curve, x="reasoning_tokens",
    series={"always_gain": reasoning.POLICY_LABEL["always"], "selective_gain": reasoning.POLICY_LABEL["selective"],
            "never_gain": reasoning.POLICY_LABEL["never"]},
    dashes={"never_gain": "dot"},
    title="Net monthly gain over 'never' vs reasoning tokens per request",
    x_title="reasoning tokens per request (accuracies held as entered)",
    y_title="value gained − extra bill, per month",
    markers=[figures.Marker(be, f"always-on break-even {tokens(be)} tokens")
             if be is not None and be != float("inf") else None],
    current=figures.Current(result.reasoning_tokens, always.gain_vs_never, f"'{x.effort}' effort, always on"),
    y_tickprefix=currency(), zero_line=True,
)
chart(fig, curve, name="reasoning net gain vs reasoning tokens")
st.caption("Each task type stops earning at its own budget (10⁶ × uplift × value / output price); the selective "
           "line bends there as it switches that type off.")

bills = reasoning.policy_frame(result)
fig2 = figures.stacked_bars(
    bills, x="policy", stacks={"answer_cost": "input and answer tokens", "reasoning_cost": "reasoning tokens"},
    title="Monthly bill by policy", x_title="", y_title="bill per month", y_tickprefix=currency(),
)
chart(fig2, bills, name="reasoning monthly bill by policy")

table = reasoning.task_frame(result)
fig3 = fig_reasoning.cost_per_correct_bars(
    table["task type"], table["per correct, off"], table["per correct, on"],
    title=f"Cost per correct answer by task type, reasoning off vs on at '{x.effort}'", currency=currency(),
)
chart(fig3, table, name="reasoning cost per correct answer")

st.subheader("Per task type")
st.dataframe(
    table, hide_index=True, width="stretch",
    column_config={
        "share": st.column_config.NumberColumn("share", format="percent"),
        "uplift": st.column_config.NumberColumn("uplift", format="percent",
                                                help="Accuracy with minus without, in points."),
        "break-even uplift": st.column_config.NumberColumn(
            "break-even uplift", format="percent",
            help="Extra cost per request / value of a correct answer. Empty: the answer has no value."),
        "per correct, off": st.column_config.NumberColumn(format=f"{currency()}%.4f",
                                                          help="Cost per correct answer, reasoning off."),
        "per correct, on": st.column_config.NumberColumn(format=f"{currency()}%.4f",
                                                         help="Cost per correct answer, reasoning on."),
        f"gain/request ({currency().strip()})": st.column_config.NumberColumn(format="%.4f",
                                                              help="Uplift × value − extra cost per request."),
        f"monthly gain ({currency().strip()})": st.column_config.NumberColumn(format="localized"),
    },
)

explain(reasoning.EXPLANATION)
sources("reasoning_billing", "sprague_cot", "chen_overthinking", "reasoning_defaults", "genai_prices",
        "workload_defaults")
