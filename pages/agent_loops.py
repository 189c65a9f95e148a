"""Agent loops: why an agent task costs many times the single-call estimate, and which history policy cuts it."""
import pandas as pd
import streamlit as st

from calculators import agent_loops as agents
from calculators.workload import SimpleWorkload
from pages._ui import ranges
from pages._ui import figures, widgets
from pages._ui.glossary import glossary, term
from pages._ui.layout import (
    SURE_TAB, chart_tabs, Metric, bill_lines, chart, context, currency, explain, headline, illustrative, money,
    more_figures, multiple, percent, plain, price_caption, saving_tone, shown, shown_frame, sources, tokens,
    verdict,
)
from pages._ui.lever_form import LeverForm, publish
from pages._ui.workload_edit import SIDEBAR_KEYS, custom_rows, offer, preview

LEVER = agents.LEVER
PREVIEW_SHARE = 0.30  # illustrative: sources.toml agent_loops_policy_defaults
TERMS = ("agent step", "history caching", "compaction", "single-call estimate", "context window", "cache read",
         "illustrative")


def changes(result: agents.AgentResult, would: bool = False) -> str:
    """What the policy does to a bill a month, in words ("saves $X a month (Y% of the bill)")."""
    tone = saving_tone(result.saving)
    verb = {"saves": ("saves", "would save"), "costs": ("costs", "would cost"),
            "idle": ("changes", "would change")}[tone][would]
    if tone == "saves":
        return f"{verb} {money(result.saving)} a month ({percent(result.saving_share)} of the bill)"
    if tone == "costs":
        return f"{verb} {money(-result.saving)} a month more ({percent(-result.saving_share)} of the bill)"
    return f"{verb} the bill by less than a cent"


def sentence(r: agents.AgentResult, x: agents.AgentPolicyInputs, preview: agents.AgentResult | None,
             steps: int) -> str:
    """The page's verdict: what this history policy does to the bill, and to the cost of one task."""
    policy = f"“{agents.policy_label(x)}”"
    if r.task is None:
        assert preview is not None and preview.task is not None
        ahead = "would change nothing" if preview.idle else changes(preview, would=True)
        return (f"The history policy changes nothing on your {money(r.today.total)} bill: it has no agent tasks. "
                f"In the preview below ({percent(PREVIEW_SHARE, 0)} of requests as {steps}-step agent tasks), {policy} "
                f"{ahead}.")
    t = r.task
    task = (f"a {t.steps:,}-step task costs {money(t.cost_per_task)}, {multiple(t.multiplier)} the single-call "
            "estimate")
    if r.idle:
        return f"The history policy changes nothing: {r.idle}; {task}."
    return (f"Keeping every agent task's history as {policy} {changes(r)}: {task} "
            f"(today {money(t.cost_per_task_today)}).")

st.title("Agent loops: the token economy of multi-turn tool use")
st.caption(LEVER.question)
ctx = context()
verdict_slot = st.container()
st.caption(price_caption(ctx.prices))

form = LeverForm(LEVER, ctx)
left, right = st.columns(2)
with left:
    st.subheader("History policy")
    form("history_caching")
    compaction = form("compaction")
with right:
    if compaction == "sliding":
        form("keep_steps")
    elif compaction == "summarise":
        form("summarise_every")
        form("summary_tokens")
    else:
        st.caption("No compaction: every step re-sends the whole history. Pick a sliding window or a periodic summary "
                   "to bound it.")
x = form.inputs()
illustrative("The compaction settings (a 5-step window, a 1,000-token summary every 5 steps) are illustrative: set "
             "them to your agent's. History caching is on by default because it is the recommendation. Steps, tool "
             "results and today's caching come from the sidebar's anatomy.")
r = agents.analyse(ctx.workload, x, ctx.catalogue, ctx.bill)
publish(LEVER, r.saving)
p = None
if r.task is None:  # no agent tasks: a preview of the sidebar's workload with some
    s = ctx.sidebar
    history = widgets.stored_toggle(key=SIDEBAR_KEYS["history_caching"], default=ctx.prices.caches_automatically)
    steps = widgets.stored_number(SimpleWorkload, "agent_steps", key=SIDEBAR_KEYS["agent_steps"])
    tool = widgets.stored_number(SimpleWorkload, "tool_result_tokens", key=SIDEBAR_KEYS["tool_result_tokens"])
    ahead = preview(s, agent_share=PREVIEW_SHARE, agent_steps=steps, tool_result_tokens=tool, history_caching=history)
    p = agents.analyse(ahead, x, ctx.catalogue)
with verdict_slot:
    verdict(sentence(r, x, p, p.task.steps if p is not None and p.task is not None else 0),
            "idle" if r.idle else saving_tone(r.saving))
    glossary(*TERMS)


def overflow_text(view: agents.TaskView) -> tuple[str, str]:
    o = view.overflow
    if view.window is None:
        return "—", "no context window in the catalogue"
    if o is None:
        return "never", "bounded by compaction" if x.compaction != "none" else "the history does not grow"
    return f"step {o.step:,}", "within this task" if o.step <= view.steps else f"after this task's {view.steps} steps"


def same_overflow(a: agents.ContextOverflow | None, b: agents.ContextOverflow | None) -> bool:
    return a is not None and b is not None and (a.step, a.in_summary_call) == (b.step, b.in_summary_call)


task = r.task
if task is not None:
    where, note = overflow_text(task)
    headline([
        Metric("Monthly saving", money(r.saving), delta=f"{percent(r.saving_share)} of today's bill" if r.idle is None
               else "no effect", delta_color="off",
               help="Today's bill minus the bill with every agent task on this history policy: two workloads priced "
               "by the same function." + (f" No effect: {r.idle}." if r.idle else "")),
        Metric("Bill with this policy", money(r.after.total), delta=f"today {money(r.today.total)}", delta_color="off",
               help="Today is the sidebar's bill."),
        Metric("Cost per task", money(task.cost_per_task), delta=f"today {money(task.cost_per_task_today)}",
               delta_color="off", help=f"One '{plain(task.name)}' task of {task.steps} steps, every call priced "
               "(failures and summary calls included)."),
        Metric("× the single-call estimate", multiple(task.multiplier),
               delta=f"today {multiple(task.multiplier_today)}", delta_color="off",
               help=term("single-call estimate") + " Here: cost per task ÷ (steps × one call of the same class "
               "without its history)."),
    ])
    more_figures([
        Metric("Context overflows at", where, delta=note,
               delta_color="inverse" if task.overflows_within_task else "off",
               help=term("context window") + " The first call whose input plus output exceeds it, solved exactly for "
               "a task of any length under this policy."),
    ])
    if r.idle:
        st.caption(f"No effect on your workload: {r.idle}.")


def show(view: agents.TaskView, today_bill, after_bill, label: str) -> None:
    """The analysis of one agent class: steps, curve, policies."""
    st.caption(
        f"**{plain(view.name)}**{label}: {view.steps}-step tasks, {view.requests:,.0f} a month. Today: "
        f"{agents.policy_label(view.today_policy)}; with this policy: {agents.policy_label(x)}. A task sends "
        f"{tokens(view.input_tokens)} input tokens (naive: {view.steps} × one call = "
        f"{tokens(view.naive_input_tokens)}) and {tokens(view.output_tokens)} output tokens."
    )
    if view.caches_automatically:
        auto = view.policies.query("`compaction` == 'No compaction'").set_index("history caching")["cost per task"]
        st.info(f"{view.provider} caches repeated prefixes automatically, with no write premium: the sidebar counts "
                "agent history as cached today. Priced uncached, the same whole-history tasks would cost "
                f"{multiple(auto['off'] / auto['on'] if auto['on'] > 0 else None)} as much.", icon=":material/info:")
    elif not view.has_cache_price and x.history_caching:
        st.warning("This model has no cache price in the catalogue, so caching the history changes nothing here.",
                   icon=":material/warning:")
    hit = view.prefix_hit_rate
    st.caption(
        "The shared prefix (system prompt, tools) is the same for every task: on step 1 "
        + (f"{percent(hit, 0)} of tasks read it from the cross-task cache and the rest write it"
           if hit > 0 else "it is billed as the class bills it across tasks (not cached today)")
        + "; on later steps it comes from the task's own history cache when the history is cached."
    )
    over = view.overflow
    if over is not None and view.overflows_within_task:
        what = f"The summary call before step {over.step:,}" if over.in_summary_call else f"Step {over.step:,}"
        st.warning(f"{what} needs {tokens(over.tokens)} tokens, more than the model's {over.window:,}-token context "
                   "window: the API rejects that call, so the task cannot get past it without (more) compaction. The "
                   "bill refuses to price this class (it is left out of the total, not counted as if it fitted).",
                   icon=":material/warning:")
    elif view.window is None:
        st.caption("The catalogue has no context window for this model: overflow is not checked.")
    before = view.overflow_today
    if before is not None and before.step <= view.steps and not same_overflow(before, over):
        where = f"the summary call before step {before.step:,}" if before.in_summary_call else f"step {before.step:,}"
        st.caption(f"Today's policy breaks the {before.window:,}-token context window at {where} "
                   f"({tokens(before.tokens)} tokens): the API would reject it."
                   + (" This policy keeps every call within it." if not view.overflows_within_task else ""))

    step_tab, length_tab, sure_tab = chart_tabs(["Cost of each step", "Cost vs number of steps", SURE_TAB],
                                                key="agents.view")
    if step_tab.open:  # only the open tab is computed, sent and drawn
        with step_tab:
            steps = shown_frame(view.step_costs, "cached_input", "uncached_input", "output", "retries", "summary_call",
                                "total", "today_total")
            stacks = {"cached_input": "cached input (cache reads)",
                      "uncached_input": "uncached input (incl. cache writes)",
                      "output": "output (incl. reasoning)"}
            if view.step_costs["retries"].any():
                stacks["retries"] = "retries"
            if view.step_costs["summary_call"].any():
                stacks["summary_call"] = "summary call after this step"
            chart(figures.stacked_bars(
                steps, x="step", stacks=stacks, title="Cost of each step of one task, with this policy", x_title="step",
                y_title="cost per step", y_tickprefix=currency(),
                overlay_lines={"today_total": "today's policy (total)"},
                markers=[figures.Marker(over.step, f"context overflows at step {over.step}")]
                if over is not None and view.overflows_within_task else [],
            ), steps, name="agent cost per step")
    if length_tab.open:
        with length_tab:
            curve = shown_frame(view.curve, "today", "policy", "naive")
            last = int(view.curve["steps"].iloc[-1])
            markers = [figures.Marker(o.step, f"{tag} context overflows at step {o.step}", colour=colour)
                       for o, tag, colour in ((view.overflow, "this policy:", figures.BREAK_EVEN_COLOUR),
                                              (view.overflow_today, "today:", "#8E5EA2"))
                       if o is not None and o.step <= last]
            pays = view.pays_from_steps
            if pays is not None and pays > 1:
                markers.append(figures.Marker(pays, f"this policy is cheaper from {pays} steps", colour="#17A398"))
            chart(figures.line_chart(
                curve, x="steps", series={"today": "today's policy", "policy": "this policy",
                                          "naive": "naive: N × one call"},
                dashes={"naive": "dot"}, title="Cost per task vs number of steps", x_title="steps per task (N)",
                y_title="cost per task", y_tickprefix=currency(), markers=markers,
                current=figures.Current(view.steps, shown(view.cost_per_task), f"your tasks: {view.steps} steps"),
            ), curve, name="agent cost vs steps")
            st.caption("Each point is one priced task of N steps; at your number of steps it is the bill's cost per "
                       "task. For scale: Anthropic reports that its agents use about "
                       f"{agents.REPORTED_AGENT_MULTIPLE:g}× the tokens of chat, and multi-agent systems about "
                       f"{agents.REPORTED_MULTI_AGENT_MULTIPLE:g}×.")
    if sure_tab.open:
        with sure_tab:
            ranges.lever_section(LEVER, ctx, x)

    st.subheader("Every history policy")
    table = view.policies
    shown_table = shown_frame(pd.DataFrame({
        "compaction": table["compaction"], "history caching": table["history caching"],
        "cost per task": table["cost per task"], "bill per month": table["bill per month"],
        "× the single-call estimate": table["x naive"].map(multiple),
        "overflows at step": table["overflows at step"].map(
            lambda v: "never" if v is None or v != v else f"{int(v):,}"),
        "": [" · ".join(t for t, on in (("today", a), ("chosen", b)) if on)
             for a, b in zip(table["today"], table["chosen"], strict=True)],
    }), "cost per task", "bill per month")
    st.dataframe(shown_table, hide_index=True, width="stretch", column_config={
        "cost per task": st.column_config.NumberColumn(format=f"{currency()}%,.4f"),
        "bill per month": st.column_config.NumberColumn(format=f"{currency()}%,.0f")})
    st.caption(f"Compaction settings as chosen above; each row is the whole workload priced with that policy on "
               f"every agent class (today {money(today_bill.total)}).")
    bill_lines(today_bill, after_bill, "with this policy")


if task is not None:
    show(task, r.today, r.after, "")
else:
    assert p is not None
    st.info(f"Your sidebar bill is **{money(ctx.bill.total)}** and has no agent tasks, so the history policy changes "
            f"nothing on it. Below is a **preview**: the sidebar's workload with {percent(PREVIEW_SHARE, 0)} of its "
            f"requests as agent tasks of {steps} steps and {tool:,} tool-result tokens per step, which would bill "
            f"{money(p.today.total)} a month.", icon=":material/info:")
    st.caption(f"Preview, not your workload: the {percent(PREVIEW_SHARE, 0)} share of agent tasks is illustrative.")
    offer(f"Make {percent(PREVIEW_SHARE, 0)} of requests agent tasks", {"agent_share": PREVIEW_SHARE},
          key="agents.use_preview",
          help="Sets the sidebar's share of agent tasks; steps and tool results stay as the anatomy has them."
          + (" Replaces the custom table of call classes with the four numbers." if custom_rows() is not None else ""))
    st.subheader("Preview: with agent tasks")
    assert p.task is not None
    headline([
        Metric("Preview: saving", money(p.saving), delta=f"{percent(p.saving_share)} of the preview's bill",
               delta_color="off"),
        Metric("Preview: cost per task", money(p.task.cost_per_task),
               delta=f"today {money(p.task.cost_per_task_today)}",
               delta_color="off"),
        Metric("Preview: × the single-call estimate", multiple(p.task.multiplier),
               delta=f"today {multiple(p.task.multiplier_today)}", delta_color="off"),
    ])
    show(p.task, p.today, p.after, " (preview)")

explain(agents.EXPLANATION)
sources("anthropic_agents", "agent_loops_policy_defaults", "workload_defaults", "genai_prices", "anthropic_caching",
        "openai_caching", "long_context_cliff")
