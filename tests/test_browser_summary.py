"""Real browser: the printable summary prints to at most two A4 pages (Chromium print to PDF), its reopen link works,
and its style does not leak into the app (the sidebar's bill is shown whole).

Never `playwright install`: the browser is Debian's /usr/bin/chromium. A missing browser fails in CI (CI=true) and
skips only on a developer machine without it.
"""
import re

import pytest

from tests.browser import ARTIFACTS, settled

pytestmark = pytest.mark.browser

# The acceptance scenario (issue 9): the workload on gpt-4o, in EUR at an explicit rate and its date; default levers.
SCENARIO = "model=openai%2Fgpt-4o&currency=EUR&fx=0.92&fx_date=2026-11-20"
SIDEBAR_BILL = "[data-testid='stSidebar'] [data-testid='stMetricValue']"





def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF: its page objects ('/Type /Page', not the '/Type /Pages' tree nodes)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def overflowing(locator) -> list[str]:
    """Text inside `locator` cut off by its box (an ellipsis or clipping): scrollWidth beyond clientWidth."""
    return locator.evaluate(
        "el => [el, ...el.querySelectorAll('*')].filter(e => e.clientWidth && e.scrollWidth > e.clientWidth + 1)"
        ".map(e => `${e.tagName} ${e.scrollWidth}>${e.clientWidth}: ${e.innerText}`)")


def test_summary_prints_to_at_most_two_a4_pages_and_leaves_the_app_alone(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{server}/summary?{SCENARIO}")
    settled(page)
    summary = page.locator(".llm-summary")
    summary.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0

    page.screenshot(path=str(ARTIFACTS / "summary-page.png"))
    summary.screenshot(path=str(ARTIFACTS / "summary.png"))

    # No CSS leak: the sidebar's bill is shown whole, as it is on the Overview.
    bill = page.locator(SIDEBAR_BILL)
    assert bill.inner_text().endswith("/month")
    assert not overflowing(bill), overflowing(bill)
    bill.screenshot(path=str(ARTIFACTS / "summary-sidebar-bill.png"))
    assert "€6,555/month" in summary.inner_text()

    # The reopen link is an anchor whose text wraps inside the summary instead of running off it.
    reopen = summary.locator("a.reopen")
    href = reopen.get_attribute("href")
    assert href.startswith(server) and "currency=EUR" in href and "fx=0.92" in href
    assert reopen.evaluate("a => getComputedStyle(a).overflowWrap") == "anywhere"
    link_box, summary_box = reopen.bounding_box(), summary.bounding_box()
    assert link_box["x"] + link_box["width"] <= summary_box["x"] + summary_box["width"] + 1


    # Printed from the app (print CSS: A4, only the summary), then as the downloaded document: one or two pages each.
    pdf = page.pdf(format="A4")
    (ARTIFACTS / "summary.pdf").write_bytes(pdf)
    assert 1 <= pdf_pages(pdf) <= 2, pdf_pages(pdf)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the summary (HTML)").click()
    document = download.value.path().read_text(encoding="utf-8")
    printed = context.new_page()
    printed.set_content(document)
    pdf = printed.pdf(format="A4")
    (ARTIFACTS / "summary-download.pdf").write_bytes(pdf)
    assert 1 <= pdf_pages(pdf) <= 2, pdf_pages(pdf)
    printed.close()

    # The link reopens the scenario on the Overview: the same bill, in the same currency.
    reopen.click()
    page.wait_for_url(re.compile(r".*/\?.*currency=EUR.*"), timeout=30_000)
    settled(page)
    assert page.locator(SIDEBAR_BILL).inner_text() == "€6,555/month"
    context.close()
