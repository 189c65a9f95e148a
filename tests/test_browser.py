"""Real browser: Playwright drives the system Chromium against `streamlit run`.

Never `playwright install`: the browser is Debian's /usr/bin/chromium. A missing browser fails in CI
(CI=true) and skips only on a developer machine without it.
"""
import os
import sys
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT, streamlit_server, wait_for_app

sys.path.insert(0, str(ROOT))
from app import page_files  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as base:
        yield base


def url_path(page_file: str) -> str:
    return Path(page_file).stem


def test_every_page_renders_without_error(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 2800})  # tall: Streamlit scrolls inside stMain
    page = context.new_page()
    problems = []
    for page_file in page_files():
        page.goto(f"{server}/{url_path(page_file)}")
        wait_for_app(page)
        page.wait_for_selector("h1", timeout=30_000)
        errors = page.locator("[data-testid='stException'], [data-testid='stAlertContentError']")
        if errors.count():
            problems.append(f"{page_file}: {errors.first.inner_text()[:300]}")
        charts = page.locator("[data-testid='stPlotlyChart']")
        for i in range(charts.count()):
            charts.nth(i).locator(".main-svg").first.wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / f"page-{url_path(page_file)}.png"), full_page=True)
    context.close()
    assert not problems, problems


def test_hostile_link_shows_notice_not_error(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/caching?requests=-3&cache.prefix=%3Cimg%20src%3Dx%3E&model=nope")
    wait_for_app(page)
    text = page.locator("[data-testid='stAlertContentWarning']").all_inner_texts()
    joined = " ".join(text)
    assert "requests" in joined and "cache.prefix" in joined and "model" in joined
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("img[src='x']").count() == 0  # echoed as text, never as markup
    context.close()


def test_widget_change_updates_url_and_figures(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/caching")
    wait_for_app(page)
    before = page.locator("[data-testid='stMain'] [data-testid='stMetricValue']").first.inner_text()
    box = page.locator("[data-testid='stNumberInput']").filter(has_text="Distinct prefixes").locator("input")
    box.fill("5000")
    box.press("Enter")
    page.wait_for_url("**cache.prefixes=5000**", timeout=15_000)
    wait_for_app(page)
    after = page.locator("[data-testid='stMain'] [data-testid='stMetricValue']").first.inner_text()
    assert after != before
    # The copied link reproduces the view in a fresh context.
    fresh = browser.new_context().new_page()
    fresh.goto(page.url)
    wait_for_app(fresh)
    assert fresh.locator("[data-testid='stMain'] [data-testid='stMetricValue']").first.inner_text() == after
    context.close()
