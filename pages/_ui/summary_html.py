"""The printable summary: HTML (no scripts, no network) that the app shows and a browser prints to one or two A4
pages. Pure: data in, HTML text out.

The same fragment is shown inside the app (st.html puts it in the page's own DOM, not in an iframe) and wrapped as a
standalone document for the download. So every style rule is scoped to the summary's container class, or lives
under @media print: nothing may restyle the app around it on screen (an unscoped `body` font once truncated the
sidebar's bill).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from calculators.bill import Bill
from calculators.jevons import JevonsInputs, JevonsResult
from calculators.lever import Bar, Waterfall
from calculators.prices import ModelPrices
from calculators.sources import Source

ROOT = "llm-summary"  # the container class every rule is scoped to
LINK_CHARS = 400  # visible characters of the reopen link: about four printed lines


@dataclass(frozen=True)
class WorkloadLine:
    """One call class of the workload, as the summary lists it."""

    name: str
    model: str  # display name (provider · model)
    requests: float
    input_tokens: float
    output_tokens: float  # visible output and reasoning
    per_month: float  # USD
    priced: bool = True  # False: its model has no price; it is left out of the bill, not free


@dataclass(frozen=True)
class ModelUse:
    """A model the scenario runs on: its prices (None: unpriced), and the call classes on it today and after the
    levers."""

    key: str
    label: str  # display name (provider · model)
    prices: ModelPrices | None
    today: tuple[str, ...]
    after: tuple[str, ...]


@dataclass(frozen=True)
class SummaryData:
    generated: dt.datetime
    money_note: str  # money_settings().describe(): "USD list prices", "EUR at 0.92 per USD (rate of 2026-11-20)"
    currency: str  # symbol
    classes: list[WorkloadLine]  # the workload every figure prices, class by class
    per_request: float
    bill: Waterfall
    moving: Sequence[Bar]  # the chosen levers that move the bill (saving not zero to the cent), in applied order
    idle: Sequence[Bar]  # the chosen levers that do not
    models: Sequence[ModelUse]  # every model the scenario runs on, today or after the levers
    projection: JevonsInputs
    projection_result: JevonsResult
    projection_years: list[tuple[int, float]]  # (year, monthly spend at that year)
    sources: list[Source]  # where the other defaults come from
    link: str  # the URL that reopens the scenario
    rate: float = 1.0  # amounts are USD; shown at this many units of the currency per USD
    illustrative: frozenset[str] = frozenset()  # levers resting on their page's illustrative defaults
    not_counted: Sequence[str] = ()  # chosen levers whose inputs could not be read, with why
    names: Mapping[str, str] | None = None  # model key -> display name, for model ids inside lever assumptions
    # P10 and P90 (USD) by headline ('today', 'after', 'saving', 'projection'), and how they were drawn; None: no
    # Monte Carlo in this scenario (pages/_ui/ranges.py)
    bands: Mapping[str, tuple[float, float]] | None = None
    bands_note: str = ""


def model_uses(today: Bill, after: Bill, prices_of: Callable[[str], ModelPrices | None]) -> list[ModelUse]:
    """Every model a call class runs on today or after the levers (a lever that moves traffic adds its model), in the
    order met: today's models first."""
    keys = list(dict.fromkeys([c.model_key for c in today.classes] + [c.model_key for c in after.classes]))
    labels = {c.model_key: c.model_label for c in (*today.classes, *after.classes)}
    out = []
    for key in keys:
        prices = prices_of(key)
        out.append(ModelUse(
            key=key, label=prices.label if prices is not None else labels.get(key, key), prices=prices,
            today=tuple(c.name for c in today.classes if c.model_key == key and c.requests > 0),
            after=tuple(c.name for c in after.classes if c.model_key == key and c.requests > 0)))
    return out


def display_names(text: str, names: Mapping[str, str] | None) -> str:
    """`text` with every model id in `names` replaced by its display name (the longest id first, whole ids only)."""
    if not names:
        return text
    keys = sorted(names, key=len, reverse=True)
    ids = "|".join(re.escape(k) for k in keys)
    pattern = re.compile(rf"(?<![\w./:-])({ids})(?![\w/:-]|\.\w)")  # a full stop may end the sentence
    return pattern.sub(lambda m: names[m.group(1)], text)


_S = f".{ROOT}"
CSS = f"""
{_S} {{ font-family: -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1b1b1b; font-size: 10pt;
  line-height: 1.35; max-width: 190mm; box-sizing: border-box;
  padding: 0 2px; /* the tiles' right border stays whole */ }}
{_S} h1 {{ font-size: 17pt; margin: 0 0 1.5mm; padding: 0; line-height: 1.2; }}
{_S} h2 {{ font-size: 11.5pt; margin: 5mm 0 1.5mm; padding: 0 0 0.5mm; border-bottom: 1px solid #ddd;
  break-after: avoid; line-height: 1.2; }}
{_S} p {{ margin: 1mm 0; }}
{_S} .meta {{ color: #555; font-size: 8.5pt; }}
{_S} .kpis {{ display: flex; flex-wrap: wrap; gap: 3mm; margin: 3mm 0 1.5mm; break-inside: avoid; }}
{_S} .kpi {{ flex: 1 1 52mm; min-width: 0; box-sizing: border-box; border: 1px solid #ddd; border-radius: 2mm;
  padding: 2mm 3mm; }}
{_S} .kpi .label {{ color: #555; font-size: 8.5pt; }}
{_S} .kpi .value {{ font-size: 15pt; font-weight: 600; white-space: nowrap; }}
{_S} .kpi .note {{ color: #555; font-size: 8.5pt; }}
{_S} .kpi.after .value {{ color: #1f6f43; }}
{_S} .kpi.after.rises .value {{ color: #a3331f; }}
{_S} table {{ border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 1mm 0; }}
{_S} .wide {{ overflow-x: auto; }}  /* on a phone a table scrolls sideways rather than squeezing its text */
{_S} .wide table {{ min-width: 150mm; }}
{_S} th, {_S} td {{ text-align: left; padding: 1mm 1.5mm; border-bottom: 1px solid #eee; vertical-align: top; }}
{_S} th {{ color: #444; font-weight: 600; }}
{_S} tr {{ break-inside: avoid; }}
{_S} thead {{ display: table-header-group; break-after: avoid; }}
{_S} td.num, {_S} th.num {{ text-align: right; white-space: nowrap; }}
{_S} .badge {{ color: #8a5a00; font-size: 8pt; white-space: nowrap; }}
{_S} ul {{ margin: 1mm 0; padding-left: 5mm; }}
{_S} li {{ margin-bottom: 0.6mm; font-size: 8.5pt; color: #333; }}
{_S} a.reopen {{ overflow-wrap: anywhere; word-break: break-all; color: #1a56b8; font-size: 8pt; }}
@media print {{
  @page {{ size: A4; margin: 12mm 12mm 14mm; }}
  {_S} {{ max-width: none; }}
  {_S} .wide {{ overflow: visible; }}  /* a scroll box would not break across pages */
  /* Only the summary prints: no sidebar, header, toolbar, or the page's own title and buttons. */
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stBottom"], [data-testid="stMain"] [data-testid="stElementContainer"]:not(:has(.{ROOT})) {{
    display: none !important; }}
  /* The app scrolls inside fixed-height panes; on paper the summary flows from page to page. */
  html, body, #root, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"],
  [data-testid="stMainBlockContainer"] {{ height: auto !important; min-height: 0 !important;
    overflow: visible !important; position: static !important; }}
  [data-testid="stMainBlockContainer"] {{ padding: 0 !important; max-width: none !important; }}
  [data-testid="stMain"] [data-testid="stVerticalBlock"] {{ gap: 0 !important; }}
}}
"""


def _format(symbol: str, value: float) -> str:
    sign = "−" if value < 0 else ""
    v = abs(value)
    return f"{sign}{symbol}{v:,.0f}" if v >= 100 else f"{sign}{symbol}{v:,.2f}" if v >= 0.1 else f"{sign}{symbol}{v:.3g}"


def _share(value: float) -> str:
    """A change of the bill as a share of today's: '−6.6%' (a cut) or '+47.5%' (a rise), signed as its amount beside
    it, and '<0.1%' rather than a misleading 0.0% for a change that is not zero."""
    sign = "−" if value < 0 else "+" if value > 0 else ""
    return f"{sign}{abs(value):.1%}" if value == 0 or abs(value) >= 0.0005 else f"{sign}<0.1%"


def _shortened(link: str, chars: int = LINK_CHARS) -> str:
    """A link's visible text, cut short on paper when it carries a whole table (the anchor keeps all of it)."""
    return link if len(link) <= chars else link[:chars] + "… (the full link is behind this text)"


def fragment(d: SummaryData) -> str:
    """The summary as an HTML fragment: its scoped style and its container."""
    c = d.currency

    def money(usd: float) -> str:
        return _format(c, usd * d.rate)

    def names(text: str) -> str:
        return escape(display_names(text, d.names))

    b = d.bill
    today, final = b.baseline.total, b.final.total
    money_line = f"Money in {escape(d.money_note)}."
    rises = b.total_saving < 0
    saving_label = "Monthly increase" if rises else "Monthly saving"
    def band(name: str, increase: bool = False) -> str:
        """'P10-P90: $a-$b' under a headline, when the scenario ran the Monte Carlo. `increase`: the headline shows
        the saving as a monthly increase (its size), so its band is the increase's: P10-P90 of -saving."""
        if not d.bands or name not in d.bands:
            return ""
        lo, hi = d.bands[name]
        if increase:
            lo, hi = -hi, -lo
        return f"<div class='note'>P10–P90: {money(lo)} – {money(hi)}</div>"

    kpis = (
        f"<div class='kpis'><div class='kpi'><div class='label'>Today's bill</div>"
        f"<div class='value'>{money(today)}/month</div><div class='note'>{money(d.per_request)} per request</div>"
        f"{band('today')}</div>"
        f"<div class='kpi after{' rises' if rises else ''}'><div class='label'>Bill after the chosen levers</div>"
        f"<div class='value'>{money(final)}/month</div>"
        f"<div class='note'>{len(d.moving)} lever{'s' if len(d.moving) != 1 else ''} moving it</div>{band('after')}</div>"
        f"<div class='kpi'><div class='label'>{saving_label}</div><div class='value'>{money(abs(b.total_saving))}</div>"
        f"<div class='note'>{abs(b.saving_share):.1%} of today's bill</div>{band('saving', increase=rises)}</div></div>"
        + (f"<p class='meta'>{escape(d.bands_note)}</p>" if d.bands and d.bands_note else "")
    )

    if d.moving:
        rows = "".join(
            f"<tr><td>{escape(s.lever.label)}"
            + (" <span class='badge'>illustrative defaults</span>" if s.lever.name in d.illustrative else "")
            + f"</td><td class='num'>{'−' if s.saving >= 0 else '+'}{money(abs(s.saving))}</td>"
            f"<td class='num'>{_share(-b.share(s))}</td><td class='num'>{money(s.after)}</td>"
            f"<td>{names(s.assumption)}" + (f" ⚠ {names(s.caveat)}" if s.caveat else "") + "</td></tr>"
            for s in d.moving)
        levers = (
            "<div class='wide'><table class='levers'><thead><tr><th>Lever</th><th class='num'>Per month</th>"
            "<th class='num'>Of today</th><th class='num'>Bill after it</th><th>What it assumes</th></tr></thead>"
            f"{rows}</table></div>"
            "<p class='meta'>Applied in a fixed order, each to the workload the earlier ones left; each line is the "
            f"difference between two priced workloads, so levers touching the same tokens are counted once. "
            f"{money_line}</p>")
    elif b.bars:
        levers = f"<p>None of the chosen levers moves the bill at these settings: it stays at {money(today)} a month.</p>"
    else:
        levers = "<p>No lever chosen: pick them on the Overview's bill builder.</p>"
    if len(d.idle) == 1:  # one line: the reason fits; for several, their pages say why
        s = d.idle[0]
        levers += (f"<p class='meta'>Not moving the bill: {escape(s.lever.label)} "
                   f"({names(s.idle or 'it saves nothing at these settings')}).</p>")
    elif d.idle:
        levers += ("<p class='meta'>Not moving the bill at these settings: "
                   + ", ".join(escape(s.lever.label) for s in d.idle) + ".</p>")
    if d.not_counted:
        levers += "<p class='meta'>Not counted: " + "; ".join(escape(n) for n in d.not_counted) + ".</p>"
    one_offs = "".join(
        f"<li>{escape(s.lever.label)}: {money(s.one_off)} once"
        + (f", paid back in {s.one_off / s.saving:.1f} months by its monthly saving" if s.saving > 0
           else ", never paid back at this monthly saving") + "</li>"
        for s in d.moving if s.one_off)
    if one_offs:
        levers += f"<p class='meta'>One-off costs, outside the monthly bill:</p><ul>{one_offs}</ul>"

    workload = "".join(
        f"<tr><td>{escape(w.name)}</td><td>{names(w.model)}</td><td class='num'>{w.requests:,.0f}</td>"
        f"<td class='num'>{w.input_tokens:,.0f}</td><td class='num'>{w.output_tokens:,.0f}</td>"
        f"<td class='num'>{money(w.per_month) if w.priced else 'unpriced'}</td></tr>" for w in d.classes)

    def used(m: ModelUse) -> str:
        # Today's call classes by their names; what levers derive from them (a redo, a batch share) is the same
        # traffic reshaped, so a model is only marked when traffic arrives on it or leaves it entirely.
        if not m.today:
            return "traffic moved here by the levers" if m.after else "no traffic"
        return ", ".join(m.today) + ("" if m.after else " (moved off by the levers)")

    def price(p: ModelPrices | None, field: str) -> str:
        rate = getattr(p, field, None) if p is not None else None
        return money(rate.base) if rate is not None else "—"

    model_rows = "".join(
        f"<tr><td><b>{escape(m.label)}</b></td><td>{escape(used(m))}</td>"
        + (f"<td class='num'>{price(m.prices, 'input')}</td><td class='num'>{price(m.prices, 'output')}</td>"
           f"<td class='num'>{price(m.prices, 'cache_read')}</td>"
           f"<td class='num'>{money(m.prices.batch_input) + ' / ' + money(m.prices.batch_output) if m.prices.batch else '—'}"
           f"</td><td>{escape(m.prices.source)}, {escape(m.prices.source_date)}"
           + (" · long-context tiers apply" if m.prices.has_tiers else "") + "</td>"
           if m.prices is not None else "<td colspan='5'>unpriced: no price in the catalogue, left out of the bill "
           "(not free)</td>")
        + "</tr>" for m in d.models)

    p, pr = d.projection, d.projection_result
    years = " · ".join(f"year {y}: {money(v)}" for y, v in d.projection_years)
    sources = "".join(
        f"<li>{escape(s.claim)} <i>{escape(s.source)}, {escape(s.date)}</i>"
        + (" (illustrative)" if s.illustrative and not s.source.lower().startswith("illustrative") else "") + "</li>"
        for s in d.sources)
    return f"""<style>{CSS}</style>
<div class="{ROOT}">
<h1>LLM cost scenario summary</h1>
<p class="meta">Generated {d.generated:%Y-%m-%d %H:%M} UTC · {money_line}</p>
{kpis}
<p class="meta">Every figure is a month of the workload below, priced call by call at the models' prices listed under
Sources. {money_line}</p>
<h2>Levers that move the bill</h2>
{levers}
<h2>Workload</h2>
<div class="wide"><table><thead><tr><th>Call class</th><th>Model</th><th class="num">Requests a month</th>
<th class="num">Input tokens</th><th class="num">Output tokens</th><th class="num">Per month</th></tr></thead>
{workload}</table></div>
<p class="meta">Tokens per request (output includes reasoning). {money_line}</p>
<h2>Sources: the models and their prices</h2>
<div class="wide"><table class="models"><thead><tr><th>Model</th><th>Carries</th><th class="num">Input</th><th class="num">Output</th>
<th class="num">Cache read</th><th class="num">Batch in / out</th><th>Source, date</th></tr></thead>
{model_rows}</table></div>
<p class="meta">Prices per million tokens, as billed (net of any discount). {money_line}</p>
<h2>Outlook (illustrative)</h2>
<p class="meta">From today's bill, if prices fall {p.price_decline:g}x a year, usage elasticity is {p.elasticity:g} and
other usage grows {p.growth:g}x a year, the monthly bill would be: {years}. Break-even elasticity:
{"—" if pr.break_even_elasticity is None else f"{pr.break_even_elasticity:.2f}"}.{
(f" P10–P90 of the last year: {money(d.bands['projection'][0])} – {money(d.bands['projection'][1])} a month."
 if d.bands and "projection" in d.bands else "")}</p>
<h2>Other sources</h2><ul>{sources}</ul>
<p class="meta">Reopen this scenario (every input of every page):
<a class="reopen" href="{escape(d.link, quote=True)}">{escape(_shortened(d.link))}</a></p>
</div>"""


def render(d: SummaryData) -> str:
    """The summary as a standalone HTML document (the download)."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LLM Cost Levers: scenario summary</title></head>
<body style="margin: 12mm auto; max-width: 190mm;">
{fragment(d)}
</body></html>"""
