"""The AI-everywhere pipeline: what its LLM steps cost in money, latency and reliability, and what if some were code."""
import pandas as pd
import streamlit as st

from calculators import pipeline as pl
from calculators.bill import model_prices
from calculators.workload import ClassRow, custom_workload
from pages._ui import ranges
from pages._ui import figures, scenario
from pages._ui.glossary import glossary, term
from pages._ui.layout import (
    SURE_TAB, chart_tabs, Metric, bill_lines, chart, context, currency, explain, headline, illustrative, money,
    more_figures, percent, price_caption, saving_tone, shown_frame, sources, verdict,
)
from pages._ui.lever_form import LeverForm, key_of, publish
from pages._ui.workload_edit import custom_rows, use_classes

LEVER = pl.LEVER
CONVERT_KEY = key_of(pl.PipelineInputs, "convert")
TABLE_KEY = key_of(pl.PipelineInputs, "table")
TERMS = ("call class", "end-to-end success", "latency", "payback", "illustrative")


def steps_text(n: int) -> str:
    return f"{n:,} LLM step{'s' if n != 1 else ''}"


def saves_text(result: pl.PipelineResult, would: bool = False) -> str:
    """What moving the chosen steps to code saves a month, and when the rewrite pays back, in words."""
    tone = saving_tone(result.saving)
    if tone == "idle":
        return f"{'would change' if would else 'changes'} the bill by less than a cent"
    verb = ("would save" if would else "saves") if tone == "saves" else ("would cost" if would else "costs")
    amount = money(abs(result.saving)) + (" a month" if tone == "saves" else " a month more")
    months = result.payback_months
    back = ("" if result.rewrite_cost == 0 else
            f"; the {money(result.rewrite_cost)} rewrite pays back in {months:,.1f} months" if months is not None
            else f"; the {money(result.rewrite_cost)} rewrite never pays back")
    return f"{verb} {amount} ({percent(abs(result.saving_share))} of the bill){back}"


def sentence(r: pl.PipelineResult, preview: pl.PipelineResult | None) -> str:
    """The page's verdict: what moving LLM steps to plain code saves, or why nothing is moved."""
    if preview is not None and not r.converted:
        return (f"Your {money(r.today.total)} bill is one kind of request, not a pipeline: no step can move to "
                f"code. In the preview below, moving {len(preview.converted)} of its "
                f"{steps_text(preview.before.llm_steps)} to code {saves_text(preview, would=True)}.")
    if not r.converted:
        return "Nothing is moved to code yet: pick the LLM steps that plain code does better above."
    success = (f", and end-to-end success goes from {percent(r.before.success)} to {percent(r.what_if.success)}"
               if r.chained else "")
    return f"Moving {steps_text(len(r.converted))} to plain code {saves_text(r)}{success}."

st.title("The AI-everywhere pipeline")
st.caption(LEVER.question)
ctx = context()
verdict_slot = st.container()
rows = custom_rows()
form = LeverForm(LEVER, ctx)


def reset_table() -> None:
    """Start the facts table again from the workload's steps (a button's callback)."""
    for key in (f"_initial.{TABLE_KEY}", TABLE_KEY):
        st.session_state.pop(key, None)
    scenario.store().pop(TABLE_KEY, None)


def use_example(example: list[ClassRow]) -> None:
    """Make the example pipeline the workload, with its four code-like steps picked for the what-if."""
    use_classes(example)
    reset_table()
    st.session_state.pop(CONVERT_KEY, None)
    scenario.store()[CONVERT_KEY] = list(pl.EXAMPLE_CONVERT)


if rows is not None:
    st.caption("Your workload is a table of call classes (Call classes page): every class is an LLM step of the "
               "pipeline, priced by the one bill. The table below adds what the bill cannot know, step by step.")
    options = form.options.get("convert", [])
    picked = st.multiselect(
        pl.PipelineInputs.model_fields["convert"].title, options, default=list(form.stored("convert")),
        key=CONVERT_KEY, help=pl.PipelineInputs.model_fields["convert"].description,
    )
    scenario.record(CONVERT_KEY, list(picked), [])
    form.set("convert", tuple(picked))
    form("chained")
    form("table")
    illustrative("Latencies and success rates are illustrative until you replace them: the example's where a step has "
                 f"an example step's name, {pl.GENERIC_LATENCY_MS:,.0f} ms and {percent(pl.GENERIC_SUCCESS, 0)} "
                 "otherwise. So are the rewrite cost and the success target.")
    st.button("Reset the table to the workload's steps", on_click=reset_table, key="pipe.reset_table",
              icon=":material/restart_alt:", help="Rows for every call class (the example's facts where a class has "
              "an example step's name, generic ones otherwise).")
left, right = st.columns(2)
form("rewrite_cost", container=left)
form("target_success", container=right)
x = form.inputs()
r = pl.analyse(ctx.workload, x, ctx.catalogue, ctx.bill)
publish(LEVER, r.saving)
p = None
if rows is None:  # the sidebar's one kind of request: a preview of an illustrative pipeline
    example = pl.example_rows(ctx.sidebar.requests_per_month)
    ahead = custom_workload(example)
    p = pl.analyse(ahead, x.model_copy(update={"convert": pl.EXAMPLE_CONVERT, "table": pl.facts_for(ahead),
                                               "chained": True}), ctx.catalogue)
with verdict_slot:
    verdict(sentence(r, p), "idle" if r.idle else saving_tone(r.saving))
    glossary(*TERMS)


def payback_text(result: pl.PipelineResult) -> str:
    months = result.payback_months
    return "—" if not result.converted else "never" if months is None else f"{months:,.1f} months"


def cost_text(value: float, priced: bool) -> str:
    """A step's monthly cost, in whole units of the currency (one format for the column); a step on a model with no
    price is 'unpriced', never $0."""
    return money(value, 0) if priced else "unpriced"


def show(result: pl.PipelineResult, label: str) -> None:
    """The pipeline step by step, end to end (only when its classes are one pipeline's steps), and the payback."""
    before, after = result.before, result.what_if
    steps = result.steps
    chained = result.chained
    table = pd.DataFrame({
        "#" if chained else "row": steps["position"], "step" if chained else "call class": steps["step"],
        "runs as": steps["runs_as"], "what-if": steps["what_if_runs_as"],
        "cost per month": [cost_text(v, ok) for v, ok in zip(steps["cost_per_month"], steps["priced"], strict=True)],
        "what-if cost": [cost_text(v, ok or w == "code") for v, ok, w in
                         zip(steps["what_if_cost_per_month"], steps["priced"], steps["what_if_runs_as"], strict=True)],
        "latency (ms)": steps["latency_ms"].map(lambda v: f"{v:,.0f}"),
        "what-if latency (ms)": steps["what_if_latency_ms"].map(lambda v: f"{v:,.0f}"),
        "success": steps["success"].map(lambda v: percent(v, 2)),
        "what-if success": steps["what_if_success"].map(lambda v: percent(v, 2)),
    })
    st.dataframe(table, hide_index=True, width="stretch")
    if result.unpriced:
        st.caption("No price for " + ", ".join(f"**{n}**" for n in result.unpriced) + f": the cost is unknown (not "
                   f"{money(0.0)}), so the bill and the cost per run leave it out.")
    if result.code_steps:
        st.caption("Rows that name no call class are steps that already run as code (no tokens): "
                   + ", ".join(f"**{n}**" for n in result.code_steps) + ".")
    if result.generic:
        st.caption("No row in the table for " + ", ".join(f"**{n}**" for n in result.generic)
                   + f": generic facts assumed ({pl.GENERIC_LATENCY_MS:,.0f} ms, {percent(pl.GENERIC_SUCCESS, 0)}).")

    if not chained:
        st.caption("Each row is its own feature's latency and success (what-if: as code). They are not added or "
                   "multiplied: independent features make no chain.")
        cost_tab, payback_tab, sure_tab = chart_tabs(["Cost by call class", "Payback", SURE_TAB], key="pipe.view")
        if cost_tab.open:  # only the open tab is computed, sent and drawn
            with cost_tab:
                money_frame = shown_frame(steps, "cost_per_month", "what_if_cost_per_month")
                chart(figures.grouped_bars(
                    list(steps["step"]),
                    {"today": money_frame["cost_per_month"], "what-if": money_frame["what_if_cost_per_month"]},
                    title=f"Monthly cost by call class{label}", y_title="cost per month", y_tickprefix=currency(),
                ), money_frame[["step", "runs_as", "what_if_runs_as", "cost_per_month", "what_if_cost_per_month"]],
                    name="pipeline cost by class")
        if payback_tab.open:
            with payback_tab:
                payback_chart(result)
        if sure_tab.open:
            with sure_tab:
                ranges.lever_section(LEVER, ctx, x)
        bill_lines(result.today, result.after, "with the classes as code")
        return
    what_if = f"What-if ({len(result.converted)} step{'s' if len(result.converted) != 1 else ''} as code)"
    st.dataframe(pd.DataFrame({
        "": ["LLM steps", "Cost per month", "Cost per run", "Latency per run", "End-to-end success",
             "Cost per successful run"],
        "Today": [str(before.llm_steps), money(before.cost_per_month), money(before.cost_per_run),
                  f"{before.latency_ms / 1000:,.2f} s", percent(before.success), money(before.cost_per_success)],
        what_if: [str(after.llm_steps), money(after.cost_per_month), money(after.cost_per_run),
                  f"{after.latency_ms / 1000:,.2f} s", percent(after.success), money(after.cost_per_success)],
    }), hide_index=True, width="stretch")
    st.caption(f"{result.runs_per_month:,.0f} runs a month (each run calls each LLM step once). Cost per successful "
               "run: cost per run ÷ end-to-end success, if failed runs are redone.")
    for key in dict.fromkeys(c.model_key for c in result.today.classes):
        prices = model_prices(ctx.workload, ctx.catalogue, key)
        if prices is not None:
            st.caption(price_caption(prices))

    cost_tab, track_tab, chain_tab, payback_tab, sure_tab = chart_tabs(
        ["Cost by step", "Success through the steps", "Success vs chained steps", "Payback", SURE_TAB],
        key="pipe.view")
    if cost_tab.open:  # only the open tab is computed, sent and drawn
        with cost_tab:
            money_frame = shown_frame(steps, "cost_per_month", "what_if_cost_per_month")
            chart(figures.grouped_bars(
                [f"{p}. {s}" for p, s in zip(steps["position"], steps["step"], strict=True)],
                {"today": money_frame["cost_per_month"], "what-if": money_frame["what_if_cost_per_month"]},
                title=f"Monthly cost by step{label}", y_title="cost per month", y_tickprefix=currency(),
            ), money_frame[["position", "step", "runs_as", "what_if_runs_as", "cost_per_month",
                            "what_if_cost_per_month"]],
                name="pipeline cost by step")
    if track_tab.open:
        with track_tab:
            chart(figures.line_chart(
                steps, x="position", series={"cumulative_success": "today", "what_if_cumulative_success": "what-if"},
                title="Share of runs still on track after each step", x_title="after step",
                y_title="runs with every step right",
                y_tickformat=".0%", x_tickformat="d",
            ), steps[["position", "step", "success", "what_if_success", "cumulative_success",
                      "what_if_cumulative_success"]],
                name="pipeline success through the steps")
    if chain_tab.open:
        with chain_tab:
            curve = pl.success_curve(result)
            series = {"reference": f"every LLM step at {percent(pl.REFERENCE_STEP_SUCCESS, 0)}"}
            mean = result.mean_llm_success
            if "yours" in curve:
                series["yours"] = f"at your average LLM step ({percent(mean)})"
            n_star = result.llm_steps_for_target
            top = curve["llm_steps"].max()
            chart(figures.line_chart(
                curve, x="llm_steps", series=series, title="End-to-end success vs number of chained LLM steps",
                x_title="LLM steps in the pipeline", y_title="end-to-end success", y_tickformat=".0%",
                markers=[figures.Marker(n_star, f"below {percent(result.target_success, 0)} after {n_star:.1f} steps")
                         if n_star is not None and n_star <= top else None,
                         figures.Marker(pl.REFERENCE_STEPS, "12 steps at 95% → 54%", colour="#5C6B73")],
                current=figures.Current(before.llm_steps, float(curve["yours"].iloc[before.llm_steps]), "your pipeline")
                if "yours" in curve and before.llm_steps <= top else None,
            ), curve, name="pipeline success vs llm steps")
            if n_star is not None:
                st.caption(f"At your average LLM step ({percent(mean)}), end-to-end success falls below "
                           f"{percent(result.target_success, 0)} after ln({result.target_success:g}) ÷ ln({mean:.4f}) "
                           f"= {n_star:.2f} chained LLM steps (the product of the steps' own rates is in the table "
                           "above).")
    if payback_tab.open:
        with payback_tab:
            payback_chart(result)
    if sure_tab.open:
        with sure_tab:
            ranges.lever_section(LEVER, ctx, x)
    bill_lines(result.today, result.after, "with the steps as code")


def payback_chart(result: pl.PipelineResult) -> None:
    if result.converted:
        payback = shown_frame(pl.payback_curve(result), "net_saving")
        months = result.payback_months
        chart(figures.line_chart(
            payback, x="month", series={"net_saving": "cumulative saving − rewrite cost"},
            title="Does the rewrite pay back?", x_title="months after the rewrite", y_title="net saving",
            y_tickprefix=currency(), zero_line=True,
            markers=[figures.Marker(months, f"pays back after {months:,.1f} months") if months is not None else None],
        ), payback, name="pipeline rewrite payback")
    else:
        st.caption("No step runs as code in the what-if: there is no rewrite to pay back.")


if rows is not None:
    saving_metric = Metric(
        "Monthly saving", money(r.saving), delta=f"{percent(r.saving_share)} of today's bill" if r.idle is None
        else "no step converted", delta_color="off",
        help="Today's bill minus the bill without the converted steps' call classes.")
    bill_metric = Metric("Bill with the steps as code", money(r.after.total), delta=f"today {money(r.today.total)}",
                         delta_color="off", help="Today is the workload's bill (the sidebar's).")
    payback_metric = Metric("Payback", payback_text(r), help=term("payback") + f" Here: the one-off rewrite "
                            f"({money(x.rewrite_cost)}) ÷ the monthly saving.")
    if r.chained:
        headline([
            saving_metric,
            Metric("End-to-end success", percent(r.what_if.success), delta=f"today {percent(r.before.success)}",
                   delta_color="off", help=term("end-to-end success") + " A run succeeds only when every step does "
                   "(failures independent)."),
            Metric("Latency per run", f"{r.what_if.latency_ms / 1000:,.2f} s",
                   delta=f"today {r.before.latency_ms / 1000:,.2f} s", delta_color="off",
                   help="Sum of the steps' latencies (they run in sequence)."),
            payback_metric,
        ])
        more_figures([bill_metric])
        st.caption("End-to-end figures assume your call classes are the steps of one pipeline, each run once per "
                   "request, one after another (you said so above).")
        if r.uneven:
            counts = ", ".join(f"**{name}** {n:,.0f}" for name, n in r.uneven)
            st.warning(f"The steps do not all run once per run: their requests a month differ ({counts}). The page "
                       f"takes runs = the largest ({r.runs_per_month:,.0f}); a step with fewer requests runs on only "
                       "some runs, so the end-to-end success and latency overstate what it adds. If these are "
                       "independent features, untick the pipeline box.", icon=":material/warning:")
    else:
        headline([saving_metric, bill_metric, payback_metric])
        st.info("Your call classes are read as **independent features**, so the page shows no end-to-end success or "
                "latency: the product of independent features' success rates and the sum of their latencies describe "
                "no request. If every request runs each class once, one after another, tick **These call classes are "
                "the steps of one pipeline** above. The monthly saving does not depend on it.",
                icon=":material/info:")
    if r.unmatched:
        st.caption("Not call classes of the workload, so nothing to convert: " + ", ".join(r.unmatched) + ".")
    show(r, "")
else:
    assert p is not None
    if r.converted:
        st.warning("The link converts " + ", ".join(f"**{n}**" for n in r.converted) + " of your sidebar workload to "
                   "code: those calls leave the bill.", icon=":material/warning:")
    st.info(f"Your sidebar bill is **{money(ctx.bill.total)}** for {ctx.sidebar.requests_per_month:,} requests of one "
            "kind: it is not a pipeline, so no step can be converted. Below is a **preview**: an illustrative "
            "invoice-processing pipeline run once per request, whose seven LLM steps would bill "
            f"{money(p.today.total)} a month; four of them do work code does better.", icon=":material/info:")
    illustrative("Preview, not your workload: the pipeline's steps, tokens, latencies and success rates, and the code "
                 "versions of four steps, are illustrative (not measured). Use it as the workload to edit it.")
    st.button("Use this pipeline as the workload", key="pipe.use_example", on_click=use_example, args=(example,),
              icon=":material/input:", type="primary",
              help="Makes its seven LLM steps the workload's call classes (edit them on the Call classes page), with "
              "the four code-like steps picked for the what-if.")
    st.subheader("Preview: the invoice pipeline")
    headline([
        Metric("Preview: saving", money(p.saving), delta=f"{money(p.today.total)} → {money(p.after.total)}",
               delta_color="off"),
        Metric("Preview: end-to-end success", percent(p.what_if.success), delta=f"today {percent(p.before.success)}",
               delta_color="off", help=term("end-to-end success")),
        Metric("Preview: latency per run", f"{p.what_if.latency_ms / 1000:,.2f} s",
               delta=f"today {p.before.latency_ms / 1000:,.2f} s", delta_color="off"),
        Metric("Preview: payback", payback_text(p), help=term("payback")),
    ])
    show(p, " (preview)")

explain(pl.EXPLANATION)
sources("pipeline_reliability", "pipeline_defaults", "pipeline_lever_defaults", "genai_prices")
