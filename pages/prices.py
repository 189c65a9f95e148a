"""Prices: your workload on every model, cheapest first, and the price catalogue with its source and date."""
import streamlit as st

from calculators import comparison, prices
from calculators.prices import GENAI_PRICES_RELEASED, GENAI_PRICES_VERSION, KIND_LABEL
from pages._ui import widgets
from pages._ui.glossary import glossary
from pages._ui.layout import (context, currency, money, money_settings, percent, plain, safe_csv, shown_frame, sources,
                              tokens, verdict)

SHOW = ("flagships", "all text models", "every model")
TERMS = ("MTok", "flagship model", "context window", "batch", "cache read", "alias row")

st.title("Prices")
ctx = context()
cat = ctx.catalogue
st.caption(
    f"{len(cat.models):,} models from genai-prices {GENAI_PRICES_VERSION} (bundled snapshot, published "
    f"{GENAI_PRICES_RELEASED}; no network used) plus {cat.overrides_count} local override(s) from "
    f"{plain(cat.overrides_path.name)}. Prices are per million tokens, in {money_settings().describe()}."
)
verdict_slot = st.container()
if cat.overrides_error:
    st.error(f"The overrides file was rejected, so bundled prices are shown. {plain(cat.overrides_error)}", icon=":material/error:")

flag = prices.flagships()
known = set(cat.keys())
flagship_keys = [k for k in flag.models if k in known]
text_count = len(comparison.current_text_models(cat))
show = widgets.choice(None, None, key="prices.show", options=list(SHOW), default="flagships", label="Models",
                      widget="segmented",
                      help=f"Flagships: {len(flagship_keys)} newest text models of the main providers. All text "
                      f"models: {text_count:,} current text-generation models. Every model adds audio, image, "
                      "embedding and safety models and alias rows to the price table.")
st.caption(f"Flagships as of {flag.as_of:%Y-%m-%d}: {flag.source}.")

# --- your workload on every model ----------------------------------------------------------------------------------
st.subheader("Your workload on every model, cheapest first")
candidates = [cat.get(k) for k in flagship_keys] if show == "flagships" else comparison.current_text_models(cat)
memo = st.session_state.setdefault("_prices_comparison", {})
memo_key = (ctx.workload, id(cat), show)
if memo_key not in memo:  # ~0.2 s for every text model: once per workload, not on every rerun
    memo.clear()
    memo[memo_key] = comparison.compare(ctx.workload, cat, candidates)
frame = memo[memo_key]
best = comparison.cheapest(frame, ctx.bill)
largest = comparison.largest_call(ctx.workload)
today_keys = sorted({c.model_key for c in ctx.workload.classes})
only = cat.get(today_keys[0]) if len(today_keys) == 1 and today_keys[0] in known else None
today_label = only.label if only is not None else "its current models"
noun = "flagship model" if show == "flagships" else "text model"
CHECK = "Quality is not compared: check it before switching."
if best.model is None:
    sentence = f"No {noun} in this list is known to fit your workload's largest call ({tokens(largest)} tokens)."
elif not best.today_fits:
    sentence = (f"Your workload's largest call ({tokens(largest)} tokens) does not fit {today_label}, so today's bill "
                f"leaves it out; the cheapest {noun} that fits is {best.model} at {money(best.usd)} a month. {CHECK}")
elif best.is_today:
    sentence = (f"Your workload costs {money(best.today)} a month on {today_label}, already the cheapest {noun} that "
                f"fits. {CHECK}")
else:
    share = best.saving_share or 0.0  # 99.7% stays 99.7%, never a rounded 100%
    sentence = (f"Your workload costs {money(best.today)} a month on {today_label}; the cheapest {noun} that fits is "
                f"{best.model} at {money(best.usd)} ({percent(share, 1 if share > 0.995 else 0)} less). {CHECK}")
with verdict_slot:
    verdict(sentence, "neutral")
    glossary(*TERMS)

st.caption(
    f"The sidebar's workload ({tokens(ctx.bill.requests)} requests a month in {len(ctx.workload.classes)} call "
    f"class{'es' if len(ctx.workload.classes) > 1 else ''}) moved to each model and priced by the same bill as the "
    f"sidebar: cache settings carry over (a model without cache prices bills cached tokens as input), and so does "
    f"the batch or flex tier where the model publishes one. Its largest call is {tokens(largest)} tokens: models "
    "whose context window is smaller come last, unpriced (the API would reject the call); a model without a "
    "published window is priced but not claimed to fit."
)
view = shown_frame(frame, *comparison.MONEY_COLUMNS).assign(
    model=frame["model"].where(~frame["today"], frame["model"] + "  ← today"),
    **{"vs today": frame["vs today"] * 100})  # shown as a percentage
c = currency()
st.dataframe(
    view, hide_index=True, height=420,
    column_order=("model", "provider", "per month", "per request", "vs today", "context window", "fits window", "tier",
                  "cache"),
    column_config={
        "model": st.column_config.TextColumn("model", width="medium"),
        "provider": st.column_config.TextColumn("provider", width="small"),
        "per month": st.column_config.NumberColumn(f"per month ({money_settings().shown_currency})", format=f"{c}%,.2f",
                                                   help="The workload's monthly bill on this model."),
        "per request": st.column_config.NumberColumn(f"per request ({money_settings().shown_currency})",
                                                     format=f"{c}%,.5f"),
        "vs today": st.column_config.NumberColumn("vs today", format="%+.1f%%",
                                                  help="Against the sidebar's bill today."),
        "context window": st.column_config.NumberColumn("context window", format="%,d",
                                                        help="The most tokens one call may hold (input and output)."),
        "fits window": st.column_config.TextColumn("fits window", help="Does the workload's largest call fit the "
                                                   "model's context window? unknown: the model publishes none."),
        "tier": st.column_config.TextColumn("tier", help="The tier billed: the workload's batch or flex tier where "
                                            "the model publishes it, else standard."),
        "cache": st.column_config.TextColumn("cache", help="How the workload's cached tokens are billed here: at the "
                                             "model's cache prices, or at its input price where it has none."),
    },
)
st.download_button("Download this comparison (CSV)", safe_csv(view.drop(columns=["today"])),
                   file_name="llm-workload-on-every-model.csv", mime="text/csv", icon=":material/download:")

# --- the catalogue ---------------------------------------------------------------------------------------------------
st.subheader("Prices per million tokens")
catalogue_frame = cat.frame()
keys = flagship_keys if show == "flagships" else None
if show == "all text models":
    catalogue_frame = catalogue_frame[catalogue_frame["kind"] == KIND_LABEL["text"]]
providers = sorted(catalogue_frame["provider"].unique())
left, mid, right = st.columns([2, 2, 1])
widgets.screen("prices.providers", lambda values: set(values) <= set(providers), "not a provider in the catalogue",
               "all providers", container=left)
widgets.screen("prices.desc", widgets.is_flag, "not true or false", False, container=right)
widgets.screen("prices.live", widgets.is_flag, "not true or false", True, container=right)
chosen = left.multiselect("Providers", providers, key="prices.providers", bind="query-params",
                          placeholder="All providers", help="Leave empty to list every provider.")
sort_by = widgets.choice(None, None, key="prices.sort", options=list(prices.SORTABLE),
                         default="input /MTok", label="Sort by", container=mid)
descending = right.toggle("Highest first", key="prices.desc", bind="query-params")
hide_deprecated = right.toggle("Hide deprecated", value=True, key="prices.live", bind="query-params")
widgets.remember("prices.providers", chosen, [])
widgets.remember("prices.desc", descending, False)
widgets.remember("prices.live", hide_deprecated, True)

table = shown_frame(prices.catalogue_table(catalogue_frame, providers=chosen, sort_by=sort_by, descending=descending,
                                           hide_deprecated=hide_deprecated, keys=keys), *prices.PRICE_COLUMNS)
st.dataframe(
    table, hide_index=True, height=480,
    column_config={col: st.column_config.NumberColumn(format=f"{c}%.4g") for col in prices.PRICE_COLUMNS}
    | {"output/input": st.column_config.NumberColumn(format="%.1fx", help="Output price / input price"),
       "context window": st.column_config.NumberColumn(format="%,d")},
)
st.download_button("Download this table (CSV)", safe_csv(table),
                   file_name="llm-prices.csv", mime="text/csv", icon=":material/download:")

with st.expander("Adding negotiated or self-hosted prices"):
    st.markdown(prices.OVERRIDES_HELP)
sources("genai_prices", "output_input_ratio", "long_context_cliff", "batch_discount")
