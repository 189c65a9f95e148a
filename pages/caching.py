"""Prompt caching break-even: does caching our shared prefix pay, and with which TTL?"""
import streamlit as st

from calculators import caching
from pages._ui import ranges
from pages._ui import figures
from pages._ui.glossary import glossary, term
from pages._ui.layout import (
    SURE_TAB, Metric, bill_lines, chart, chart_tabs, context, currency, explain, headline, illustrative, money,
    more_figures, percent, price_caption, saving_tone, shown, shown_frame, sources, tokens, verdict,
)
from pages._ui.lever_form import LeverForm, publish

LEVER = caching.LEVER
TERMS = ("prefix", "cache write", "cache read", "hit rate", "break-even hit rate", "TTL", "minimum cacheable prefix")


def per_hour(rate: float) -> str:
    """Requests per hour per prefix, two significant figures, never in scientific notation."""
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:.2g}"


def pays_from(r: caching.CachingResult) -> str:
    """The break-even hit rate in words."""
    h = r.break_even_hit_rate
    if h is None:
        return "it would not pay even if every request found the prefix cached"
    if h <= 0:
        return "with no write premium it pays at any hit rate"
    return f"it pays from a {percent(h)} hit rate"


def sentence(r: caching.CachingResult, x: caching.CachingInputs, prefix: str, why: str | None) -> str:
    """The page's verdict: what caching this prefix saves (or costs) a month, and from which hit rate it pays."""
    if not r.cacheable and why:
        if "minimum" in why:
            return (f"Caching this {prefix}-token prefix saves nothing: it is below the "
                    f"{x.min_cacheable_tokens:,}-token minimum the provider caches, so nothing is cached and no write "
                    "premium is charged.")
        return f"Caching saves nothing here: {why}."
    at = (f"at your traffic ({percent(r.hit_rate)} of requests hit the cache)" if x.hit_rate_mode != "Set directly"
          else f"at a {percent(r.hit_rate)} hit rate")
    subject = f"Caching this {prefix}-token prefix with a {caching.TTL_LABEL[x.ttl]}"
    tone = saving_tone(r.saving)
    if tone == "saves":
        more = " more than today's caching" if r.hit_rate_today > 0 else ""
        return f"{subject} saves {money(r.saving)} a month{more} ({percent(r.saving_share, 0)}) {at}; {pays_from(r)}."
    if tone == "costs":
        return (f"{subject} costs {money(-r.saving)} a month more ({percent(-r.saving_share, 0)}) {at}: "
                f"{pays_from(r)}.")
    already = (f"; against no caching at all it already saves {money(r.saving_vs_uncached)} a month"
               if r.saving_vs_uncached > 0.005 else "")
    return f"Caching saves nothing more here: {why or 'at these settings the bill does not move'}{already}."


st.title("Prompt caching break-even")
st.caption(LEVER.question)

ctx = context()
verdict_slot = st.container()
st.caption(price_caption(ctx.prices))
main = ctx.workload.main_class
prefix = tokens(main.prefix_tokens if main else 0)
if ctx.prices.cache_read is None:
    with verdict_slot:
        verdict(f"Caching saves nothing on {ctx.prices.label}: the catalogue has no cache price for it, so prompt "
                "caching is not offered or not priced.", "idle")
        glossary(*TERMS)
    st.warning(
        f"{ctx.prices.label} has no cache-read price in the catalogue, so prompt caching is not offered or not "
        "priced for it. Pick another model in the sidebar, or add its cache prices in the overrides file.",
        icon=":material/warning:",
    )
    st.stop()

st.caption(f"Your workload's shared prefix: **{prefix} tokens** per request (the sidebar's anatomy, or the call "
           "classes).")
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
why = LEVER.idle(ctx.workload, x, ctx.catalogue)
with verdict_slot:
    verdict(sentence(r, x, prefix, why), saving_tone(r.saving))
    glossary(*TERMS)
if r.hit_rate_today > 0:
    st.info(f"Today {percent(r.hit_rate_today, 0)} of requests already read the prefix from cache (sidebar anatomy): "
            f"the saving below is what this setting adds to that. Against no caching at all it saves "
            f"{money(r.saving_vs_uncached)} a month. A rate observed today is kept unless you set one on this page.",
            icon=":material/info:")

be = r.break_even_hit_rate
headline([
    Metric("Monthly saving", money(r.saving), delta=f"{percent(r.saving_share)} of today's bill", delta_color="off",
           help="Today's bill minus the bill with the prefix cached: two workloads priced by the same function."),
    Metric("Bill with caching", money(r.after.total), delta=f"today {money(r.today.total)}", delta_color="off",
           help="Today is the sidebar's bill."),
    Metric("Hit rate", percent(r.hit_rate),
           help=term("hit rate") + " Set directly, or 1 − e^(−λT) from the requests reaching the cache per prefix "
           "and the TTL; a rate observed today is kept."),
    Metric("Break-even hit rate", "never" if be is None else "0%" if be <= 0 else percent(be),
           help=term("break-even hit rate") + " 'never': caching costs more even at a 100% hit rate."),
])
premium = r.write_multiplier > 1 + 1e-9  # Anthropic charges extra to write the cache; OpenAI and Gemini do not
more_figures([
    *([Metric("Reads needed per write to break even", f"{r.break_even_reuses:,.2f}",
              help="How many times each cached copy must be read before caching pays: only the write premium is "
              "extra, because the first request would pay the input price anyway.")]
      if premium and r.break_even_reuses is not None else []),
    Metric("Cache write price", f"{r.write_multiplier:,.2f}x input", help=term("cache write")),
    Metric("Cache read price", f"{r.read_multiplier:,.2f}x input", help=term("cache read")),
    *([Metric("Saving against no caching at all", money(r.saving_vs_uncached),
              help="Against the same workload with nothing cached (today already caches some of it).")]
      if r.hit_rate_today > 0 else []),
    *([Metric("Cache storage per month", money(r.storage_cost),
              help="Distinct prefixes x prefix tokens x storage price x 730 hours.")] if r.storage_cost > 0 else []),
])

if premium and r.naive_break_even_reuses is not None and r.break_even_reuses is not None:
    st.info(
        f"**A common mistake:** counting the whole write price as overhead says each cached copy must be read "
        f"{r.naive_break_even_reuses:,.2f} times before caching pays. Only the premium over a normal input token is "
        f"extra (the first request would pay the input price anyway), so {r.break_even_reuses:,.2f} reads per write "
        "are enough: about one read sooner.",
        icon=":material/lightbulb:",
    )
elif r.cacheable and not premium and r.storage_cost == 0:
    st.caption(f"{ctx.prices.provider_name} charges no write premium: caching never costs more than not caching.")

hit_tab, traffic_tab, sure_tab = chart_tabs(["Saving vs hit rate", "Saving vs traffic, per TTL", SURE_TAB],
                                            key="cache.view")
if hit_tab.open:  # only the open tab's chart is computed and drawn
    with hit_tab:
        curve = shown_frame(caching.saving_vs_hit_rate(r), "saving")
        fig = figures.line_chart(
            curve, x="hit_rate", series={"saving": f"saving, {caching.TTL_LABEL[x.ttl]}"},
            title="Monthly saving against no caching vs cache hit rate", x_title="cache hit rate",
            y_title="saving per month",
            markers=[figures.Marker(be, f"break-even {percent(be)}") if be is not None and be > 0 else None],
            current=figures.Current(r.hit_rate, shown(float(r.saving_vs_hit.at(r.hit_rate)))),  # on the line: one rate
            x_tickformat=".0%", y_tickprefix=currency(), zero_line=True,
        )
        chart(fig, curve, name="caching saving vs hit rate")
if traffic_tab.open:
    with traffic_tab:
        ttls = form.options.get("ttl", ["5m"])
        traffic = caching.saving_vs_traffic(ctx.workload, x, ctx.catalogue, ttls)
        crossover = caching.ttl_crossover(ctx.workload, x, ctx.catalogue)
        per_prefix = caching.requests_per_hour_per_prefix(ctx.workload, x)
        be_traffic = caching.break_even_traffic(r, x)
        markers = [figures.Marker(be_traffic, f"break-even {per_hour(be_traffic)} req/h") if be_traffic else None]
        if crossover is not None:
            markers.append(figures.Marker(crossover, f"1-hour TTL wins above {per_hour(crossover)} req/h",
                                          colour="#17A398"))
        current_share = float(traffic.loc[(traffic["requests_per_hour_per_prefix"] - per_prefix).abs().idxmin(), x.ttl])
        fig2 = figures.line_chart(
            traffic, x="requests_per_hour_per_prefix", series={t: caching.TTL_LABEL[t] for t in ttls},
            title="Share of the uncached bill caching saves vs traffic per prefix, for each TTL",
            x_title="requests per hour per prefix (log scale)", y_title="share of the uncached bill saved",
            markers=markers, log_x=True, y_tickformat=".0%", zero_line=True,
            current=figures.Current(per_prefix, current_share) if x.hit_rate_mode != "Set directly" else None,
        )
        chart(fig2, traffic, name="caching saving vs traffic per ttl")
        st.caption("Below zero, caching costs more than it saves. The whole workload's volume moves with the traffic. "
                   "The break-even line is for the selected TTL; the green line is where the 1-hour TTL starts to save "
                   "more than the 5-minute one.")
if sure_tab.open:
    with sure_tab:
        ranges.lever_section(LEVER, ctx, x)

bill_lines(r.today, r.after, "with caching")

explain(caching.EXPLANATION)
sources("anthropic_caching", "openai_caching", "gemini_caching", "long_context_cliff", "genai_prices")
