"""Browser: ranges set on two pages travel in the copied link; a fresh browser shows the same tornado order and bands."""
from __future__ import annotations

import re

import pytest

from tests.browser import settled

pytestmark = pytest.mark.browser
BAND = re.compile(r"P10 \S+ · P50 \S+ · P90 \S+")


def tornado_order(page) -> str:
    """The tornado's inputs, widest swing first, as its caption lists them."""
    return re.search(r"Widest first: ([^.]*)\.", page.locator("[data-testid='stMain']").inner_text()).group(1)


def bands(page) -> list[str]:
    return BAND.findall(page.locator("[data-testid='stMain']").inner_text())


def test_ranges_travel_in_the_link(browser, server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    # Page one (routing): its link carries a wide range on the share of simple requests (as its slider writes it),
    # routing as the Overview's model choice, and the Monte Carlo's settings.
    page.goto(f"{server}/routing?u.ranges=rt.simple_share:0.3:0.2:a&bill.model=Routing%20and%20cascades"
              "&u.mc=true&u.draws=30&u.seed=5")
    settled(page)
    # Page two (the Overview, reached through the app's navigation): widen the output-token range with its slider.
    page.get_by_role("link", name="Overview").first.click()
    settled(page)
    page.get_by_text("How sure are you? Low, likely").first.click()
    settled(page)
    sliders = page.locator("[data-testid='stSlider']").filter(has_text="Output tokens per request")
    high = sliders.first.get_by_role("slider").nth(1)
    high.focus()
    for _ in range(10):  # +30% -> +80% of today's output
        high.press("ArrowRight")
    settled(page)
    page.get_by_text("moves the bill after the levers most").first.wait_for(timeout=60_000)
    settled(page)
    order, first = tornado_order(page), bands(page)
    assert order and len(first) == 2
    link = page.url
    assert "rt.simple_share" in link and "out_tokens" in link and "u.seed=5" in link
    ctx.close()

    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    again = fresh.new_page()
    again.goto(link)
    settled(again)
    again.get_by_text("moves the bill after the levers most").first.wait_for(timeout=60_000)
    assert tornado_order(again) == order
    assert bands(again) == first
    fresh.close()
