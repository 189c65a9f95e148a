"""The Jevons paradox: why the bill rises while prices fall, and where it will be."""
import streamlit as st

from calculators import jevons
from pages._ui import fig_jevons, figures, glossary, ranges
from pages._ui.layout import (
    SURE_TAB, Metric, chart, chart_tabs, context, currency, explain, headline, illustrative, money, multiple, shown,
    shown_frame, sources, verdict,
)
from pages._ui.layout import safe_csv
from pages._ui.lever_form import InputForm

st.title("Spend projection: the Jevons paradox")
st.caption("Prices per token keep falling. Why does the bill keep rising, and where will it be in a few years?")
answer = st.container()  # the verdict, filled once the projection exists
glossary.glossary("Jevons effect", "elasticity", "illustrative")
ctx = context()
Inputs = jevons.JevonsInputs


def market_wide() -> None:
    """The market-wide illustration: a16z's price fall and Menlo's spend growth, no growth of one's own."""
    st.session_state["jevons.elasticity"] = round(jevons.IMPLIED_ELASTICITY, 2)
    st.session_state["jevons.growth"] = 1.0


def per_team() -> None:
    st.session_state["jevons.elasticity"] = jevons.TEAM_ELASTICITY
    st.session_state["jevons.growth"] = jevons.TEAM_GROWTH


form = InputForm(Inputs, ctx, defaults={"monthly_spend": ctx.bill.total})
left, right = st.columns(2)
with left:
    if not form("from_workload"):
        form("monthly_spend")
    form("price_decline")
    form("elasticity")
with right:
    form("growth")
    form("horizon_years")
    if form("show_band"):
        c1, c2 = st.columns(2)
        form("decline_low", container=c1)
        form("decline_high", container=c2)
        form("elasticity_low", container=c1)
        form("elasticity_high", container=c2)
presets = st.columns(2)
presets[0].button("Your team (illustrative: ε 1.0, own growth 1.5x/yr)", on_click=per_team,
                  icon=":material/groups:", key="jevons.team")
presets[1].button("Market-wide illustration (ε 1.51, a16z × Menlo)", on_click=market_wide,
                  icon=":material/public:", key="jevons.market")

x = form.inputs().starting_from(ctx.bill.total)
r = jevons.evaluate(x)
market = abs(x.elasticity - round(jevons.IMPLIED_ELASTICITY, 2)) < 1e-9
assumptions = (f"prices falling {x.price_decline:g}x a year, usage elasticity {x.elasticity:g} and "
               + (f"your own growth of {x.growth:g}x a year" if x.growth != 1 else "no growth of your own"))
becomes = (f"today's {money(x.monthly_spend)} a month becomes {money(r.spend_end)} a month in {x.horizon_years} "
           f"years ({multiple(r.spend_multiple)} today)")
with answer:
    verdict(f"Market-wide illustration, not a forecast for one team: with {assumptions}, {becomes}." if market else
            f"Illustrative per-team projection: with {assumptions}, {becomes}.",
            "costs" if r.spend_end > x.monthly_spend + 0.005 else "neutral")
if market:
    st.warning("**Market-wide illustration.** ε = 1.51 is what turns a16z's 10x-a-year price fall into Menlo "
               "Ventures' 3.2x-a-year growth of *all* enterprise generative-AI spend, growth that is mostly adoption "
               "(new teams and products). Applied to one team's bill it overstates that team's growth.",
               icon=":material/public:")
else:
    illustrative("Elasticity 1.0 and your own growth of 1.5x a year are illustrative defaults for one team's bill: "
                 "replace them with your product plan. The price decline is a16z's 10x a year at fixed capability.")

headline([
    Metric(f"Monthly spend in {x.horizon_years} years", money(r.spend_end),
           delta=f"{multiple(r.spend_multiple)} today's {money(x.monthly_spend)}", delta_color="off",
           help="Today is the sidebar's bill (or the spend you typed)."),
    Metric("Price per token then, × today", multiple(r.price_index_end),
           help="Price per token at fixed capability, relative to today."),
    Metric("Usage then, × today", multiple(r.usage_multiple), help="Tokens used, relative to today."),
    Metric("Spend flat at elasticity",
           f"{r.break_even_elasticity:.2f}" if r.break_even_elasticity is not None else "—",
           help="At this elasticity spend stays flat; above it, falling prices raise the bill. "
           + glossary.term("elasticity")),
])
st.caption(f"Total over {x.horizon_years} years: {money(r.cumulative_spend)}.")
if r.break_even_elasticity is not None and x.elasticity > r.break_even_elasticity:
    st.warning(f"With elasticity {x.elasticity:g} above the break-even {r.break_even_elasticity:.2f}, every "
               "price cut *raises* the bill: usage grows faster than prices fall.", icon=":material/warning:")

projection_tab, elasticity_tab, several_tab, sure_tab = chart_tabs(
    ["Projection", "Spend vs elasticity", "Several elasticities", SURE_TAB], key="jevons.view")
if projection_tab.open:  # only the open tab's charts are computed and drawn
    with projection_tab:
        frame = jevons.projection(x)
        shown_proj = shown_frame(frame, *[c for c in ("spend", "spend_low", "spend_high") if c in frame])
        chart(fig_jevons.price_and_spend(shown_proj, spend0=shown(x.monthly_spend), band=x.show_band), shown_proj,
              name="jevons price usage spend")

if elasticity_tab.open:
    with elasticity_tab:
        sweep = jevons.spend_vs_elasticity(x)
        fig = figures.line_chart(
            sweep, x="elasticity", series={"spend_multiple": f"spend in {x.horizon_years} years, × today"},
            title=f"Spend in {x.horizon_years} years vs usage elasticity", x_title="usage elasticity ε",
            y_title="× today's spend (log scale)", log_y=True,
            markers=[figures.Marker(r.break_even_elasticity, f"break-even ε = {r.break_even_elasticity:.2f}")
                     if r.break_even_elasticity is not None else None,
                     figures.Marker(jevons.IMPLIED_ELASTICITY, "market-wide 1.51", colour="#5C6B73")],
            current=figures.Current(x.elasticity, r.spend_multiple),
        )
        chart(fig, sweep, name="jevons spend vs elasticity")
if several_tab.open:
    with several_tab:
        fan = jevons.elasticity_fan(x)
        fan = shown_frame(fan, *[c for c in fan.columns if c != "year"])
        fig2 = figures.line_chart(
            fan, x="year", series={c: c for c in fan.columns if c != "year"},
            title="Monthly spend for several elasticities", x_title="years from today",
            y_title="monthly spend (log scale)",
            log_y=True, y_tickprefix=currency(),
        )
        chart(fig2, fan, name="jevons spend by elasticity")
if sure_tab.open:
    with sure_tab:
        ranges.fan_section(ctx, x)

st.subheader("The published numbers behind the market-wide illustration")
points = jevons.published_points()
st.dataframe(points, hide_index=True, column_config={"value": st.column_config.NumberColumn(format="compact")})
st.download_button("Download these points (CSV)", safe_csv(points), file_name="jevons-sources.csv",
                   mime="text/csv", icon=":material/download:")
st.caption(f"a16z: $60 → $0.06 per MTok over 2021-2024 is {jevons.A16Z_DECLINE_PER_YEAR:.0f}x per year. "
           f"Menlo Ventures: $11.5B → $37B is {jevons.MENLO_GROWTH:.1f}x in a year. Together they imply "
           f"ε ≈ {jevons.IMPLIED_ELASTICITY:.2f} if nothing else grew. These are market totals in USD, shown as "
           "published. Band ranges are illustrative.")
explain(jevons.EXPLANATION)
sources("a16z_llmflation", "epoch_price_decline", "menlo_enterprise_spend", "jevons_team_defaults")
