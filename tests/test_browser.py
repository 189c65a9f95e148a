"""Real browser: Playwright drives the system Chromium against `streamlit run`.

Never `playwright install`: the browser is Debian's /usr/bin/chromium. A missing browser fails in CI
(CI=true) and skips only on a developer machine without it.
"""
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser import ARTIFACTS, ROOT, settled, wait_for_app

sys.path.insert(0, str(ROOT))
from app import DEFAULT_PAGE, page_files  # noqa: E402

pytestmark = pytest.mark.browser

# A scenario touching the workload, the money settings and several pages.
SCENARIO = ("requests=300000&in_tokens=2500&out_tokens=600&discount=10&cache.prefixes=20&jevons.years=5"
            "&w.agents=20&w.steps=12&w.fail=20&cap.max_tokens=1200&bill.levers=Prompt+caching&bill.levers=Output+caps")
METRICS = "[data-testid='stMain'] [data-testid='stMetricValue']"




def path_of(page_file: str) -> str:
    return "" if page_file == DEFAULT_PAGE else Path(page_file).stem



def headline(page, timeout_s: float = 15.0) -> list[str]:
    """The page's headline figures, once they have stopped changing (elements stream in as a run goes)."""
    import time

    deadline = time.monotonic() + timeout_s
    last = None
    while True:
        wait_for_app(page)
        now = page.locator(METRICS).all_inner_texts()
        if now == last or time.monotonic() > deadline:
            return now
        last = now
        page.wait_for_timeout(500)


@pytest.fixture(scope="module")
def visited(browser, server):
    """Open the scenario link, visit every page in one session; screenshot each and record its headline."""
    context = browser.new_context(viewport={"width": 1400, "height": 2800})  # tall: Streamlit scrolls in stMain
    page = context.new_page()
    figures, problems = {}, []
    page.goto(f"{server}/?{SCENARIO}")
    settled(page)
    for page_file in page_files():
        page.goto(f"{server}/{path_of(page_file)}?{urlsplit(page.url).query}")
        settled(page)
        page.wait_for_selector("h1", timeout=30_000)
        errors = page.locator("[data-testid='stException'], [data-testid='stAlertContentError']")
        if errors.count():
            problems.append(f"{page_file}: {errors.first.inner_text()[:300]}")
        charts = page.locator("[data-testid='stPlotlyChart']")
        for i in range(charts.count()):
            charts.nth(i).locator(".main-svg").first.wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / f"page-{Path(page_file).stem}-1400.png"), full_page=True)
        figures[page_file] = headline(page)
    link = urlsplit(page.url).query
    context.close()
    return figures, problems, link


def test_every_page_renders_without_error(visited):
    figures, problems, _ = visited
    assert not problems, problems
    assert set(figures) == set(page_files())
    # tables, a document, an upload form (no file yet) and a list of saved scenarios: no headline figures
    reference = {"pages/prices.py", "pages/summary.py", "pages/usage.py", "pages/library.py"}
    assert all(v for k, v in figures.items() if k not in reference), "every lever page shows headline figures"


def test_scenario_link_reproduces_every_page_in_a_fresh_browser(browser, server, visited):
    figures, _, link = visited
    for key in ("requests=300000", "cache.prefixes=20", "jevons.years=5", "w.steps=12", "w.fail=20"):
        assert key in link, f"the copied link lost {key}"
    context = browser.new_context(viewport={"width": 1400, "height": 2800})  # a fresh browser: no session, no cookies
    page = context.new_page()
    for page_file, expected in figures.items():
        page.goto(f"{server}/{path_of(page_file)}?{link}")
        settled(page)
        assert headline(page) == expected, page_file
    context.close()


def test_hostile_link_shows_notice_not_error(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/caching?requests=-3&cache.prefixes=%3Cimg%20src%3Dx%3E&model=nope")
    settled(page)
    joined = " ".join(page.locator("[data-testid='stAlertContentWarning']").all_inner_texts())
    assert "requests" in joined and "cache.prefixes" in joined and "model" in joined
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("img[src='x']").count() == 0  # echoed as text, never as markup
    context.close()


def test_widget_change_updates_url_and_figures(browser, server):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(f"{server}/caching")
    settled(page)
    before = headline(page)
    box = page.locator("[data-testid='stNumberInput']").filter(has_text="Distinct prefixes").locator("input")
    box.fill("5000")
    box.press("Enter")
    page.wait_for_url("**cache.prefixes=5000**", timeout=15_000)
    settled(page)
    assert headline(page) != before

    # The chart's data downloads as CSV, and its toolbar saves a PNG named after the chart.
    with page.expect_download() as csv:
        page.get_by_role("button", name="Download chart data (CSV)").first.click()
    assert csv.value.suggested_filename == "caching-saving-vs-hit-rate.csv"
    assert csv.value.path().read_text().startswith("hit_rate,saving")
    chart = page.locator("[data-testid='stPlotlyChart']").first
    chart.hover()
    with page.expect_download() as png:
        chart.get_by_role("button", name="Download plot as a PNG").click()
    assert png.value.suggested_filename == "caching-saving-vs-hit-rate.png"
    assert png.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    context.close()


def test_presentation_mode(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    page = context.new_page()
    page.goto(f"{server}/?present=true&{SCENARIO}")
    settled(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_attribute("data-collapsed") == "true"  # collapsed for the meeting
    page.screenshot(path=str(ARTIFACTS / "presentation-overview.png"), full_page=True)
    context.close()


VERDICT = "[data-testid='stMain'] [data-testid='stAlertContentSuccess']"


def on_first_screen(page, selector: str) -> bool:
    """Whether the element is drawn inside the viewport as the page opens, with no scrolling."""
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["x"] >= 0 \
        and box["x"] + box["width"] <= size["width"]


def test_overview_answers_on_the_first_screen(browser, server):
    """A laptop (1400x1000): the bill and the top-ranked lever with its saving, without scrolling. A phone (390x844):
    the first screen is the bill, not the menu."""
    for width, height in ((1400, 1000), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(server)
        settled(page)
        page.locator(VERDICT).first.wait_for(timeout=30_000)
        text = page.locator(VERDICT).first.inner_text()
        assert "Your bill is $8,000 a month." in text and "Distillation cuts it most: $6,320 a month" in text, text
        assert on_first_screen(page, VERDICT), (width, page.locator(VERDICT).first.bounding_box())
        bill = page.locator(METRICS).first
        assert bill.inner_text() == "$8,000" and on_first_screen(page, f"{METRICS} >> nth=0")
        sidebar = page.locator("[data-testid='stSidebar']")
        assert sidebar.get_attribute("data-collapsed") == ("false" if width == 1400 else "true"), \
            "menu folds on a phone"
        page.screenshot(path=str(ARTIFACTS / f"first-screen-overview-{width}.png"))
        context.close()


def test_every_page_on_a_phone(browser, server):
    """Every page at 390 px: no error, no horizontal overflow of the main column; a full-height screenshot each."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems = []
    for page_file in page_files():
        page.goto(f"{server}/{path_of(page_file)}")
        settled(page)
        page.wait_for_selector("h1", timeout=30_000)
        if page.locator("[data-testid='stException']").count():
            problems.append(f"{page_file}: {page.locator('[data-testid=stException]').first.inner_text()[:300]}")
        overflow = page.evaluate("document.querySelector('[data-testid=stMain]').scrollWidth - 390")
        if overflow > 1:
            problems.append(f"{page_file}: the page is {overflow}px wider than the phone")
        tall = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": 390, "height": min(int(tall) + 50, 16_000)})
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / f"page-{Path(page_file).stem}-390.png"))
        page.set_viewport_size({"width": 390, "height": 844})
    context.close()
    assert not problems, problems


def test_every_chart_tab_draws_its_charts(browser, server):
    """A page's charts sit in tabs and only the open tab is drawn: opening each tab in turn draws its charts."""
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    page = context.new_page()
    page.goto(f"{server}/output_caps")
    settled(page)
    tabs = page.locator("[data-testid='stMain'] [role='tab']")
    labels = tabs.all_inner_texts()
    assert labels == ["Bill and truncation", "Tokens and latency", "Throughput", "How sure are you?"], labels
    drawn = {}
    for label in labels:
        page.get_by_role("tab", name=label).click()
        settled(page)
        charts = page.locator("[data-testid='stPlotlyChart']")
        for i in range(charts.count()):
            charts.nth(i).locator(".main-svg").first.wait_for(timeout=30_000)
        drawn[label] = charts.count()
    assert drawn == {"Bill and truncation": 2, "Tokens and latency": 2, "Throughput": 1, "How sure are you?": 1}, drawn
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()
