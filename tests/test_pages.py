"""Every page, through the real router: default run, hostile URLs, the sidebar workload."""
import sys

import pytest

from tests.apptest import ROOT, charts_by_tab, errors_text, metric_value, money_value, run_page, warnings_text

sys.path.insert(0, str(ROOT))
from app import DEFAULT_PAGE, PAGE_TABLE, page_files  # noqa: E402

PAGES = page_files()

HOSTILE = {
    "requests": "-5",
    "model": "<script>alert(1)</script>",
    "in_tokens": "1e308",
    "out_tokens": "NaN",
}


def test_every_registered_page_exists():
    listed = [f for section in PAGE_TABLE.values() for f, *_ in section]
    assert PAGES == listed and all((ROOT / f).exists() for f in listed)
    assert DEFAULT_PAGE in PAGES


# Each page's chart tabs (layout.chart_tabs): only the open tab is drawn, so each tab is opened in a test.
CHART_TABS = {  # page: the keys of its groups of chart tabs, in page order
    "pages/overview.py": ("overview.view", "overview.builder"), "pages/caching.py": ("cache.view",),
    "pages/output_caps.py": ("cap.view",), "pages/system_prompt.py": ("sp.view",),
    "pages/right_sizing.py": ("rs.view",), "pages/routing.py": ("rt.view",), "pages/reasoning.py": ("reason.view",),
    "pages/distillation.py": ("ds.view",), "pages/batch.py": ("batch.view",), "pages/agent_loops.py": ("agents.view",),
    "pages/retry_budgets.py": ("retry.view",), "pages/pipeline.py": ("pipe.view",), "pages/jevons.py": ("jevons.view",),
}
# Their own tests (tests/test_page_*.py) count the charts in every tab.
COUNTED_ON_THEIR_PAGE = {"pages/right_sizing.py", "pages/routing.py", "pages/reasoning.py", "pages/distillation.py",
                         "pages/agent_loops.py"}


@pytest.mark.parametrize("page", PAGES)
def test_default_run_has_no_exception(page):
    at = run_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert not errors_text(at), errors_text(at)
    assert at.title, "every page has a title"
    assert bool(at.tabs) == (page in CHART_TABS), "a page with chart tabs is listed in CHART_TABS (and only such)"


@pytest.mark.parametrize("page", PAGES)
def test_hostile_query_params_never_raise(page):
    junk = {f"{k}": v for k, v in HOSTILE.items()} | {"x": "%00", "prices.sort": "'; DROP TABLE"}
    at = run_page(page, junk)
    assert not at.exception, [e.value for e in at.exception]


def test_hostile_workload_gives_notices_and_defaults():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update(HOSTILE)
    at.run()
    assert not at.exception
    notices = warnings_text(at)
    for key in HOSTILE:
        assert f"`{key}=" in notices, key
    assert "<script>" not in notices  # echoed safely
    assert at.sidebar.number_input(key="requests").value == 1_000_000
    assert at.sidebar.selectbox(key="model").value == "anthropic/claude-sonnet-5-5"


def test_workload_from_url_reaches_the_page():
    at = run_page("pages/caching.py", {"requests": "2000000", "model": "openai/gpt-4o", "w.hit": "0"})
    assert not at.exception
    # gpt-4o: 2M x (2,000 x $2.50 + 400 x $10) / 1M = $18,000 today; caching the 1,500-token prefix at 100% hits
    # reads it at $1.25 instead of $2.50: 2M x 1,500 x $1.25 / 1M = $3,750 saved.
    assert money_value(metric_value(at, "Monthly saving")) == 3_750
    assert "today $18,000" in [m for m in at.metric if m.label == "Bill with caching"][0].delta


def test_broken_overrides_file_keeps_the_app_running(tmp_path, monkeypatch):
    bad = tmp_path / "overrides.toml"
    bad.write_text('[[model]]\nprovider = "x"\nmodel = "y"\ninput_mtok = "free"\n')
    monkeypatch.setenv("LLM_COST_LEVERS_PRICE_OVERRIDES", str(bad))
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    message = errors_text(at)
    from pages._ui.layout import plain

    assert plain(str(bad)) in message and plain("input_mtok") in message and "entry 1" in message
    assert at.metric  # the page still computed its figures on bundled prices


@pytest.mark.parametrize("page", PAGES)
def test_presentation_mode_and_another_currency(page):
    """Every page in meeting mode, in euros with a discount: headline first, no error."""
    at = run_page(page, {"present": "true", "currency": "EUR", "fx": "0.92", "fx_date": "2026-11-20",
                         "discount": "15"})
    assert not at.exception, [e.value for e in at.exception]
    assert not errors_text(at), errors_text(at)
    assert all("$" not in m.value for m in at.metric), [m.value for m in at.metric if "$" in m.value]


def test_a_model_label_that_changed_under_the_browser_keeps_the_model():
    """The browser sends a select box's label, not its option. When a price entry renames a model between two reruns
    (a team price or an override with a `name`), the old label no longer maps to an option: the picker must keep the
    model it had, never hand the label on as a model key."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    bill = metric_value(at, "Monthly bill")
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    box = at.sidebar.selectbox(key="model")

    class StaleLabel(type(box)):  # what the browser sends: the label it showed before the rename
        @property
        def _widget_state(self) -> WidgetState:
            return WidgetState(id=self.id, string_value="Anthropic · a label that is gone")

    box.__class__ = StaleLabel
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="model").value == "anthropic/claude-sonnet-5-5"
    assert metric_value(at, "Monthly bill") == bill
    at.run()
    assert not at.exception and at.sidebar.selectbox(key="model").value == "anthropic/claude-sonnet-5-5"



@pytest.mark.parametrize("page", [p for p in CHART_TABS if p not in COUNTED_ON_THEIR_PAGE])
def test_every_chart_tab_opens_and_draws(page):
    """Every tab of a page's chart tabs runs clean, and each tab of charts (all but the ranges tab, whose tornado needs
    an input with a range) draws at least one. (The pages in COUNTED_ON_THEIR_PAGE count them in their own tests.)"""
    from pages._ui.layout import SURE_TAB

    at = run_page(page)
    for key in CHART_TABS[page]:
        counts = charts_by_tab(at, key)
        assert not errors_text(at), errors_text(at)
        assert all(n >= 1 for label, n in counts.items() if label != SURE_TAB), counts
    assert list(counts)[-1] == SURE_TAB, "a page's ranges come last"
