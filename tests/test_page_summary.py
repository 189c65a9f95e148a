"""Printable summary: a deck-ready page with the bill today and after the chosen levers, the levers that move it, the
models it runs on with their sources, and a link that reopens it."""
import re

from calculators.prices import build_catalogue
from pages._ui import summary_html
from tests.apptest import run_page

GPT_4O = "openai/gpt-4o"  # the catalogue's key for gpt-4o (calculators.prices)
EUR = {"model": GPT_4O, "currency": "EUR", "fx": "0.92", "fx_date": "2026-11-20"}  # an explicit rate and its date
MONEY_LINE = "EUR at 0.92 per USD (rate of 2026-11-20)"


def summary_html_of(at) -> str:
    assert not at.exception, at.exception
    return "".join(h.proto.body for h in at.get("html"))


def section(html: str, title: str) -> str:
    """The summary's HTML from the <h2> titled `title` to the next <h2>."""
    start = html.index(f"<h2>{title}")
    end = html.find("<h2>", start + 1)
    return html[start:end if end > 0 else None]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.DOTALL)))


def test_summary_of_a_gpt_4o_workload_in_eur():
    """The acceptance test (issue 9): the workload on gpt-4o in EUR. Sources name gpt-4o, no lever that saves nothing
    is listed, and the reopen link is an anchor. By hand, at the default workload (1M requests, 2,000 input tokens of
    which 75% a prefix that OpenAI caches automatically, 400 output tokens) and gpt-4o's $2.50 / $1.25 cached / $10
    per MTok: 1M x (500 x 2.50 + 1,500 x 1.25 + 400 x 10) / 1M = $7,125 a month, x 0.92 = EUR 6,555. The default
    levers: the system-prompt trim cuts the 1,500-token prefix by 25% (375 cached tokens x $1.25 x 1M = $468.75 =
    EUR 431.25); output caps save cents; caching does nothing (the prefix is already cached)."""
    at = run_page("pages/summary.py", EUR)
    html = summary_html_of(at)
    gpt_4o = build_catalogue().get(GPT_4O)

    # Headline: today's bill and the bill after the chosen levers, with the saving and its share.
    kpis = html[html.index("class='kpis'"):html.index("<h2>")]
    assert "Today's bill" in kpis and "€6,555/month" in kpis
    assert "Bill after the chosen levers" in kpis and "€6,124/month" in kpis  # 6,555 - 431.25 - cents
    assert "Monthly saving" in kpis and "€431<" in kpis and "6.6% of today's bill" in kpis  # 431.4 / 6,555
    assert "years" not in kpis  # the illustrative projection is no headline
    assert at.success[0].value.startswith("The chosen levers cut the bill from €6,555 to €6,124 a month")

    # Sources name the model actually used, with its display name, prices, source and date; not the default model.
    models = section(html, "Sources")
    assert gpt_4o.label in models and f"{gpt_4o.source}, {gpt_4o.source_date}" in models
    assert "€2.30" in models and "€9.20" in models and "€1.15" in models  # $2.50, $10, $1.25 x 0.92
    assert "Claude" not in html and "Sonnet" not in html  # the default model is cited nowhere
    assert GPT_4O not in text_of(html)  # display names, never raw ids

    # Only levers that move the bill are listed; an idle one gets a one-line note.
    levers = html[html.index("<table class='levers'>"):html.index("</table>", html.index("<table class='levers'>"))]
    rows = re.findall(r"<tr><td>(.*?)</td><td class='num'>([−+]€[\d,.]+)</td>", levers)
    assert [text_of(name).split(" illustrative")[0].strip() for name, _ in rows] == ["System-prompt trim", "Output caps"]
    assert rows[0][1] == "−€431"
    assert "<td class='num'>−€431</td><td class='num'>−6.6%</td>" in levers  # a cut's share signed as its amount
    assert "class='kpi after'>" in html  # a bill that falls keeps the saving's green
    assert all(amount not in {"−€0", "−€0.00", "+€0", "+€0.00"} for _, amount in rows)
    assert "Prompt caching" not in levers
    assert "Not moving the bill: Prompt caching (every class already caches its prefix" in text_of(html)

    # The reopen link is an anchor carrying the scenario, the rate included, and its text wraps.
    link = re.search(r'<a class="reopen" href="([^"]+)">([^<]+)</a>', html)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    assert "model=openai%2Fgpt-4o" in href and "currency=EUR" in href and "fx=0.92" in href
    assert "a.reopen { overflow-wrap: anywhere;" in html

    # The currency line (rate and its date) goes with every money figure: headline, levers, workload, prices.
    assert text_of(html).count(MONEY_LINE) >= 5
    assert "<script" not in html  # prints anywhere, runs nothing


def test_summary_css_never_restyles_the_app():
    """Every rule is scoped to the summary's container, or only applies to print: on screen nothing outside the
    summary changes (an unscoped `body` font once truncated the sidebar's bill to "$8,000/mo...")."""
    css = re.sub(r"/\*.*?\*/", "", summary_html.CSS, flags=re.DOTALL)
    start = css.index("@media print")
    depth, end = 0, start
    for end in range(css.index("{", start), len(css)):
        depth += {"{": 1, "}": -1}.get(css[end], 0)
        if depth == 0:
            break
    screen = css[:start] + css[end + 1:]
    assert "@page" in css[start:end] and "size: A4" in css[start:end] and "stSidebar" in css[start:end]
    selectors = [s.strip() for block in re.findall(r"([^{}]+)\{[^{}]*\}", screen) for s in block.split(",")]
    assert selectors and all(s.startswith(f".{summary_html.ROOT}") for s in selectors), selectors
    assert "@" not in screen  # no other at-rule (an @page or @font-face outside print would apply on screen)


def test_summary_lists_the_model_a_lever_moves_traffic_to():
    """Routing (its default cheap model Claude Haiku 5.5) moves simple requests off the workload's model: the sources
    list both models, the cheap one as carrying traffic only after the levers; the assumption names it by its display
    name."""
    at = run_page("pages/summary.py", {"bill.model": "Routing and cascades"})
    html = summary_html_of(at)
    cat = build_catalogue()
    haiku, sonnet = cat.get("anthropic/claude-haiku-5-5"), cat.get("anthropic/claude-sonnet-5-5")
    models = text_of(section(html, "Sources"))
    assert sonnet.label in models and haiku.label in models
    assert re.search(re.escape(haiku.label) + r" traffic moved here by the levers", models)
    assert "Routing and cascades" in text_of(section(html, "Levers"))
    assert "anthropic/claude-haiku-5-5" not in text_of(html)


def test_summary_with_no_lever_that_moves_the_bill():
    """Only prompt caching, on a workload that already caches its prefix: nothing moves the bill, so no lever table,
    a saving of $0, and a one-line note."""
    at = run_page("pages/summary.py", {"model": GPT_4O, "bill.levers": "Prompt caching"})
    html = summary_html_of(at)
    assert "<table class='levers'>" not in html
    assert "None of the chosen levers moves the bill at these settings: it stays at $7,125 a month." in text_of(html)
    assert "Not moving the bill: Prompt caching" in text_of(html)
    assert at.info[0].value.startswith("The bill is $7,125 a month; no chosen lever moves it")


def test_summary_renders_the_scenario():
    at = run_page("pages/summary.py", {"jevons.years": "4", "currency": "EUR", "fx": "0.5"})
    html = summary_html_of(at)
    assert "year 4:" in html and "Bill after the chosen levers" in html and "genai-prices" in html
    assert "€4,000/month" in html  # $8,000 at 0.5 EUR per USD
    assert "<script" not in html


def test_summary_escapes_what_users_type():
    """A lever assumption carries user text (a task name, a model id): it must print as text, never as markup."""
    import dataclasses
    import datetime as dt

    from calculators import caching, jevons
    from calculators.lever import waterfall
    from calculators.sources import cite
    from calculators.workload import CallClass, Workload

    lever = dataclasses.replace(caching.LEVER, label="<b>caching</b>", describe=lambda x: "<script>x</script>")
    w = Workload(classes=(CallClass(name="x", requests_per_month=1_000_000, model_key="anthropic/claude-sonnet-5-5",
                                    prefix_tokens=2_000),))  # $4,000 a month of prefix, cached: -$3,800
    cat = build_catalogue()
    result = waterfall(w, [(lever, caching.CachingInputs())], cat)
    x = jevons.JevonsInputs()
    html = summary_html.render(summary_html.SummaryData(
        generated=dt.datetime(2026, 11, 28), money_note="USD list prices", currency="$",
        classes=[summary_html.WorkloadLine(name="x", model="<i>m</i>", requests=10, input_tokens=1, output_tokens=1,
                                           per_month=0.1)],
        per_request=0.01, bill=result, moving=result.bars, idle=(),
        models=summary_html.model_uses(result.baseline, result.final, cat.get),
        projection=x, projection_result=jevons.evaluate(x), projection_years=[(0, 100.0)],
        sources=[cite("genai_prices")], link='./?a="><b>',
    ))
    assert "<script>" not in html and "<b>caching" not in html and "<i>m</i>" not in html and '"><b>' not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "−$3,800" in html


def test_display_names_replace_whole_model_ids_only():
    names = {"openai/gpt-4o": "OpenAI · GPT-4o", "openai/gpt-4o-mini": "OpenAI · GPT-4o mini"}
    assert summary_html.display_names("route to openai/gpt-4o-mini, then openai/gpt-4o.", names) == (
        "route to OpenAI · GPT-4o mini, then OpenAI · GPT-4o.")
    assert summary_html.display_names("openai/gpt-4o-2024-05-13", names) == "openai/gpt-4o-2024-05-13"


def test_summary_describes_the_custom_workload_and_one_offs():
    """A custom table and distillation: the summary lists the classes it priced (not the set-aside four numbers),
    and the distillation's one-off cost with its payback."""
    import json

    rows = [{"name": "Support", "requests_per_month": 400_000, "model_key": "anthropic/claude-sonnet-5-5",
             "other_input_tokens": 2_000, "output_tokens": 400},
            {"name": "Search", "requests_per_month": 150_000, "model_key": "openai/gpt-5",
             "other_input_tokens": 1_000, "output_tokens": 100}]
    at = run_page("pages/summary.py", {"w.classes": json.dumps(rows), "bill.model": "Distillation"})
    html = summary_html_of(at)
    assert "Support" in html and "Search" in html and "1,000,000" not in html
    assert "One-off costs" in html and "paid back in" in html
    assert "illustrative defaults" in html
    assert "Workload defaults" not in html  # the default workload's source (it names the default model) is not cited


def test_a_bill_that_prices_nothing_is_not_summarised_as_zero():
    """gpt-4o with 200,000 input tokens: the 200,400-token call does not fit its 128,000-token window, so the only
    class is refused. The summary says so and prints no $0 figure (the finance review's case)."""
    at = run_page("pages/summary.py", {"model": "openai/gpt-4o", "in_tokens": "200000"})
    assert not at.exception
    (box,) = [*at.info, *at.success, *at.warning][:1]
    assert box.value.startswith("Nothing to summarise: no call class of this workload can be priced")
    assert "200,400 tokens does not fit its model's 128,000-token context window" in box.value
    assert not any("$0" in m.value for m in at.markdown)
