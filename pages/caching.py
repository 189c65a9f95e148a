"""Prompt caching break-even: does caching our shared prefix pay, and with which TTL?"""
import streamlit as st

from calculators import caching
from pages._ui import figures
from pages._ui.layout import (
    Metric, bill_lines, chart, context, currency, explain, headline, illustrative, money, percent, price_caption, shown,
    shown_frame, sources, tokens,
)
from pages._ui.lever_form import LeverForm, publish

LEVER = caching.LEVER
st.title("Prompt caching break-even")
st.caption(LEVER.question)

ctx = context()
st.caption(price_caption(ctx.prices))
if ctx.prices.cache_read is None:
    st.warning(
        f"{ctx.prices.label} has no cache-read price in the catalogue, so prompt caching is not offered or not "
        "priced for it. Pick another model in the sidebar, or add its cache prices in the overrides file.",
        icon=":material/warning:",
    )
    st.stop()

main = ctx.workload.main_class
st.caption(f"Your workload's shared prefix: **{tokens(main.prefix_tokens if main else 0)} tokens** per request "
           "(the sidebar's anatomy, or the call classes).")
illustrative("The number of distinct prefixes and the minimum cacheable length are illustrative: set them to your "
             "prompt's. Cache prices come from the catalogue.")

form = LeverForm(LEVER, ctx)
left, right = st.columns(2)
with left:
    form("distinct_prefixes")
    form("min_cacheable_tokens")
    form("storage_price")
with right:
    form("ttl")
    mode = form("hit_rate_mode")
    if mode == "Set directly":
        form("hit_rate")
x = form.inputs()
r = caching.analyse(ctx.workload, x, ctx.catalogue, ctx.bill)
publish(LEVER, r.saving)
if r.hit_rate_today > 0:
    st.info(f"Today {percent(r.hit_rate_today, 0)} of requests already read the prefix from cache (sidebar anatomy): "
            f"the saving below is what this setting adds to that. Against no caching at all it saves "
            f"{money(r.saving_vs_uncached)} a month. A rate observed today is kept unless you set one on this page.",
            icon=":material/info:")

if not r.cacheable:
    st.warning(
        f"A {tokens(main.prefix_tokens if main else 0)}-token prefix is below the {x.min_cacheable_tokens:,}-token minimum: the "
        "provider caches nothing, charges no write premium, and nothing is saved.",
        icon=":material/warning:",
    )

headline([
    Metric("Monthly saving", money(r.saving), delta=f"{percent(r.saving_share)} of today's bill", delta_color="off",
           help="Today's bill minus the bill with the prefix cached: two workloads priced by the same function."),
    Metric("Bill with caching", money(r.after.total), delta=f"today {money(r.today.total)}", delta_color="off",
           help="Today is the sidebar's bill."),
    Metric("Hit rate", percent(r.hit_rate),
           help="Set directly, or 1 − e^(−λT) from the requests reaching the cache per prefix and the TTL; a rate "
           "observed today is kept."),
    Metric("Break-even hit rate", percent(r.break_even_hit_rate) if r.break_even_hit_rate is not None else "never",
           help="Below this hit rate caching costs more than not caching at all."),
])
if r.break_even_reuses is not None:
    st.caption(f"Break-even: each write must be read {r.break_even_reuses:.2f} times before caching pays.")

if r.naive_break_even_reuses is not None and r.break_even_reuses is not None and r.write_multiplier > 1:
    st.info(
        f"**The trap:** counting the whole write price as overhead says each write needs "
        f"{r.naive_break_even_reuses:.2f} reuses. Only the premium over a normal input token is overhead, "
        f"so the real break-even is {r.break_even_reuses:.2f}: about one reuse sooner.",
        icon=":material/lightbulb:",
    )
elif r.write_multiplier <= 1:
    st.caption(f"{ctx.prices.provider_name} charges no write premium: caching never costs more than not caching.")

curve = shown_frame(caching.saving_vs_hit_rate(r), "saving")
fig = figures.line_chart(
    curve, x="hit_rate", series={"saving": f"saving, {caching.TTL_LABEL[x.ttl]}"},
    title="Monthly saving against no caching vs cache hit rate", x_title="cache hit rate",
    y_title="saving per month",
    markers=[figures.Marker(r.break_even_hit_rate, f"break-even {percent(r.break_even_hit_rate)}")
             if r.break_even_hit_rate is not None else None],
    current=figures.Current(r.hit_rate, shown(float(r.saving_vs_hit.at(r.hit_rate)))),  # on the line: one rate
    x_tickformat=".0%", y_tickprefix=currency(), zero_line=True,
)
chart(fig, curve, name="caching saving vs hit rate")

ttls = form.options.get("ttl", ["5m"])
traffic = caching.saving_vs_traffic(ctx.workload, x, ctx.catalogue, ttls)
crossover = caching.ttl_crossover(ctx.workload, x, ctx.catalogue)
per_prefix = caching.requests_per_hour_per_prefix(ctx.workload, x)
be_traffic = caching.break_even_traffic(r, x)
markers = [figures.Marker(be_traffic, f"break-even {be_traffic:.2g} req/h") if be_traffic else None]
if crossover is not None:
    markers.append(figures.Marker(crossover, f"1-hour TTL wins above {crossover:.2g} req/h", colour="#17A398"))
current_share = float(traffic.loc[(traffic["requests_per_hour_per_prefix"] - per_prefix).abs().idxmin(), x.ttl])
fig2 = figures.line_chart(
    traffic, x="requests_per_hour_per_prefix", series={t: caching.TTL_LABEL[t] for t in ttls},
    title="Share of the uncached bill caching saves vs traffic per prefix, for each TTL",
    x_title="requests per hour per prefix (log scale)", y_title="share of the uncached bill saved",
    markers=markers, log_x=True, y_tickformat=".0%", zero_line=True,
    current=figures.Current(per_prefix, current_share) if x.hit_rate_mode != "Set directly" else None,
)
chart(fig2, traffic, name="caching saving vs traffic per ttl")
st.caption("Below zero, caching costs more than it saves. The whole workload's volume moves with the traffic. The "
           "break-even line is for the selected TTL; the green line is where the 1-hour TTL starts to save more than "
           "the 5-minute one.")

bill_lines(r.today, r.after, "with caching")

explain(caching.EXPLANATION)
sources("anthropic_caching", "openai_caching", "gemini_caching", "long_context_cliff", "genai_prices")
