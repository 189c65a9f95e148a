"""System-prompt length: what the prompt costs on every request, section by section, and its quality tax."""
import streamlit as st

from calculators import caching
from calculators import system_prompt as sp
from calculators import tokens
from pages._ui import ranges
from pages._ui import fig_system_prompt, figures, widgets
from pages._ui.glossary import glossary, term
from pages._ui.layout import (
    SURE_TAB, chart_tabs, Metric, bill_lines, chart, context, currency, explain, headline, money, percent,
    price_caption, saving_tone, shown, shown_frame, sources, tokens as token_count, verdict,
)
from pages._ui.layout import plain
from pages._ui.lever_form import LeverForm, publish, read_inputs
from pages._ui.page_cache import analyse_prompt, sections_csv
from pages._ui.workload_edit import custom_rows, offer

LEVER = sp.LEVER
TERMS = ("prefix", "token", "tokenizer", "cache read", "illustrative")


def sentence(r: sp.SystemPromptResult, x: sp.SystemPromptInputs, why: str | None) -> str:
    """The page's verdict: what the trim saves a month, and what the whole prefix costs."""
    prefix = f"the {token_count(r.prefix_tokens)}-token shared prefix"
    costs = f"{money(r.prefix_cost)} a month ({percent(r.share_of_bill)} of the bill)"
    if why and r.prefix_tokens <= 0:
        return f"Trimming saves nothing here: {why}."
    if why:
        return (f"A {percent(x.trim_share, 0)} trim saves nothing; {prefix} costs {costs}, and every token trimmed "
                "saves.")
    trim = f"Trimming {prefix} by {percent(x.trim_share, 0)}"
    tone = saving_tone(r.saving)
    if tone == "saves":
        return (f"{trim} saves {money(r.saving)} a month ({percent(r.saving_share)} of the bill); the whole prefix "
                f"costs {costs}.")
    if tone == "costs":
        return f"{trim} costs {money(-r.saving)} a month more ({percent(-r.saving_share)} of the bill)."
    return f"{trim} moves the bill by less than a cent; the whole prefix costs {costs}."


st.title("System-prompt length: the quality tax")
st.caption("What your system prompt costs on every request, section by section, and what its length may do to "
           "answer quality.")

ctx = context()
verdict_slot = st.container()
choice = tokens.tokenizer_for(ctx.prices.provider_id, ctx.prices.model_id)
st.caption(price_caption(ctx.prices))

form = LeverForm(LEVER, ctx)
left, right = st.columns([3, 1])
with left:
    text = widgets.text(sp.PromptText, "text", key="sp.prompt", height=240)
    upload = st.file_uploader(
        "Or upload the prompt as a text file", key="sp.upload",
        help="UTF-8 or UTF-16 text of any extension (.txt, .md…), up to 5 MB. It replaces the text box while loaded.",
        max_upload_size=5,
    )
with right:
    form("trim_share")

source = "the text box"
if upload is not None:
    try:
        text = tokens.decode_upload(upload.getvalue(), limit_bytes=sp.MAX_PROMPT_CHARS)
        source = plain(upload.name)
    except tokens.NotTextError as exc:
        st.error(f"Couldn't read {plain(upload.name)}: {plain(exc)}. Using the text box instead.",
                 icon=":material/error:")
if text == sp.EXAMPLE_PROMPT:
    source = "the example prompt (illustrative: a support assistant for a fictional retailer)"

x = form.inputs()
analysis = analyse_prompt(text, choice.encoding)
caching_inputs = read_inputs(caching.LEVER, ctx)
cached = (caching.apply(ctx.workload, caching_inputs, ctx.catalogue)
          if not isinstance(caching_inputs, str) and ctx.prices.cache_read is not None else None)
r = sp.evaluate(ctx.workload, x, ctx.catalogue, ctx.bill, cached=cached)
publish(LEVER, r.saving)
why = LEVER.idle(ctx.workload, x, ctx.catalogue)
with verdict_slot:
    verdict(sentence(r, x, why), "idle" if why else saving_tone(r.saving))
    glossary(*TERMS)
frame = sp.section_table(analysis, r.cost_per_token)

with right:
    st.caption(f"Counting {source}: {analysis.characters:,} characters, {sp.describe_split(analysis)}.")
    if choice.exact:
        st.caption(f"Exact count: {choice.note}.")
    else:
        st.caption(f"**o200k estimate**: {choice.note}. Its own tokenizer can count differently.")

s = ctx.sidebar
if analysis.tokens == 0:
    st.info("The prompt is empty: paste a system prompt or upload one to see its cost.", icon=":material/info:")
elif abs(analysis.tokens - r.prefix_tokens) > max(0.005 * r.prefix_tokens, 1):
    st.info(f"This prompt is **{analysis.tokens:,} tokens**; your workload's shared prefix is "
            f"**{r.prefix_tokens:,.0f}** (sidebar anatomy). The money on this page is the workload's: use the prompt's "
            "count as the prefix so the two describe the same thing.", icon=":material/info:")
    if custom_rows() is None:
        other = s.input_tokens - s.prefix_tokens
        changes = ({"prefix_share": analysis.tokens / s.input_tokens} if analysis.tokens <= s.input_tokens else
                   {"input_tokens": int(round(analysis.tokens + other)),
                    "prefix_share": analysis.tokens / (analysis.tokens + other)})
        offer(f"Use {analysis.tokens:,} tokens as the workload's prefix", changes, key="sp.use_prompt",
              help="Sets the sidebar's shared prefix to this prompt's count (and the input tokens, if the prompt is "
              "longer than them).")

headline([
    Metric(f"Trim {percent(x.trim_share, 0)} saves", money(r.saving),
           delta=f"{money(r.today.total)} → {money(r.after.total)}", delta_color="off",
           help="Today's bill minus the bill with the prefix trimmed, per month."),
    Metric("Prefix cost per month", money(r.prefix_cost), delta=f"{percent(r.share_of_bill)} of the bill",
           delta_color="off", help=term("prefix") + " What it costs: today's bill minus the same workload without "
           "it, billed as the workload bills it today (cached or not)."),
    Metric("Once the prefix is cached", money(r.saving_when_cached) if r.saving_when_cached is not None else "—",
           help="The same trim on the workload with its prefix already cached (the Prompt caching page's settings): "
           "each trimmed token then saves only its cache price. The Overview applies the trim before caching, so "
           "its trim bar is the full saving and its caching bar caches only what the trim left: the joint saving is "
           "counted once either way."),
    Metric("Per 1,000 prefix tokens", money(r.per_1000_tokens),
           help="What 1,000 more prefix tokens add to the bill a month. There is no break-even: every token "
           "trimmed saves money."),
])
st.caption(f"Prompt: {analysis.tokens:,} tokens ({sp.tokens_label(choice)}), {len(frame):,} sections; workload "
           f"prefix {r.prefix_tokens:,.0f} tokens, {r.trimmed_tokens:,.0f} after the trim.")
bill_lines(r.today, r.after, "after the trim")

sections_tab, length_tab, sure_tab = chart_tabs(
    ["Cost of the largest sections", "Cost vs prefix length", SURE_TAB], key="sp.view")
if sections_tab.open:  # only the open tab is computed, sent and drawn
    with sections_tab:
        top = shown_frame(sp.top_sections(frame, 20), "cost_per_month")
        chart(fig_system_prompt.section_bars(top, title="Monthly cost of each section (largest 20 by tokens)",
                                             currency=currency()), top,
              name="system prompt cost of the largest sections")
if length_tab.open:
    with length_tab:
        costs = shown_frame(sp.cost_curve(ctx.workload, ctx.catalogue, float(analysis.tokens)), "cost_per_month")
        fig = figures.line_chart(
            costs, x="prefix_tokens", series={"cost_per_month": "prefix cost per month"},
            title="Monthly cost of the shared prefix vs its length", x_title="shared prefix tokens",
            y_title="cost per month",
            markers=[figures.Marker(r.trimmed_tokens, f"trim target: {r.trimmed_tokens:,.0f} tokens")
                     if x.trim_share > 0 else None],
            current=figures.Current(r.prefix_tokens, shown(r.prefix_cost), label="your prefix"),
            y_tickprefix=currency(),
        )
        chart(fig, costs, name="system prompt cost vs length")
if sure_tab.open:
    with sure_tab:
        ranges.lever_section(LEVER, ctx, x)

SHOWN = 1_000
table = shown_frame(frame.head(SHOWN), "cost_per_month").assign(
    title=lambda f: ["  " * max(int(lv) - 1, 0) + t for t, lv in zip(f["title"], f["level"], strict=True)])
st.dataframe(
    table[["section", "title", "tokens", "share", "cost_per_month"]],
    hide_index=True,
    column_config={
        "section": st.column_config.NumberColumn("#", width="small"),
        "title": st.column_config.TextColumn("Section", width="large"),
        "tokens": st.column_config.NumberColumn("Tokens", format="localized"),
        "share": st.column_config.NumberColumn("Share", format="percent"),
        "cost_per_month": st.column_config.NumberColumn("Cost per month", format=f"{currency()}%,.2f"),
    },
    height=min(400, 38 + 35 * len(table)),
)
st.download_button(
    "Download all sections (CSV)", sections_csv(text, choice.encoding, shown(r.cost_per_token)),
    file_name="system-prompt-sections.csv", mime="text/csv", key="csv-system-prompt-sections",
    icon=":material/download:",
)
if len(frame) > SHOWN:
    st.caption(f"Showing the first {SHOWN:,} of {len(frame):,} sections; the CSV has them all.")
st.caption("Each token of the whole prompt is counted in the section where it starts, so sections add up exactly "
           "to the prompt's tokens; a section counted on its own can differ by a token at a cut. A section's cost "
           "is its tokens at the prefix's average cost per token.")


st.subheader("Quality: accuracy vs input length")
st.caption("**One study's average, not a law.** Levy, Jacoby and Goldberg (ACL 2024) padded the same reasoning "
           "questions with irrelevant text: average accuracy over the models tested fell from 0.92 on the shortest "
           "inputs (about 250 tokens) to 0.68 at about 3,000. Only those two points are published averages; the "
           "straight line between them is ours, and beyond them the curve is flat (not measured). Their length is "
           "the whole input and their padding was irrelevant; your prompt is (hopefully) relevant. Edit the table "
           "with your own evals.")
editor_col, note_col = st.columns([1, 2])
with editor_col:
    edited = st.data_editor(
        sp.LEVY_CURVE.frame(), key="sp.curve", num_rows="dynamic", hide_index=True,
        column_config={
            "input_tokens": st.column_config.NumberColumn("Input tokens", min_value=0, max_value=10_000_000,
                                                          step=1, format="localized"),
            "accuracy": st.column_config.NumberColumn("Accuracy", min_value=0.0, max_value=1.0, step=0.01),
        },
    )
curve, curve_problem = sp.curve_from_rows(edited)
trimmed_prompt = analysis.tokens * (1 - x.trim_share)
now, after = curve.at(analysis.tokens), curve.at(trimmed_prompt)
with note_col:
    if curve_problem:
        st.warning(f"Using the published curve: the edited table can't be used ({curve_problem}).",
                   icon=":material/warning:")
    st.caption("Add rows for your own evals (input length, accuracy); straight lines join the points. The markers "
               "show your prompt and the trim target on it.")
series = sp.accuracy_series(curve, analysis.tokens, trimmed_prompt)
fig = figures.line_chart(
    series, x="input_tokens",
    series={"measured": "one study's average (editable points)", "not_measured": "beyond the points: not measured"},
    dashes={"not_measured": "dot"},
    title="Accuracy vs input length: one study's average, not a law", x_title="input tokens",
    y_title="accuracy",
    markers=[figures.Marker(analysis.tokens, f"your prompt: {analysis.tokens:,}", colour="#111111"),
             figures.Marker(trimmed_prompt, f"after trim: {trimmed_prompt:,.0f}")
             if x.trim_share > 0 else None],
    current=figures.Current(analysis.tokens, now, label=f"your prompt: {now:.2f}"),
    y_tickformat=".0%",
)
chart(fig, series, name="accuracy vs input length")
if not curve.within(analysis.tokens):
    st.caption(f"Your prompt ({analysis.tokens:,} tokens) is outside the curve's points "
               f"({curve.lengths[0]:,.0f} to {curve.lengths[-1]:,.0f}): the value shown is the nearest end, "
               "not a measurement.")

st.caption(f"Study accuracy at your prompt's length: {now:.2f} ({after - now:+.2f} after the trim). Read off the "
           "curve: one study's average unless you edited it; not a prediction for your task.")

explain(sp.EXPLANATION)
sources("levy_same_task_more_tokens", "levy_flenqa_lengths", "example_system_prompt", "workload_defaults",
        "genai_prices", "anthropic_caching", "openai_caching")
