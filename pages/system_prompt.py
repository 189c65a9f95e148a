"""System-prompt length: what the prompt costs on every request, section by section, and its quality tax."""
import streamlit as st

from calculators import system_prompt as sp
from calculators import tokens
from pages._ui import fig_system_prompt, figures, levers, widgets
from pages._ui.layout import (
    Metric, chart, context, currency, explain, headline, money, percent, price_caption, sources,
)


@st.cache_data(show_spinner="Counting tokens…", max_entries=16)
def analyse(text: str, encoding: str) -> sp.PromptAnalysis:
    return sp.analyse(text, encoding)


@st.cache_data(max_entries=16)
def sections_csv(text: str, encoding: str, per_month_uncached: float, per_month_cached: float,
                 per_request_uncached: float) -> bytes:
    """Every section with its tokens and costs, as CSV (cached: a 1 MB prompt has thousands of sections)."""
    frame = sp.section_table(analyse(text, encoding), per_month_uncached, per_month_cached, per_request_uncached)
    return frame.drop(columns=["start"]).to_csv(index=False).encode("utf-8")


st.title("System-prompt length: the quality tax")
st.caption("What your system prompt costs on every request, section by section, and what its length may do to "
           "answer quality.")

ctx = context()
choice = tokens.tokenizer_for(ctx.prices.provider_id, ctx.prices.model_id)
st.caption(price_caption(ctx.prices))

left, right = st.columns([3, 1])
with left:
    text = widgets.text(sp.PromptText, "text", key="sp.prompt", height=240)
    upload = st.file_uploader(
        "Or upload the prompt as a text file", key="sp.upload",
        help="UTF-8 text of any extension (.txt, .md…), up to 5 MB. It replaces the text box while loaded.",
        max_upload_size=5,
    )
with right:
    trim = widgets.number(sp.SystemPromptInputs, "trim_share", key="sp.trim")

source = "the text box"
if upload is not None:
    try:
        text = tokens.decode_upload(upload.getvalue(), limit_bytes=sp.MAX_PROMPT_CHARS)
        source = f"`{upload.name}`"
    except tokens.NotTextError as exc:
        st.error(f"Couldn't read `{upload.name}`: {exc}. Using the text box instead.", icon=":material/error:")
if text == sp.EXAMPLE_PROMPT:
    source = "the example prompt (illustrative: a support assistant for a fictional retailer)"

x = widgets.validated(sp.SystemPromptInputs, trim_share=trim)
analysis = analyse(text, choice.encoding)
result = sp.evaluate(analysis, x, ctx.sidebar, ctx.prices, ctx.bill.total)
levers.publish(levers.system_prompt_saving(ctx, x, result, example=text == sp.EXAMPLE_PROMPT))
frame = sp.section_costs(analysis, result, ctx.sidebar)

with right:
    st.caption(f"Counting {source}: {analysis.characters:,} characters, {sp.describe_split(analysis)}.")
    if choice.exact:
        st.caption(f"Exact count: {choice.note}.")
    else:
        st.caption(f"**o200k estimate**: {choice.note}. Its own tokenizer can count differently.")

if analysis.tokens == 0:
    st.info("The prompt is empty: paste a system prompt or upload one to see its cost.", icon=":material/info:")
if result.prompt_longer_than_workload_input:
    st.warning(
        f"This prompt ({result.prompt_tokens:,} tokens) is longer than the workload's "
        f"{ctx.sidebar.input_tokens:,} input tokens per request (sidebar). Requests here carry the prompt and "
        "nothing else; set the sidebar's input tokens to your real average for the full picture.",
        icon=":material/warning:",
    )

metrics_area = st.container()  # filled below, once the editable accuracy curve is read

top = sp.top_sections(frame, 20)
chart(fig_system_prompt.section_bars(top, title="Monthly cost of each section (largest 20 by tokens)", currency=currency()), top,
      name="system prompt cost of the largest sections")

SHOWN = 1_000
table = frame.head(SHOWN).assign(
    title=lambda f: ["  " * max(int(lv) - 1, 0) + t for t, lv in zip(f["title"], f["level"], strict=True)])
st.dataframe(
    table[["section", "title", "tokens", "share", "cost_month_uncached", "cost_month_cached"]],
    hide_index=True,
    column_config={
        "section": st.column_config.NumberColumn("#", width="small"),
        "title": st.column_config.TextColumn("Section", width="large"),
        "tokens": st.column_config.NumberColumn("Tokens", format="localized"),
        "share": st.column_config.NumberColumn("Share", format="percent"),
        "cost_month_uncached": st.column_config.NumberColumn(f"{currency().strip()}/month uncached", format=f"{currency()}%,.2f"),
        "cost_month_cached": st.column_config.NumberColumn(f"{currency().strip()}/month cached", format=f"{currency()}%,.2f"),
    },
    height=min(400, 38 + 35 * len(table)),
)
st.download_button(
    "Download all sections (CSV)",
    sections_csv(text, choice.encoding, result.per_month_uncached, result.per_month_cached,
                 result.per_request_uncached),
    file_name="system-prompt-sections.csv", mime="text/csv", key="csv-system-prompt-sections",
    icon=":material/download:",
)
if len(frame) > SHOWN:
    st.caption(f"Showing the first {SHOWN:,} of {len(frame):,} sections; the CSV has them all.")
st.caption("Each token of the whole prompt is counted in the section where it starts, so sections add up exactly "
           "to the prompt's tokens; a section counted on its own can differ by a token at a cut.")

costs = sp.cost_curve(analysis, ctx.sidebar, ctx.prices)
fig = figures.line_chart(
    costs, x="prompt_tokens", series={"uncached": "uncached (input price)", "cached": "cached (cache-read price)"},
    title="Monthly prompt cost vs prompt length", x_title="system prompt tokens", y_title="cost per month",
    markers=[figures.Marker(result.trimmed_tokens, f"trim target: {result.trimmed_tokens:,} tokens")
             if x.trim_share > 0 else None],
    current=figures.Current(result.prompt_tokens, result.per_month_uncached, label="your prompt"),
    y_tickprefix=currency(),
)
chart(fig, costs, name="system prompt cost vs length")

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
now, after = curve.at(result.prompt_tokens), curve.at(result.trimmed_tokens)
with note_col:
    if curve_problem:
        st.warning(f"Using the published curve: the edited table can't be used ({curve_problem}).", icon=":material/warning:")
    st.caption("Add rows for your own evals (input length, accuracy); straight lines join the points. The markers "
               "show your prompt and the trim target on it.")
series = sp.accuracy_series(curve, result.prompt_tokens, result.trimmed_tokens)
fig = figures.line_chart(
    series, x="input_tokens",
    series={"measured": "one study's average (editable points)", "not_measured": "beyond the points: not measured"},
    dashes={"not_measured": "dot"},
    title="Accuracy vs input length: one study's average, not a law", x_title="input tokens",
    y_title="accuracy",
    markers=[figures.Marker(result.prompt_tokens, f"your prompt: {result.prompt_tokens:,}", colour="#111111"),
             figures.Marker(result.trimmed_tokens, f"after trim: {result.trimmed_tokens:,}")
             if x.trim_share > 0 else None],
    current=figures.Current(result.prompt_tokens, now, label=f"your prompt: {now:.2f}"),
    y_tickformat=".0%",
)
chart(fig, series, name="accuracy vs input length")
if not curve.within(result.prompt_tokens):
    st.caption(f"Your prompt ({result.prompt_tokens:,} tokens) is outside the curve's points "
               f"({curve.lengths[0]:,.0f} to {curve.lengths[-1]:,.0f}): the value shown is the nearest end, "
               "not a measurement.")

with metrics_area:
    headline([
        Metric("Cost per month", money(result.per_month_uncached),
               delta=f"{percent(result.share_of_bill)} of the bill" if result.share_of_bill is not None else None,
               delta_color="off",
               help="What the system prompt costs per month, uncached: prompt tokens × input price × requests, "
               "and its share of the sidebar's baseline bill."),
        Metric("Per request", money(result.per_request_uncached),
               help="What the prompt adds to one request, uncached."),
        Metric("With caching", money(result.per_month_cached),
               delta=f"-{money(result.per_month_uncached - result.per_month_cached)}", delta_color="off",
               help="Every request reads the prompt from cache at the cache-read price (writes left out)."
               + ("" if result.has_cache_price else " This model has no cache-read price: no discount.")),
        Metric(f"Trim {percent(x.trim_share, 0)} saves", money(result.trim_saving_month_uncached),
               delta=f"cached: {money(result.trim_saving_month_cached)}", delta_color="off",
               help=f"Per month, from {result.prompt_tokens:,} to {result.trimmed_tokens:,} tokens, at the "
               "workload's volume: uncached, and (below) when the prompt is cached."),
        Metric("Per 1,000 tokens", money(result.per_1000_tokens_month),
               help="What 1,000 more prompt tokens cost per month, uncached. There is no break-even: every token "
               "trimmed saves this much."),
    ])
    headline([
        Metric("Prompt tokens", f"{result.prompt_tokens:,}", delta=sp.tokens_label(choice), delta_color="off",
               help=choice.note),
        Metric("Sections", f"{len(frame):,}", help=sp.describe_split(analysis)),
        Metric("Study accuracy at this length", f"{now:.2f}",
               delta=f"{after - now:+.2f} after the trim", help="Read off the accuracy curve below: one study's "
               "average (Levy et al., 2024) unless you edited it; not a prediction for your task."),
    ])

explain(sp.EXPLANATION)
sources("levy_same_task_more_tokens", "levy_flenqa_lengths", "example_system_prompt", "genai_prices",
        "anthropic_caching", "openai_caching", "workload_defaults")
