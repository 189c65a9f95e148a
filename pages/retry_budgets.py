"""Retry budgets: what failures and retries do to the bill, and a retry policy judged at equal completed work."""
import streamlit as st

from calculators import retries
from pages._ui import ranges
from pages._ui import fig_retry_pipeline as figs
from pages._ui import figures, widgets
from pages._ui.glossary import glossary, term
from pages._ui.layout import (
    SURE_TAB, chart_tabs, Metric, bill_lines, chart, context, currency, explain, headline, illustrative, money,
    more_figures, multiple, percent, plain, price_caption, saving_tone, shown, shown_frame, sources, verdict,
)
from pages._ui.lever_form import LeverForm, publish
from pages._ui.page_cache import simulate
from pages._ui.workload_edit import custom_rows, offer, preview

LEVER = retries.LEVER
PREVIEW = {"failure_rate": 0.10, "max_attempts": 3, "failed_output_share": 0.5}  # sources.toml: retries_policy_defaults
TERMS = ("failure rate", "retry budget", "equal completed work", "cost per completed task", "retry amplification",
         "p95", "illustrative")


def effect(result: retries.RetryResult, would: bool = False) -> str:
    """What the policy does to the bill at equal completed work, and to task success, in words."""
    tone = saving_tone(result.saving)
    share = percent(abs(result.saving_share))
    bill = "the preview's bill" if would else "the bill"  # a preview's share is of its own bill, not the sidebar's
    success = (f"task success {'falls' if result.success_after < result.success_today else 'rises'} from "
               f"{percent(result.success_today)} to {percent(result.success_after)}, so it starts "
               f"{multiple(result.started_factor)} the tasks")
    if tone == "saves":
        return f"{'would save' if would else 'saves'} {money(result.saving)} a month ({share} of {bill}): {success}"
    if tone == "costs":
        return (f"{'would cost' if would else 'costs'} {money(result.change)} a month more ({share} of {bill}): "
                f"{success}")
    moved = abs(result.success_after - result.success_today) >= 0.0005  # a change a reader sees in 0.1% steps
    return f"{'would change' if would else 'changes'} the bill by less than a cent" + (
        f", but {success}: users see more failed tasks at the same cost per completed task" if moved else "")


def sentence(r: retries.RetryResult, x: retries.RetryPolicyInputs, preview: retries.RetryResult | None) -> str:
    """The page's verdict: what this retry policy costs or saves at equal completed work, or why it does nothing."""
    policy = (f"Up to {x.max_attempts} attempt{'s' if x.max_attempts != 1 else ''} per call "
              + (f"with a {percent(x.budget, 0)} retry budget" if x.budget_on else "with no retry budget"))
    if r.task is None:
        assert preview is not None
        ahead = f"would change nothing either: {preview.idle}" if preview.idle else effect(preview, would=True)
        return (f"No retry policy changes your {money(r.today.total)} bill: it has no failures. In the preview below "
                f"({percent(PREVIEW['failure_rate'], 0)} of attempts failing), {policy[0].lower() + policy[1:]} "
                f"{ahead}.")
    if r.refused is not None:
        e = r.refused
        return (f"Not booked: to complete what **{plain(e.name)}** completes today, "
                f"{policy[0].lower() + policy[1:]} would have to start {e.factor:,.0f} times as many tasks, so the "
                f"page books {money(0.0)}. Bring the failure rate down first.")
    if r.idle:
        return f"{policy} changes nothing here: {r.idle}."
    return f"At equal completed work, {policy[0].lower() + policy[1:]} {effect(r)}."

st.title("Retry budgets: judged at equal completed work")
st.caption(LEVER.question)
ctx = context()
verdict_slot = st.container()
st.caption(price_caption(ctx.prices))

form = LeverForm(LEVER, ctx)
c1, c2, c3 = st.columns(3)
form("max_attempts", container=c1)
if form("budget_on", container=c2):
    form("budget", container=c3)
x = form.inputs()


try:
    r = retries.analyse(ctx.workload, x, ctx.catalogue, ctx.bill)
except retries.NoTaskCompletes as exc:
    st.error(f"{exc}. Raise the attempt cap or the budget.", icon=":material/error:")
    st.stop()
publish(LEVER, r.saving)
p = retries.analyse(preview(ctx.sidebar, **PREVIEW), x, ctx.catalogue) if r.task is None else None
with verdict_slot:
    verdict(sentence(r, x, p), "idle" if r.idle or r.refused is not None else saving_tone(r.saving))
    glossary(*TERMS)


def signed(share: float) -> str:
    """A share of today's bill with its sign; float noise around zero shows as 0."""
    share = 0.0 if abs(share) < 5e-10 else share
    return ("+" if share > 0 else "−" if share < 0 else "") + percent(abs(share))


def metrics(result: retries.RetryResult, today_label: str = "today") -> list[Metric]:
    """The headline figures; `today_label` names the comparison ("without the policy" on a preview,
    whose bill is not the sidebar's)."""
    today, after = result.today, result.after
    if result.refused is not None and result.unbounded is not None:
        would = result.unbounded
        return [
            Metric("Change at equal work", money(0.0), delta="not booked: equal work out of reach",
                   delta_color="off", delta_arrow="off",
                   help=f"Equal completed work would start {multiple(result.refused.factor)} the tasks of "
                   f"'{plain(result.refused.name)}', beyond {retries.MAX_EQUAL_WORK_FACTOR:g}x: the lever books "
                   "nothing (the Overview too) and says why."),
            Metric("Bill it would take", money(would.total), delta=f"{today_label} {money(today.total)}",
                   delta_color="off", help="What starting that many tasks would bill: shown, not booked."),
            Metric("Cost per completed task", money(would.per_completed),
                   delta=f"{today_label} {money(today.per_completed)}", delta_color="off",
                   help="The bill ÷ tasks completed a month, with the policy at equal work (not booked) and today."),
            Metric("Task success", retries.share_text(result.refused.after),
                   delta=f"{today_label} {retries.share_text(result.refused.before)}", delta_color="off",
                   help=f"Share of '{plain(result.refused.name)}' tasks started that complete, with the policy and "
                        "today."),
        ]
    share = result.change / today.total if today.total else 0.0
    change = result.change if abs(share) >= 5e-10 else 0.0  # two bills of the same work: float noise is no change
    return [
        Metric("Change at equal work", money(change),  # a preview's share is of the preview's bill, not today's
               delta=f"{signed(share)} of " + ("today's bill" if today_label == "today" else "the preview's bill"), delta_color="inverse" if change else "off",
               delta_arrow="off" if change == 0 else None,
               help=term("equal completed work") + " Per month: the bill for the same completed tasks under this "
               "policy minus today's bill. The "
               f"Overview counts its opposite as the saving ({money(result.saving)})."),
        Metric("Bill at equal work", money(after.total), delta=f"{today_label} {money(today.total)}",
               delta_color="off", help="Today is the sidebar's bill; the policy's bill starts as many more (or fewer) "
               "tasks as it takes to complete the same number."),
        Metric("Cost per completed task", money(after.per_completed),
               delta=f"{today_label} {money(today.per_completed)}", delta_color="off",
               help="The bill ÷ tasks completed a month: failed attempts, retries, restarts and failed tasks "
                    "included."),
        Metric("Task success", percent(result.success_after), delta=f"{today_label} {percent(result.success_today)}",
               delta_color="off", help="Share of tasks started that complete."),
    ]


def budget_figure(result: retries.RetryResult) -> Metric:
    return Metric("Budget starts refusing retries above", percent(result.refuses_above) if result.refuses_above < 1
                  else "never", help=term("failure rate") + " Above this failure rate the budget starts refusing "
                  "retries (solved exactly); below it the budget changes nothing.")


def warn_about_the_work(result: retries.RetryResult, prefix: str = "") -> None:
    """The workload mostly fails today, or equal work is out of reach or multiplies the tasks started: say so."""
    if result.refused is not None and result.unbounded is not None:
        e = result.refused
        st.warning(
            f"{prefix}**Not booked.** To complete what **{plain(e.name)}** completes today "
            f"({retries.share_text(e.before)} of its tasks), this policy would have to start **{e.factor:,.0f} times "
            f"as many tasks** ({retries.share_text(e.after)} would complete), a bill of "
            f"{money(result.unbounded.total)} a month instead of {money(result.today.total)}. Beyond "
            f"{retries.MAX_EQUAL_WORK_FACTOR:g}x the comparison at equal work is not a bill but an artefact of a "
            f"workload that finishes almost nothing: the lever books {money(0.0)} (the Overview too). Bring the "
            "failure rate down first.", icon=":material/warning:")
    elif result.factors:
        big = {n: f for n, f in result.factors.items() if f > 2}
        if big:
            st.warning(prefix + "Equal completed work starts " + ", ".join(
                f"**{multiple(f)}** the tasks of **{n}**" for n, f in big.items())
                + ": the change is mostly the bill for those extra tasks. It is what this policy costs if every task "
                "must still complete; if failed tasks are simply dropped, it is work lost instead.",
                icon=":material/warning:")
    if result.low_success:
        st.warning(prefix + "Today " + ", ".join(f"**{n}** completes only {retries.share_text(v)} of its tasks"
                                                  for n, v in result.low_success)
                   + ": most of the bill pays for work that never completes, and every comparison at equal completed "
                   "work compares bills for the little that does.", icon=":material/warning:")


if r.task is not None:
    headline(metrics(r))
    more_figures([budget_figure(r)] if r.refused is None else [])
    warn_about_the_work(r)
if r.task is None:
    pass  # the verdict says why; the preview below shows the policy on a workload with failures
elif r.idle:
    st.caption(f"No effect on your workload: {r.idle}.")
elif r.refused is None:
    st.caption(f"Completed tasks per month: {r.today.completed:,.0f} today and with the policy (equal by "
               f"construction). To complete them it starts {r.after.requests:,.0f} tasks a month instead of "
               f"{r.today.requests:,.0f} ({multiple(r.started_factor)}): a policy that completes fewer tasks does less "
               "work, not the same work for less.")


def show(view: retries.TaskView, result: retries.RetryResult, label: str) -> None:
    """One failing class: the policies vs the failure rate, the distribution of cost per task, amplification."""
    f = view.failures
    st.caption(
        f"**{plain(view.name)}**{label}: {f'{view.steps}-step tasks' if view.steps > 1 else 'single calls'} at a "
        f"{percent(view.failure_rate)} failure rate per attempt, "
        f"{percent(f.failed_output_share, 0)} of the output billed on a failed attempt, a retry re-sends the "
        f"{f.replay}, {f.restarts} restart{'s' if f.restarts != 1 else ''}. Per task with the policy: "
        f"{view.expected_chosen.calls[0]:.2f} model calls ({percent(view.retry_share())} of them retries; today "
        f"{view.expected_today.calls[0]:.2f}), {percent(view.expected_chosen.admitted[0])} of wanted retries admitted."
    )
    curves_tab, spread_tab, sure_tab = chart_tabs(
        ["Cost and success vs failure rate", "Cost per task, simulated", SURE_TAB], key="retry.view")
    if curves_tab.open:  # only the open tab is computed, sent and drawn
        with curves_tab:
            budgeted = next((p for p in view.policies if p.budget is not None and p.refuses_above is not None), None)
            markers = [
                figures.Marker(view.doubles_at, f"yours ×2 at p = {percent(view.doubles_at)}")
                if view.doubles_at is not None else None,
                figures.Marker(budgeted.refuses_above, f"{percent(budgeted.budget, 0)} budget refuses above "
                               f"{percent(budgeted.refuses_above)}", colour="#17A398")
                if budgeted is not None else None,
            ]
            curves = retries.policy_curves(view.costs, view.failure_rate, view.policies, chosen_costs=view.costs_chosen)
            names = [p.name for p in view.policies]
            fig = figs.twin_panels(
                curves, x="failure_rate", names=names,
                left={n: f"{n}|multiplier" for n in names}, right={n: f"{n}|success" for n in names},
                title="Cost per completed task (× a task where nothing fails) and task success, vs the failure rate",
                x_title="failure rate per attempt p", left_title="× clean task (log scale)", right_title="task success",
                left_log=True, x_tickformat=".0%", right_tickformat=".0%",
                solid=[p.name for p in view.policies if p.today or p.yours], left_markers=markers,
                right_markers=[markers[1]],
                left_current=figures.Current(view.failure_rate, view.multiplier() or 1.0, "your policy"),
                right_current=figures.Current(view.failure_rate, float(view.expected_chosen.success[0]), "your policy"),
            )
            chart(fig, curves, name="retries cost multiplier and success vs failure rate")
            st.caption("Solid: today's policy and yours. The no-retry and restart-only cost lines coincide: a restart "
                       "buys success, not a cheaper success, because every failed run is paid in full. At the "
                       "workload's failure rate each curve is the priced bill: cost per completed task today "
                       f"{money(view.per_success('today'))}, with the policy {money(view.per_success())} (a clean task "
                       f"{money(view.costs.clean)})."
                       + (" With the policy, the workload starts a different number of tasks, and a cache hit rate "
                          "derived from the traffic follows: its curve uses that workload's per-attempt costs."
                          if view.costs_chosen.clean != view.costs.clean else ""))
    if spread_tab.open:
        with spread_tab:
            st.subheader("Distribution of cost per task")
            sim = simulate(view.costs_chosen.to_json(), view.failure_rate, view.chosen.rules)
            headline([
                Metric(f"{label.strip(' ()').capitalize() + ': ' if label else ''}median task", money(sim.p50),
                       help="Half the simulated tasks cost less than this, half more."),
                Metric("p95 task", money(sim.p95), delta=f"{multiple(sim.over_median(sim.p95))} the median",
                       delta_color="off",
                       help=term("p95")),
                Metric("p99 task", money(sim.p99), delta=f"{multiple(sim.over_median(sim.p99))} the median",
                       delta_color="off",
                       help="99% of the simulated tasks cost at most this; the costliest 1 in 100 cost more."),
            ])
            histogram = shown_frame(sim.histogram, "cost")
            chart(figs.cost_histogram(
                histogram, x="cost", stacks={"succeeded": "tasks that completed", "failed": "tasks that failed"},
                title=f"Cost per task across {sim.trials:,} simulated tasks (your policy)", x_title="cost per task",
                y_title="share of tasks", money_prefix=currency(),
                markers=[figures.Marker(shown(sim.p50), f"p50 {money(sim.p50)}", colour="#5C6B73"),
                         figures.Marker(shown(sim.p95), f"p95 {money(sim.p95)}"),
                         figures.Marker(shown(sim.p99), f"p99 {money(sim.p99)}", colour="#8E5EA2")],
            ), histogram, name="retries cost per task distribution")
            st.caption(
                f"Simulated tasks cost {money(sim.mean)} each on average, give or take {money(sim.margin95)} (95% "
                f"confidence), against the bill's {money(float(view.expected_chosen.cost[0]))} per task started; "
                f"{percent(sim.success, 2)} of them completed (the bill: "
                f"{percent(float(view.expected_chosen.success[0]), 2)}). Seeded: the same inputs give the same figures."
                + ("" if sim.trials == retries.DEFAULT_TRIALS else
                   f" {sim.trials:,} trials instead of {retries.DEFAULT_TRIALS:,}: each task sees many failures here, "
                   "and fewer trials keep the page fast.")
            )
    if sure_tab.open:
        with sure_tab:
            ranges.lever_section(LEVER, ctx, x)

    st.subheader("Retry amplification across layers")
    st.caption("When several services in a stack each retry, the attempts multiply at the bottom: the model API.")
    amp_model = retries.AmplificationInputs
    a1, a2, a3 = st.columns(3)
    per_layer = widgets.number(amp_model, "attempts_per_layer", key="retry.amp_attempts", container=a1)
    layers = widgets.number(amp_model, "layers", key="retry.amp_layers", container=a2)
    amp_budget = widgets.number(amp_model, "budget", key="retry.amp_budget", container=a3)
    amp = retries.amplification(widgets.validated(amp_model, attempts_per_layer=per_layer, layers=layers,
                                                  budget=amp_budget, failure_rate=view.failure_rate))
    headline([
        Metric("Worst case, no budget", f"×{amp.worst_case:,.0f}",
               help="API calls per user request when every call fails: attempts per layer ^ layers."),
        Metric("Worst case with budgets", f"×{amp.worst_case_budget:,.2f}",
               help="Each layer's retries capped at the budget share of its requests: (1 / (1 − budget)) ^ layers."),
        Metric(f"At a {percent(view.failure_rate)} failure rate", f"×{amp.expected:,.2f}",
               delta=f"×{amp.expected_budget:,.2f} with budgets", delta_color="off",
               help="Expected API calls per user request at the workload's failure rate."),
    ])
    if amp.budget_binds_at is not None:
        st.caption(f"With budgets, each layer starts refusing retries once more than {percent(amp.budget_binds_at)} "
                   "of the calls it makes fail; below that the budgets change nothing.")
    bill_lines(result.today, result.after, "at equal completed work")


if r.task is not None:
    if len(r.failing) > 1:
        picked = widgets.choice(None, None, key="retry.class", options=list(r.failing), default=r.task.name,
                                label="Class to analyse", widget="radio",
                                help="Several classes fail: by default the one whose bill this policy moves most.")
        if picked != r.task.name:
            r = retries.analyse(ctx.workload, x, ctx.catalogue, ctx.bill, focus=picked)
    show(r.task, r, "")
else:
    assert p is not None
    st.info(f"Your sidebar bill is **{money(ctx.bill.total)}** and has no failures, so no retry policy changes it. "
            f"Below is a **preview**: the sidebar's workload with {percent(PREVIEW['failure_rate'], 0)} of attempts "
            f"failing, up to {PREVIEW['max_attempts']} attempts per call and "
            f"{percent(PREVIEW['failed_output_share'], 0)} of the output billed on a failed attempt, which would bill "
            f"{money(p.today.total)} a month.", icon=":material/info:")
    illustrative("Preview, not your workload: the failure rate, cap and billed share are illustrative (the cap is the "
                 "Google SRE book's).")
    offer(f"Add {percent(PREVIEW['failure_rate'], 0)} failures to the workload", PREVIEW, key="retry.use_preview",
          help="Sets the sidebar's failure rate, attempt cap and billed share."
          + (" Replaces the custom table of call classes with the four numbers." if custom_rows() is not None else ""))
    st.subheader("Preview: with failures")
    headline(metrics(p, today_label="without the policy"))  # the preview's figures, not the sidebar's bill
    warn_about_the_work(p, "Preview: ")
    assert p.task is not None
    show(p.task, p, " (preview)")

explain(retries.EXPLANATION)
sources("sre_retries", "retries_policy_defaults", "genai_prices")
