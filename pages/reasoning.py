"""Reasoning budgets: reason only where the extra correct answers are worth the thinking tokens."""
import math
import re

import streamlit as st

from calculators import reasoning
from calculators.lever import effect
from pages._ui import ranges
from pages._ui import fig_reasoning, figures, glossary, widgets
from pages._ui.layout import (
    SURE_TAB, chart_tabs, Metric, bill_lines, chart, context, currency, explain, headline, illustrative, money,
    percent, price_caption, saving_tone, shown, shown_frame, sources, tokens, verdict,
)
from pages._ui.lever_form import LeverForm, publish
from pages._ui.workload_edit import custom_rows, offer, preview

LEVER = reasoning.LEVER

st.title("Reasoning budgets: when chain-of-thought earns its cost")
st.caption("On which of your task types do thinking tokens pay for themselves, and what does reasoning on every "
           "request cost against reasoning only where it earns?")
answer = st.container()  # the verdict, filled once the result exists
glossary.glossary("reasoning tokens", "uplift", "break-even budget", "cost per correct answer", "illustrative")


def _md(text: str) -> str:
    """A task name typed by the user, made inert in Markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>$~])", r"\\\1", text)


def budget_text(value: float | None) -> str:
    if value is None:
        return "never"
    return "any" if math.isinf(value) else tokens(value)


ctx = context()
st.caption(price_caption(ctx.prices))
unpriced = reasoning.unpriced_reasoning(ctx.workload, ctx.catalogue)
if unpriced:
    st.warning("Left as they are, their model has no price (their reasoning is not free, its cost is unknown): "
               + ", ".join(f"**{_md(n)}**" for n in unpriced) + ".", icon=":material/warning:")
if ctx.workload.requests_per_month <= 0:
    publish(LEVER, 0.0)
    with answer:
        verdict(f"Your workload has no requests a month, so there is no reasoning to cut: this lever saves "
                f"{money(0.0)}.", "idle")
    st.caption("Give a call class some requests (sidebar, or the Call classes page) to see where reasoning earns its "
               "cost.")
    explain(reasoning.EXPLANATION)
    st.stop()
real = any(reasoning.reasons(c) for c in ctx.workload.classes) and not all(
    c is None for c in reasoning.reasoning_cost_per_request(ctx.workload, ctx.catalogue, ctx.bill))
if real:
    analysed = ctx.workload
    st.caption("Your workload bills reasoning tokens (sidebar anatomy: reasoning tokens per request, on top of the "
               "visible answer). Today every request reasons; the lever keeps reasoning only on the task types "
               "where it earns its cost.")
else:
    what = "no priced reasoning tokens" if unpriced else "no reasoning tokens"
    st.info("Below, the analysis runs on a **preview**: the same workload with an illustrative reasoning budget per "
            "request (Chen et al. saw a reasoning model spend 901 tokens on '2+3').", icon=":material/info:")
    effort = widgets.choice(reasoning.PreviewInputs, "effort", key="reason.effort",
                            format_func=reasoning.EFFORT_LABEL.get)
    budget = reasoning.PreviewInputs(effort=effort).budget
    if custom_rows() is None:
        analysed = preview(ctx.sidebar, reasoning_tokens=budget)
        offer(f"Put {budget:,} reasoning tokens per request into the workload", {"reasoning_tokens": budget},
              key="reason.use_budget",
              help="Sets the sidebar's reasoning tokens per request, so every page bills them.")
    else:
        analysed = reasoning.with_budget(ctx.workload, budget)
        st.caption("Your workload is a table of call classes: set reasoning tokens per class on the Call classes page.")

illustrative("The task mix, accuracies and values of a correct answer are illustrative; replace them with your own "
             "evals. Values are in your currency.")
st.markdown("**Task types** (edit cells, add or delete rows; the table travels in the page link).")
form = LeverForm(LEVER, ctx)
tasks = form("tasks", label=lambda row: row.get("name"))
if not tasks:
    st.error("No valid task type in the table: add at least one row with a share, two accuracies and a value.",
             icon=":material/error:")
    st.stop()
x = form.inputs()
r = reasoning.evaluate(analysed, x, ctx.catalogue, ctx.bill if real else None)
saving = r.saving if real else effect(LEVER, ctx.workload, x, ctx.catalogue, before=ctx.bill).saving
publish(LEVER, saving)
if not r.classes:
    with answer:
        verdict(f"No call class with a priced model and requests reasons, even in the preview: there is no reasoning "
                f"cost to weigh against the extra correct answers, and this lever saves {money(saving)}.", "idle")
    headline([Metric("Monthly saving", money(saving), delta="nothing priced to weigh", delta_color="off")])
    explain(reasoning.EXPLANATION)
    st.stop()

if r.shares_scaled:
    st.warning(f"The shares of traffic add up to {percent(r.share_total)}; they are scaled to 100%.",
               icon=":material/warning:")
for t in x.tasks:
    flagged = [label for label, a in (("without", t.accuracy_without), ("with", t.accuracy_with)) if a == 0]
    if flagged:
        st.warning(f"**{_md(t.name)}**: accuracy {' and '.join(flagged)} reasoning is 0%, so its cost per correct "
                   "answer is infinite (you pay for answers and get none right).", icon=":material/warning:")

never, selective, always = (r.policies[p] for p in reasoning.POLICIES)
be = r.break_even_tokens
be_help = ("Mean reasoning tokens per request at which reasoning on every request just pays for itself: "
           "10⁶ × Σ share × uplift × value ÷ price per million reasoning tokens. Above it, always-on loses money "
           "against never; 'never' means no budget earns. " + glossary.term("break-even budget"))
frame = r.tasks
earning = frame.loc[frame["keeps reasoning"], "task type"].unique().tolist()
where = f"{len(earning)} of {len(x.tasks)} task types"
if not real:
    preview_tone = saving_tone(r.saving)
    tone, sentence = "idle", (
        f"Your workload bills {what}, so this lever saves {money(saving)} today; on the preview below "
        f"({tokens(r.mean_reasoning_tokens)} reasoning tokens a request), reasoning only where it earns its cost "
        + (f"would save {money(r.saving)} a month." if preview_tone == "saves" else
           f"would add {money(-r.saving)} a month." if preview_tone == "costs" else
           "would change nothing: it earns on every task type."))
else:
    tone = saving_tone(r.saving)
    if tone == "saves":
        sentence = (f"Keeping reasoning only on the {where} where it earns its cost saves {money(r.saving)} a month "
                    f"({percent(r.saving_share, 0)})." if earning else
                    f"Reasoning earns its cost on none of the {len(x.tasks)} task types: dropping it saves "
                    f"{money(r.saving)} a month ({percent(r.saving_share, 0)}).")
    elif tone == "costs":
        sentence = (f"Keeping reasoning only on the {where} where it earns its cost raises the bill by "
                    f"{money(-r.saving)} a month ({percent(-r.saving_share, 0)}).")
    else:
        sentence = (f"Reasoning earns its cost on every task type at {tokens(r.mean_reasoning_tokens)} tokens a "
                    f"request, so this lever keeps it all and saves {money(0.0)}.")
with answer:
    verdict(sentence, tone)
if real:
    headline([
        Metric("Monthly saving", money(r.saving), delta=f"{percent(r.saving_share)} of today's bill", delta_color="off",
               help="Today's bill minus the bill with reasoning only on the task types where it earns its cost."),
        Metric("Bill where it earns", money(r.after.total), delta=f"today {money(r.today.total)}",
               delta_color="off", help="Today is the sidebar's bill: every request reasons."),
        Metric("Reasoning in today's bill", money(r.reasoning_spend),
               help="What reasoning tokens add to today's bill at each class's tier: the most this lever can save."),
        Metric("Always-on pays up to, tokens", budget_text(be), help=be_help),
    ])
else:
    headline([
        Metric("Monthly saving", money(saving), delta="no reasoning to cut", delta_color="off",
               help="The lever on your workload as it is: nothing to cut."),
        Metric("Preview: bill", money(r.today.total),
               delta=f"{tokens(r.mean_reasoning_tokens)} reasoning tokens; today {money(ctx.bill.total)}",
               delta_color="off",
               help="Your workload with the preview's reasoning budget on every request."),
        Metric("Preview: saving", money(r.saving),
               help="On the preview, the bill with reasoning on every request minus the bill with reasoning only "
               "where it earns."),
        Metric("Always-on pays up to, tokens", budget_text(be), help=be_help),
    ])

names = ", ".join(_md(n) for n in earning)


def titled(text: str) -> str:
    """A title or sentence, marked as the preview's when the analysis runs on one."""
    return f"Preview: {text}" if not real else text[0].upper() + text[1:]


st.caption(
    titled(f"reasoning earns its cost on {where}") +
    f"{': ' + names if names else ''} ({percent(selective.reasoned_share)} of the requests that reason). Net value "
    f"(correct answers' value − bill) a month: never {money(never.net)} · only where it earns {money(selective.net)} · "
    f"always on {money(always.net)}. Reasoning costs {money(r.price_per_mtok)} per million tokens of "
    "budget: the output price at each class's tier, on every step and retry a request makes."
)

gain_tab, bill_tab, correct_tab, sure_tab = chart_tabs(
    ["Net gain vs reasoning tokens", "Bill by policy", "Cost per correct answer", SURE_TAB], key="reason.view")
if gain_tab.open:  # only the open tab is computed, sent and drawn
    with gain_tab:
        curve = reasoning.policy_curve(r, x)
        shown_curve = shown_frame(curve, "never_bill", "selective_bill", "always_bill", "never_gain", "selective_gain",
                                  "always_gain")
        at_current = curve.loc[(curve["reasoning_tokens"] - r.mean_reasoning_tokens).abs().idxmin(), "always_gain"]
        fig = figures.line_chart(
            shown_curve, x="reasoning_tokens",
            series={"always_gain": reasoning.POLICY_LABEL["always"],
                    "selective_gain": reasoning.POLICY_LABEL["selective"],
                    "never_gain": reasoning.POLICY_LABEL["never"]},
            dashes={"never_gain": "dot"},
            title=titled("net monthly gain over 'never' vs reasoning tokens per request"),
            x_title="reasoning tokens per request (accuracies held as entered)",
            y_title="value gained − extra bill, per month",
            markers=[figures.Marker(be, f"always-on break-even {tokens(be)} tokens")
                     if be is not None and math.isfinite(be) else None],
            current=figures.Current(r.mean_reasoning_tokens, shown(float(at_current)),
                                    "your budget, always on" if real else "preview budget, always on"),
            y_tickprefix=currency(), y_tickformat=",", zero_line=True,
        )
        chart(fig, shown_curve, name="reasoning net gain vs reasoning tokens")
        st.caption("Each task type stops earning at its own budget (10⁶ × uplift × value ÷ price per million reasoning "
                   "tokens); the selective line bends there as it switches that type off.")
if bill_tab.open:
    with bill_tab:
        bills = shown_frame(reasoning.policy_frame(r), "answer_cost", "reasoning_cost", "bill", "value", "net")
        fig2 = figures.stacked_bars(
            bills, x="policy", stacks={"answer_cost": "input and answer tokens", "reasoning_cost": "reasoning tokens"},
            title=titled("monthly bill by policy"), x_title="", y_title="bill per month", y_tickprefix=currency(),
        )
        chart(fig2, bills, name="reasoning monthly bill by policy")
if correct_tab.open:
    with correct_tab:
        per_type = frame.drop_duplicates("task type")
        fig3 = fig_reasoning.cost_per_correct_bars(
            per_type["task type"], [shown(v) for v in per_type["per correct, off"]],
            [shown(v) for v in per_type["per correct, on"]],
            title=titled("cost per correct answer by task type, reasoning off vs on"), currency=currency(),
        )
        chart(fig3, shown_frame(per_type[["task type", "per correct, off", "per correct, on"]], "per correct, off",
                                "per correct, on"), name="reasoning cost per correct answer")
        st.caption("Cost per correct answer: the bill per request (off: without reasoning; on: with it) ÷ the type's "
                   "accuracy.")
if sure_tab.open:
    with sure_tab:
        ranges.lever_section(LEVER, ctx, x)

st.subheader("Per call class and task type")
money_columns = ("value", "reasoning per request", "per correct, off", "per correct, on", "monthly gain",
                 "monthly reasoning saved")
st.dataframe(
    shown_frame(frame, *money_columns), hide_index=True, width="stretch",
    column_config={
        "share": st.column_config.NumberColumn("share", format="percent"),
        "uplift": st.column_config.NumberColumn("uplift", format="percent",
                                                help=glossary.term("uplift")),
        "value": st.column_config.NumberColumn(format=f"{currency()}%.2f", help="Value of a correct answer."),
        "reasoning per request": st.column_config.NumberColumn(
            format=f"{currency()}%.4f", help="What reasoning costs per request of this class, at its tier."),
        "break-even uplift": st.column_config.NumberColumn(
            "uplift needed", format="percent",
            help="Reasoning cost per request ÷ value of a correct answer. Empty: the answer has no value."),
        "break-even reachable": st.column_config.CheckboxColumn(
            "uplift needed is reachable",
            help="The uplift needed fits in the points of accuracy left (1 − accuracy without)."),
        "uplift for the same cost per correct": st.column_config.NumberColumn(
            format="percent", help="Ignoring value: the uplift at which reasoning leaves the cost per correct answer "
            "unchanged (accuracy without × reasoning cost ÷ cost without)."),
        "break-even tokens": st.column_config.NumberColumn(
            "stops earning above, tokens", format="%,.0f",
            help="Reasoning tokens per request at which this type stops earning on this class (empty: reasoning adds "
            "nothing to it)."),
        "per correct, off": st.column_config.NumberColumn(format=f"{currency()}%.4f"),
        "per correct, on": st.column_config.NumberColumn(format=f"{currency()}%.4f"),
        "keeps reasoning": st.column_config.CheckboxColumn("keeps reasoning"),
        "monthly gain": st.column_config.NumberColumn(format=f"{currency()}%,.0f",
                                                      help="Uplift × value − reasoning cost, for the requests that "
                                                      "keep reasoning."),
        "monthly reasoning saved": st.column_config.NumberColumn(format=f"{currency()}%,.0f"),
    },
)
if real:
    bill_lines(r.today, r.after, "reasoning only where it earns")

explain(reasoning.EXPLANATION)
sources("reasoning_billing", "sprague_cot", "chen_overthinking", "reasoning_defaults", "genai_prices",
        "workload_defaults")
