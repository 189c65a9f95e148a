"""Retry budgets on the one bill: equal completed work, the reviewer's case, exact curves, Monte Carlo, amplification."""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculators import retries
from calculators.bill import price
from calculators.draws import Variant, WorkloadDraws, price_draws
from calculators.lever import effect, waterfall
from calculators.prices import ModelPrices, TieredRate
from calculators.retries import AmplificationInputs, RetryPolicyInputs
from calculators.workload import (
    MAX_FAILURE_RATE, AgentLoop, CallClass, FailureOutcome, Failures, SimpleWorkload, Workload, copied, retry_threshold,
)
from tests.levers_common import CAT, DEFAULT, workloads

# $1/MTok input, $10/MTok output, no cache prices, no tiers: easy to compute by hand.
SIMPLE = ModelPrices(provider_id="test", provider_name="Test", model_id="m", model_name="M",
                     input=TieredRate(base=1.0), output=TieredRate(base=10.0), source="test", source_date="2026-12")
TIERED = SIMPLE.model_copy(update={"input": TieredRate(base=1.0, tiers=((4_000, 2.0),)),
                                   "output": TieredRate(base=10.0, tiers=((4_000, 20.0),)),
                                   "cache_read": TieredRate(base=0.1), "cache_write": TieredRate(base=1.25)})
FREE = SIMPLE.model_copy(update={"input": TieredRate(base=0.0), "output": TieredRate(base=0.0)})
NO_BUDGET = RetryPolicyInputs(budget_on=False)


def single(p=0.5, k=2, f=0.5, prices=SIMPLE, requests=1_000_000.0, **kw) -> Workload:
    c = CallClass(name="Calls", requests_per_month=requests, model_key=prices.key, other_input_tokens=1_000,
                  output_tokens=100, failures=Failures(failure_rate=p, max_attempts=k, failed_output_share=f, **kw))
    return Workload(classes=(c,), custom_models=(prices,))


def reviewers(replay="full history", history_caching=False) -> Workload:
    """The reviewer's shape: the legacy retry defaults (10-step tasks, 1,000-token tool results, half the output billed
    on a failure) with a 2,000-token prompt and 400 output tokens on Claude Sonnet 5.5, p = 25%, 3 attempts."""
    return SimpleWorkload(agent_share=1.0, agent_steps=10, input_tokens=2_000, output_tokens=400,
                          tool_result_tokens=1_000, failure_rate=0.25, max_attempts=3, failed_output_share=0.5,
                          replay=replay, history_caching=history_caching).workload()


# --- equal completed work -----------------------------------------------------------------------------------


def test_the_reviewers_case():
    """10-step tasks at p = 25%, 3 attempts, a 10% budget: task success falls from 85.4% to 16.2% and the cost per
    successful task rises from $0.283 to $0.558 (+97%).

    Step success without a budget: 1 - 0.25^3 = 0.984375; 0.984375^10 = 85.4%. The budget starts refusing above
    x* = 10.09% (x + x^2 = 0.1/0.9), so s = 0.75 (1 + x* + x*^2) = 0.8333 and 0.8333^10 = 16.2%. The dollar figures
    reproduce with full-history replay and the history not cached (the sidebar's default on Sonnet, where caching
    is opt-in; the prompt's prefix share does not matter then). Step-only replay gives $0.247 -> $0.533 (+116%),
    a cached history $0.100 -> $0.257: neither is the reviewer's."""
    w = reviewers()
    x = RetryPolicyInputs(max_attempts=3, budget_on=True, budget=0.10)
    r = retries.analyse(w, x, CAT)
    x_star = retry_threshold(3, 0.10)
    assert r.success_today == pytest.approx((1 - 0.25**3) ** 10)
    assert r.success_after == pytest.approx((0.75 * (1 + x_star + x_star**2)) ** 10)
    assert round(r.success_today, 3) == 0.854 and round(r.success_after, 3) == 0.162
    # $0.28277 -> $0.55748 (+97.15%): the reviewer's $0.558 is $0.5575 rounded up; to three decimals it is $0.557.
    assert r.today.per_completed == pytest.approx(0.28277, abs=5e-6)
    assert r.after.per_completed == pytest.approx(0.55748, abs=5e-6)
    assert round(r.after.per_completed / r.today.per_completed - 1, 2) == 0.97
    # Equal completed work: the same 854,291 tasks complete; the policy starts 5.29M tasks to do so.
    assert r.after.completed == pytest.approx(r.today.completed)
    assert r.started_factor == pytest.approx(0.8542908 / 0.1615056, rel=1e-6)
    assert r.change == pytest.approx(r.today.completed * (r.after.per_completed - r.today.per_completed))
    step_only = retries.analyse(reviewers(replay="step only"), x, CAT)
    assert round(step_only.today.per_completed, 3) == 0.247 and round(step_only.after.per_completed, 3) == 0.533


def test_single_calls_by_hand_a_cap_changes_nothing_at_equal_work():
    # One call, p = 50%, f = 50%: success costs 1,000 x $1 + 100 x $10 = $0.002, a failure $0.001 + 50 x $10 = $0.0015.
    # Two attempts: 0.5 x 0.002 + 0.5 x 0.0015 = $0.00175 a try, 1.5 tries a call, 75% success: $0.0035 per success.
    # One attempt: $0.00175 a call, 50% success: $0.0035 per success too. A retry of a single call is just another
    # call, so at equal completed work the cap moves no money (for tasks of several steps it does).
    w = single()
    today = price(w, CAT)
    assert today.total == pytest.approx(1e6 * 0.00175 * 1.5) and today.completed == pytest.approx(750_000)
    r = retries.analyse(w, RetryPolicyInputs(max_attempts=1, budget_on=False), CAT)
    assert r.today.per_completed == pytest.approx(0.0035) and r.after.per_completed == pytest.approx(0.0035)
    assert r.after.completed == pytest.approx(750_000) and r.after.requests == pytest.approx(1_500_000)
    assert r.saving == pytest.approx(0, abs=1e-6)


def test_history_makes_retries_cheaper_than_restarts():
    # Two steps, each re-sending the history: a step retry re-runs one step, a restart re-runs the whole task.
    w = SimpleWorkload(agent_share=1.0, agent_steps=10, failure_rate=0.2, max_attempts=3).workload()
    no_retries = retries.analyse(w, RetryPolicyInputs(max_attempts=1, budget_on=False), CAT)
    assert no_retries.saving < 0 and no_retries.success_after < no_retries.success_today


def test_a_budget_below_its_threshold_changes_nothing():
    # 3 attempts, 10% budget: it refuses only above x* = (-1 + sqrt(1 + 4/9)) / 2 = 10.09%.
    w = SimpleWorkload(failure_rate=0.10, agent_share=0.5).workload()
    x = RetryPolicyInputs()
    assert retry_threshold(3, 0.10) == pytest.approx((-1 + math.sqrt(13 / 9)) / 2, abs=1e-12)
    assert "never refuses" in retries.idle(w, x, CAT)
    assert effect(retries.LEVER, w, x, CAT).saving == pytest.approx(0, abs=1e-6)
    assert retries.analyse(w, x, CAT).refuses_above == pytest.approx(0.10092521, abs=1e-8)


def test_idle_and_defaults_follow_the_workload():
    assert "no failures" in retries.idle(DEFAULT, RetryPolicyInputs(), CAT)
    assert retries.defaults(DEFAULT, CAT) == {}
    w = SimpleWorkload(failure_rate=0.3, max_attempts=5).workload()
    assert retries.defaults(w, CAT) == {"max_attempts": 5}
    assert retries.idle(w, RetryPolicyInputs(max_attempts=5, budget_on=False), CAT) == "the policy is the workload's own"
    assert retries.idle(w, RetryPolicyInputs(max_attempts=5), CAT) is None  # a 10% budget binds at p = 30%


def test_a_policy_that_completes_nothing_is_refused_not_priced_at_zero():
    # Within the spine's bounds a step succeeds with probability >= 1 - p >= 5%, so some task always completes:
    # the worst corner (p = 95%, one attempt, 200 steps, no budget) still completes 0.05^200 of tasks.
    worst = Failures(failure_rate=MAX_FAILURE_RATE, max_attempts=1)
    assert FailureOutcome.of(worst, 200).success > 0
    c = CallClass(name="Doomed", requests_per_month=1.0, model_key="anthropic/claude-sonnet-5-5",
                  other_input_tokens=10, loop=AgentLoop(steps=200),
                  failures=Failures(failure_rate=MAX_FAILURE_RATE, max_attempts=10))
    # (1 - 0.95^10)^200 / 0.05^200 = 10^180.8 tasks started per task today: astronomical, never a silent 0.
    assert math.log10(retries.equal_work_factor(c, worst)) == pytest.approx(200 * math.log10((1 - 0.95**10) / 0.05))
    # A failure rate of 100% (outside the bounds) completes nothing: the lever says so instead of pricing it.
    doomed = Failures.model_construct(**(Failures().model_dump() | {"failure_rate": 1.0}))
    with pytest.raises(retries.NoTaskCompletes, match="no task of 'Doomed' completes"):
        retries.equal_work_factor(c.model_copy(update={"failures": Failures(failure_rate=0.5)}), doomed)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=workloads(), k=st.integers(1, 6), on=st.booleans(), b=st.floats(0, 0.5))
def test_equal_completed_work_and_the_bar_is_a_difference_of_bills(w, k, on, b):
    x = RetryPolicyInputs(max_attempts=k, budget_on=on, budget=b)
    refused = retries.out_of_reach(w, x)
    if refused is not None:  # more than 10x the tasks for the same work: nothing booked, anywhere
        assert refused.factor > retries.MAX_EQUAL_WORK_FACTOR
        assert retries.analyse(w, x, CAT).saving == 0
        assert waterfall(w, [(retries.LEVER, x)], CAT).bars[0].saving == 0
        return
    assert all(f <= retries.MAX_EQUAL_WORK_FACTOR for f in retries.equal_work_factors(w, x).values())
    e = effect(retries.LEVER, w, x, CAT)
    assert e.after.completed == pytest.approx(e.before.completed, rel=1e-9)
    assert e.saving == pytest.approx(price(w, CAT).total - price(retries.apply(w, x, CAT), CAT).total)
    assert e.saving == pytest.approx(retries.analyse(w, x, CAT).saving)


# --- exact curves and per-attempt costs ----------------------------------------------------------------------------

shapes = st.fixed_dictionaries({
    "steps": st.integers(1, 25), "tool": st.integers(0, 3_000), "prefix": st.integers(0, 3_000),
    "other": st.integers(0, 3_000), "output": st.integers(0, 1_500), "reasoning": st.sampled_from([0, 500]),
    "history_caching": st.booleans(), "compaction": st.sampled_from(["none", "sliding", "summarise"]),
    "hit": st.sampled_from([0.0, 0.5]), "tier": st.sampled_from(["standard", "batch"]),
})
failure_sets = st.builds(Failures, failure_rate=st.floats(0.01, MAX_FAILURE_RATE), max_attempts=st.integers(1, 5),
                         restarts=st.integers(0, 3), failed_output_share=st.floats(0, 1),
                         replay=st.sampled_from(["full history", "step only"]),
                         retry_budget=st.sampled_from([None, 0.0, 0.1, 0.3]))


def one_class(shape, f, model="anthropic/claude-sonnet-4-5") -> tuple[Workload, CallClass]:
    loop = AgentLoop(steps=shape["steps"], tool_result_tokens=shape["tool"], history_caching=shape["history_caching"],
                     compaction=shape["compaction"], keep_steps=3, summarise_every=4, summary_tokens=500)
    c = CallClass(name="Task", requests_per_month=1.0, model_key=model, tier=shape["tier"],
                  prefix_tokens=shape["prefix"], other_input_tokens=shape["other"], output_tokens=shape["output"],
                  reasoning_tokens=shape["reasoning"], cache="5m" if shape["hit"] else "off",
                  cache_hit_rate=shape["hit"], loop=loop if shape["steps"] > 1 else None, failures=f)
    return Workload(classes=(c,)), c


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=shapes, f=failure_sets, k=st.integers(1, 5), r=st.integers(0, 3), b=st.sampled_from([None, 0.05, 0.2]))
def test_expected_cost_equals_price_for_any_policy(shape, f, k, r, b):
    """Per-attempt costs read off one priced task give every policy's bill at the class's failure rate exactly
    (long-context tiers, batch, caching, summaries, step-only replay)."""
    w, c = one_class(shape, f)
    costs = retries.task_costs(w, c, CAT)
    policy = retries.Policy("p", k, r, b)
    e = retries.expected(f.failure_rate, costs, policy)
    other = c.model_copy(update={"failures": f.model_copy(update={"max_attempts": k, "restarts": r, "retry_budget": b})})
    bill = price(w.replace([other]), CAT)
    assert e.cost[0] == pytest.approx(bill.total, rel=1e-9, abs=1e-15)
    assert e.success[0] == pytest.approx(bill.completed, rel=1e-9, abs=1e-300)
    assert e.calls[0] == pytest.approx(bill.calls, rel=1e-9)
    clean = price(w.replace([c.model_copy(update={"failures": None})]), CAT).total
    assert costs.clean == pytest.approx(clean, rel=1e-9, abs=1e-15)


def test_curves_at_the_workloads_failure_rate_are_the_bill():
    w = reviewers()
    x = RetryPolicyInputs(max_attempts=3, budget=0.10)
    view = retries.analyse(w, x, CAT).task
    curves = retries.policy_curves(view.costs, view.failure_rate, view.policies)
    row = curves.loc[curves["failure_rate"] == 0.25].iloc[0]
    names = [p.name for p in view.policies]
    assert names == ["no retries", "step retries, up to 3 attempts (today)", "step retries + 10% budget (your policy)",
                     "task restarts only (up to 1)"]
    today = price(w, CAT)
    after = price(retries.apply(w, x, CAT), CAT)
    assert row[f"{names[1]}|multiplier"] * view.costs.clean == pytest.approx(today.per_completed, rel=1e-9)
    assert row[f"{names[2]}|multiplier"] * view.costs.clean == pytest.approx(after.per_completed, rel=1e-9)
    assert row[f"{names[1]}|success"] == pytest.approx(today.completed / today.requests)
    # A clean task (nothing fails): step i sends 2,000 + 1,400 (i - 1) tokens and writes 400, at $2 and $10.
    assert view.costs.clean == pytest.approx(sum((2_000 + 1_400 * i) * 2e-6 + 400 * 10e-6 for i in range(10)))


def test_restarts_buy_success_not_cheaper_successes_and_no_retries_equals_restarts_only():
    w = SimpleWorkload(agent_share=1.0, failure_rate=0.2, max_attempts=1).workload()
    view = retries.analyse(w, NO_BUDGET.model_copy(update={"max_attempts": 1}), CAT).task
    once = retries.expected(0.2, view.costs, retries.Policy("once", 1, 0, None))
    thrice = retries.expected(0.2, view.costs, retries.Policy("thrice", 1, 2, None))
    assert thrice.success[0] == pytest.approx(1 - (1 - once.success[0]) ** 3)
    assert thrice.per_success[0] == pytest.approx(once.per_success[0])


def test_doubling_point_is_solved_exactly():
    view = retries.analyse(reviewers(), RetryPolicyInputs(), CAT).task
    p = view.doubles_at
    assert 0 < p < 0.25 and float(retries.multiplier(p, view.costs, view.chosen)[0]) == pytest.approx(2.0, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(k=st.integers(1, 6), r=st.integers(0, 3), b=st.sampled_from([None, 0.0, 0.1, 0.5]), p1=st.floats(0, 0.95),
       p2=st.floats(0, 0.95))
def test_cost_per_completed_task_never_falls_and_success_never_rises_with_p(k, r, b, p1, p2):
    view = retries.analyse(reviewers(), RetryPolicyInputs(), CAT).task
    lo, hi = sorted((p1, p2))
    e = retries.expected(np.array([lo, hi]), view.costs, retries.Policy("p", k, r, b))
    assert e.per_success[1] >= e.per_success[0] * (1 - 1e-9)
    assert e.success[1] <= e.success[0] + 1e-12
    assert 0 <= e.success[0] <= 1 and np.all(e.admitted <= 1)


def test_free_model_does_not_crash():
    w = single(prices=FREE)
    r = retries.analyse(w, RetryPolicyInputs(), CAT)
    assert r.task.costs.clean == 0 and r.task.multiplier() is None and r.task.doubles_at is None
    assert retries.policy_curves(r.task.costs, 0.5, r.task.policies).shape[0] > 0


# --- Monte Carlo ----------------------------------------------------------------------------------------------

MC_CASES = [
    dict(),
    dict(replay="step only", failure_rate=0.3),
    dict(failure_rate=0.3, budget=0.10),
    dict(failure_rate=0.2, restarts=2, max_attempts=2, failed_output_share=0.0),
    dict(steps=30, failure_rate=0.05, max_attempts=5, history_caching=True),
    dict(steps=12, failure_rate=0.2, compaction="summarise"),
    dict(steps=5, failure_rate=0.9, max_attempts=4, restarts=1, budget=0.25),
    dict(steps=1, failure_rate=0.5),
]


@pytest.mark.parametrize("kw", MC_CASES)
def test_monte_carlo_mean_agrees_with_the_bill(kw):
    kw = dict(kw)
    budget = kw.pop("budget", None)
    steps, caching, compaction = kw.pop("steps", 10), kw.pop("history_caching", False), kw.pop("compaction", "none")
    f = Failures(**({"failure_rate": 0.1} | kw), retry_budget=budget)
    loop = AgentLoop(steps=steps, history_caching=caching, compaction=compaction, summarise_every=4)
    c = CallClass(name="Task", requests_per_month=1.0, model_key="anthropic/claude-sonnet-5-5", prefix_tokens=1_500,
                  other_input_tokens=500, output_tokens=400, loop=loop if steps > 1 else None, failures=f)
    w = Workload(classes=(c,))
    bill = price(w, CAT)
    costs = retries.task_costs(w, c, CAT)
    policy = retries.Policy("p", f.max_attempts, f.restarts, f.retry_budget)
    sim = retries.simulate(costs, f.failure_rate, policy, trials=40_000, seed=7)
    assert abs(sim.mean - bill.total) < 4 * sim.standard_error + 1e-12
    success = bill.completed
    assert abs(sim.success_rate - success) < 4 * math.sqrt(success * (1 - success) / sim.trials) + 1e-9
    assert sim.calls.mean() == pytest.approx(bill.calls, rel=0.03)


def test_fixed_seed_gives_identical_results_and_the_default_runs_100k_trials():
    view = retries.analyse(reviewers(), RetryPolicyInputs(), CAT).task
    a = retries.simulate(view.costs, 0.25, view.chosen, trials=20_000, seed=3)
    b = retries.simulate(view.costs, 0.25, view.chosen, trials=20_000, seed=3)
    c = retries.simulate(view.costs, 0.25, view.chosen, trials=20_000, seed=4)
    assert np.array_equal(a.cost, b.cost) and not np.array_equal(a.cost, c.cost)
    w = SimpleWorkload(agent_share=1.0, failure_rate=0.1).workload()
    default = retries.analyse(w, RetryPolicyInputs(), CAT).task
    assert retries.trials_for(default.costs, 0.1, default.chosen) == retries.DEFAULT_TRIALS
    s = retries.simulate(default.costs, 0.1, default.chosen).summary()
    assert s.trials == 100_000 and s.p50 <= s.p95 <= s.p99
    assert s.histogram[["succeeded", "failed"]].to_numpy().sum() == pytest.approx(1.0)
    assert retries.TaskCosts.from_json(default.costs.to_json()).clean == default.costs.clean


def test_trials_shrink_only_when_tasks_see_many_failures():
    w = SimpleWorkload(agent_share=1.0, agent_steps=50, failure_rate=0.7, max_attempts=10, restarts=5).workload()
    view = retries.analyse(w, RetryPolicyInputs(max_attempts=10, budget_on=False), CAT).task
    assert retries.MIN_TRIALS <= retries.trials_for(view.costs, 0.7, view.chosen) < retries.DEFAULT_TRIALS


# --- amplification across layers ---------------------------------------------------------------------------------


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
    r = retries.amplification(AmplificationInputs(attempts_per_layer=a, layers=layers, budget=b, failure_rate=p))
    assert 1 - 1e-12 <= r.expected_budget <= r.expected + 1e-9 <= a**layers + 1e-6
    grid = np.linspace(0, 1, 101)
    assert np.all(np.diff(retries.amplified_calls(grid, a, layers, None)) >= -1e-9)
    assert np.all(np.diff(retries.amplified_calls(grid, a, layers, b)) >= -1e-9)


def test_the_page_analyses_the_class_whose_bill_moves_most():
    # 80% single calls and 20% 12-step agent tasks at p = 20%: a 10% budget binds (it refuses above 10.1%). At equal
    # completed work it moves no money on single calls (a retry is another call) but raises the agents' bill.
    w = SimpleWorkload(agent_share=0.2, agent_steps=12, failure_rate=0.2).workload()
    r = retries.analyse(w, RetryPolicyInputs(), CAT)
    assert r.failing == ("Requests", "Agent tasks") and r.task.name == "Agent tasks"
    assert r.after.classes[0].total == pytest.approx(r.today.classes[0].total)
    assert retries.analyse(w, RetryPolicyInputs(), CAT, focus="Requests").task.name == "Requests"


# --- per-attempt costs within the workload's traffic (derived hit rates) -------------------------------------------


def test_gpt5_automatic_caching_curves_equal_the_bill():
    """GPT-5 caches on its own: the hit rate is derived from the traffic reaching the cache. 3,000 10-step tasks a
    month without history caching send the prefix 30,000 times: 30,000 / 730 / 12 = 3.42 per 5 minutes, h = 96.7%. A
    lone one-task probe would see 1 / 730 / 12 and h = 0.01%: the per-attempt costs must come from a probe of the
    workload. With the 10% budget at p = 25%, equal work starts 5.29x the tasks, so the policy's traffic (and hit
    rate) is higher still: its curve uses its own workload's per-attempt costs."""
    w = SimpleWorkload(model_key="openai/gpt-5", cache_hit_rate=None, requests_per_month=3_000, agent_share=1.0,
                       failure_rate=0.25).workload()
    x = RetryPolicyInputs()
    r = retries.analyse(w, x, CAT)
    view = r.task
    curves = retries.policy_curves(view.costs, view.failure_rate, view.policies, chosen_costs=view.costs_chosen)
    row = curves.loc[curves["failure_rate"] == 0.25].iloc[0]
    today_name = next(p.name for p in view.policies if p.today)
    yours = next(p.name for p in view.policies if p.yours)
    assert row[f"{today_name}|multiplier"] * view.costs.clean == pytest.approx(r.today.per_completed, rel=1e-9)
    assert row[f"{yours}|multiplier"] * view.costs_chosen.clean == pytest.approx(r.after.per_completed, rel=1e-9)
    assert view.per_success() == pytest.approx(r.after.per_completed, rel=1e-9)
    assert r.factors["Agent tasks"] == pytest.approx(5.29, abs=0.01)  # 85.41% / 16.15%
    # The old probe (one task priced alone) found the cache cold and priced the prefix at the full input rate.
    lone = w.classes[0].model_copy(update={"requests_per_month": 1.0})
    cold = retries.task_costs(Workload(classes=(lone,)), lone, CAT)
    # Each of the 10 steps re-sends the 1,500-token prefix: cold, at $1.25/MTok instead of $0.125 on the hits.
    h = -math.expm1(-30_000 / 730 / 12)
    assert h == pytest.approx(0.9674, abs=1e-4)
    lone_h = -math.expm1(-10 / 730 / 12)
    assert cold.clean - view.costs.clean == pytest.approx(10 * 1_500 * (1.25 - 0.125) / 1e6 * (h - lone_h), rel=1e-9)


# --- equal work out of reach: not booked ------------------------------------------------------------------------------

DOOMED = SimpleWorkload(agent_share=1.0, failure_rate=0.95).workload()


def test_equal_work_beyond_ten_times_the_tasks_is_refused_not_booked():
    """The reviewer's `?w.agents=100&w.fail=95`. Today a step succeeds 0.05 x (1 + 0.95 + 0.95^2) = 14.26% and a task
    0.142625^10 = 3.483e-9 (1 in 287,106,765). With the 10% budget retries stop near x* (x + x^2 = 1/9, x* = 0.1):
    a step succeeds about 0.05 x 1.1111 = 5.56% and a task 2.8e-13. Equal work would start 12,436 times the tasks and
    bill $91,656,525 for a $21,844 workload: the lever refuses, and the Overview books $0 with the reason."""
    x = RetryPolicyInputs(**retries.defaults(DOOMED, CAT))
    assert FailureOutcome.of(DOOMED.classes[0].failures, 10).success == pytest.approx(0.142625**10, rel=1e-12)
    assert retries.share_text(0.142625**10) == "1 in 287,106,765"
    with pytest.raises(retries.EqualWorkOutOfReach, match="12,436 times as many tasks") as refused:
        retries.apply(DOOMED, x, CAT)
    assert refused.value.factor == pytest.approx(12_436.03, abs=0.01)
    r = retries.analyse(DOOMED, x, CAT)
    assert r.refused is not None and r.saving == 0 and r.after is r.today
    assert r.today.total == pytest.approx(21_844.46, abs=0.01)
    assert r.unbounded.total == pytest.approx(91_656_524.64, abs=0.01)
    assert r.low_success == (("Agent tasks", pytest.approx(3.483e-9, rel=1e-3)),)
    bar = waterfall(DOOMED, [(retries.LEVER, x)], CAT).bars[0]
    assert bar.saving == 0 and bar.idle.startswith("it cannot apply here (to complete what 'Agent tasks'")
    # No budget, up to 3 attempts: the workload's own policy, nothing to refuse.
    same = RetryPolicyInputs(budget_on=False)
    assert retries.out_of_reach(DOOMED, same) is None and effect(retries.LEVER, DOOMED, same, CAT).saving == 0


def test_the_bar_says_when_the_work_mostly_fails_or_multiplies():
    # p = 30%, 10-step tasks: today (0.7 x 1.39)^10 = 76.1% complete, with the 10% budget 8.1%: 9.39x the tasks.
    w = SimpleWorkload(agent_share=1.0, failure_rate=0.3).workload()
    x = RetryPolicyInputs()
    assert retries.out_of_reach(w, x) is None
    assert retries.caveat(w, x, CAT) == "equal completed work starts 9.4x the tasks of 'Agent tasks'"
    # p = 50%: today (0.5 x 1.75)^10 = 26.3% complete: most of the bill pays for work that never completes.
    w = SimpleWorkload(agent_share=1.0, failure_rate=0.5).workload()
    assert (0.5 * 1.75) ** 10 == pytest.approx(0.2631, abs=1e-4)
    assert retries.caveat(w, RetryPolicyInputs(budget_on=False, max_attempts=4), CAT).startswith(
        "today 'Agent tasks' completes only 26.3% of its tasks: most of the bill pays for work that never completes")
    assert retries.caveat(DEFAULT, x, CAT) is None


def test_on_the_draw_axis_each_draw_is_apply_of_that_draw():
    """`apply_draws` against `apply` draw by draw: failure rate (0 in some draws: the class does not fail there),
    requests (0 in some: nothing to refuse), steps and the policy drawn; the draws where `apply` raises are the ones
    `apply_draws` says it does not apply in."""
    rng = np.random.default_rng(7)
    n = 80
    rate = rng.choice([0.0, 0.05, 0.3, 0.6, MAX_FAILURE_RATE], n)
    requests = rng.choice([0.0, 1_000.0, 2e6], n)
    steps = rng.integers(1, 12, n)
    k = rng.integers(1, 11, n).astype(float)  # a drawn input arrives as floats
    budget = rng.uniform(0, 0.5, n)
    agent = CallClass(name="Agent tasks", requests_per_month=1.0, model_key="anthropic/claude-sonnet-5-5",
                      prefix_tokens=1_000, other_input_tokens=500, output_tokens=300, cache="5m", cache_hit_rate=0.5,
                      loop=AgentLoop(steps=5), failures=Failures(failure_rate=0.1, max_attempts=3, restarts=1))
    chat = CallClass(name="Chat", requests_per_month=5e5, model_key="openai/gpt-4o", other_input_tokens=800,
                     output_tokens=200, failures=Failures(failure_rate=0.2))
    drawn = copied(agent, requests_per_month=requests, loop=copied(agent.loop, steps=steps),
                   failures=copied(agent.failures, failure_rate=rate))
    wd = WorkloadDraws(n, (Variant(drawn), Variant(chat)))
    for on in (True, False):
        moved, ok = retries.apply_draws(wd, RetryPolicyInputs.model_construct(max_attempts=k, budget_on=on,
                                                                              budget=budget), CAT)
        assert len(moved.variants) == 3  # the agent class split: failing in some draws, not in others
        got = price_draws(moved, CAT).total
        for i in range(n):
            w = Workload(classes=(copied(agent, requests_per_month=float(requests[i]),
                                         loop=AgentLoop(steps=int(steps[i])),
                                         failures=copied(agent.failures, failure_rate=float(rate[i]))), chat))
            x = RetryPolicyInputs(max_attempts=int(k[i]), budget_on=on, budget=float(budget[i]))
            try:
                want = price(retries.apply(w, x, CAT), CAT).total
            except ValueError:
                assert not ok[i], i
                continue
            assert ok[i], i
            assert math.isclose(got[i], want, rel_tol=1e-9), (i, got[i], want)
        assert ok.any() and not ok.all()
    # No task completes (0.05^300 underflows; outside the spine's bounds): refused on both paths.
    doomed = copied(agent, loop=copied(agent.loop, steps=300), failures=Failures(failure_rate=MAX_FAILURE_RATE,
                                                                                 max_attempts=10))
    worst = Failures(failure_rate=MAX_FAILURE_RATE, max_attempts=1)
    with pytest.raises(retries.NoTaskCompletes):
        retries.equal_work_factor(doomed, worst)
    assert retries.equal_work_factor_draws(doomed, worst, 3)[1].all()
