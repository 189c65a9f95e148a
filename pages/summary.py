"""A deck-ready summary of the scenario: today's bill and the bill after the chosen levers, the levers that move it,
the workload, the models it runs on with their prices and sources, and a link that reopens it all."""
import datetime as dt
from urllib.parse import urljoin

import streamlit as st

from calculators import jevons
from calculators.bill import model_prices
from calculators.sources import cite
from calculators.workload import SimpleWorkload
from pages._ui import bill_builder, ranges, scenario, summary_html
from pages._ui.layout import context, currency, money, money_settings, percent, plain, saving_tone, verdict
from pages._ui.lever_form import InputForm

st.title("Printable summary")
st.caption("For a deck or a planning meeting: the bill today and after the levers chosen on the Overview, the models "
           "and their sources, and a link that reopens the scenario. Print this page (one or two A4 pages: the app "
           "around the summary is left off) or download it.")
ctx = context()
left_out = [f"**{plain(o.class_name)}**: a call of {o.tokens:,.0f} tokens does not fit its model's {o.window:,}-token "
            "context window (the API would reject it)" for o in ctx.bill.overflows] + [
            f"**{plain(name)}**: its model has no price in the catalogue" for name in ctx.bill.unpriced]
if ctx.bill.nothing_priced:  # a bill that prices nothing is unknown, not $0: there is nothing to summarise
    verdict("Nothing to summarise: no call class of this workload can be priced, so the bill is unknown (not $0). "
            + "; ".join(left_out) + ". Change the workload in the sidebar.", "idle")
    st.stop()
if left_out:
    st.warning("Left out of every figure below (not priced, not free): " + "; ".join(left_out) + ".",
               icon=":material/warning:")
result, skipped = bill_builder.build(ctx, bill_builder.stored())
moving = [b for b in result.bars if saving_tone(b.saving) != "idle"]  # a saving not zero to the cent
idle = [b for b in result.bars if saving_tone(b.saving) == "idle"]
today, after = ctx.bill.total, result.final.total

if moving:
    change = "cut" if result.total_saving > 0 else "raise"
    verdict(f"The chosen levers {change} the bill from {money(today)} to {money(after)} a month: "
            f"{money(abs(result.total_saving))} ({percent(abs(result.saving_share))}) "
            f"{'less' if result.total_saving > 0 else 'more'} every month.", saving_tone(result.total_saving))
else:
    verdict(f"The bill is {money(today)} a month; no chosen lever moves it at these settings. Pick levers on the "
            "Overview.", "idle")

after_workload = result.workload or ctx.workload
used = summary_html.model_uses(
    ctx.bill, result.final,
    lambda key: model_prices(after_workload, ctx.catalogue, key) or model_prices(ctx.workload, ctx.catalogue, key))
# Lever assumptions name models by id (the routing's cheap model, a distillation student): print display names.
said = " ".join(f"{b.assumption} {b.caveat or ''} {b.idle or ''}" for b in result.bars)
ids = ctx.catalogue.keys()  # a Catalogue, not a dict
names = {m.key: m.label for m in used} | {k: ctx.catalogue.get(k).label for k in ids if k in said}

projection = InputForm(jevons.JevonsInputs, ctx, draw=False).inputs().starting_from(ctx.bill.total)
frame = jevons.projection(projection, points_per_year=1)
bands, bands_note = ranges.summary_bands(ctx, [(b.lever, b.inputs) for b in result.bars], projection)
here = st.context.url  # None outside a browser (tests): the link stays relative to the app
link = scenario.link(scenario.store())
data = summary_html.SummaryData(
    generated=dt.datetime.now(dt.UTC), money_note=money_settings().describe(), currency=currency(),
    rate=money_settings().shown(1.0),  # units of the shown currency per USD
    classes=[summary_html.WorkloadLine(name=c.name, model=b.model_label, requests=c.requests_per_month,
                                       input_tokens=c.input_tokens, output_tokens=c.output_tokens + c.reasoning_tokens,
                                       per_month=b.total, priced=b.priced)
             for c, b in zip(ctx.workload.classes, ctx.bill.classes, strict=True)],
    per_request=ctx.bill.per_request, bill=result, moving=moving, idle=idle, models=used, names=names,
    illustrative=frozenset(bill_builder.on_illustrative_defaults(ctx, result)),
    not_counted=[note.replace("**", "") for note in skipped],
    projection=projection, projection_result=jevons.evaluate(projection),
    projection_years=[(int(y), float(v)) for y, v in zip(frame["year"], frame["spend"], strict=True)],
    sources=[cite(k) for k in (["workload_defaults"] if ctx.workload == SimpleWorkload().workload() else [])
             + ["jevons_team_defaults", "a16z_llmflation"]],  # the default workload's source names its model
    link=urljoin(here, link) if here else link,
    bands=bands, bands_note=bands_note,
)
st.download_button("Download the summary (HTML)", summary_html.render(data).encode("utf-8"),
                   file_name="llm-cost-summary.html", mime="text/html", icon=":material/download:", on_click="ignore")
st.html(summary_html.fragment(data))
