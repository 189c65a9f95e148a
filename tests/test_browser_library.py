"""The Scenario library in the system Chromium: save through the form, then open the saved link in a fresh tab and get
the scenario back; a hostile name is drawn as text."""
from __future__ import annotations

import os

import pytest

from tests.browser import settled, streamlit_server

pytestmark = pytest.mark.browser
HOSTILE = "<b>bold</b> **strong** '; DROP TABLE scenarios; --"


@pytest.fixture(scope="module")
def library_server(tmp_path_factory):
    """A server with its own, empty data directory (the SQLite library file is created by the first save)."""
    data = tmp_path_factory.mktemp("library-data")
    before = os.environ.get("LLM_COST_LEVERS_DATA")
    os.environ["LLM_COST_LEVERS_DATA"] = str(data)
    try:
        with streamlit_server() as base:
            yield base, data
    finally:
        if before is None:
            os.environ.pop("LLM_COST_LEVERS_DATA", None)
        else:
            os.environ["LLM_COST_LEVERS_DATA"] = before


def test_save_then_open_in_a_fresh_session(browser, library_server):
    base, data = library_server
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    page.goto(f"{base}/library?requests=2500000&in_tokens=3000")
    settled(page)
    assert not (data / "library.sqlite").exists()
    page.locator(".st-key-library-name input").fill(HOSTILE)
    page.locator(".st-key-library-note textarea").fill("<i>note</i>")
    page.locator(".st-key-library-save button").click()
    page.get_by_text("Saved as version 1.").wait_for(timeout=30_000)
    settled(page)
    assert (data / "library.sqlite").exists()
    main = page.locator("[data-testid='stMain']")
    assert main.locator("b, i, strong").count() == 0  # the name and note were not rendered as markup
    picked = main.locator(".st-key-library-pick")
    assert HOSTILE in picked.inner_text() + picked.locator("input").first.input_value()
    href = page.locator(".st-key-library-open a").first.get_attribute("href")
    assert href.startswith("./?") and "requests=2500000" in href

    fresh = context.new_page()  # a new session, as after a reload on another replica
    fresh.goto(f"{base}/{href[2:]}")
    settled(fresh)
    requests = fresh.locator("[data-testid='stSidebar'] input[aria-label='Requests per month']")
    assert requests.input_value() == "2500000"
    context.close()
