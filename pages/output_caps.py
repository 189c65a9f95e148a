"""Output caps: what a max_tokens cap and a brevity instruction do to the bill, latency and throughput."""
import re

import streamlit as st

from calculators import output_caps as oc
from calculators import tokens
from pages._ui import ranges
from pages._ui import fig_output_caps, figures
from pages._ui.glossary import glossary, term
from pages._ui.layout import (
    SURE_TAB, Metric, bill_lines, chart, chart_tabs, context, currency, explain, headline, illustrative, money,
    percent, price_caption, saving_tone, shown, shown_frame, sources, verdict,
)
from pages._ui.layout import plain
from pages._ui.page_cache import read_lengths
from pages._ui.lever_form import LeverForm, key_of, publish
from pages._ui.workload_edit import custom_rows, offer

LEVER = oc.LEVER
SPREAD_KEY = key_of(oc.OutputCapInputs, "p95_multiple")
TERMS = ("output cap", "truncation", "redo share", "reasoning tokens", "brevity instruction", "p95",
         "time to first token", "tokens-per-minute limit")


def use_spread(value: float) -> None:
    """Put an observed spread into the spread widget (a button's callback: it runs before the widget is drawn)."""
    st.session_state[SPREAD_KEY] = value


def _md(text: str) -> str:
    """A class name typed by the user, made inert in Markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>$~])", r"\\\1", text)


def tokens_text(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def seconds(ms: float | None) -> str:
    return "—" if ms is None else f"{ms / 1000:,.1f} s"


def share_of_bill(share: float) -> str:
    return "under 0.1% of the bill" if 0 < abs(share) < 0.001 else f"{percent(abs(share))} of the bill"


def sentence(r: oc.OutputCapResult, x: oc.OutputCapInputs, why: str | None) -> str:
    """The page's verdict: what this cap (and brevity instruction) saves or costs a month, and the cheapest cap."""
    if why:
        return f"Nothing to cap: {why}."
    cut = "almost no answers" if r.truncation_rate < 0.00005 else f"{percent(r.truncation_rate, 2)} of answers"
    subject = f"A max_tokens cap of {x.cap:,}" + (" with the brevity instruction" if x.brevity_effect else "")
    best = r.optimal_cap
    cheapest = (f"the cheapest cap within your {percent(x.max_truncation, 1)} truncation limit, {best:,.0f} tokens, "
                f"would save {money(r.optimal_saving)}" if best is not None and r.optimal_saving is not None else
                f"no cap within your {percent(x.max_truncation, 1)} truncation limit bills less than no cap at this "
                "redo share")
    tone = saving_tone(r.saving)
    if tone == "saves":
        head = f"{subject} saves {money(r.saving)} a month ({share_of_bill(r.saving_share)}), cutting off {cut}"
    elif tone == "costs":
        head = (f"{subject} costs {money(-r.saving)} a month more ({share_of_bill(r.saving_share)}): it cuts off "
                f"{cut} and redoing {percent(x.redo_share, 0)} of them costs more than the shorter answers save")
    else:
        head = f"{subject} moves the bill by less than a cent, cutting off {cut}"
    same = best is not None and abs(best - x.cap) < 0.5
    return f"{head}; {'it is the cheapest cap within your truncation limit' if same else cheapest}."


st.title("Output caps: tuning max_tokens")
st.caption("What a max_tokens cap and a brevity instruction save in money, and what they do to latency, throughput "
           "and the answers they cut off.")

ctx = context()
verdict_slot = st.container()
st.caption(price_caption(ctx.prices))
main = oc.main_class(ctx.workload)
if main is not None:
    parts = (f"{main.output_tokens:,.0f} visible + {main.reasoning_tokens:,.0f} reasoning" if main.reasoning_tokens
             else "visible answer, no reasoning tokens")
    st.caption(f"Your workload's output: **{oc.call_output(main):,.0f} tokens per request** ({parts}, sidebar). That "
               "is the mean of the output lengths below, so with no cap the bill is the sidebar's; max_tokens caps "
               "visible and reasoning tokens together.")
if any(not oc.single_call(c) for c in ctx.workload.classes):
    st.caption("Agent tasks are out of this lever's scope: a cap on each step would change the history the later "
               "steps re-send. They are billed as today.")
illustrative("The spread of lengths, the redo share, the truncation limit and the latency and rate-limit figures are "
             "illustrative: measure your own. The mean length is your workload's.")

form = LeverForm(LEVER, ctx)
lengths_col, cap_col, speed_col = st.columns(3)
with lengths_col:
    st.markdown("**Output lengths**")
    form("p95_multiple")
    form("brevity_effect")
with cap_col:
    st.markdown("**The cap and its casualties**")
    form("cap")
    form("redo_share")
    form("max_truncation")
    st.caption("The truncation limit holds for every class: one whose answers your cap would cut off more often gets "
               "the tightest cap within the limit (a max_tokens per call site), so the saving never counts answers "
               "cut beyond it.")
with speed_col:
    st.markdown("**Latency and rate limit**")
    form("ttft_ms")
    form("ms_per_token")
    form("tpm_limit")
    form("limit_counts")
x = form.inputs()
r = oc.evaluate(ctx.workload, x, ctx.catalogue, ctx.bill)
publish(LEVER, r.saving)

why = LEVER.idle(ctx.workload, x, ctx.catalogue)
with verdict_slot:
    verdict(sentence(r, x, why), "idle" if why else saving_tone(r.saving))
    glossary(*TERMS)

if r.one_cap is not None:
    one = r.one_cap
    share = one.saving / r.today.total if r.today.total else 0.0
    cut = "; ".join(f"**{_md(k.name)}**: {percent(k.truncation_at_your_cap, 1)} of its answers, so it gets "
                    f"{k.cap:,.0f} tokens" for k in r.raised)
    st.warning(
        f"**max_tokens {x.cap:,} would cut off more than your {percent(x.max_truncation, 1)} truncation limit** in "
        f"{len(r.raised)} class{'es' if len(r.raised) > 1 else ''}: {cut}, the tightest cap within the limit. The "
        f"headline saving uses {'those caps' if len(r.raised) > 1 else 'that cap'}. One cap for every class would "
        f"have claimed {money(one.saving)} a month "
        f"({percent(share)} of today's bill) with {percent(one.truncation, 1)} of all answers cut off: in "
        f"{'those classes' if len(r.raised) > 1 else 'that class'}, {money(one.cut_and_kept)} of output no longer "
        f"billed on answers cut off and used as they are (a shorter answer, not a cheaper one), less "
        f"{money(one.redo_cost)} for the {percent(x.redo_share, 0)} redone. Raise the truncation limit only if "
        "those answers are still usable when cut.", icon=":material/warning:")
if r.unpriced:
    st.warning("Left as they are, their model has no price (never counted as free): "
               + ", ".join(f"**{_md(n)}**" for n in r.unpriced) + ".", icon=":material/warning:")

best = r.optimal_cap
limit_label = f"{percent(x.max_truncation, 1)} truncation limit"
headline([
    Metric("Monthly saving", money(r.saving), delta=share_of_bill(r.saving_share).replace("the bill", "today's bill")
           if r.saving >= 0 else f"{percent(r.saving_share)} of today's bill", delta_color="off",
           help="Today's bill minus the bill with this cap and brevity instruction, redone answers included: two "
           "workloads priced by the same function."),
    Metric("Bill with this cap", money(r.after.total), delta=f"today {money(r.today.total)}", delta_color="off",
           help="Today is the sidebar's bill."),
    Metric("Cheapest cap within limit", f"{best:,.0f} tokens" if best is not None else "no cap",
           delta=f"saves {money(r.optimal_saving)}" if r.optimal_saving is not None else None, delta_color="off",
           help=f"The cheapest cap, no class's answers cut off more than {percent(x.max_truncation, 1)} of the time "
           "(a class it would cut more gets its own tightest cap within the limit), and what it saves. 'no cap': "
           "every cap bills more than none at this redo share."),
    Metric("Break-even redo share", percent(r.break_even_redo_share) if r.break_even_redo_share is not None else "—",
           help=term("redo share") + " The cap saves money only while fewer than this share of cut-off answers must "
           "be redone. '—': the cap cuts off nothing, so it neither saves nor costs."),
])
latency_of = f" ({r.main_name})" if len(r.model.classes) > 1 else ""
st.caption(
    f"At max_tokens {x.cap:,}"
    + (" (raised to " + ", ".join(f"{k.cap:,.0f} for {_md(k.name)}" for k in r.raised) + ")" if r.raised else "")
    + f": {percent(r.truncation_rate, 2)} of answers cut off, {percent(r.redo_rate, 2)} redone; "
    f"{tokens_text(r.billed_output_tokens)} output tokens billed per request (no cap: "
    f"{tokens_text(r.no_cap_tokens)}). "
    f"Latency{latency_of}: p50 {seconds(r.latency_p50_ms)}, p95 {seconds(r.latency_p95_ms)} (no cap: "
    f"{seconds(r.uncapped_latency_p95_ms)}). The rate limit admits "
    + (f"{r.requests_per_minute:,.0f} requests a minute" if r.requests_per_minute is not None else "—")
    + f" against an average load of {r.average_requests_per_minute:,.1f}."
)

notes = []
if x.brevity_effect and r.model.classes:
    cap_part = (f"the cap saves a further {money(r.cap_saving)}" if r.cap_saving >= 0 else
                f"the cap costs {money(-r.cap_saving)} of that back")
    notes.append(f"The brevity instruction alone saves {money(r.brevity_saving)} a month; {cap_part}.")
if r.model.classes and best is None:
    notes.append(f"No cap that truncates at most {percent(x.max_truncation, 1)} of answers bills less than no cap when "
                 f"{percent(x.redo_share, 0)} of truncated answers are redone: a cap here buys throughput and a "
                 "runaway guard, not savings.")
elif best is not None and best <= min(k.limit_cap for k in r.classes) * (1 + 1e-9):
    notes.append(f"The cheapest acceptable cap is the tightest within your {limit_label}: at this redo share, every "
                 "tighter cap is cheaper, down to the limit"
                 + (" (below it each class keeps its own tightest cap within the limit)." if len(r.classes) > 1
                    else "."))
elif best is not None:
    notes.append("The cheapest acceptable cap is where a lower cap's saving on kept answers equals the cost of the "
                 "extra redos.")
if notes:
    st.caption(" ".join(notes))

if len(r.classes) > 1 or r.raised:
    st.markdown("**The cap each class gets**")
    st.dataframe(
        shown_frame(oc.class_frame(r), "monthly saving"), hide_index=True, width="stretch",
        column_config={
            "requests per month": st.column_config.NumberColumn(format="%,.0f"),
            "mean output": st.column_config.NumberColumn(format="%,.0f", help="Tokens per request, visible + "
                                                         "reasoning, with the brevity instruction."),
            "p95 output": st.column_config.NumberColumn(format="%,.0f"),
            "tightest cap within limit": st.column_config.NumberColumn(
                format="%,.0f", help="The (1 − limit) quantile of the class's lengths, rounded up."),
            "cap used": st.column_config.NumberColumn(format="%,.0f", help="Your cap, or the tightest cap within the "
                                                      "limit where yours would cut off more."),
            "raised": st.column_config.CheckboxColumn("raised", help="Your cap would cut off more than the limit."),
            "cut off at your cap": st.column_config.NumberColumn(format="percent"),
            "cut off": st.column_config.NumberColumn(format="percent", help="At the cap the class gets."),
            "monthly saving": st.column_config.NumberColumn(format=f"{currency()}%,.2f",
                                                            help="The class's bill today minus with its cap, "
                                                            "redone answers included."),
        },
    )

bill_tab, tokens_tab, throughput_tab, sure_tab = chart_tabs(
    ["Bill and truncation", "Tokens and latency", "Throughput", SURE_TAB], key="cap.view")
if not r.model.classes and not sure_tab.open:
    st.caption("No single-call class to chart: agent tasks are out of this lever's scope.")
elif not sure_tab.open:  # only the open tab's charts are computed and drawn
    curve = oc.curves(r, x, marks=(best,) if best is not None else ())
    current = curve.loc[(curve["cap"] - x.cap).abs().idxmin()]
    markers = [
        figures.Marker(best, f"cheapest within limit: {best:,.0f}") if best is not None else None,
        figures.Marker(r.truncation_limit_cap, limit_label if len(r.classes) == 1 else
                       f"{limit_label}, every class", colour="#5C6B73")
        if r.truncation_limit_cap and (best is None or abs(best - r.truncation_limit_cap) > 1e-6 * best) else None,
    ]

    def here(column: str, label: str = "your cap", money_column: bool = False) -> figures.Current:
        value = float(current[column])
        return figures.Current(x.cap, shown(value) if money_column else value, label=f"{label}: {x.cap:,}")

    shown_curve = shown_frame(curve, "bill", "no_cap_bill", "today", "bill_one_cap")
    beyond = bool((curve["bill_one_cap"] < curve["bill"] - 1e-9 * r.today.total).any())
    if bill_tab.open:
        with bill_tab:
            left, right = st.columns(2)
            with left:
                series = {"bill": "with this cap (within the limit)", "today": "today (no cap)"}
                if x.brevity_effect:
                    series["no_cap_bill"] = "brevity instruction, no cap"
                if beyond:
                    series["bill_one_cap"] = "one cap for every class, limit ignored (not booked)"
                fig = fig_output_caps.cap_chart(
                    shown_curve, series=series, dashes={"today": "dash", "no_cap_bill": "dot", "bill_one_cap": "dot"},
                    title="Monthly bill vs the cap", y_title="bill per month", markers=markers,
                    current=here("bill", money_column=True), y_tickprefix=currency(),
                )
                chart(fig, shown_curve[["cap", *series]], name="output cap bill per month")
            with right:
                cut_series = {"truncation_rate": "truncated", "redo_rate": "redone"}
                if beyond:
                    cut_series["truncation_rate_one_cap"] = "truncated, limit ignored"
                fig = fig_output_caps.cap_chart(
                    curve, series=cut_series, title="Truncation rate vs the cap",
                    dashes={"truncation_rate_one_cap": "dot"},
                    y_title="share of answers", markers=markers, current=here("truncation_rate"), y_tickformat=".1%",
                )
                chart(fig, curve[["cap", *cut_series]], name="output cap truncation rate")
            if beyond:
                st.caption("Below the limit cap, the solid lines hold still: the classes your cap would cut beyond the "
                           "limit keep their tightest cap within it. The dotted lines are what one cap for every class "
                           "would do: the gap is a saving made of answers cut off, which the lever does not book.")
    if tokens_tab.open:
        with tokens_tab:
            left, right = st.columns(2)
            with left:
                fig = fig_output_caps.cap_chart(
                    curve, series={"billed_output_tokens": "billed", "first_attempt_tokens": "first attempt",
                                   "no_cap_mean_tokens": "no cap"},
                    dashes={"no_cap_mean_tokens": "dash", "first_attempt_tokens": "dot"},
                    title="Output tokens billed per request vs the cap",
                    y_title="output tokens (redone answers included)",
                    markers=markers, current=here("billed_output_tokens"),
                )
                chart(fig, curve[["cap", "billed_output_tokens", "first_attempt_tokens", "no_cap_mean_tokens"]],
                      name="output cap billed tokens")
            with right:
                fig = fig_output_caps.cap_chart(
                    curve, series={"latency_p50_s": "p50", "latency_p95_s": "p95"},
                    title=f"Latency vs the cap{latency_of}",
                    y_title="seconds", markers=markers, current=here("latency_p95_s", "p95"), y_ticksuffix=" s",
                )
                chart(fig, curve[["cap", "latency_p50_s", "latency_p95_s"]], name="output cap latency")
                st.caption("A response of N tokens takes the time to first token + (N − 1) × the time per token. The "
                           "p95 jumps where redone answers pass 5% of requests: from then on the slowest 5% wait for "
                           "two attempts.")
    if throughput_tab.open:
        with throughput_tab:
            fig = fig_output_caps.cap_chart(
                curve, series={"requests_per_minute": "requests per minute the limit admits",
                               "average_requests_per_minute": "your average load"},
                dashes={"average_requests_per_minute": "dash"},
                title=f"Requests per minute under a {x.tpm_limit:,} tokens-per-minute limit "
                      f"({x.limit_counts} reserved)",
                y_title="requests per minute (log scale)", markers=markers,
                current=here("requests_per_minute"), log_y=True,
            )
            chart(fig, curve[["cap", "requests_per_minute", "average_requests_per_minute"]],
                  name="output cap throughput")
            st.caption("Peaks matter more than the average: the limit applies per minute, so compare it with your "
                       "busiest minute. A loose cap costs nothing extra in money but lowers this ceiling.")
if sure_tab.open:
    with sure_tab:
        ranges.lever_section(LEVER, ctx, x)

bill_lines(r.today, r.after, "with this cap")

st.subheader("Your observed lengths (optional)")
st.caption("Upload the output lengths your provider's usage logs report (completion tokens, reasoning included). A "
           "file cannot travel in the page link, so the money above and the Overview's bar always use the log-normal "
           "spread set above; here the file's own curves are shown beside it, and you can use its spread and mean.")
upload = st.file_uploader(
    "Observed output lengths (CSV or text)", key="cap.upload",
    help="Whole numbers of output tokens, one per line or separated by commas; one header line is allowed.",
    max_upload_size=50,
)
observed = None
if upload is not None:
    try:
        observed = read_lengths(upload.getvalue())
    except (tokens.NotTextError, oc.LengthsError) as exc:
        st.error(f"Couldn't read {plain(upload.name)}: {plain(exc)}.", icon=":material/error:")
if observed is not None and r.model.main is not None:
    seen = oc.ObservedLengths.of(observed)
    k = seen.p95_multiple
    st.caption(f"{seen.n:,} observed lengths: mean {seen.mean:,.0f}, p50 {seen.p50:,.0f}, p95 {seen.p95:,.0f} tokens"
               + (f", p95 = {k:.2f}x the mean" if k is not None else "") + ".")
    offers = st.columns(2)
    if seen.spread_fits and k is not None and round(k, 2) != round(x.p95_multiple, 2):
        offers[0].button(f"Use its spread: p95 = {k:.2f}x the mean", key="cap.use_spread", on_click=use_spread,
                         args=(round(k, 2),), icon=":material/input:", type="primary",
                         help="Sets the spread above (and in the link), so the headline and the Overview use it.")
    elif k is not None and not seen.spread_fits:
        offers[0].info(f"Its p95 of {k:.2f}x the mean is outside what a log-normal with that mean can have "
                       f"({oc.MIN_P95_MULTIPLE:g}x to {oc.MAX_P95_MULTIPLE:.2f}x): the spread above stays as it is.",
                       icon=":material/info:")
    visible = seen.visible_output(ctx.sidebar.reasoning_tokens)
    if custom_rows() is None and visible is not None and visible != ctx.sidebar.output_tokens:
        offer(f"Use its mean as the workload's output: {visible:,} visible tokens", {"output_tokens": visible},
              key="cap.use_mean", container=offers[1],
              help="Sets the sidebar's output tokens per request so that a call's mean output (visible + reasoning) "
              "is the file's mean.")
    compare = oc.observed_curves(r, x, observed)
    shown_compare = shown_frame(compare, "observed_bill", "log_normal_bill")
    left, right = st.columns(2)
    with left:
        fig = fig_output_caps.cap_chart(
            shown_compare, series={"observed_bill": "your observed lengths",
                                   "log_normal_bill": "log-normal (headline)"},
            dashes={"log_normal_bill": "dash"}, title=f"{r.main_name}: monthly bill vs the cap",
            y_title="bill per month", markers=[], current=figures.Current(x.cap, shown(float(
                compare.loc[compare["cap"] == float(x.cap), "observed_bill"].iloc[0])), label=f"your cap: {x.cap:,}"),
            y_tickprefix=currency(),
        )
        chart(fig, shown_compare[["cap", "observed_bill", "log_normal_bill"]], name="output cap observed bill")
    with right:
        fig = fig_output_caps.cap_chart(
            compare, series={"observed_truncation": "your observed lengths", "log_normal_truncation": "log-normal"},
            dashes={"log_normal_truncation": "dash"}, title=f"{r.main_name}: truncation rate vs the cap",
            y_title="share of answers", markers=[], current=figures.Current(x.cap, float(
                compare.loc[compare["cap"] == float(x.cap), "observed_truncation"].iloc[0]),
                label=f"your cap: {x.cap:,}"),
            y_tickformat=".1%",
        )
        chart(fig, compare[["cap", "observed_truncation", "log_normal_truncation"]],
              name="output cap observed truncation")
    st.caption(f"For {r.main_name}, with its input and prices and the brevity instruction applied to the file's "
               "lengths. An analysis beside the headline, not in it.")

explain(oc.EXPLANATION)
sources("rate_limit_reservation", "reasoning_billing", "output_cap_defaults", "output_cap_spread", "output_input_ratio",
        "genai_prices", "workload_defaults")
