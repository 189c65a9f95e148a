"""Printable summary: one self-contained page with the bill, projection and sources."""
from pages._ui import summary_html
from tests.apptest import run_page


def test_summary_renders_the_scenario():
    at = run_page("pages/summary.py", {"jevons.years": "4", "currency": "EUR", "fx": "0.5"})
    assert not at.exception
    html = "".join(h.proto.body for h in at.get("html"))
    assert "Year 4" in html and "Bill after the levers" in html and "genai-prices" in html
    assert "€4,000/mo" in html  # $8,000 at 0.5 EUR per USD
    assert "<script" not in html  # prints anywhere, runs nothing


def test_summary_escapes_what_users_type():
    """A lever assumption carries user text (a task name, a model id): it must print as text, never as markup."""
    import dataclasses
    import datetime as dt

    from calculators import caching, jevons
    from calculators.lever import waterfall
    from calculators.prices import build_catalogue
    from calculators.sources import cite
    from calculators.workload import CallClass, Workload

    lever = dataclasses.replace(caching.LEVER, label="<b>caching</b>", describe=lambda x: "<script>x</script>")
    w = Workload(classes=(CallClass(name="x", requests_per_month=1_000_000, model_key="anthropic/claude-sonnet-5-5",
                                    prefix_tokens=2_000),))  # $4,000 a month of prefix, cached: -$3,800
    result = waterfall(w, [(lever, caching.CachingInputs())], build_catalogue())
    x = jevons.JevonsInputs()
    html = summary_html.render(summary_html.SummaryData(
        generated=dt.datetime(2026, 11, 28), money_note="USD list prices", currency="$", price_note="p",
        classes=[summary_html.WorkloadLine(name="x", model="<i>m</i>", requests=10, input_tokens=1, output_tokens=1,
                                           per_month=0.1)],
        per_request=0.01,
        bill=result, projection=x, projection_result=jevons.evaluate(x),
        projection_years=[(0, 100.0)], sources=[cite("genai_prices")], link="?a=<b>",
    ))
    assert "<script>" not in html and "<b>caching" not in html and "<i>m</i>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "−$3,800" in html


def test_summary_describes_the_custom_workload_and_one_offs():
    """A custom table and distillation: the summary lists the classes it priced (not the set-aside four numbers),
    and the distillation's one-off cost with its payback."""
    import json

    rows = [{"name": "Support", "requests_per_month": 400_000, "model_key": "anthropic/claude-sonnet-5-5",
             "other_input_tokens": 2_000, "output_tokens": 400},
            {"name": "Search", "requests_per_month": 150_000, "model_key": "openai/gpt-5",
             "other_input_tokens": 1_000, "output_tokens": 100}]
    at = run_page("pages/summary.py", {"w.classes": json.dumps(rows), "bill.model": "Distillation"})
    assert not at.exception
    html = "".join(h.proto.body for h in at.get("html"))
    assert "Support" in html and "Search" in html and "1,000,000" not in html
    assert "One-off costs" in html and "paid back in" in html
    assert "illustrative defaults" in html
