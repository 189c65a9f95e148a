"""Retry budgets page: interactions move the headline the right way; bad input gives a message."""
from tests.apptest import metric_value, money_value, run_page, warnings_text

PAGE = "pages/retry_budgets.py"


def per_success(at):
    return money_value(metric_value(at, "Per successful task"))


def success(at):
    return float(metric_value(at, "Task success").rstrip("%"))


def test_default_run():
    at = run_page(PAGE)
    assert not at.exception
    assert not at.error
    # Sonnet 5.5, 10 steps at 10% failure, 3 attempts: 99.0% of tasks succeed, 1M tasks a month.
    assert metric_value(at, "Task success") == "99.00%"
    assert money_value(metric_value(at, "Monthly bill")) == 225_168
    assert metric_value(at, "Worst case, no budget") == "×27"
    captions = " ".join(str(c.value) for c in at.caption)
    assert "Monte Carlo mean" in captions
    assert "trials instead of" not in captions  # the default runs the full 100,000 trials


def test_higher_failure_rate_costs_more_per_successful_task():
    at = run_page(PAGE)
    before, ok_before = per_success(at), success(at)
    at.number_input(key="retry.p").set_value(30.0).run()
    assert not at.exception
    assert per_success(at) > before
    assert success(at) < ok_before


def test_budget_cuts_success_under_a_retry_storm():
    at = run_page(PAGE, {"retry.p": "30"})
    ok_before = success(at)
    at.toggle(key="retry.budget_on").set_value(True).run()
    assert not at.exception
    assert success(at) < ok_before
    assert "refusing above p = 10.1%" in " ".join(str(c.value) for c in at.caption)


def test_more_layers_amplify_more():
    at = run_page(PAGE)
    at.number_input(key="retry.amp_layers").set_value(4).run()
    assert metric_value(at, "Worst case, no budget") == "×81"


def test_hostile_params_give_notices():
    at = run_page(PAGE, {"retry.p": "abc", "retry.k": "1e308", "retry.replay": "<script>", "retry.S": "-1",
                         "retry.budget_on": "maybe"})
    assert not at.exception
    text = warnings_text(at)
    for key in ("retry.p", "retry.k", "retry.replay", "retry.S", "retry.budget_on"):
        assert f"`{key}=" in text, key
    assert "<script>" not in text
    assert metric_value(at, "Task success") == "99.00%"  # defaults used instead


def test_out_of_range_failure_rate_is_refused():
    at = run_page(PAGE, {"retry.p": "99"})
    assert not at.exception
    assert "outside the allowed range" in warnings_text(at)


def test_small_context_window_warns():
    at = run_page(PAGE, {"model": "openai/gpt-4"})  # 8,192-token window; step 6 sends 2,000 + 5 x 1,400 = 9,000
    assert not at.exception
    assert "From step 6 the history" in warnings_text(at)


def test_history_longer_than_any_context_window_is_explained():
    at = run_page(PAGE, {"retry.steps": "50", "retry.S": "1000000", "retry.R": "100000"})
    assert not at.exception
    assert "more than any model's context window" in " ".join(e.value for e in at.error)
