"""The printable one-page summary: a self-contained HTML document (no scripts, no network) that a
browser prints to PDF. Pure: data in, HTML text out."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from calculators.lever import Waterfall
from calculators.jevons import JevonsInputs, JevonsResult
from calculators.sources import Source


@dataclass(frozen=True)
class SummaryData:
    generated: dt.datetime
    money_note: str  # e.g. "USD list prices" or "EUR at 0.92 per USD (rate of 2026-11-20)"
    currency: str  # symbol
    price_note: str  # provider · model: prices, source and date
    classes: list[WorkloadLine]  # the workload every figure prices, class by class
    per_request: float
    bill: Waterfall
    projection: JevonsInputs
    projection_result: JevonsResult
    projection_years: list[tuple[int, float]]  # (year, monthly spend at that year)
    sources: list[Source]
    link: str  # the scenario as a query string, to reopen it
    rate: float = 1.0  # amounts are USD; shown at this many units of the currency per USD
    illustrative: frozenset[str] = frozenset()  # levers resting on their page's illustrative defaults


@dataclass(frozen=True)
class WorkloadLine:
    """One call class of the workload, as the summary lists it."""

    name: str
    model: str
    requests: float
    input_tokens: float
    output_tokens: float  # visible output and reasoning
    per_month: float  # USD


CSS = """
@page { size: A4; margin: 14mm; }
body { font-family: -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1b1b1b; font-size: 10.5pt;
       max-width: 190mm; margin: 0 auto; }
h1 { font-size: 18pt; margin: 0 0 2mm; } h2 { font-size: 12.5pt; margin: 6mm 0 2mm; border-bottom: 1px solid #ddd; }
.meta { color: #555; font-size: 9pt; }
.kpis { display: flex; gap: 4mm; margin: 4mm 0; }
.kpi { flex: 1; border: 1px solid #ddd; border-radius: 2mm; padding: 2.5mm 3mm; }
.kpi .label { color: #555; font-size: 8.5pt; } .kpi .value { font-size: 15pt; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; }
th, td { text-align: left; padding: 1.2mm 1.5mm; border-bottom: 1px solid #eee; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
.bar { height: 3.2mm; background: #17A398; } .bar.total { background: #2E6FD8; } .bar.rise { background: #E4572E; }
.sources li { margin-bottom: 1mm; font-size: 8.5pt; color: #333; }
"""


def _format(symbol: str, value: float) -> str:
    sign = "−" if value < 0 else ""
    v = abs(value)
    return f"{sign}{symbol}{v:,.0f}" if v >= 100 else f"{sign}{symbol}{v:,.2f}" if v >= 0.1 else f"{sign}{symbol}{v:.4g}"


def render(d: SummaryData) -> str:
    c = d.currency

    def _money(symbol: str, usd: float) -> str:
        return _format(symbol, usd * d.rate)
    b = d.bill
    today, final = b.baseline.total, b.final.total
    top = max([today, *[s.before for s in b.bars], 1e-12])

    def bar(value: float, kind: str = "") -> str:
        width = max(0.0, min(100.0, abs(value) / top * 100))
        return f'<div class="bar {kind}" style="width:{width:.1f}%"></div>'

    rows = [f"<tr><td>Today's bill</td><td>{bar(today, 'total')}</td><td class='num'>{_money(c, today)}"
            "</td><td class='num'></td><td></td></tr>"]
    for s in b.bars:
        note = (" <i>(illustrative defaults)</i>" if s.lever.name in d.illustrative else "") + (
            f" ⚠ {escape(s.caveat)}" if s.caveat else "") + (f" ({escape(s.idle)}: no effect)" if s.idle else "")
        rows.append(
            f"<tr><td>{escape(s.lever.label)}</td><td>{bar(s.saving, '' if s.saving >= 0 else 'rise')}</td>"
            f"<td class='num'>{'−' if s.saving >= 0 else '+'}{_money(c, abs(s.saving))}</td>"
            f"<td class='num'>{b.share(s):.1%}</td><td>{escape(s.assumption)}{note}</td></tr>"
        )
    rows.append(f"<tr><td><b>Bill after the levers</b></td><td>{bar(final, 'total')}</td>"
                f"<td class='num'><b>{_money(c, final)}</b></td><td class='num'>"
                f"{b.saving_share:.1%} saved</td><td></td></tr>")
    p, pr = d.projection, d.projection_result
    years = "".join(f"<tr><td>Year {y}</td><td class='num'>{_money(c, v)}</td></tr>" for y, v in d.projection_years)
    sources = "".join(
        f"<li>{escape(s.claim)} <i>{escape(s.source)}, {escape(s.date)}</i>"
        + (" (illustrative)" if s.illustrative else "") + "</li>"
        for s in d.sources
    )
    levers = "none selected" if not b.bars else ", ".join(escape(s.lever.label) for s in b.bars)
    workload = "".join(
        f"<tr><td>{escape(w.name)}</td><td>{escape(w.model)}</td><td class='num'>{w.requests:,.0f}</td>"
        f"<td class='num'>{w.input_tokens:,.0f}</td><td class='num'>{w.output_tokens:,.0f}</td>"
        f"<td class='num'>{_money(c, w.per_month)}</td></tr>" for w in d.classes)
    one_offs = "".join(
        f"<li>{escape(s.lever.label)}: {_money(c, s.one_off)} once"
        + (f", paid back in {s.one_off / s.saving:.1f} months by its monthly saving" if s.saving > 0
           else ", never paid back at this monthly saving") + "</li>"
        for s in b.bars if s.one_off)
    one_offs = f"<p class='meta'>One-off costs, outside the monthly lines:</p><ul>{one_offs}</ul>" if one_offs else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LLM Cost Levers: scenario summary</title>
<style>{CSS}</style></head><body>
<h1>LLM cost scenario summary</h1>
<div class="meta">Generated {d.generated:%Y-%m-%d %H:%M} UTC · money in {escape(d.money_note)} ·
{escape(d.price_note)}</div>
<div class="kpis">
  <div class="kpi"><div class="label">Today's bill</div><div class="value">{_money(c, today)}/mo</div></div>
  <div class="kpi"><div class="label">Bill after the levers</div><div class="value">{_money(c, final)}/mo</div></div>
  <div class="kpi"><div class="label">Monthly saving</div><div class="value">{_money(c, b.total_saving)}</div></div>
  <div class="kpi"><div class="label">Spend in {p.horizon_years} years</div>
  <div class="value">{_money(c, pr.spend_end)}/mo</div></div>
</div>
<h2>Workload</h2>
<table><tr><th>Call class</th><th>Model</th><th class="num">Requests a month</th><th class="num">Input tokens</th>
<th class="num">Output tokens</th><th class="num">Per month</th></tr>{workload}</table>
<p class="meta">Tokens per request (output includes reasoning); {_money(c, d.per_request)} per request on
average.</p>
<h2>Levers ({levers})</h2>
<p class="meta">Applied in a fixed order, each to the workload the earlier ones left; every line is the difference
between two priced workloads, so levers that touch the same tokens are counted once.</p>
<table><tr><th>Lever</th><th style="width:32%"></th><th class="num">Per month</th><th class="num">Of today</th>
<th>Key assumption</th></tr>{''.join(rows)}</table>
{one_offs}
<h2>Projection</h2>
<p>Prices fall {p.price_decline:g}x a year, usage elasticity {p.elasticity:g}, other usage growth {p.growth:g}x a
year. Break-even elasticity: {"—" if pr.break_even_elasticity is None else f"{pr.break_even_elasticity:.2f}"}.
Starting from today's {_money(c, p.monthly_spend)} a month:</p>
<table style="width:50%"><tr><th></th><th class="num">Monthly spend</th></tr>{years}</table>
<h2>Sources</h2><ul class="sources">{sources}</ul>
<p class="meta">Reopen this scenario: append <code>{escape(d.link or "(all defaults)")}</code> to the dashboard's
address.</p>
</body></html>"""
