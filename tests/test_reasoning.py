"""Reasoning budgets on the one bill: hand-computed cases, closed forms, a case where reasoning loses, properties."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from calculators import draws
from calculators import reasoning as rz
from calculators import uncertainty as u
from calculators.bill import price
from calculators.lever import effect
from calculators.workload import AgentLoop, CallClass, Workload, copied
from tests.levers_common import CAT, DEFAULT, SONNET, SONNET_45, SimpleWorkload, one, workloads
from tests.test_draws import chain_of, reconcile

X = rz.ReasoningInputs()
PREVIEW = rz.with_budget(DEFAULT, 4_000)  # the default workload with 4,000 reasoning tokens a request: $48,000


def task(name="t", share=1.0, a0=0.5, a1=0.6, value=1.0) -> rz.TaskType:
    return rz.TaskType(name=name, share=share, accuracy_without=a0, accuracy_with=a1, value_correct=value)


def mix(*tasks: rz.TaskType) -> rz.ReasoningInputs:
    return rz.ReasoningInputs(tasks=tasks)


def test_default_mix_by_hand():
    r = rz.evaluate(PREVIEW, X, CAT)
    # Per request: input 2,000 x $2/M + answer 400 x $10/M = $0.008; 4,000 reasoning tokens x $10/M = $0.04.
    assert r.policies["never"].total == pytest.approx(8_000)
    assert r.today.total == pytest.approx(48_000) and r.reasoning_spend == pytest.approx(40_000)
    assert r.classes[0].cost_per_request == pytest.approx(0.04)
    # Math: +14 points x $0.50 = $0.07 > $0.04; logic: +12 x $0.50 = $0.06; the rest earn at most $0.002.
    keeps = r.tasks.set_index("task type")["keeps reasoning"]
    assert keeps.tolist() == [True, True, False, False, False]
    math_task = r.tasks.iloc[0]
    assert math_task["monthly gain"] == pytest.approx((0.07 - 0.04) * 0.10 * 1_000_000)  # $3,000
    assert math_task["break-even uplift"] == pytest.approx(0.04 / 0.5)  # 8 points
    assert math_task["per correct, off"] == pytest.approx(0.008 / 0.70)
    assert math_task["per correct, on"] == pytest.approx(0.048 / 0.84)
    assert math_task["break-even tokens"] == pytest.approx(0.07 / 0.04 * 4_000)  # 7,000 tokens
    # Ignoring value, cost per correct answer is unchanged at an uplift of a0 x K / c0 = 0.7 x 0.04 / 0.008 = 350 points.
    assert math_task["uplift for the same cost per correct"] == pytest.approx(3.5)
    # Classification needs 0.04 / $0.10 = 40 points on a task already at 90%: only 10 are left.
    assert r.tasks.iloc[2]["break-even uplift"] == pytest.approx(0.4) and not r.tasks.iloc[2]["break-even reachable"]
    assert math_task["break-even reachable"]
    # Reasoning stays on 20% of requests: $8,000 + 0.2 x $40,000 = $16,000; the lever saves $32,000.
    assert r.after.total == pytest.approx(16_000) and r.saving == pytest.approx(32_000)
    assert r.policies["selective"].reasoned_share == pytest.approx(0.2)
    # R* = 1e6 x sum(s x uplift x V) / $10 = 1e6 x (0.007 + 0.006 + 0.0004 + 0.0005 + 0) / 10 = 1,390 tokens.
    assert r.break_even_tokens == pytest.approx(1_390)
    # Net over never: selective +$3,000 (math) + $2,000 (logic); always: $13,900 more value for $40,000 more bill.
    assert r.policies["selective"].net - r.policies["never"].net == pytest.approx(5_000)
    assert r.policies["always"].net - r.policies["never"].net == pytest.approx(13_900 - 40_000)


def test_lever_splits_the_class_in_two():
    after = rz.apply(PREVIEW, X, CAT)
    kept, dropped = after.classes
    assert (kept.name, kept.requests_per_month, kept.reasoning_tokens) == ("Requests", pytest.approx(200_000), 4_000)
    assert (dropped.name, dropped.requests_per_month, dropped.reasoning_tokens) == (
        "Requests · no reasoning", pytest.approx(800_000), 0)


def test_the_reviewers_double_count_is_gone():
    """The old page added 4,000 reasoning tokens on top of an output that already included them, and the Overview
    took $5,333 off a bill whose whole output spend was $4,000. Now the default workload bills no reasoning: the
    lever does nothing and says why; with reasoning in the workload it saves at most the reasoning spend."""
    assert effect(rz.LEVER, DEFAULT, X, CAT).saving == 0
    assert "no reasoning tokens" in rz.idle(DEFAULT, X, CAT)
    r = rz.evaluate(PREVIEW, X, CAT)
    assert r.saving <= r.today.category("reasoning") == pytest.approx(40_000)


def test_reasoning_that_does_not_earn_its_cost_is_dropped_everywhere():
    # +1 point on answers worth $1 buys $0.01; 4,000 reasoning tokens cost $0.04: every request drops reasoning.
    x = mix(task(a0=0.80, a1=0.81, value=1.0))
    r = rz.evaluate(PREVIEW, x, CAT)
    assert r.saving == pytest.approx(40_000) == pytest.approx(r.reasoning_spend)
    assert [c.reasoning_tokens for c in rz.apply(PREVIEW, x, CAT).classes] == [0]
    assert r.break_even_tokens == pytest.approx(1_000)  # 1e6 x 0.01 / $10


def test_reasoning_that_earns_everywhere_stays():
    x = mix(task(a0=0.5, a1=0.9, value=1.0))  # 40 points x $1 = $0.40 > $0.04
    assert rz.apply(PREVIEW, x, CAT) == PREVIEW
    assert rz.idle(PREVIEW, x, CAT) == "reasoning earns its cost on every task type"


def test_reasoning_cost_counts_retries_steps_and_the_tier_by_hand():
    s = SimpleWorkload(requests_per_month=400_000, input_tokens=3_000, output_tokens=500, prefix_share=0.6,
                       reasoning_tokens=2_000, agent_share=0.2, agent_steps=8, failure_rate=0.1)
    costs = rz.reasoning_cost_per_request(s.workload(), CAT)
    # A single call fails 10% of the time and is retried (3 attempts at most): 1 + 0.1 + 0.01 = 1.11 calls, each
    # billing 95% of its reasoning (a failed attempt bills half): 2,000 x $10/M x 1.11 x 0.95 = $0.02109.
    assert costs[0] == pytest.approx(2_000 * 10 / 1e6 * 1.11 * 0.95)
    loop = AgentLoop(steps=8, tool_result_tokens=100)
    agent = one(requests_per_month=1_000, model_key=SONNET, other_input_tokens=100, output_tokens=50,
                reasoning_tokens=2_000, loop=loop)
    assert rz.reasoning_cost_per_request(agent, CAT) == [pytest.approx(8 * 2_000 * 10 / 1e6)]  # every step reasons
    batch = one(requests_per_month=1_000, model_key=SONNET, other_input_tokens=100, reasoning_tokens=2_000,
                tier="batch")
    assert rz.reasoning_cost_per_request(batch, CAT) == [pytest.approx(2_000 * 5 / 1e6)]  # batch halves output
    assert rz.evaluate(batch, X, CAT).break_even_tokens == pytest.approx(2 * 1_390)
    # Above 200k input tokens Sonnet 4.5 bills output (and so reasoning) at $22.50/MTok.
    long = one(requests_per_month=1_000, model_key=SONNET_45, other_input_tokens=250_000, reasoning_tokens=4_000)
    assert rz.reasoning_cost_per_request(long, CAT) == [pytest.approx(4_000 * 22.5 / 1e6)]


def test_each_class_decides_at_its_own_cost():
    # A single call pays $0.02 of reasoning a request, an 8-step agent task $0.16: math ($0.07) earns on the first only.
    w = Workload(classes=(
        CallClass(name="calls", requests_per_month=1_000, model_key=SONNET, other_input_tokens=100,
                  reasoning_tokens=2_000),
        CallClass(name="agents", requests_per_month=1_000, model_key=SONNET, other_input_tokens=100,
                  reasoning_tokens=2_000, loop=AgentLoop(steps=8)),
    ))
    x = mix(task("math", share=0.5, a0=0.7, a1=0.84, value=0.5), task("chat", share=0.5, a0=0.9, a1=0.9, value=0.1))
    after = rz.apply(w, x, CAT)
    assert [(c.name, c.requests_per_month, c.reasoning_tokens) for c in after.classes] == [
        ("calls", 500, 2_000), ("calls · no reasoning", 500, 0), ("agents", 1_000, 0)]
    r = rz.evaluate(w, x, CAT)
    assert r.saving == pytest.approx(500 * 0.02 + 1_000 * 0.16)


def test_zero_accuracy_is_infinite_cost_per_correct_never_a_crash():
    r = rz.evaluate(PREVIEW, mix(task(a0=0.0, a1=0.0)), CAT)
    row = r.tasks.iloc[0]
    assert math.isinf(row["per correct, off"]) and math.isinf(row["per correct, on"])
    assert r.break_even_tokens is None  # no uplift: no budget earns
    row = rz.evaluate(PREVIEW, mix(task(a0=0.0, a1=0.5)), CAT).tasks.iloc[0]
    assert math.isinf(row["per correct, off"]) and row["per correct, on"] == pytest.approx(0.048 / 0.5)


def test_worthless_answers_have_no_break_even_uplift():
    row = rz.evaluate(PREVIEW, mix(task(value=0.0)), CAT).tasks.iloc[0]
    assert math.isnan(row["break-even uplift"]) and not row["keeps reasoning"]


def test_shares_are_scaled_to_one():
    r = rz.evaluate(PREVIEW, mix(task("a", share=0.2), task("b", share=0.2, a0=0.5, a1=0.5)), CAT)
    assert r.share_total == pytest.approx(0.4) and r.shares_scaled
    assert r.tasks["share"].tolist() == pytest.approx([0.5, 0.5])


def test_cross_field_rules_speak_plainly():
    with pytest.raises(ValidationError, match="add up to 0%"):
        mix(task(share=0.0))
    with pytest.raises(ValidationError, match="same name"):
        mix(task("x"), task("X"))


def test_policy_bills_split_into_answer_and_reasoning():
    frame = rz.policy_frame(rz.evaluate(PREVIEW, X, CAT)).set_index("policy")
    assert frame["answer_cost"].tolist() == pytest.approx([8_000] * 3)
    assert frame["reasoning_cost"].tolist() == pytest.approx([0, 8_000, 40_000])
    assert (frame["answer_cost"] + frame["reasoning_cost"]).tolist() == pytest.approx(frame["bill"].tolist())


def test_preview_budgets_are_the_sourced_ones():
    assert rz.PreviewInputs().budget == 4_000 and rz.EFFORT_BUDGETS == {"low": 1_000, "medium": 4_000, "high": 16_000}


# --- the curve is the bill ------------------------------------------------------------------------------------

LINK_LIKE = SimpleWorkload(requests_per_month=400_000, input_tokens=3_000, output_tokens=500, prefix_share=0.6,
                           reasoning_tokens=2_000, agent_share=0.2, agent_steps=8, failure_rate=0.1).workload()


# GPT-5 caches on its own: the hit rate is derived from the traffic (None). 3,000 requests a month keep the cache
# warm only part of the time: h = 1 - exp(-3,000 / 730 / 12) = 29.0% before agent steps add their calls.
AUTO_CACHED = SimpleWorkload(model_key="openai/gpt-5", cache_hit_rate=None, requests_per_month=3_000,
                             reasoning_tokens=2_000, agent_share=0.3).workload()


@pytest.mark.parametrize("w", [PREVIEW, LINK_LIKE, AUTO_CACHED], ids=["preview", "mixed", "gpt-5 derived hit rate"])
def test_curve_equals_price_at_the_current_and_other_budgets(w):
    r = rz.evaluate(w, X, CAT)
    current = r.mean_reasoning_tokens
    curve = rz.policy_curve(r, X, points=5, max_tokens=4 * current).set_index("reasoning_tokens")
    for budget in curve.index:
        scaled = w.map(lambda c, f=budget / current: c.model_copy(update={"reasoning_tokens": c.reasoning_tokens * f}))
        at = rz.evaluate(scaled, X, CAT) if budget > 0 else None
        always = price(scaled, CAT).total
        selective = price(rz.apply(scaled, X, CAT), CAT).total
        assert curve.loc[budget, "always_bill"] == pytest.approx(always, rel=1e-12)
        assert curve.loc[budget, "selective_bill"] == pytest.approx(selective, rel=1e-12)
        if at is not None:
            never = at.policies["never"]
            assert curve.loc[budget, "always_gain"] == pytest.approx(at.policies["always"].net - never.net, rel=1e-9,
                                                                     abs=1e-6)
            assert curve.loc[budget, "selective_gain"] == pytest.approx(at.policies["selective"].net - never.net,
                                                                        rel=1e-9, abs=1e-6)


def test_always_on_gain_is_zero_at_the_break_even_budget():
    r = rz.evaluate(LINK_LIKE, X, CAT)
    be = r.break_even_tokens
    curve = rz.policy_curve(r, X, points=3, max_tokens=2 * be)  # grid 0, R*, 2R*
    assert curve.loc[curve["reasoning_tokens"] == be, "always_gain"].iloc[0] == pytest.approx(0, abs=1e-6)


# --- properties -------------------------------------------------------------------------------------------------

fraction = st.floats(0, 1, allow_nan=False)
task_strategy = st.tuples(st.floats(0.01, 1), fraction, fraction, st.floats(0, 1_000))


def _mix(raw) -> rz.ReasoningInputs:
    return mix(*(task(f"t{i}", s, a0, a1, v) for i, (s, a0, a1, v) in enumerate(raw)))


@settings(max_examples=40)
@given(w=workloads(), raw=st.lists(task_strategy, min_size=1, max_size=5))
def test_saving_never_exceeds_the_reasoning_spend(w, raw):
    x = _mix(raw)
    e = effect(rz.LEVER, w, x, CAT)
    tol = 1e-9 * max(1.0, e.before.total)
    assert -tol <= e.saving <= e.before.category("reasoning") + tol
    assert e.saving == pytest.approx(price(w, CAT).total - price(rz.apply(w, x, CAT), CAT).total)


@settings(max_examples=30)
@given(w=workloads(), raw=st.lists(task_strategy, min_size=1, max_size=5))
def test_selective_is_never_worse_than_always_or_never(w, raw):
    r = rz.evaluate(w, _mix(raw), CAT)
    nets = {p: r.policies[p].net for p in rz.POLICIES}
    tol = 1e-9 * max(1.0, *map(abs, nets.values()))
    assert nets["selective"] >= max(nets["always"], nets["never"]) - tol
    bills = [r.policies[p].total for p in rz.POLICIES]
    assert bills[0] <= bills[1] + tol <= bills[2] + 2 * tol
    assert np.isfinite(rz.policy_curve(r, _mix(raw), points=11)[["always_bill", "selective_bill"]].to_numpy()).all()


def test_derived_hit_rate_does_not_change_the_reasoning_cost_by_hand():
    # GPT-5 output is $10/MTok: 2,000 reasoning tokens cost $0.02 a single request, and $0.20 an agent task of 10 calls
    # (reasoning is billed on every step), whatever the cache's hit rate: reasoning tokens are not input.
    costs = rz.reasoning_cost_per_request(AUTO_CACHED, CAT)
    assert costs == [pytest.approx(0.02), pytest.approx(0.20)]
    r = rz.evaluate(AUTO_CACHED, X, CAT)
    assert r.saving == pytest.approx(effect(rz.LEVER, AUTO_CACHED, X, CAT).saving, rel=1e-12)
    # Single calls: math ($0.07) and logic ($0.06) earn their $0.02; agent tasks: nothing earns $0.20.
    # Dropped: 80% of 2,100 requests x $0.02 + 100% of 900 tasks x $0.20 = $33.60 + $180 = $213.60.
    assert r.saving == pytest.approx(0.8 * 2_100 * 0.02 + 900 * 0.20, abs=1e-9)


HALF_UNPRICED = Workload(classes=(
    CallClass(name="Known", requests_per_month=100_000, model_key=SONNET, other_input_tokens=2_000, output_tokens=400,
              reasoning_tokens=2_000),
    CallClass(name="Mystery", requests_per_month=900_000, model_key="acme/secret-model-9", other_input_tokens=2_000,
              output_tokens=400, reasoning_tokens=2_000)))


def test_an_unpriced_class_is_left_alone_never_free():
    """A class on a model with no price would have a reasoning cost of $0 per request, so every task type with any
    uplift would 'earn' it. Its cost is unknown, not zero: the lever leaves it as it is and says so."""
    w = HALF_UNPRICED
    assert rz.reasoning_cost_per_request(w, CAT) == [pytest.approx(0.02), None]
    assert rz.unpriced_reasoning(w, CAT) == ("Mystery",)
    after = rz.apply(w, X, CAT)
    assert after.classes[-1] == w.classes[1]
    r = rz.evaluate(w, X, CAT)
    assert [k.name for k in r.classes] == ["Known"]
    # Known: 80% of 100,000 requests drop $0.02 of reasoning: $1,600.
    assert r.saving == pytest.approx(1_600)
    alone = Workload(classes=(w.classes[1],))
    assert rz.idle(alone, X, CAT) == ("its classes that reason run on models with no price: their reasoning cost is "
                                      "unknown")
    assert rz.apply(alone, X, CAT) == alone


def test_no_requests_gives_an_empty_analysis_not_a_crash():
    w = one(requests_per_month=0, model_key=SONNET, other_input_tokens=2_000, output_tokens=400,
            reasoning_tokens=2_000)
    r = rz.evaluate(w, X, CAT)
    assert r.classes == () and r.saving == 0 and r.break_even_tokens is None
    assert list(r.tasks.columns) == list(rz.TASK_COLUMNS) and r.tasks.empty
    assert r.tasks.loc[r.tasks["keeps reasoning"], "task type"].tolist() == []  # what the page reads
    assert rz.idle(w, X, CAT) == "the workload bills no reasoning tokens (set them in the sidebar's anatomy)"


# --- on the draw axis (calculators/draws.py; tests/test_draws.py reconciles the lever over random workloads) --------


def test_on_the_draw_axis_each_draw_takes_its_own_decision():
    """The Overview's benchmark workload over the default ranges: an agent task's reasoning costs about $0.06 to $0.17,
    so math ($0.07 a request) and logic ($0.06) keep reasoning in some draws and drop it in others. Each draw's money
    is the one-draw waterfall's."""
    sidebar = SimpleWorkload(agent_share=0.2, failure_rate=0.05, reasoning_tokens=1000)
    chain, inputs = chain_of(sidebar, ("reasoning",), wide=False)
    n = 200
    sample = u.draws(inputs, n, 1)
    wd = draws.from_sidebar(sidebar, {k.partition(".")[2]: v for k, v in sample.items()}, n)
    costs = rz.reasoning_cost_per_request_draws(wd, CAT)
    agent = [cost for v, cost in zip(wd.variants, costs, strict=True) if v.c.loop is not None]
    kept = np.unique(np.concatenate([rz._kept_share_draws(X, cost) for cost in agent]))
    assert len(kept) >= 2
    reconcile(chain, inputs, n, 1)


@pytest.mark.parametrize("w", [AUTO_CACHED, PREVIEW, HALF_UNPRICED], ids=["derived hit rates", "preview", "unpriced"])
def test_on_the_draw_axis_a_fixed_workload_saves_what_apply_saves(w):
    mixes = [X, mix(task("a", 0.5, 0.5, 0.6, 0.2), task("b", 0.5, 0.5, 0.6, 0.3)), mix(task(value=0.0))]
    for x in mixes:
        o = draws.waterfall_draws(draws.from_workload(w, 3), [(rz.LEVER, x)], CAT)
        assert o.savings["reasoning"] == pytest.approx([effect(rz.LEVER, w, x, CAT).saving] * 3, rel=1e-12, abs=1e-9)


def test_a_class_named_as_the_split_names_its_part_is_priced_one_draw_at_a_time():
    """`Workload.map` numbers a repeated name (the later 'Known · no reasoning' becomes '... (2)'); the draw axis does
    not, so it declines (the Monte Carlo then prices one draw at a time)."""
    w = HALF_UNPRICED.replace([*HALF_UNPRICED.classes, copied(HALF_UNPRICED.classes[0], name="Known · no reasoning")])
    with pytest.raises(draws.NotOnDrawAxis):
        rz.apply_draws(draws.from_workload(w, 3), X, CAT)
    assert "Known · no reasoning (2)" in [c.name for c in rz.apply(w, X, CAT).classes]


def test_valid_draws_is_the_rule_over_draws():
    tasks = (rz.TaskType.model_construct(name="a", share=np.array([0.0, 0.5, 0.0]), accuracy_without=0.5,
                                         accuracy_with=0.6, value_correct=1.0),
             rz.TaskType.model_construct(name="b", share=np.array([0.0, 0.0, 1e-9]), accuracy_without=0.5,
                                         accuracy_with=0.6, value_correct=1.0))
    x = rz.ReasoningInputs.model_construct(tasks=tasks)
    assert rz.ReasoningInputs.valid_draws(x).tolist() == [False, True, True]
    same_name = rz.ReasoningInputs.model_construct(tasks=(tasks[0], rz.TaskType.model_construct(**{
        **dict(tasks[1]), "name": " A "})))
    assert rz.ReasoningInputs.valid_draws(same_name).tolist() == [False, False, False]


def test_every_outcome_of_the_split_in_every_draw():
    """Each outcome of a class's decision (nothing kept, a share kept, all kept, and `split`'s own branches: 1 - a share
    of 1e-17 is 1.0, a kept share a rounding above 1), draw by draw, is the scalar `_reason_where_it_earns`'s."""
    c = CallClass(name="c", requests_per_month=1_000, model_key=SONNET, other_input_tokens=2_000, output_tokens=400,
                  reasoning_tokens=2_000)
    kept = np.array([0.0, -0.5, 0.3, 1e-17, 1.0, 1 + 2e-16, 0.7])
    parts = rz._reason_where_it_earns_draws(draws.Variant(c), kept)
    assert len(parts) == 2

    def at(value, i):
        return float(np.broadcast_to(value, kept.shape)[i])

    for i, k in enumerate(kept):
        after = rz._reason_where_it_earns(c, float(k))
        want = [(m.name, m.requests_per_month, m.reasoning_tokens) for m in (after if isinstance(after, list)
                                                                              else [after])]
        got = [(p.c.name, at(p.c.requests_per_month, i), at(p.c.reasoning_tokens, i))
               for p in parts if p.active is None or p.active[i]]
        assert got == want, i
    costs = [0.0, 0.065, 0.0015, 0.0, 1.0]
    want = [1.0] + [rz._kept_share(X, cost) for cost in costs]  # unknown cost (NaN): the class is left as it is
    assert rz._kept_share_draws(X, np.array([np.nan, *costs])).tolist() == want
    assert want[1:] == pytest.approx([0.85, 0.1, 0.45, 0.85, 0.0])
