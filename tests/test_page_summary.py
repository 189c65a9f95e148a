"""Printable summary: one self-contained page with the bill, projection and sources."""
from pages._ui import summary_html
from tests.apptest import run_page


def test_summary_renders_the_scenario():
    at = run_page("pages/summary.py", {"jevons.years": "4", "currency": "EUR", "fx": "0.5"})
    assert not at.exception
    html = "".join(h.proto.body for h in at.get("html"))
    assert "Year 4" in html and "Optimised bill" in html and "genai-prices" in html
    assert "€4,000/mo" in html  # $8,000 at 0.5 EUR per USD
    assert "<script" not in html  # prints anywhere, runs nothing


def test_summary_escapes_user_text():
    assert "&lt;b&gt;" in summary_html.escape("<b>")
