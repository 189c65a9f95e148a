"""Retry budgets page: today is the sidebar's bill, equal completed work, the preview and its offer, hostile links."""
import pytest

from tests.apptest import errors_text, metric_value, money_value, run_page, warnings_text

PAGE = "pages/retry_budgets.py"
REVIEWER = {"w.agents": "100", "w.fail": "25"}  # 10-step tasks, 1,000-token tool results, 3 attempts, half billed


def change(at) -> float:
    return money_value(metric_value(at, "Change at equal work"))


def delta(at, label) -> str:
    return next(m for m in at.metric if m.label.startswith(label)).delta


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_default_has_no_failures_and_offers_a_preview():
    at = run_page(PAGE)
    assert not at.exception and not errors_text(at)
    assert change(at) == 0 and at.session_state["_lever_savings"]["retries"] == 0
    assert "$225,168" not in " ".join(m.value for m in at.metric)  # the old private bill is gone
    assert "Your sidebar bill is **$8,000** and has no failures" in " ".join(i.value for i in at.info)
    # Preview: 10% of single calls fail, up to 3 attempts, half the output billed on a failure. A call is tried
    # 1 + 0.1 + 0.01 = 1.11 times at 2,000 x $2 + (0.9 x 400 + 0.1 x 200) x $10 = $0.0078 a try: $8,658 a month.
    assert "today $8,658" in delta(at, "Preview: Bill at equal completed work")
    assert metric_value(at, "Worst case, no budget") == "×27"
    assert "Monte Carlo mean" in captions(at)
    at.button(key="retry.use_preview").click().run()
    assert not at.exception
    assert at.sidebar.number_input(key="w.fail").value == pytest.approx(10)
    assert "today $8,658" in delta(at, "Bill at equal completed work")
    assert "never refuses a retry" in captions(at)  # at p = 10% a 10% budget refuses only above 10.09%


def test_the_reviewers_case():
    # 10-step tasks at p = 25%, 3 attempts, the SRE 10% budget: success 85.4% -> 16.2%, cost per completed task
    # $0.28 -> $0.56 (+97%, see tests/test_retries.py); the same 854,291 tasks a month complete.
    at = run_page(PAGE, REVIEWER)
    assert not at.exception
    assert metric_value(at, "Task success") == "16.2%" and delta(at, "Task success") == "today 85.4%"
    assert metric_value(at, "Cost per completed task") == "$0.56" and delta(at, "Cost per completed task") == "today $0.28"
    assert change(at) == 234_687 and delta(at, "Change at equal work") == "+97.2% of today's bill"
    assert at.session_state["_lever_savings"]["retries"] == pytest.approx(-234_687.37, abs=0.01)
    assert metric_value(at, "Budget refuses above p =") == "10.1%"
    assert "Completed tasks per month: 854,291 today and with the policy" in captions(at)
    at.toggle(key="retry.budget_on").set_value(False).run()
    assert change(at) == 0 and "the policy is the workload's own" in captions(at)
    at.number_input(key="retry.k").set_value(1).run()
    assert change(at) > 0 and metric_value(at, "Budget refuses above p =") == "never"  # no retries: restarts cost more


def test_the_cap_follows_the_workload():
    at = run_page(PAGE, {"w.fail": "20", "w.attempts": "5"})
    assert not at.exception
    assert at.number_input(key="retry.k").value == 5


def test_single_calls_a_retry_is_just_another_call():
    # One call: at equal completed work, retrying a failed call costs exactly what a new call does.
    at = run_page(PAGE, {"w.fail": "30", "retry.budget_on": "false", "retry.k": "1"})
    assert not at.exception
    assert change(at) == 0 and metric_value(at, "Task success") == "70.0%"


def test_more_layers_amplify_more():
    at = run_page(PAGE)
    at.number_input(key="retry.amp_layers").set_value(4).run()
    assert metric_value(at, "Worst case, no budget") == "×81"


def test_hostile_params_give_notices():
    at = run_page(PAGE, REVIEWER | {"retry.k": "abc", "retry.budget_on": "maybe", "retry.budget": "1e308",
                                    "retry.amp_layers": "<script>"})
    assert not at.exception
    text = warnings_text(at)
    for key in ("retry.k", "retry.budget_on", "retry.budget", "retry.amp_layers"):
        assert f"`{key}=" in text, key
    assert "<script>" not in text
    assert metric_value(at, "Task success") == "16.2%"  # defaults used instead


def test_with_several_failing_classes_the_one_the_policy_moves_is_analysed():
    at = run_page(PAGE, {"w.agents": "20", "w.steps": "12", "w.fail": "20"})
    assert not at.exception
    assert at.radio(key="retry.class").value == "Agent tasks"
    assert "**Agent tasks**: 12-step tasks" in captions(at)
    headline = change(at)
    at.radio(key="retry.class").set_value("Requests").run()
    assert "**Requests**: single calls" in captions(at) and change(at) == headline  # the bill is the workload's
