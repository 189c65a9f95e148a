"""Model right-sizing: the cheapest model that meets a quality bar, per task class, on the workload's bill."""
import streamlit as st

from calculators import right_sizing as rs
from pages._ui import ranges
from pages._ui import fig_model_choice as figs
from pages._ui import figures, glossary, scenario, table_input, widgets
from pages._ui.layout import (
    SURE_TAB, chart_tabs, Metric, bill_lines, chart, context, currency, explain, headline, illustrative, money,
    multiple, percent, price_caption, saving_tone, shown, shown_frame, sources, tokens, verdict,
)
from pages._ui.lever_form import LeverForm, publish

LEVER = rs.LEVER
MODELS_KEY = "rs.models"

st.title("Model right-sizing: the “good enough” trap")
st.caption(LEVER.question)
answer = st.container()  # the verdict, filled once the result exists
glossary.glossary("right-sizing", "task class", "pass rate", "quality bar", "token", "illustrative")

ctx = context()
keys = ctx.catalogue.keys()
illustrative("The task classes and pass rates are illustrative defaults, not measurements: replace them with your "
             "own eval numbers (you can paste a block of cells from a spreadsheet into the tables). Requests, tokens "
             "and today's model come from the sidebar's workload.")

form = LeverForm(LEVER, ctx)
default_models = [m for m in form.defaults["candidates"] if m in keys]  # the picker offers catalogue models only
linked = st.query_params.get_all(MODELS_KEY) or scenario.store().get(MODELS_KEY) or []
linked = [linked] if isinstance(linked, str) else linked
unknown = [v for v in linked if v not in keys]
if linked and MODELS_KEY not in st.session_state and not st.query_params.get_all(MODELS_KEY):
    st.session_state[MODELS_KEY] = [v for v in linked if v in keys][: rs.MAX_CANDIDATES]  # a link opened elsewhere
widgets._follow_default(MODELS_KEY, default_models)  # a new sidebar model brings its own default candidates
top = st.columns([2, 1, 1])
with top[0]:
    if unknown:
        st.warning(f"Ignored the link's value `{MODELS_KEY}={widgets._display(unknown[0])}`: not a model in the "
                   "catalogue.", icon=":material/warning:")
    candidates = st.multiselect(
        "Candidate models", options=keys, default=default_models, key=MODELS_KEY, bind="query-params",
        max_selections=rs.MAX_CANDIDATES, help=rs.RightSizingInputs.model_fields["candidates"].description, wrap=True,
    )
    scenario.record(MODELS_KEY, candidates, default_models)
    form.set("candidates", tuple(candidates))
with top[1]:
    form("failure_mode")
with top[2]:
    form("quality_bar")

st.markdown("**Task classes** (edit cells, add or delete rows). Sizes are relative: the workload's tokens are scaled "
            "by each class's size over the table's traffic-weighted average.")
classes = form("classes", label=lambda row: row.get("name"))
st.markdown("**Pass rate per task class and model** (your evals; blank = not evaluated)")
default_rates = {(row.task_class, m): v for row in form.defaults["pass_rates"] for m, v in row.rates.items()}
names = list(dict.fromkeys(c.name for c in classes))
rates, rate_problems = table_input.edit_matrix(
    names, candidates, lambda r, c: default_rates.get((r, c)), key="rs.rates", corner="Task class",
    help="Share of answers your eval grades as a pass (illustrative defaults).",
    validate=lambda r, v: table_input.validation_errors(rs.PassRateRow, {"task_class": r, "rates": v}),
    link_model=rs.PassRateRow,
)
st.caption("Both tables travel in the page link with every other setting, as long as they fit (about 4,000 "
           "characters each).")
for message in rate_problems:
    st.error(message, icon=":material/error:")
if rate_problems:
    with answer:
        verdict("No verdict yet: fix the pass-rate table below and the page prices the right-sized bill.", "idle")
    st.stop()
form.set("pass_rates", tuple(rs.PassRateRow(task_class=n, rates={m: rates[(n, m)] for m in candidates})
                             for n in names))
x = form.inputs()

r = rs.evaluate(ctx.workload, x, ctx.catalogue, ctx.bill)
for message in r.plan.problems:
    st.error(widgets._escape(message), icon=":material/error:")
for message in r.plan.unpriced:
    st.warning(widgets._escape(message), icon=":material/warning:")
publish(LEVER, r.saving)
if not r.plan.split:
    with answer:
        verdict(f"Right-sizing leaves this workload as it is and saves {money(0.0)}: no call class can be split into "
                "these task classes (the messages below say why).", "idle")
    st.stop()


def names(keys: tuple[str, ...]) -> str:
    """'Claude Haiku 5.5', 'Claude Haiku 5.5 and GPT-5 mini', 'A, B and C'."""
    shown_names = [ctx.catalogue.get(k).model_name for k in keys]
    return ", ".join(shown_names[:-1]) + " and " + shown_names[-1] if len(shown_names) > 1 else "".join(shown_names)


bar = f"{percent(x.quality_bar, 0)} quality bar you set"
moves = f"{percent(r.share_moved, 0)} of today's requests to {names(r.moved_to)}"
tone = saving_tone(r.saving)
if r.plan.requests.sum() <= 0:
    tone, sentence = "idle", (f"The workload has no requests a month, so right-sizing saves {money(0.0)}"
                              + (f"; at the {bar}, it would move {moves}." if r.moved_to else "."))
elif tone == "saves":
    sentence = f"Moving {moves} saves {money(r.saving)} a month ({percent(r.saving_share, 0)}) at the {bar}."
elif tone == "costs":
    sentence = (f"At the {bar}, right-sizing raises the bill by {money(-r.saving)} a month "
                f"({percent(-r.saving_share, 0)})" + (f": moving {moves} costs more" if r.moved_to else "") + ".")
elif not r.moved_to:
    cheaper = (f" (a bar of {percent(r.break_even_bar, 0)} or lower would save money)"
               if r.break_even_bar is not None else "")
    sentence = (f"At the {bar}, no cheaper model qualifies: every task class stays on today's model and the bill stays "
                f"{money(r.today.total)}{cheaper}.")
else:
    sentence = (f"At the {bar}, moving {moves} leaves the bill at {money(r.today.total)}: per completed task they "
                "cost what today's model costs.")
with answer:
    verdict(sentence, tone)

quality_change = r.quality_after - r.quality_today
headline([
    Metric("Monthly saving", money(r.saving), delta=f"{percent(r.saving_share)} of today's bill", delta_color="off",
           help="Today's bill minus the bill with each task class on its chosen model, the same completed tasks: two "
           "workloads priced by the same function."),
    Metric("Bill after right-sizing", money(r.after.total), delta=f"today {money(r.today.total)}", delta_color="off",
           help="Today is the sidebar's bill: every class on its own model, redos of failed answers included."),
    Metric("Right first time", percent(r.quality_after),
           delta=("+" if quality_change >= 0 else "-") + f"{abs(quality_change) * 100:.1f} pts vs today",
           help=f"Share of answers right the first time, weighted by today's requests (today "
           f"{percent(r.quality_today)}). Every task still ends in a pass: failures are redone or escalated. "
           + glossary.term("pass rate")),
    Metric("Highest bar that saves",
           "every bar" if r.saves_at_every_bar else percent(r.break_even_bar, 0)
           if r.break_even_bar is not None else "no bar saves",
           help="The highest quality bar that still saves money: above it only models that cost as much as today's "
           "(or none) qualify. " + glossary.term("quality bar")),
])
per_task = (f" Per completed task: {money(r.per_task_today)} today, {money(r.per_task_after)} after "
            f"({multiple(r.per_task_today / r.per_task_after)} less)."
            if r.per_task_today and r.per_task_after else "")
if r.plan.requests.sum() > 0:
    st.caption(f"Moves {percent(r.share_moved, 0)} of today's requests off today's model; completed tasks stay "
               f"{tokens(r.tasks)} a month.{per_task} Failed answers are {rs.FAILURE_LABEL[x.failure_mode].lower()}.")
else:
    st.caption(f"The workload has no requests a month, so no money moves: the choice below would move "
               f"{percent(r.share_moved, 0)} of the requests (by the table's shares) off today's model. Failed answers "
               f"are {rs.FAILURE_LABEL[x.failure_mode].lower()}.")
if abs(r.plan.gap) > 0.005:
    st.caption(f"Splitting the traffic into these task classes at today's models alone changes the bill by "
               f"{money(-r.plan.gap)} a month: a task class's scaled prompt crosses a long-context price tier. The "
               "saving includes it.")
if r.plan.too_big:
    st.caption(widgets._escape(rs.too_big_note(r.plan.too_big)))
if r.unmet:
    st.warning("No candidate meets the quality bar on: " + ", ".join(f"**{widgets._escape(n)}**" for n in r.unmet)
               + ". These task classes stay on today's model.", icon=":material/warning:")

c = currency()
MONEY_COLUMNS = ("per task today", "per task after", "per month today", "per month after")
table = shown_frame(rs.class_table(r), *MONEY_COLUMNS)
if len(r.plan.names) == 1:
    table = table.drop(columns=["workload class"])
st.dataframe(
    table, hide_index=True, width="stretch",
    column_config={
        "share": st.column_config.NumberColumn(format="percent", width="small"),
        "pass rate": st.column_config.NumberColumn(format="percent", width="small"),
        "break-even pass rate": st.column_config.NumberColumn(
            "pass rate needed to save", format="percent", width="small",
            help="The pass rate at which the chosen model costs, per successful task, what today's model costs. "
                 "Blank: the task class stays on today's model, or the chosen model can never match."),
        "per task today": st.column_config.NumberColumn("per task today", format=f"{c}%.5f",
                                                        help="Per successful task."),
        "per task after": st.column_config.NumberColumn("per task after", format=f"{c}%.5f",
                                                        help="Per successful task."),
        "requests today": st.column_config.NumberColumn(format="localized"),
        "requests after": st.column_config.NumberColumn(format="localized",
                                                        help="On the chosen model, plus escalations to today's."),
        "per month today": st.column_config.NumberColumn("per month today", format=f"{c}%,.2f"),
        "per month after": st.column_config.NumberColumn("per month after", format=f"{c}%,.2f"),
    },
)

spend_tab, frontier_tab, bar_tab, sure_tab = chart_tabs(
    ["Spend by task class", "Cost vs quality", "Saving vs quality bar", SURE_TAB], key="rs.view")
if spend_tab.open:  # only the open tab is computed, sent and drawn
    with spend_tab:
        spend = shown_frame(rs.spend_by_task_class(r), "today", "after")
        fig = figures.grouped_bars(spend["task class"], {"Today": spend["today"], "After right-sizing": spend["after"]},
                                   title="Spend by task class", y_title="cost per month", y_tickprefix=c)
        chart(fig, spend, name="right-sizing spend by task class")
if frontier_tab.open:
    with frontier_tab:
        points = shown_frame(rs.frontier(r, rs.savings_vs_bar(r)), "monthly_bill")
        fig = figs.frontier(
            points, bar=figures.Marker(x.quality_bar, f"quality bar {percent(x.quality_bar, 0)}", colour="#5C6B73"),
            current=figures.Current(r.quality_after, shown(r.after.total), "your bar"), money_prefix=c,
        )
        chart(fig, points, name="right-sizing cost vs quality frontier")
        st.caption("Each blue point is the per-class policy at one quality bar; each diamond puts every task class on "
                   "one model; the star is today. The vertical line is your quality bar, on the same pass-rate scale.")
if bar_tab.open:
    with bar_tab:
        curve = shown_frame(rs.savings_vs_bar(r), "saving", "bill_after")
        fig = figs.saving_vs_bar(
            curve,
            marker=figures.Marker(r.break_even_bar, f"savings end above {percent(r.break_even_bar, 0)}")
            if r.break_even_bar is not None and not r.saves_at_every_bar else None,
            current=figures.Current(x.quality_bar, shown(r.saving)), money_prefix=c,
        )
        chart(fig, curve, name="right-sizing saving vs quality bar")
        st.caption("A step curve: the choice changes only at a pass rate in the table, so the saving is computed "
                   "exactly at each of them and holds for every bar up to it.")
if sure_tab.open:
    with sure_tab:
        ranges.lever_section(LEVER, ctx, x)

bill_lines(r.today, r.after, "after right-sizing")
with st.expander("Prices used"):
    for key in candidates:
        st.caption(price_caption(ctx.catalogue.get(key)))
explain(rs.EXPLANATION)
sources("right_sizing_defaults", "genai_prices", "long_context_cliff", "workload_defaults")
