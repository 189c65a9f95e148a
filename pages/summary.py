"""A printable one-page summary of the scenario: baseline, levers, projection, sources."""
import datetime as dt

import streamlit as st

from calculators import jevons
from calculators.sources import cite
from pages._ui import bill_builder, scenario, summary_html
from pages._ui.lever_form import InputForm
from pages._ui.layout import context, currency, money_settings, price_caption

st.title("Printable summary")
st.caption("One page for a planning meeting: the workload, the levers you pulled on the Overview, the projection and "
           "the sources. Download it and print it to PDF from your browser.")
ctx = context()
result, skipped = bill_builder.build(ctx, bill_builder.stored())
projection = InputForm(jevons.JevonsInputs, ctx, draw=False).inputs().starting_from(ctx.bill.total)
projected = jevons.evaluate(projection)
frame = jevons.projection(projection, points_per_year=1)

keys = ["genai_prices", "workload_defaults", "jevons_team_defaults", "a16z_llmflation", "menlo_enterprise_spend"]
data = summary_html.SummaryData(
    generated=dt.datetime.now(dt.UTC), money_note=money_settings().describe(), currency=currency(),
    price_note=price_caption(ctx.prices).replace("**", ""),
    classes=[summary_html.WorkloadLine(name=c.name, model=b.model_label, requests=c.requests_per_month,
                                       input_tokens=c.input_tokens, output_tokens=c.output_tokens + c.reasoning_tokens,
                                       per_month=b.total)
             for c, b in zip(ctx.workload.classes, ctx.bill.classes, strict=True)],
    per_request=ctx.bill.per_request, bill=result, illustrative=frozenset(bill_builder.on_illustrative_defaults(ctx, result)),
    projection=projection, projection_result=projected,
    projection_years=[(int(y), float(v)) for y, v in zip(frame["year"], frame["spend"], strict=True)],
    sources=[cite(k) for k in keys], link=scenario.query_suffix(), rate=money_settings().rate_per_usd,
)
html = summary_html.render(data)
st.download_button("Download the printable summary (HTML)", html.encode("utf-8"), file_name="llm-cost-summary.html",
                   mime="text/html", icon=":material/print:", type="primary", on_click="ignore")
for note in skipped:
    st.caption(f"Not counted: {note}.")
st.html(html)
