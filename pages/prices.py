"""The price catalogue: every model's prices with their source and date."""
import streamlit as st

from calculators import prices
from calculators.prices import GENAI_PRICES_RELEASED, GENAI_PRICES_VERSION
from pages._ui import widgets
from pages._ui.layout import catalogue, currency, money_settings, shown_frame, sources

st.title("Prices")
cat = catalogue()
st.caption(
    f"{len(cat.models):,} text models from genai-prices {GENAI_PRICES_VERSION} (bundled snapshot, published "
    f"{GENAI_PRICES_RELEASED}; no network used) plus {cat.overrides_count} local override(s) from "
    f"`{cat.overrides_path.name}`. Prices are per million tokens, in {money_settings().describe()}."
)
if cat.overrides_error:
    st.error(f"The overrides file was rejected, so bundled prices are shown. {cat.overrides_error}", icon=":material/error:")

frame = cat.frame()
providers = sorted(frame["provider"].unique())
left, mid, right = st.columns([2, 2, 1])
chosen = left.multiselect("Providers", providers, key="prices.providers", bind="query-params",
                          placeholder="All providers", help="Leave empty to list every provider.")
sort_by = widgets.choice(None, None, key="prices.sort", options=list(prices.SORTABLE),
                         default="input /MTok", label="Sort by", container=mid)
descending = right.toggle("Highest first", key="prices.desc", bind="query-params")
hide_deprecated = right.toggle("Hide deprecated", value=True, key="prices.live", bind="query-params")
widgets.remember("prices.providers", chosen, [])
widgets.remember("prices.desc", descending, False)
widgets.remember("prices.live", hide_deprecated, True)

view = shown_frame(prices.catalogue_table(frame, providers=chosen, sort_by=sort_by, descending=descending,
                                          hide_deprecated=hide_deprecated), *prices.PRICE_COLUMNS)
st.dataframe(
    view, hide_index=True, height=560,
    column_config={c: st.column_config.NumberColumn(format=f"{currency()}%.4g") for c in prices.PRICE_COLUMNS}
    | {"output/input": st.column_config.NumberColumn(format="%.1fx", help="Output price / input price")},
)
st.download_button("Download this table (CSV)", view.to_csv(index=False).encode("utf-8"),
                   file_name="llm-prices.csv", mime="text/csv", icon=":material/download:")

with st.expander("Adding negotiated or self-hosted prices"):
    st.markdown(prices.OVERRIDES_HELP)
sources("genai_prices", "output_input_ratio", "long_context_cliff", "batch_discount")
