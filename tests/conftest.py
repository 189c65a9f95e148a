"""Test-wide settings."""
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, streamlit_server

# Every figure the tests draw is validated by plotly (the app skips this for speed: pages/_ui/figures.py).
os.environ["LLM_COST_LEVERS_VALIDATE_FIGURES"] = "1"
# Tests never read or write the developer's own scenario library (pages/_ui/library.py): an empty data directory.
os.environ["LLM_COST_LEVERS_DATA"] = tempfile.mkdtemp(prefix="llm-cost-levers-test-data-")

# Timing-based deadlines make property tests flaky on a loaded 2-core CI machine; correctness is what they check.
# CI runs the same examples every time (derandomize), so a green main stays green; HYPOTHESIS_PROFILE=explore draws
# new ones (and more of them) to hunt for edge cases before a commit.
settings.register_profile("ci", deadline=None, max_examples=60, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def browser():
    """The system Chromium, driven by Playwright. Missing: a failure in CI (CI=true), a skip on a developer machine."""
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


@pytest.fixture(scope="session")
def server():
    """`streamlit run app.py` on a free port, shared by the browser tests of one test process."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as base:
        yield base
