"""AppTest: the reasoning page runs, responds to its inputs, and survives hostile links and table edits."""
from __future__ import annotations

import pytest

from tests.apptest import errors_text, metric_value, money_value, run_page, warnings_text

PAGE = "pages/reasoning.py"
ALWAYS = "Always on, per month"
SELECTIVE = "Where it earns"


def test_default_run():
    at = run_page(PAGE)
    assert not at.exception
    assert not errors_text(at)
    always, selective = money_value(metric_value(at, ALWAYS)), money_value(metric_value(at, SELECTIVE))
    assert always > selective > 0  # on the default mix reasoning earns on some task types only
    assert "on 2 of 5 task types" in " ".join(c.value for c in at.caption)
    assert money_value(metric_value(at, "Break-even budget")) > 0
    assert len(at.get("plotly_chart")) == 3


def test_higher_effort_raises_the_always_on_bill():
    at = run_page(PAGE)
    before = money_value(metric_value(at, ALWAYS))
    at.radio(key="reason.effort").set_value("high").run()
    assert not at.exception
    assert money_value(metric_value(at, ALWAYS)) > before
    # and a bigger 'high' budget raises it again
    after_high = money_value(metric_value(at, ALWAYS))
    at.number_input(key="reason.high").set_value(40_000).run()
    assert money_value(metric_value(at, ALWAYS)) > after_high


def test_effort_none_costs_nothing_extra():
    at = run_page(PAGE, query={"reason.effort": "none"})
    assert not at.exception
    assert money_value(metric_value(at, ALWAYS)) == pytest.approx(money_value(metric_value(at, SELECTIVE)))
    assert "no reasoning tokens are billed" in " ".join(i.value for i in at.info)


def test_zero_accuracy_edit_is_flagged_not_a_crash():
    at = run_page(PAGE)
    at.session_state["reason.tasks"] = {
        "edited_rows": {0: {"Task type": "<b>Math</b> *x* $1", "Accuracy without (%)": 0.0,
                            "Accuracy with (%)": 0.0}},
        "added_rows": [], "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert "cost per correct answer is infinite" in warnings_text(at)
    assert r"\<b\>Math\</b\> \*x\* \$1" in warnings_text(at)  # a typed name is shown inert, not as markup


def test_invalid_and_empty_table():
    at = run_page(PAGE)
    at.session_state["reason.tasks"] = {
        "edited_rows": {1: {"Share of traffic (%)": None}}, "added_rows": [], "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert "Row 2 (Logic and planning)" in warnings_text(at) and "is empty" in warnings_text(at)
    assert "scaled to 100%" in warnings_text(at)  # the remaining shares add up to 90%
    at.session_state["reason.tasks"] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [0, 1, 2, 3, 4]}
    at.run()
    assert not at.exception
    assert "No valid task type" in errors_text(at)


def test_hostile_query_params_warn_and_fall_back():
    at = run_page(PAGE, query={"reason.effort": "<script>alert(1)</script>", "reason.medium": "abc",
                               "reason.high": "1e308"})
    assert not at.exception
    text = warnings_text(at)
    assert text.count("Ignored the link's value") == 3
    assert "<script>" not in text
    assert metric_value(at, "Break-even budget")  # the page still ran on the defaults


def test_hostile_query_param_breaking_a_cross_field_rule():
    at = run_page(PAGE, query={"reason.low": "50000"})  # above 'medium': stops the page with a message in words
    assert not at.exception
    assert "must not fall as effort rises" in errors_text(at)
