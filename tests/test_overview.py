"""The bill builder: each lever's figure equals its page's for the same link; the waterfall is honest."""
import pytest

from pages._ui.levers import LEVERS
from tests.apptest import metric_value, money_value, run_page

LABEL = {lever.name: lever.label for lever in LEVERS}  # the multiselect's URL holds the labels

# A link with non-default settings for every lever the Overview can price.
LINK = {
    "requests": "400000", "model": "anthropic/claude-sonnet-5-5", "in_tokens": "3000", "out_tokens": "500",
    "cache.prefixes": "30", "cache.ttl": "1-hour TTL",
    "cap.max_tokens": "900", "cap.redo": "20",
    "sp.trim": "40",
    "reason.effort": "high",
    "distil.quality": "90", "distil.examples": "50000",
    "agents.steps": "15", "agents.cache": "true",
    "retry.budget_on": "true", "retry.p": "25",
    "pipe.rewrite": "20000",
    "rs.bar": "85", "rt.mode": "cascade", "rt.simple_share": "60",
}
LEVER_PAGES = {
    "caching": "pages/caching.py", "output_caps": "pages/output_caps.py", "system_prompt": "pages/system_prompt.py",
    "reasoning": "pages/reasoning.py", "distillation": "pages/distillation.py", "agent_loops": "pages/agent_loops.py",
    "retries": "pages/retry_budgets.py", "pipeline": "pages/pipeline.py",
    "right_sizing": "pages/right_sizing.py", "routing": "pages/routing.py",
}


@pytest.mark.parametrize("lever", list(LEVER_PAGES))
def test_overview_lever_equals_its_page(lever):
    page = run_page(LEVER_PAGES[lever], LINK)
    assert not page.exception
    own = page.session_state["_lever_savings"][lever]
    overview = run_page("pages/overview.py", LINK | {"bill.levers": LABEL[lever]})
    assert not overview.exception
    mine = overview.session_state["_overview_savings"][lever]
    assert mine.share == pytest.approx(own.share, rel=1e-9, abs=1e-12)
    assert mine.assumption == own.assumption
    # Alone, the lever's saving is its share of today's bill.
    today = money_value(metric_value(overview, "Today's bill"))
    saving = money_value(metric_value(overview, "Monthly saving"))
    assert saving == pytest.approx(today * own.share, abs=1.0)


def test_caching_alone_matches_the_page_in_dollars():
    page = run_page("pages/caching.py", LINK)
    overview = run_page("pages/overview.py", LINK | {"bill.levers": LABEL["caching"]})
    assert metric_value(overview, "Monthly saving") == metric_value(page, "Monthly saving")


def test_all_levers_off_leaves_the_bill():
    at = run_page("pages/overview.py", {"bill.levers": "nothing"})
    assert not at.exception
    at.multiselect(key="bill.levers").set_value([]).run()
    assert metric_value(at, "Optimised bill") == metric_value(at, "Today's bill")
    assert metric_value(at, "Monthly saving") == "$0"


def test_every_lever_on_compounds_below_the_bill():
    at = run_page("pages/overview.py", LINK)
    at.multiselect(key="bill.levers").set_value(list(LEVER_PAGES)).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "monthly saving" in d.value.columns)
    today = money_value(metric_value(at, "Today's bill"))
    optimised = money_value(metric_value(at, "Optimised bill"))
    assert table["monthly saving"].sum() == pytest.approx(today - optimised, abs=1.0)
    assert 0 <= optimised <= today
    assert list(table["bill after"])[-1] == pytest.approx(optimised, abs=1.0)
