"""The Jevons paradox: why the bill rises while prices fall, and where it will be."""
import streamlit as st

from calculators import jevons
from pages._ui import fig_jevons, figures, widgets
from pages._ui.layout import Metric, chart, context, currency, explain, headline, money, multiple, sources

st.title("Spend projection: the Jevons paradox")
st.caption("Prices per token keep falling. Why does the bill keep rising, and where will it be in a few years?")
ctx = context()
Inputs = jevons.JevonsInputs

left, right = st.columns(2)
with left:
    from_workload = st.toggle("Start from the workload's bill", value=True, key="jevons.from_workload",
                              bind="query-params", help="Off: type today's monthly spend yourself.")
    widgets.remember("jevons.from_workload", from_workload, True)
    spend = (ctx.bill.total if from_workload
             else widgets.number(Inputs, "monthly_spend", key="jevons.spend"))
    decline = widgets.number(Inputs, "price_decline", key="jevons.decline")
    elasticity = widgets.number(Inputs, "elasticity", key="jevons.elasticity")
with right:
    growth = widgets.number(Inputs, "growth", key="jevons.growth")
    horizon = widgets.number(Inputs, "horizon_years", key="jevons.years")
    band = widgets.toggle(Inputs, "show_band", key="jevons.band")
    band_values = {}
    if band:
        c1, c2 = st.columns(2)
        band_values = dict(
            decline_low=widgets.number(Inputs, "decline_low", key="jevons.decline_low", container=c1),
            decline_high=widgets.number(Inputs, "decline_high", key="jevons.decline_high", container=c2),
            elasticity_low=widgets.number(Inputs, "elasticity_low", key="jevons.eps_low", container=c1),
            elasticity_high=widgets.number(Inputs, "elasticity_high", key="jevons.eps_high", container=c2),
        )

x = widgets.validated(Inputs, monthly_spend=spend, price_decline=decline, elasticity=elasticity, growth=growth,
                      horizon_years=horizon, show_band=band, **band_values)
r = jevons.evaluate(x)

headline([
    Metric(f"Monthly spend in {x.horizon_years} years", money(r.spend_end),
           delta=f"{multiple(r.spend_multiple)} today's {money(x.monthly_spend)}", delta_color="inverse"),
    Metric("Unit price then", f"{multiple(r.price_index_end)} today",
           help="Price per token at fixed capability, relative to today."),
    Metric("Usage then", f"{multiple(r.usage_multiple)} today"),
    Metric("Break-even elasticity",
           f"{r.break_even_elasticity:.2f}" if r.break_even_elasticity is not None else "—",
           help="At this elasticity spend stays flat; above it, falling prices raise the bill."),
    Metric(f"Total over {x.horizon_years} years", money(r.cumulative_spend)),
])
if r.break_even_elasticity is not None and x.elasticity > r.break_even_elasticity:
    st.warning(f"With elasticity {x.elasticity:g} above the break-even {r.break_even_elasticity:.2f}, every "
               "price cut *raises* the bill: usage grows faster than prices fall.", icon=":material/trending_up:")

frame = jevons.projection(x)
chart(fig_jevons.price_and_spend(frame, spend0=x.monthly_spend, band=x.show_band), frame,
      name="jevons price usage spend")

sweep = jevons.spend_vs_elasticity(x)
fig = figures.line_chart(
    sweep, x="elasticity", series={"spend_multiple": f"spend in {x.horizon_years} years, × today"},
    title=f"Spend in {x.horizon_years} years vs usage elasticity", x_title="usage elasticity ε",
    y_title="× today's spend (log scale)", log_y=True,
    markers=[figures.Marker(r.break_even_elasticity, f"break-even ε = {r.break_even_elasticity:.2f}")
             if r.break_even_elasticity is not None else None],
    current=figures.Current(x.elasticity, r.spend_multiple),
)
chart(fig, sweep, name="jevons spend vs elasticity")

fan = jevons.elasticity_fan(x)
fig2 = figures.line_chart(
    fan, x="year", series={c: c for c in fan.columns if c != "year"},
    title="Monthly spend for several elasticities", x_title="years from today", y_title="monthly spend (log scale)",
    log_y=True, y_tickprefix=currency(),
)
chart(fig2, fan, name="jevons spend by elasticity")

st.subheader("The published numbers behind the defaults")
points = jevons.published_points()
st.dataframe(points, hide_index=True, column_config={"value": st.column_config.NumberColumn(format="compact")})
st.download_button("Download these points (CSV)", points.to_csv(index=False).encode(), file_name="jevons-sources.csv",
                   mime="text/csv", icon=":material/download:")
st.caption(f"a16z: $60 → $0.06 per MTok over 2021-2024 is {jevons.A16Z_DECLINE_PER_YEAR:.0f}x per year. "
           f"Menlo Ventures: $11.5B → $37B is {jevons.MENLO_GROWTH:.1f}x in a year. Together they imply "
           f"ε ≈ {jevons.IMPLIED_ELASTICITY:.2f} if nothing else grew. Band ranges are illustrative.")
explain(jevons.EXPLANATION)
sources("a16z_llmflation", "epoch_price_decline", "menlo_enterprise_spend")
