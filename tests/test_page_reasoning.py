"""AppTest: the reasoning page's today is the sidebar's bill; a workload without reasoning gets a labelled preview
and an offer; values typed in another currency are converted; hostile links and table edits never crash it."""
from __future__ import annotations

import json

import pytest

from calculators import reasoning
from calculators.reasoning import PreviewInputs, ReasoningInputs
from calculators.workload import SimpleWorkload
from tests.apptest import (
    charts_by_tab, errors_text, headline_metrics, metric_value, money_value, opening_box, run_page, verdicts,
    warnings_text,
)
from tests.levers_common import CAT

PAGE = "pages/reasoning.py"
REASONING = {"w.reasoning": "4000"}  # the default workload with 4,000 reasoning tokens a request: $48,000


def saving(at) -> float:
    return at.session_state["_lever_savings"]["reasoning"]


def task_editor(at) -> str:
    """The task table's editor key (it carries the currency: a switch restarts the editor from the link's USD rows)."""
    return next(e.key for e in at.data_editor if e.key.startswith("reason.tasks"))


def test_the_verdict_says_nothing_to_cut_and_what_the_preview_would_save():
    budget = PreviewInputs().budget
    r = reasoning.evaluate(SimpleWorkload(reasoning_tokens=budget).workload(), ReasoningInputs(), CAT)
    expected = (f"Your workload bills no reasoning tokens, so this lever saves $0 today; on the preview below "
                f"({budget:,} reasoning tokens a request), reasoning only where it earns its cost would save "
                f"${r.saving:,.0f} a month.")
    assert "(4,000 reasoning tokens a request)" in expected and "save $32,000 a month" in expected
    at = run_page(PAGE)
    assert verdicts(at) == [("idle", expected)]
    assert opening_box(at)[2] == expected
    assert len(headline_metrics(at)) <= 4


def test_a_workload_that_reasons_gets_a_saving_verdict():
    w = SimpleWorkload(reasoning_tokens=4_000).workload()
    r = reasoning.evaluate(w, ReasoningInputs(), CAT)
    at = run_page(PAGE, REASONING)
    assert verdicts(at) == [("saves", f"Keeping reasoning only on the 2 of 5 task types where it earns its cost saves "
                                      f"${r.saving:,.0f} a month ({r.saving_share:.0%}).")]
    assert f"${r.saving:,.0f}" == "$32,000" and len(headline_metrics(at)) <= 4


def test_reasoning_that_earns_everywhere_is_kept_and_the_verdict_says_so():
    at = run_page(PAGE, {"w.reasoning": "100"})  # $0.001 a request
    # Keep only math and logic: +14 and +12 points at $0.50 a correct answer earn $0.07 and $0.06 a request.
    at.session_state[task_editor(at)] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [2, 3, 4]}
    at.run()
    assert not at.exception and saving(at) == 0
    assert verdicts(at) == [("idle", "Reasoning earns its cost on every task type at 100 tokens a request, so this "
                                     "lever keeps it all and saves $0.")]


def test_default_workload_has_no_reasoning_and_gets_a_preview():
    at = run_page(PAGE)
    assert not at.exception
    assert not errors_text(at)
    assert any("analysis runs on a **preview**" in i.value for i in at.info)
    assert saving(at) == 0 and metric_value(at, "Monthly saving") == "$0"
    # The preview: 4,000 tokens ('medium'): $48,000 always on, $16,000 only where it earns (tests/test_reasoning.py).
    assert money_value(metric_value(at, "Preview: bill")) == 48_000
    assert "4,000 reasoning tokens; today $8,000" in next(m.delta for m in at.metric if m.label == "Preview: bill")
    assert money_value(metric_value(at, "Preview: saving")) == 32_000
    assert metric_value(at, "Always-on pays up to") == "1,390"
    assert any(c.value.startswith("Preview: reasoning earns its cost on 2 of 5 task types") for c in at.caption)
    assert charts_by_tab(at, "reason.view") == {"Net gain vs reasoning tokens": 1, "Bill by policy": 1,
                                                "Cost per correct answer": 1, "How sure are you?": 0}


def test_the_preview_budget_can_be_put_into_the_workload():
    at = run_page(PAGE)
    at.radio(key="reason.effort").set_value("high").run()
    assert money_value(metric_value(at, "Preview: bill")) == 168_000  # 8,000 + 16,000 x $10/M x 1M
    at.button(key="reason.use_budget").click().run()
    assert not at.exception
    assert at.sidebar.number_input(key="w.reasoning").value == 16_000
    assert not any("no reasoning tokens" in i.value for i in at.info)
    assert money_value(metric_value(at, "Bill where it earns")) > 0
    assert "today $168,000" in next(m.delta for m in at.metric if m.label == "Bill where it earns")
    # At 16,000 tokens reasoning costs $0.16 a request: more than any type's uplift x value ($0.07 at most), so the
    # lever drops all of it.
    assert saving(at) == pytest.approx(160_000)


def test_workload_with_reasoning_saves_the_hand_computed_amount():
    at = run_page(PAGE, REASONING)
    assert not at.exception
    assert money_value(metric_value(at, "Monthly saving")) == 32_000 == pytest.approx(saving(at))
    assert money_value(metric_value(at, "Reasoning in today's bill")) == 40_000
    assert "today $48,000" in next(m.delta for m in at.metric if m.label == "Bill where it earns")


def test_break_even_budget_is_the_same_in_yen():
    """The reviewer's currency case: in JPY at 150 per USD the break-even became 9 tokens instead of 1,390, because
    values typed in yen were read as dollars. Values are converted at the widget, so tokens do not move."""
    usd = run_page(PAGE, REASONING)
    yen = run_page(PAGE, REASONING | {"currency": "JPY", "fx": "150"})
    assert not yen.exception and not errors_text(yen)
    assert metric_value(yen, "Always-on pays up to") == metric_value(usd, "Always-on pays up to") == "1,390"
    assert saving(yen) == pytest.approx(saving(usd))
    assert metric_value(yen, "Monthly saving") == "¥4,800,000"  # $32,000 x 150
    table = next(d.value for d in yen.dataframe if "Task type" in d.value.columns)
    assert table["Value of a correct answer (JPY)"].tolist() == pytest.approx([75, 75, 15, 30, 15])


def test_zero_accuracy_edit_is_flagged_not_a_crash():
    at = run_page(PAGE, REASONING)
    at.session_state[task_editor(at)] = {
        "edited_rows": {0: {"Task type": "<b>Math</b> *x* $1", "Accuracy without (%)": 0.0,
                            "Accuracy with (%)": 0.0}},
        "added_rows": [], "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert "cost per correct answer is infinite" in warnings_text(at)
    assert r"\<b\>Math\</b\> \*x\* \$1" in warnings_text(at)  # a typed name is shown inert, not as markup


def test_a_higher_value_keeps_more_reasoning():
    at = run_page(PAGE, REASONING)
    at.session_state[task_editor(at)] = {"edited_rows": {2: {"Value of a correct answer (USD)": 10.0}},
                                        "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    # Classification (40% of traffic) now earns +1 point x $10 = $0.10 > $0.04: it keeps its reasoning.
    assert saving(at) == pytest.approx(32_000 - 0.4 * 40_000)


def test_invalid_and_empty_table():
    at = run_page(PAGE)
    at.session_state[task_editor(at)] = {
        "edited_rows": {1: {"Share of traffic (%)": None}}, "added_rows": [], "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert "Row 2 (Logic and planning)" in warnings_text(at) and "is empty" in warnings_text(at)
    assert "scaled to 100%" in warnings_text(at)  # the remaining shares add up to 90%
    at.session_state[task_editor(at)] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [0, 1, 2, 3, 4]}
    at.run()
    assert not at.exception
    assert "No valid task type" in errors_text(at)


def test_hostile_query_params_warn_and_fall_back():
    at = run_page(PAGE, {"reason.effort": "<script>alert(1)</script>", "reason.tasks": "[{\"name\": 5}]"})
    assert not at.exception
    text = warnings_text(at)
    assert "`reason.effort=" in text and "`reason.tasks`" in text
    assert "<script>" not in text
    assert metric_value(at, "Always-on pays up to") == "1,390"  # the page still ran on the defaults


def test_no_requests_says_so_instead_of_crashing():
    """The reviewer's case: a custom table whose only class has 0 requests crashed with KeyError 'keeps reasoning'."""
    zero = json.dumps([{"name": "A", "requests_per_month": 0, "model_key": "anthropic/claude-sonnet-5-5",
                        "prefix_tokens": 1500, "other_input_tokens": 500, "output_tokens": 400,
                        "reasoning_tokens": 2000}])
    at = run_page(PAGE, {"w.classes": zero})
    assert not at.exception and not errors_text(at)
    assert verdicts(at) == [("idle", "Your workload has no requests a month, so there is no reasoning to cut: this "
                                     "lever saves $0.")]
    assert saving(at) == 0
    overview = run_page("pages/overview.py", {"w.classes": zero, "bill.levers": "Reasoning only where it earns"})
    assert not overview.exception and overview.session_state["_overview_bars"] == {"reasoning": 0}


def test_an_unpriced_model_is_named_and_never_free():
    rows = json.dumps([
        {"name": "Known", "requests_per_month": 100000, "model_key": "anthropic/claude-sonnet-5-5",
         "other_input_tokens": 2000, "output_tokens": 400, "reasoning_tokens": 2000},
        {"name": "Mystery", "requests_per_month": 900000, "model_key": "acme/secret-model-9",
         "other_input_tokens": 2000, "output_tokens": 400, "reasoning_tokens": 2000}])
    at = run_page(PAGE, {"w.classes": rows})
    assert not at.exception
    assert "their reasoning is not free, its cost is unknown): **Mystery**" in warnings_text(at)
    # Known alone: 80% of 100,000 requests stop reasoning, 2,000 tokens x $10/MTok = $0.02 each: $1,600.
    assert saving(at) == pytest.approx(1_600)
    assert "Mystery" not in set(next(d.value for d in at.dataframe if "call class" in d.value.columns)["call class"])
    only = json.dumps([json.loads(rows)[1]])
    at = run_page(PAGE, {"w.classes": only})
    assert not at.exception and saving(at) == 0
    assert "nothing priced to weigh" in next(m.delta for m in at.metric if m.label == "Monthly saving")
    assert [tone for tone, _ in verdicts(at)] == ["idle"]
