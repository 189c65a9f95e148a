"""Prompt caching break-even: does caching our shared prefix pay, and with which TTL?"""
import streamlit as st

from calculators import caching
from pages._ui import figures, levers, widgets
from pages._ui.layout import (
    Metric, chart, context, currency, explain, headline, illustrative, money, percent, price_caption, sources,
)

st.title("Prompt caching break-even")
st.caption("Does caching the prefix every request shares save money at your traffic, and which TTL should you pick?")

ctx = context()
rules = caching.rules_for(ctx.prices)
st.caption(price_caption(ctx.prices))
if rules is None:
    st.warning(
        f"{ctx.prices.label} has no cache-read price in the catalogue, so prompt caching is not offered or not "
        "priced for it. Pick another model in the sidebar, or add its cache prices in the overrides file.",
        icon=":material/warning:",
    )
    st.stop()

illustrative("The shared prefix (three quarters of the workload's input), the number of distinct prefixes and the "
             "minimum cacheable length are illustrative: set them to your prompt's. Cache prices come from the "
             "catalogue.")

Inputs = caching.CachingInputs
left, right = st.columns(2)
with left:
    prefix = widgets.number(Inputs, "prefix_tokens", key="cache.prefix",
                            default=caching.default_prefix_tokens(ctx.sidebar.input_tokens))
    prefixes = widgets.number(Inputs, "distinct_prefixes", key="cache.prefixes")
    minimum = widgets.number(Inputs, "min_cacheable_tokens", key="cache.min")
with right:
    ttl = widgets.choice(Inputs, "ttl", key="cache.ttl", options=rules.ttl_options,
                         format_func=caching.TTL_LABEL.get, widget="radio")
    mode = widgets.choice(Inputs, "hit_rate_mode", key="cache.mode")
    hit_rate = widgets.number(Inputs, "hit_rate", key="cache.hit") if mode == "Set directly" else 0.8
    storage = widgets.number(Inputs, "storage_price", key="cache.storage")

x = widgets.validated(
    Inputs, requests_per_month=ctx.sidebar.requests_per_month, prefix_tokens=prefix, distinct_prefixes=prefixes,
    hit_rate_mode=mode, hit_rate=hit_rate, ttl=ttl, min_cacheable_tokens=minimum, storage_price=storage, rules=rules,
)
result = caching.evaluate(x)
lever = levers.caching_saving(ctx, x, result)  # its share of the whole bill, as the Overview uses it
levers.publish(lever)

if not result.cacheable:
    st.warning(
        f"A {x.prefix_tokens:,}-token prefix is below the {x.min_cacheable_tokens:,}-token minimum: the provider "
        "caches nothing, charges no write premium, and nothing is saved.",
        icon=":material/warning:",
    )

headline([
    Metric("Monthly saving", money(result.saving),
           delta=f"{percent(lever.share)} of the bill",
           help="Prefix cost without caching minus prefix cost with caching (reads, writes, storage)."),
    Metric("Prefix cost per month", money(result.cost_with), delta=f"was {money(result.cost_without)}",
           delta_color="off"),
    Metric("Hit rate", percent(result.hit_rate),
           help="Set directly, or 1 − e^(−λT) from requests per prefix and the TTL."),
    Metric("Break-even hit rate", percent(result.break_even_hit_rate) if result.break_even_hit_rate is not None
           else "never", help="Below this hit rate caching costs more than it saves."),
    Metric("Break-even reuses per write",
           f"{result.break_even_reuses:.2f}" if result.break_even_reuses is not None else "never",
           help="Cache hits each write must earn before caching pays."),
])

if result.naive_break_even_reuses is not None and result.break_even_reuses is not None:
    st.info(
        f"**The trap:** counting the whole write price as overhead says each write needs "
        f"{result.naive_break_even_reuses:.2f} reuses. Only the premium over a normal input token is overhead, "
        f"so the real break-even is {result.break_even_reuses:.2f}: about one reuse sooner.",
        icon=":material/lightbulb:",
    )

curve = caching.saving_vs_hit_rate(x)
fig = figures.line_chart(
    curve, x="hit_rate", series={"saving": f"saving, {caching.TTL_LABEL[x.ttl]}"},
    title="Monthly saving vs cache hit rate", x_title="cache hit rate", y_title="saving per month",
    markers=[figures.Marker(result.break_even_hit_rate, f"break-even {percent(result.break_even_hit_rate)}")
             if result.break_even_hit_rate is not None else None],
    current=figures.Current(result.hit_rate, result.saving), x_tickformat=".0%", y_tickprefix=currency(), zero_line=True,
)
chart(fig, curve, name="caching saving vs hit rate")

traffic = caching.saving_vs_traffic(x)
crossover = caching.ttl_crossover(x)
markers = [figures.Marker(result.break_even_requests_per_hour,
                          f"break-even {result.break_even_requests_per_hour:.2g} req/h")
           if result.break_even_requests_per_hour is not None else None]
if crossover is not None:
    markers.append(figures.Marker(crossover, f"1-hour TTL wins above {crossover:.2g} req/h", colour="#17A398"))
fig2 = figures.line_chart(
    traffic, x="requests_per_hour_per_prefix", series={t: caching.TTL_LABEL[t] for t in rules.ttl_options},
    title="Share of the prefix cost saved vs traffic per prefix, for each TTL",
    x_title="requests per hour per prefix (log scale)", y_title="share of prefix cost saved",
    markers=markers, log_x=True, y_tickformat=".0%", zero_line=True,
    current=figures.Current(x.requests_per_hour_per_prefix, result.saving_share),
)
chart(fig2, traffic, name="caching saving vs traffic per ttl")
st.caption("Below zero, caching costs more than it saves. The break-even line is for the selected TTL; the "
           "green line is where the 1-hour TTL starts to save more than the 5-minute one.")

explain(caching.EXPLANATION)
sources("anthropic_caching", "openai_caching", "gemini_caching", "genai_prices")
