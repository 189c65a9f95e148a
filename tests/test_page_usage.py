"""The Usage import page through the real router: a sample read, reconciled and calibrated; the round trip (calibrate
-> link -> a fresh session -> the same figures on every page); a wrong file changes nothing."""
from __future__ import annotations

import sys

import pytest

from tests.apptest import ROOT, headline_metrics, money_value, run_page

sys.path.insert(0, str(ROOT))
from app import page_files  # noqa: E402

PAGE = "pages/usage.py"
CLASSES_KEY = "w.classes"


def link_of(at) -> dict[str, str]:
    """The address bar's query, as a dict for a new session."""
    return {k: at.query_params[k][-1] if isinstance(at.query_params[k], list) else at.query_params[k]
            for k in at.query_params}


def figures(at) -> tuple[str, list[tuple[str, str]]]:
    """The sidebar's bill and the page's headline figures (label, value), as a reader sees them."""
    labels = headline_metrics(at)
    values = {m.label: m.value for m in at.main.metric}
    return at.sidebar.metric[0].value, [(label, values[label]) for label in labels]


@pytest.fixture(scope="module")
def calibrated():
    """The LiteLLM sample (the page's first) calibrated and made the workload with one click."""
    at = run_page(PAGE)
    assert not at.exception, [e.value for e in at.exception]
    before = at.sidebar.metric[0].value
    at.button(key="usage.use").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at, before, link_of(at)


def test_the_sample_is_priced_reconciled_and_becomes_the_workload(calibrated):
    """LiteLLM's sample: its spend is LiteLLM's own list-price arithmetic, so the export's 31 days cost $7,243 at list
    prices and LiteLLM reports the same; as a month of 730 h that is 730/744 of it, $7,107, which the sidebar's bill
    becomes after the click (it was the default $8,000)."""
    at, before, link = calibrated
    assert before == "$8,000/month"
    assert CLASSES_KEY in link
    assert money_value(at.sidebar.metric[0].value) == pytest.approx(7_243 * 730 / 744, abs=2)
    shown = {m.label: m.value for m in at.main.metric}
    assert shown["List-price bill of the export"] == "$7,243"
    assert shown["As a monthly workload"] == at.sidebar.metric[0].value.split("/")[0]
    assert "reports the same" in at.info[0].value
    assert any("is the workload now" in s.value for s in at.success)


def test_going_back_restores_the_four_numbers(calibrated):
    at, before, _ = calibrated
    fresh = run_page(PAGE, link_of(at))
    fresh.button(key="w.leave_custom").click().run()
    assert fresh.sidebar.metric[0].value == before and CLASSES_KEY not in link_of(fresh)


@pytest.mark.parametrize("page", page_files())
def test_round_trip_calibrate_link_fresh_session_same_figures(calibrated, page):
    at, _, link = calibrated
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert money_value(at.sidebar.metric[0].value) == pytest.approx(7_243 * 730 / 744, abs=2)  # still the traffic
    fresh = run_page(page, link)
    assert not fresh.exception, [e.value for e in fresh.exception]
    if page == PAGE:  # a fresh session holds no upload or sample choice: the page starts from its first sample again
        assert fresh.sidebar.metric[0].value == at.sidebar.metric[0].value
        return
    assert figures(fresh) == figures(at)


def test_a_file_read_as_the_wrong_format_changes_nothing():
    """The LiteLLM CSV read as an OpenAI usage report: a message, no button, the sidebar's bill as it was."""
    at = run_page(PAGE)
    bill = at.sidebar.metric[0].value
    at.selectbox(key="usage.format").set_value("openai").run()
    assert not at.exception
    assert at.error and "could not be read" in at.error[0].value
    assert "Nothing was changed" in at.info[0].value or "nothing was changed" in at.info[0].value
    assert not [b for b in at.button if b.key == "usage.use"]
    assert at.sidebar.metric[0].value == bill and CLASSES_KEY not in link_of(at)


def test_anthropic_asks_for_requests_and_never_invents_them():
    at = run_page(PAGE)
    at.selectbox(key="usage.sample").set_value("anthropic_usage_report.json").run()
    assert "counts tokens, not requests" in at.info[0].value
    assert not [b for b in at.button if b.key == "usage.use"]
    at.number_input(key="usage.requests_total").set_value(1_500_000).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b for b in at.button if b.key == "usage.use"]
    assert money_value({m.label: m.value for m in at.main.metric}["List-price bill of the export"]) > 0


def test_per_request_sample_shows_distributions_and_the_group_what_if():
    at = run_page(PAGE)
    at.selectbox(key="usage.sample").set_value("otel_genai_spans.jsonl").run()
    assert not at.exception, [e.value for e in at.exception]
    titles = [m.value for m in at.markdown]
    assert any("Output tokens per request" in t for t in titles)
    assert any("gains most" in t for t in titles)


def test_an_enterprise_discount_is_not_taken_for_a_gap_in_the_reconciliation():
    """LiteLLM's sample reports exactly its list price ($7,242.86 over 31 days). With a 20% enterprise discount and
    EUR at 0.9 (both in the sidebar), the reconciliation still compares list with reported: €6,519 each (7,242.86 x
    0.9), no residual; the monthly workload is net of the discount: 7,242.86 x 730/744 x 0.8 x 0.9 = €5,117."""
    at = run_page(PAGE, {"discount": "20", "currency": "EUR", "fx": "0.9", "fx_date": "2026-07-31"})
    assert not at.exception, [e.value for e in at.exception]
    shown = {m.label: (m.value, m.delta) for m in at.main.metric}
    assert shown["List-price bill of the export"][0] == "€6,519"
    assert shown["Reported spend"] == ("€6,519", "the list price")
    assert shown["As a monthly workload"][0] == "€5,117" and shown["As a monthly workload"][1] == "/month, less 20%"
    assert "reports the same" in at.info[0].value and "unexplained" not in at.info[0].value
    captions = " ".join(c.value for c in at.caption).replace("\\", "")  # plain() escapes Markdown
    assert "reports no spend" not in captions  # LiteLLM carries spend
    assert "enterprise discount is not applied here" in captions and "genai-prices" in captions
