"""Retry budgets page: today is the sidebar's bill, equal completed work, the preview and its offer, hostile links."""
import pytest

from calculators import retries
from calculators.workload import SimpleWorkload
from tests.apptest import (
    errors_text, headline_metrics, metric_value, money_value, open_tab, run_page, verdicts, warnings_text,
)
from tests.levers_common import CAT

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
    assert at.session_state["_lever_savings"]["retries"] == 0
    assert "$225,168" not in " ".join(m.value for m in at.metric)  # the old private bill is gone
    expected = ("No retry policy changes your $8,000 bill: it has no failures. In the preview "
                "below (10% of attempts failing), up to 3 attempts per call with a 10% retry budget would "
                "change nothing either: at the workload's failure rate the budget never refuses a retry "
                "(it starts above 10.1%).")
    assert verdicts(at) == [("idle", expected)]
    assert headline_metrics(at) == ["Change at equal work", "Bill at equal work", "Cost per completed task",
                                    "Task success"]  # the preview's, under its subheader
    assert "Your sidebar bill is **$8,000** and has no failures" in " ".join(i.value for i in at.info)
    # Preview: 10% of single calls fail, up to 3 attempts, half the output billed on a failure. A call is tried
    # 1 + 0.1 + 0.01 = 1.11 times at 2,000 x $2 + (0.9 x 400 + 0.1 x 200) x $10 = $0.0078 a try: $8,658 a month.
    assert "without the policy $8,658" in delta(at, "Bill at equal work")
    assert metric_value(at, "Worst case, no budget") == "×27"
    assert "Monte Carlo" not in captions(at)
    open_tab(at, "retry.view", "Cost per task, simulated")
    assert "Simulated tasks cost" in captions(at) and "Monte Carlo" not in captions(at)
    open_tab(at, "retry.view", "Cost and success vs failure rate")
    at.button(key="retry.use_preview").click().run()
    assert not at.exception
    assert at.sidebar.number_input(key="w.fail").value == pytest.approx(10)
    assert "today $8,658" in delta(at, "Bill at equal work")  # now the workload itself: its own today
    assert "never refuses a retry" in captions(at)  # at p = 10% a 10% budget refuses only above 10.09%


def test_the_reviewers_case():
    # 10-step tasks at p = 25%, 3 attempts, the SRE 10% budget: success 85.4% -> 16.2%, cost per completed task
    # $0.28 -> $0.56 (+97%, see tests/test_retries.py); the same 854,291 tasks a month complete.
    at = run_page(PAGE, REVIEWER)
    assert not at.exception
    assert metric_value(at, "Task success") == "16.2%" and delta(at, "Task success") == "today 85.4%"
    assert (metric_value(at, "Cost per completed task") == "$0.56"
            and delta(at, "Cost per completed task") == "today $0.28")
    assert change(at) == 234_687 and delta(at, "Change at equal work") == "+97.2% of today's bill"
    assert at.session_state["_lever_savings"]["retries"] == pytest.approx(-234_687.37, abs=0.01)
    assert metric_value(at, "Budget starts refusing retries above") == "10.1%"
    r = retries.analyse(SimpleWorkload(agent_share=1.0, failure_rate=0.25).workload(), retries.RetryPolicyInputs(), CAT)
    expected = ("At equal completed work, up to 3 attempts per call with a 10% retry budget costs "
                f"${r.change:,.0f} a month more ({r.change / r.today.total * 100:.1f}% of the bill): task "
                "success falls from 85.4% to 16.2%, so it starts 5.29x the tasks.")
    assert verdicts(at) == [("costs", expected)]
    assert "costs $234,687 a month more (97.2% of the bill)" in verdicts(at)[0][1]
    assert len(headline_metrics(at)) == 4
    assert "Completed tasks per month: 854,291 today and with the policy" in captions(at)
    at.toggle(key="retry.budget_on").set_value(False).run()
    assert change(at) == 0 and "the policy is the workload's own" in captions(at)
    expected = ("Up to 3 attempts per call with no retry budget changes nothing here: the policy "
                "is the workload's own.")
    assert verdicts(at) == [("idle", expected)]
    at.number_input(key="retry.k").set_value(1).run()
    # No retries: a step succeeds 75% of the time and a task 0.75^10 = 5.63%, against (0.75 x 1.3125)^10 = 85.4%
    # today: equal work would start 15.2 times the tasks, beyond the 10x the lever books. It says so and books $0.
    assert change(at) == 0 and delta(at, "Change at equal work") == "not booked: equal work out of reach"
    assert "this policy would have to start **15 times as many tasks** (5.6% would complete)" in warnings_text(at)
    expected = ("Not booked: to complete what **Agent tasks** completes today, up to 1 attempt per "
                "call with no retry budget would have to start 15 times as many tasks, so the page books "
                "$0. Bring the failure rate down first.")
    assert verdicts(at) == [("idle", expected)]
    at.number_input(key="retry.k").set_value(2).run()
    # Two attempts: a step succeeds 0.75 x 1.25 = 93.75%, a task 52.4%: 1.63x the tasks, booked.
    assert change(at) > 0 and metric_value(at, "Task success") == "52.4%"


def test_more_attempts_without_a_budget_save_at_equal_work():
    at = run_page(PAGE, REVIEWER | {"retry.budget_on": "false", "retry.k": "5"})
    assert not at.exception
    x = retries.RetryPolicyInputs(max_attempts=5, budget_on=False)
    r = retries.analyse(SimpleWorkload(agent_share=1.0, failure_rate=0.25).workload(), x, CAT)
    assert r.saving > 0  # success 85.4% -> 99.0%: 0.863x the tasks complete the same work
    expected = ("At equal completed work, up to 5 attempts per call with no retry budget saves "
                f"${r.saving:,.0f} a month ({r.saving_share * 100:.1f}% of the bill): task success rises "
                "from 85.4% to 99.0%, so it starts 0.863x the tasks.")
    assert verdicts(at) == [("saves", expected)]


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


def test_a_workload_that_completes_almost_nothing_books_no_eight_figure_bill():
    """The reviewer's `?w.agents=100&w.fail=95`: 10-step tasks where each attempt fails 95% of the time. Today a step
    succeeds 0.05 x (1 + 0.95 + 0.9025) = 14.26% of the time and a task 0.1426^10 = 1 in 287,106,765. The 10% budget
    caps retries near x* = 0.1 (x + x^2 = 1/9): a step succeeds 0.05 x 1.1111 = 5.56%, a task 1 in 3.6e12. Equal work
    would start 12,436 times the tasks: a $91.7M bill for a $21,844 workload, which the page showed as a change of
    +419,487%. Now it books nothing and says why, on the page and on the Overview's bar."""
    link = {"w.agents": "100", "w.fail": "95"}
    at = run_page(PAGE, link)
    assert not at.exception
    assert change(at) == 0 and at.session_state["_lever_savings"]["retries"] == 0
    assert delta(at, "Change at equal work") == "not booked: equal work out of reach"
    assert metric_value(at, "Bill it would take") == "$91,656,525"
    assert metric_value(at, "Task success") == "1 in 3,570,467,226,624"
    assert delta(at, "Task success") == "today 1 in 287,106,765"
    text = warnings_text(at)
    assert "**Not booked.**" in text and "**12,436 times as many tasks**" in text
    assert "**Agent tasks** completes only 1 in 287,106,765 of its tasks" in text
    overview = run_page("pages/overview.py", link | {"bill.levers": "Retry budget"})
    assert not overview.exception
    assert overview.session_state["_overview_bars"] == {"retries": 0}
    assert metric_value(overview, "Bill after the levers") == "$21,844"
    table = next(d.value for d in overview.dataframe if "bill after" in d.value.columns)
    assert "it cannot apply here (to complete what 'Agent tasks' completes today" in table["key assumption"].iloc[0]


def test_a_large_factor_within_reach_is_booked_with_a_warning_and_a_caveat():
    # p = 30%, 10-step agent tasks: today 76.1% complete; the 10% budget drops that to 8.1%: equal work starts
    # 0.761 / 0.081 = 9.39 times the tasks, within the 10x the lever books. The page and the bar say so.
    link = {"w.agents": "100", "w.fail": "30"}
    at = run_page(PAGE, link)
    assert not at.exception
    assert metric_value(at, "Task success") == "8.1%" and delta(at, "Task success") == "today 76.1%"
    assert "Equal completed work starts **9.39x** the tasks of **Agent tasks**" in warnings_text(at)
    overview = run_page("pages/overview.py", link | {"bill.levers": "Retry budget"})
    bar = overview.session_state["_overview_bars"]["retries"]
    assert bar == pytest.approx(at.session_state["_lever_savings"]["retries"], abs=0.005)
    table = next(d.value for d in overview.dataframe if "bill after" in d.value.columns)
    assert "⚠ equal completed work starts 9.4x the tasks of 'Agent tasks'" in table["key assumption"].iloc[0]


def test_a_budget_that_costs_nothing_but_fails_tasks_says_so():
    """Finance review: 20% of attempts failing, each attempt independent and billed alike, so at equal completed work
    the 10% budget leaves the bill at $9,845.60 (failures per success stay 0.2/0.8 however attempts group into tasks)
    while task success falls from 99.2% (1 - 0.2^3) to 88.9%: the verdict must not read as 'no effect'."""
    link = {"requests": "200000", "in_tokens": "5000", "out_tokens": "300", "w.reasoning": "3000", "w.fail": "20",
            "w.prefix": "90"}
    at = run_page("pages/retry_budgets.py", link)
    assert not at.exception
    (box,) = [b for b in at.info if b.value.startswith("At equal completed work")]
    assert "changes the bill by less than a cent, but task success falls from 99.2% to 88.9%" in box.value
    assert "users see more failed tasks at the same cost per completed task" in box.value


def test_a_previews_share_is_of_the_previews_bill_not_todays():
    """Agent tasks without failures: the sidebar bills $47,600; the preview (10% of attempts failing) bills $51,960
    without the policy, and a 1% budget costs $18,892 more at equal work: 36.4% of the preview's bill
    (18,892 / 51,960), not of today's (18,892 / 47,600 would be 39.7%)."""
    at = run_page(PAGE, {"w.agents": "20", "retry.budget": "1"})
    assert not at.exception
    assert at.sidebar.metric[0].value == "$47,600/month"
    assert "without the policy $51,960" in delta(at, "Bill at equal work")
    assert change(at) == 18_892 and delta(at, "Change at equal work") == "+36.4% of the preview's bill"
    ((tone, text),) = verdicts(at)
    assert "would cost $18,892 a month more (36.4% of the preview's bill)" in text
