"""Reasoning economics: hand-computed cases, closed forms, a case where reasoning loses, properties."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from calculators import reasoning as rz
from calculators.prices import ModelPrices, TieredRate

# A Sonnet-like price sheet: $2/MTok input, $10/MTok output.
PRICES = ModelPrices(provider_id="t", provider_name="Test", model_id="m", model_name="M",
                     input=TieredRate(base=2.0), output=TieredRate(base=10.0), source="test", source_date="2026")
FREE = PRICES.model_copy(update={"input": TieredRate(base=0.0), "output": TieredRate(base=0.0)})
# Above 200k input tokens the whole request is billed at the higher rate (a long-context cliff).
TIERED = PRICES.model_copy(update={"output": TieredRate(base=10.0, tiers=((200_000, 15.0),)),
                                   "input": TieredRate(base=2.0, tiers=((200_000, 4.0),))})


def inputs(**kw) -> rz.ReasoningInputs:
    base = dict(requests_per_month=1_000_000, input_tokens=2_000, output_tokens=400, prices=PRICES)
    return rz.ReasoningInputs(**(base | kw))


def task(name="t", share=1.0, a0=0.5, a1=0.6, value=1.0) -> rz.TaskType:
    return rz.TaskType(name=name, share=share, accuracy_without=a0, accuracy_with=a1, value_correct=value)


def test_default_mix_by_hand():
    r = rz.evaluate(inputs())  # effort medium: 4,000 reasoning tokens
    # c0 = 2,000 x $2/M + 400 x $10/M = $0.004 + $0.004 = $0.008; reasoning adds 4,000 x $10/M = $0.04
    assert r.cost_without == pytest.approx(0.008)
    assert r.extra_cost_per_request == pytest.approx(0.04)
    assert r.cost_with == pytest.approx(0.048)
    math_task = r.tasks[0]  # 70% -> 84% at $0.50 a correct answer, 10% of traffic
    assert math_task.earns
    assert math_task.gain_per_request == pytest.approx(0.14 * 0.5 - 0.04)  # $0.03
    assert math_task.monthly_gain == pytest.approx(0.03 * 0.10 * 1_000_000)  # $3,000
    assert math_task.break_even_uplift == pytest.approx(0.04 / 0.5)  # 8 points
    assert math_task.cost_per_correct_without == pytest.approx(0.008 / 0.70)
    assert math_task.cost_per_correct_with == pytest.approx(0.048 / 0.84)
    # cost per correct answer is unchanged at uplift a0 x extra / c0 = 0.7 x 0.04 / 0.008 = 3.5 (350 points)
    assert math_task.break_even_uplift_per_correct == pytest.approx(3.5)
    assert [t.earns for t in r.tasks] == [True, True, False, False, False]
    # never: 1M x $0.008; always: 1M x $0.048; selective: reasoning on for 20% -> $8,000 + 0.2 x $40,000
    assert r.policies["never"].bill == pytest.approx(8_000)
    assert r.policies["always"].bill == pytest.approx(48_000)
    assert r.policies["selective"].bill == pytest.approx(16_000)
    assert r.policies["selective"].reasoned_share == pytest.approx(0.2)
    # R* = 1e6 x sum(s x uplift x V) / $10 = 1e6 x (0.007 + 0.006 + 0.0004 + 0.0005 + 0) / 10 = 1,390 tokens
    assert r.break_even_tokens == pytest.approx(1_390)


def test_reasoning_that_does_not_earn_its_cost():
    # +1 point on answers worth $1 buys $0.01; 4,000 reasoning tokens cost $0.04: reasoning loses $0.03 a request.
    r = rz.evaluate(inputs(tasks=(task(a0=0.80, a1=0.81, value=1.0),)))
    t = r.tasks[0]
    assert not t.earns
    assert t.gain_per_request == pytest.approx(0.01 - 0.04)
    assert t.break_even_uplift == pytest.approx(0.04)  # needs +4 points
    assert r.policies["selective"].bill == pytest.approx(r.policies["never"].bill)  # selective keeps it off
    assert r.policies["always"].net - r.policies["never"].net == pytest.approx(-0.03 * 1_000_000)
    # Always-on stops paying at R* = 1e6 x 0.01 / 10 = 1,000 tokens; 4,000 is well past it.
    assert r.break_even_tokens == pytest.approx(1_000)
    assert r.selective_gain_vs_always == pytest.approx(30_000)


def test_default_mix_always_on_loses_money_against_never():
    r = rz.evaluate(inputs())
    assert r.policies["always"].gain_vs_never < 0  # $40,000 more bill for $13,900 more value
    assert r.policies["always"].gain_vs_never == pytest.approx(13_900 - 40_000)
    assert r.policies["selective"].gain_vs_never == pytest.approx(3_000 + 2_000)


def test_zero_accuracy_is_flagged_and_infinite_never_a_crash():
    r = rz.evaluate(inputs(tasks=(task(a0=0.0, a1=0.0),)))
    t = r.tasks[0]
    assert t.no_correct_without and t.no_correct_with
    assert math.isinf(t.cost_per_correct_without) and math.isinf(t.cost_per_correct_with)
    assert math.isinf(r.policies["never"].cost_per_correct)
    assert r.break_even_tokens is None  # no uplift: no budget earns
    # With reasoning fixing it: without is infinite, with is finite.
    t2 = rz.evaluate(inputs(tasks=(task(a0=0.0, a1=0.5),))).tasks[0]
    assert math.isinf(t2.cost_per_correct_without) and t2.cost_per_correct_with == pytest.approx(0.048 / 0.5)
    assert t2.break_even_uplift_per_correct == 0.0


def test_worthless_answers_have_no_break_even_uplift():
    t = rz.evaluate(inputs(tasks=(task(value=0.0),))).tasks[0]
    assert t.break_even_uplift is None and not t.earns
    # ...unless reasoning is free (effort 'none' at 0 tokens): then any uplift is break-even
    t0 = rz.evaluate(inputs(tasks=(task(value=0.0),), effort="none")).tasks[0]
    assert t0.break_even_uplift == 0.0


def test_unreachable_break_even_is_flagged():
    # Needs 0.04 / 0.1 = 40 points on a task already at 90%: only 10 points are left.
    t = rz.evaluate(inputs(tasks=(task(a0=0.9, a1=0.95, value=0.1),))).tasks[0]
    assert t.break_even_uplift == pytest.approx(0.4)
    assert not t.break_even_reachable


def test_reasoning_tokens_priced_at_the_long_context_tier():
    # 300k input crosses the 200k cliff: output (and reasoning) at $15/MTok. 4,000 x $15/M = $0.06
    r = rz.evaluate(inputs(input_tokens=300_000, prices=TIERED))
    assert r.output_price == 15.0
    assert r.extra_cost_per_request == pytest.approx(0.06)
    assert r.cost_without == pytest.approx(300_000 * 4 / 1e6 + 400 * 15 / 1e6)


def test_free_reasoning_always_earns():
    r = rz.evaluate(inputs(prices=FREE))
    assert r.break_even_tokens == math.inf
    assert r.policies["selective"].reasoned_share == pytest.approx(0.85)  # every type with a positive uplift


def test_shares_are_scaled_to_one():
    r = rz.evaluate(inputs(tasks=(task("a", share=0.2), task("b", share=0.2, a0=0.5, a1=0.5))))
    assert r.share_total == pytest.approx(0.4)
    assert [t.share for t in r.tasks] == pytest.approx([0.5, 0.5])


def test_cross_field_rules_speak_plainly():
    with pytest.raises(ValidationError, match="must not fall as effort rises"):
        inputs(budget_low=5_000, budget_medium=4_000)
    with pytest.raises(ValidationError, match="add up to 0%"):
        inputs(tasks=(task(share=0.0),))
    with pytest.raises(ValidationError, match="same name"):
        inputs(tasks=(task("x"), task("X")))


# --- properties -------------------------------------------------------------------------------------

fraction = st.floats(0, 1, allow_nan=False)
task_strategy = st.builds(
    lambda s, a0, a1, v: (s, a0, a1, v), st.floats(0.01, 1), fraction, fraction, st.floats(0, 1_000),
)


def _mix(raw) -> tuple[rz.TaskType, ...]:
    return tuple(task(f"t{i}", s, a0, a1, v) for i, (s, a0, a1, v) in enumerate(raw))


@settings(max_examples=60, deadline=None)
@given(raw=st.lists(task_strategy, min_size=1, max_size=6), budget=st.integers(0, 200_000),
       requests=st.integers(0, 10_000_000), in_tokens=st.integers(0, 400_000), out_tokens=st.integers(0, 5_000))
def test_selective_is_never_worse_than_always_or_never(raw, budget, requests, in_tokens, out_tokens):
    x = inputs(tasks=_mix(raw), budget_high=budget, budget_medium=0, budget_low=0, effort="high",
               requests_per_month=requests, input_tokens=in_tokens, output_tokens=out_tokens, prices=TIERED)
    r = rz.evaluate(x)
    nets = {p: r.policies[p].net for p in rz.POLICIES}
    tol = 1e-9 * max(1.0, *map(abs, nets.values()))
    assert nets["selective"] >= nets["always"] - tol
    assert nets["selective"] >= nets["never"] - tol
    assert r.policies["never"].bill <= r.policies["selective"].bill + tol <= r.policies["always"].bill + 2 * tol


@settings(max_examples=40, deadline=None)
@given(raw=st.lists(task_strategy, min_size=1, max_size=5), budget=st.integers(0, 100_000))
def test_curve_matches_scalar(raw, budget):
    x = inputs(tasks=_mix(raw), budget_low=0, budget_medium=budget, budget_high=200_000)
    r = rz.evaluate(x)
    curve = rz.policy_curve(x)
    row = curve[curve["reasoning_tokens"] == budget].iloc[0]
    for p in rz.POLICIES:
        assert row[f"{p}_bill"] == pytest.approx(r.policies[p].bill, rel=1e-12, abs=1e-9)
        assert row[f"{p}_gain"] == pytest.approx(r.policies[p].gain_vs_never, rel=1e-9, abs=1e-6)
    # the always-on bill rises with the budget
    assert np.all(np.diff(curve["always_bill"].to_numpy()) >= -1e-9)


@settings(max_examples=40, deadline=None)
@given(raw=st.lists(task_strategy, min_size=1, max_size=5))
def test_always_on_gain_is_zero_at_the_break_even_budget(raw):
    x = inputs(tasks=_mix(raw))
    be = rz.break_even_tokens(x)
    if be is None:
        # no positive value from reasoning: even free reasoning does not beat 'never'
        assert rz.policy_curve(x, max_tokens=1.0)["always_gain"].iloc[0] <= 1e-6
        return
    curve = rz.policy_curve(x, points=3, max_tokens=be * 2)  # grid 0, R*, 2R* (plus the current budget)
    at_be = curve.loc[curve["reasoning_tokens"] == be, "always_gain"]
    assert len(at_be) == 1
    assert at_be.iloc[0] == pytest.approx(0.0, abs=1e-6 * max(1.0, curve["always_gain"].abs().max()))


@settings(max_examples=40, deadline=None)
@given(a1=st.one_of(st.just(0.0), st.floats(1e-6, 1)), value=st.floats(0, 1_000), share=st.floats(0.01, 1))
def test_zero_accuracy_without_is_always_flagged(a1, value, share):
    r = rz.evaluate(inputs(tasks=(task(share=share, a0=0.0, a1=a1, value=value),)))
    t = r.tasks[0]
    assert t.no_correct_without and math.isinf(t.cost_per_correct_without)
    assert t.no_correct_with == (a1 == 0)
    assert math.isinf(t.cost_per_correct_with) == (a1 == 0)
