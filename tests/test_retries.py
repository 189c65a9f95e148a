"""Retry budgets: hand-computed cases, closed forms, Monte Carlo agreement and properties."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from calculators import retries
from calculators.prices import ModelPrices, TieredRate, build_catalogue
from calculators.retries import AmplificationInputs, Policy, RetryInputs

# $1/MTok input, $10/MTok output, no tiers: easy to compute by hand.
SIMPLE = ModelPrices(provider_id="test", provider_name="Test", model_id="m", model_name="M",
                     input=TieredRate(base=1.0), output=TieredRate(base=10.0), source="test", source_date="2026-11")
FREE = SIMPLE.model_copy(update={"input": TieredRate(base=0.0), "output": TieredRate(base=0.0)})
SONNET = build_catalogue().get("anthropic/claude-sonnet-5-5")


def inputs(**kw):
    return RetryInputs(**kw)


def test_one_step_by_hand():
    x = inputs(steps=1, prompt_tokens=1_000, output_tokens=100, tool_tokens=0, failure_rate=0.5, max_attempts=2,
               failed_output_share=0.5)
    r = retries.evaluate(x, SIMPLE)
    # Success: 1,000 x $1/M + 100 x $10/M = $0.002. Failure: $0.001 + 50 x $10/M = $0.0015.
    # First try: 0.5 x 0.002 + 0.5 x 0.0015 = 0.00175; a retry happens half the time and costs the same on average.
    assert r.clean_cost == pytest.approx(0.002)
    assert r.expected_cost == pytest.approx(0.00175 * 1.5)
    assert r.success == pytest.approx(0.75)  # 1 - 0.5^2
    assert r.cost_per_success == pytest.approx(0.0035)
    assert r.multiplier == pytest.approx(1.75)
    assert r.requests_per_task == pytest.approx(1.5)
    assert r.retry_share == pytest.approx(0.5 / 1.5)
    assert r.monthly_cost == pytest.approx(0.002625 * 1_000_000)  # default 1M tasks a month
    assert r.overhead == pytest.approx(0.002625 / 0.002 - 1)


def test_history_grows_and_a_failed_step_stops_the_task():
    x = inputs(steps=2, prompt_tokens=1_000, output_tokens=100, tool_tokens=900, failure_rate=0.5, max_attempts=1,
               failed_output_share=0.0)
    r = retries.evaluate(x, SIMPLE)
    # Step 1 sends 1,000 tokens, step 2 sends 1,000 + 100 + 900 = 2,000.
    # Clean: $0.002 + $0.003 = $0.005. Step 1 expected: 0.5 x 0.002 + 0.5 x 0.001 = 0.0015.
    # Step 2 runs half the time: 0.5 x (0.5 x 0.003 + 0.5 x 0.002) = 0.00125. Total 0.00275; success 0.25.
    assert r.clean_cost == pytest.approx(0.005)
    assert r.expected_cost == pytest.approx(0.00275)
    assert r.success == pytest.approx(0.25)
    assert r.multiplier == pytest.approx(0.011 / 0.005)


def test_step_only_retries_are_cheaper_than_full_replays():
    full = retries.evaluate(inputs(replay="full history", failure_rate=0.2), SONNET)
    step = retries.evaluate(inputs(replay="step only", failure_rate=0.2), SONNET)
    assert step.expected_cost < full.expected_cost
    assert step.success == pytest.approx(full.success)
    # Retry contexts: step i >= 1 re-sends S + R only.
    costs = retries.step_costs(inputs(replay="step only", steps=3), SONNET)
    assert list(costs.retry_context) == [2_000, 3_000, 3_000]
    assert list(costs.context) == [2_000, 3_400, 4_800]


def test_budget_threshold_closed_form():
    # 3 attempts, 10% budget: retries/first = x + x^2 must not exceed 0.1/0.9, so x* = (-1 + sqrt(1 + 4/9)) / 2.
    assert retries.budget_threshold(3, 0.10) == pytest.approx((-1 + math.sqrt(13 / 9)) / 2, abs=1e-12)
    assert retries.budget_threshold(2, 0.10) == pytest.approx(1 / 9)  # x = 0.1/0.9
    assert retries.budget_threshold(3, None) == 1.0
    assert retries.budget_threshold(1, 0.10) == 1.0
    assert retries.budget_threshold(2, 0.5) == 1.0  # 1 retry per first try is already 50% of requests
    assert retries.budget_threshold(3, 0.0) == 0.0


def test_budget_caps_the_retry_share():
    x = inputs(failure_rate=0.6, budget_on=True, budget=0.10)
    r = retries.evaluate(x, SONNET)
    assert r.retry_share == pytest.approx(0.10)
    assert r.admitted < 1
    assert r.budget_binds_at == pytest.approx(retries.budget_threshold(3, 0.10))
    # Below the threshold the budget admits every retry and changes nothing.
    low = inputs(failure_rate=0.05, budget_on=True)
    assert retries.evaluate(low, SONNET).expected_cost == pytest.approx(
        retries.evaluate(inputs(failure_rate=0.05), SONNET).expected_cost)


def test_budget_loses_money_per_successful_task():
    """The budget protects the API from a retry storm; per finished task it costs more, since refused
    retries turn into failed tasks whose spend is wasted."""
    without = retries.evaluate(inputs(failure_rate=0.3), SONNET)
    with_budget = retries.evaluate(inputs(failure_rate=0.3, budget_on=True), SONNET)
    assert with_budget.cost_per_success > without.cost_per_success
    assert with_budget.success < without.success
    assert with_budget.requests_per_task < without.requests_per_task


def test_restarts_buy_success_not_cheaper_successes():
    once = retries.evaluate(inputs(failure_rate=0.2, max_attempts=1), SONNET)
    thrice = retries.evaluate(inputs(failure_rate=0.2, max_attempts=1, restarts=2), SONNET)
    assert thrice.success == pytest.approx(1 - (1 - once.success) ** 3)
    assert thrice.cost_per_success == pytest.approx(once.cost_per_success)
    assert thrice.expected_cost > once.expected_cost


def test_no_failures_is_the_clean_task():
    r = retries.evaluate(inputs(failure_rate=0.0, restarts=3, budget_on=True), SONNET)
    assert r.expected_cost == pytest.approx(r.clean_cost)
    assert r.success == 1.0 and r.multiplier == pytest.approx(1.0)
    assert r.requests_per_task == pytest.approx(10)
    # Sonnet 5.5 ($2 in, $10 out): step i sends 2,000 + 1,400 i tokens and writes 400.
    assert r.clean_cost == pytest.approx(sum((2_000 + 1_400 * i) * 2e-6 + 400 * 10e-6 for i in range(10)))


def test_doubling_point_is_solved_exactly():
    x = inputs()
    r = retries.evaluate(x, SONNET)
    at = x.model_copy(update={"failure_rate": r.doubles_at})
    assert retries.evaluate(at, SONNET).multiplier == pytest.approx(2.0, abs=1e-9)


def test_free_model_does_not_crash():
    r = retries.evaluate(inputs(), FREE)
    assert r.clean_cost == 0 and r.multiplier is None and r.doubles_at is None
    assert retries.policy_curves(inputs(), FREE).shape[0] > 0


def test_context_longer_than_any_window_is_refused():
    with pytest.raises(ValidationError, match="context window"):
        inputs(steps=50, prompt_tokens=1_000_000, tool_tokens=100_000)


def test_context_overflow_is_flagged():
    small = SONNET.model_copy(update={"context_window": 10_000})
    r = retries.evaluate(inputs(), small)
    # Step i sends 2,000 + 1,400 i tokens: step 7 (i = 6) sends 10,400 > 10,000.
    assert r.overflow_step == 7


# --- Monte Carlo ----------------------------------------------------------------------------

SETTINGS = [
    dict(),
    dict(failure_rate=0.3, replay="step only"),
    dict(failure_rate=0.3, budget_on=True, budget=0.10),
    dict(failure_rate=0.2, restarts=2, max_attempts=2, failed_output_share=0.0),
    dict(steps=30, failure_rate=0.05, max_attempts=5),
    dict(steps=5, failure_rate=0.9, max_attempts=4, restarts=1, budget_on=True, budget=0.25),
]


@pytest.mark.parametrize("kw", SETTINGS)
def test_monte_carlo_mean_matches_closed_form(kw):
    x = inputs(**kw)
    r = retries.evaluate(x, SONNET)
    sim = retries.simulate(x, SONNET, trials=40_000, seed=7)
    assert abs(sim.mean - r.expected_cost) < 4 * sim.standard_error
    assert abs(sim.success_rate - r.success) < 4 * math.sqrt(r.success * (1 - r.success) / sim.trials) + 1e-9
    assert sim.requests.mean() == pytest.approx(r.requests_per_task, rel=0.02)


def test_fixed_seed_gives_identical_results():
    x = inputs(failure_rate=0.2, restarts=1)
    a = retries.simulate(x, SONNET, trials=20_000, seed=3)
    b = retries.simulate(x, SONNET, trials=20_000, seed=3)
    c = retries.simulate(x, SONNET, trials=20_000, seed=4)
    assert np.array_equal(a.cost, b.cost) and np.array_equal(a.success, b.success)
    assert not np.array_equal(a.cost, c.cost)


def test_default_runs_100k_trials_and_summarises():
    x = inputs()
    assert retries.trials_for(x, SONNET) == retries.DEFAULT_TRIALS
    s = retries.simulate(x, SONNET).summary()
    assert s.trials == 100_000
    assert s.p50 <= s.p95 <= s.p99
    assert s.histogram[["succeeded", "failed"]].to_numpy().sum() == pytest.approx(1.0)
    # The median task has no failure at all: 0.9^10 = 35% of tasks, plus tasks whose only failures were cheap.
    assert s.p50 >= retries.evaluate(x, SONNET).clean_cost * 0.99


def test_trials_shrink_only_when_tasks_see_many_failures():
    heavy = inputs(steps=50, failure_rate=0.7, max_attempts=10, restarts=5, prompt_tokens=100, output_tokens=100,
                   tool_tokens=100)
    assert retries.MIN_TRIALS <= retries.trials_for(heavy, SONNET) < retries.DEFAULT_TRIALS


def test_simulation_at_edges():
    for kw in (dict(failure_rate=0.0), dict(failure_rate=0.95, max_attempts=1), dict(failure_rate=0.95, restarts=5),
               dict(budget_on=True, budget=0.0, failure_rate=0.5)):
        x = inputs(**kw)
        sim = retries.simulate(x, SONNET, trials=5_000)
        assert np.all(np.isfinite(sim.cost)) and np.all(sim.cost >= 0)
        r = retries.evaluate(x, SONNET)
        assert abs(sim.mean - r.expected_cost) <= 4 * sim.standard_error + 1e-12


# --- amplification ----------------------------------------------------------------------------


def test_amplification_worst_cases():
    a = retries.amplification(AmplificationInputs(attempts_per_layer=3, layers=3, budget=0.10, failure_rate=1.0))
    assert a.worst_case == 27  # 3^3
    assert a.expected == pytest.approx(27)
    assert a.worst_case_budget == pytest.approx((1 / 0.9) ** 3)  # each layer sends at most 1/(1-b) per request


def test_amplification_one_layer_by_hand():
    a = retries.amplification(AmplificationInputs(attempts_per_layer=3, layers=1, budget=0.5, failure_rate=0.5))
    assert a.expected == pytest.approx(1.75)  # 1 + 0.5 + 0.25
    assert retries.amplification(AmplificationInputs(failure_rate=0.0)).expected == 1.0


@given(p=st.floats(0, 1), a=st.integers(1, 6), layers=st.integers(1, 5), b=st.floats(0, 0.5))
def test_amplification_bounds(p, a, layers, b):
    x = AmplificationInputs(attempts_per_layer=a, layers=layers, budget=b, failure_rate=p)
    r = retries.amplification(x)
    assert 1 - 1e-12 <= r.expected_budget <= r.expected + 1e-9 <= a**layers + 1e-6
    grid = np.linspace(0, 1, 101)
    assert np.all(np.diff(retries._amplification(grid, a, layers, None)) >= -1e-9)
    assert np.all(np.diff(retries._amplification(grid, a, layers, b)) >= -1e-9)


# --- properties ------------------------------------------------------------------------------

policy_inputs = st.fixed_dictionaries({
    "steps": st.integers(1, 50),
    "max_attempts": st.integers(1, 10),
    "failed_output_share": st.floats(0, 1),
    "replay": st.sampled_from(["full history", "step only"]),
    "restarts": st.integers(0, 5),
    "budget_on": st.booleans(),
    "budget": st.floats(0, 0.5),
    "prompt_tokens": st.integers(0, 20_000),
    "output_tokens": st.integers(1, 5_000),
    "tool_tokens": st.integers(0, 20_000),
})


@given(kw=policy_inputs, p1=st.floats(0, 0.95), p2=st.floats(0, 0.95))
def test_cost_never_falls_and_success_never_rises_as_p_rises(kw, p1, p2):
    lo, hi = sorted((p1, p2))
    a = retries.evaluate(inputs(failure_rate=lo, **kw), SONNET)
    b = retries.evaluate(inputs(failure_rate=hi, **kw), SONNET)
    assert b.cost_per_success >= a.cost_per_success * (1 - 1e-9)
    assert b.success <= a.success + 1e-12


@given(kw=policy_inputs, p=st.floats(0, 0.95))
def test_curve_matches_scalar(kw, p):
    x = inputs(failure_rate=p, **kw)
    r = retries.evaluate(x, SONNET)
    curve = retries.policy_curves(x, SONNET)
    row = curve.loc[curve["failure_rate"] == p].iloc[0]
    mine = next(q for q in retries.policies(x) if q.yours)
    assert row[f"{mine.name}|success"] == pytest.approx(r.success, rel=1e-9, abs=1e-300)
    assert row[f"{mine.name}|multiplier"] == pytest.approx(r.multiplier, rel=1e-9)


@given(kw=policy_inputs, p=st.floats(0, 0.95))
def test_bounds(kw, p):
    r = retries.evaluate(inputs(failure_rate=p, **kw), SONNET)
    assert 0 <= r.success <= 1
    assert r.multiplier is None or r.multiplier >= 1 - 1e-9
    assert 0 <= r.retry_share < 1 and 0 <= r.admitted <= 1
    assert r.requests_per_task <= kw["steps"] * kw["max_attempts"] * (kw["restarts"] + 1) + 1e-9


def test_policies_mark_the_users_own():
    x = inputs(max_attempts=3)
    names = [p.name for p in retries.policies(x)]
    assert names == ["no retries", "step retries, up to 3 attempts (yours)", "step retries + 10% budget",
                     "task restarts only (up to 1)"]
    y = inputs(max_attempts=3, restarts=2, budget_on=True)
    assert retries.policies(y)[-1] == Policy("your policy", 3, 2, 0.10, yours=True)
