"""Model right-sizing: hand-computed policies, closed-form break-evens, validation and properties."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from calculators import right_sizing as rs
from calculators.prices import ModelPrices, TieredRate, build_catalogue, request_cost
from calculators.right_sizing import RightSizingInputs, TaskClass


def model(key: str, inp: float, out: float) -> ModelPrices:
    return ModelPrices(provider_id="t", provider_name="Test", model_id=key, model_name=key,
                       input=TieredRate(base=inp), output=TieredRate(base=out), source="test", source_date="2026")


BIG, SMALL = model("big", 10.0, 50.0), model("small", 1.0, 5.0)
PRICES = {"t/big": BIG, "t/small": SMALL}
# Class A: 1,000 in / 100 out: big $0.015 per attempt, small $0.0015.
# Class B: 2,000 in / 500 out: big $0.045 per attempt, small $0.0045.
CLASSES = (TaskClass(name="A", share=0.6, input_tokens=1_000, output_tokens=100),
           TaskClass(name="B", share=0.4, input_tokens=2_000, output_tokens=500))
RATES = ((0.95, 0.90), (0.90, 0.50))  # rows A, B; columns big, small


def inputs(**kw) -> RightSizingInputs:
    base = dict(requests_per_month=100_000, classes=CLASSES, candidates=("t/big", "t/small"), pass_rates=RATES,
                one_model="t/big", quality_bar=0.85)
    return RightSizingInputs(**(base | kw))


def test_attempt_costs_by_hand():
    costs = rs.attempt_costs(inputs(), PRICES)
    assert costs == pytest.approx(np.array([[0.015, 0.0015], [0.045, 0.0045]]))


def test_redo_policy_by_hand():
    r = rs.evaluate(inputs(), PRICES)
    # One model (big): A 0.015/0.95 = 0.0157895, B 0.045/0.9 = 0.05; per request 0.6 x 0.0157895 + 0.4 x 0.05.
    assert r.one_model_per_request == pytest.approx(0.6 * 0.015 / 0.95 + 0.4 * 0.05)
    assert r.one_model_monthly == pytest.approx(100_000 * 0.0294736842)
    # Per class at a 85% bar: A on small (90% passes, 0.0015/0.9), B stays on big (small passes only 50%).
    assert [c.chosen_model for c in r.classes] == ["t/small", "t/big"]
    assert r.share_moved == pytest.approx(0.6)
    assert r.per_class_per_request == pytest.approx(0.6 * 0.0015 / 0.9 + 0.4 * 0.05)  # 0.021
    assert r.per_class_monthly == pytest.approx(2_100)
    assert r.savings_monthly == pytest.approx(2_947.36842 - 2_100, rel=1e-6)
    assert r.savings_multiple == pytest.approx(2_947.36842 / 2_100, rel=1e-6)
    assert r.per_class_quality == pytest.approx(0.6 * 0.90 + 0.4 * 0.90)
    assert r.one_model_quality == pytest.approx(0.6 * 0.95 + 0.4 * 0.90)
    assert not r.unmet_classes


def test_escalate_policy_by_hand():
    r = rs.evaluate(inputs(failure_mode="escalate"), PRICES)
    # A on small: one attempt 0.0015, 10% fail and go to big, redone until it passes: 0.1 x 0.015/0.95.
    a = 0.0015 + 0.1 * 0.015 / 0.95
    assert r.classes[0].chosen_cost == pytest.approx(a)
    assert r.per_class_per_request == pytest.approx(0.6 * a + 0.4 * 0.05)
    # The one model escalating to itself is just redo: c / p.
    assert r.one_model_per_request == pytest.approx(0.6 * 0.015 / 0.95 + 0.4 * 0.05)


def test_lower_bar_admits_the_small_model_everywhere():
    r = rs.evaluate(inputs(quality_bar=0.4), PRICES)
    assert [c.chosen_model for c in r.classes] == ["t/small", "t/small"]
    assert r.per_class_per_request == pytest.approx(0.6 * 0.0015 / 0.9 + 0.4 * 0.0045 / 0.5)
    escalate = rs.evaluate(inputs(quality_bar=0.4, failure_mode="escalate"), PRICES)
    assert escalate.classes[1].chosen_cost == pytest.approx(0.0045 + 0.5 * 0.05)  # still below big's 0.05


def test_break_even_pass_rate_closed_form():
    r = rs.evaluate(inputs(), PRICES)
    # p* = p_s x c_m / c_s = 0.95 x 0.0015 / 0.015 = 0.095 on class A.
    assert r.classes[0].break_even_pass_rate == pytest.approx(0.095)
    table = rs.break_even_pass_rates(inputs(), PRICES)
    assert table[1, 1] == pytest.approx(0.9 * 0.0045 / 0.045)
    # At exactly that pass rate the two models cost the same per successful task, in both failure modes.
    for mode in ("redo", "escalate"):
        x = inputs(pass_rates=((0.95, 0.095), (0.90, 0.50)), quality_bar=0.0, failure_mode=mode)
        cost = rs.success_costs(x, rs.attempt_costs(x, PRICES), rs.pass_matrix(x))
        assert cost[0, 1] == pytest.approx(cost[0, 0])


def test_break_even_pass_rate_above_100_is_none():
    dear = {"t/big": BIG, "t/small": model("small", 100.0, 500.0)}
    assert rs.break_even_pass_rates(inputs(), dear)[0, 1] is None  # 0.95 x 10 > 1


def test_break_even_bar_from_breakpoints():
    r = rs.evaluate(inputs(), PRICES)
    # Bars up to 90% keep A on small (a saving); above 90% small no longer qualifies on A, and on B nothing does.
    assert r.break_even_bar == pytest.approx(0.90)
    assert not r.saves_at_every_bar
    assert rs.evaluate(inputs(quality_bar=0.90), PRICES).savings_monthly > 0
    assert rs.evaluate(inputs(quality_bar=0.9001), PRICES).savings_monthly == pytest.approx(0)


def test_right_sizing_can_cost_more():
    # The lever loses money: the one model is the small one, and the bar forces class B up to the big model.
    r = rs.evaluate(inputs(one_model="t/small"), PRICES)
    assert [c.chosen_model for c in r.classes] == ["t/small", "t/big"]
    assert r.one_model_per_request == pytest.approx(0.6 * 0.0015 / 0.9 + 0.4 * 0.0045 / 0.5)  # 0.0046
    assert r.per_class_per_request == pytest.approx(0.021)
    assert r.savings_monthly < 0 and r.savings_multiple < 1
    assert r.break_even_bar is None  # no bar saves: below 50% both policies are the same, above it costs more


def test_no_candidate_meets_the_bar_keeps_the_one_model():
    r = rs.evaluate(inputs(quality_bar=0.99), PRICES)
    assert r.unmet_classes == ("A", "B")
    assert all(c.chosen_model == "t/big" and not c.meets_bar for c in r.classes)
    assert r.savings_monthly == pytest.approx(0)


def test_unevaluated_model_is_never_picked():
    r = rs.evaluate(inputs(pass_rates=((0.95, None), (0.90, 0.50)), quality_bar=0.0), PRICES)
    assert r.classes[0].chosen_model == "t/big" and r.classes[1].chosen_model == "t/small"


def test_zero_pass_rate_is_never_picked_even_at_a_zero_bar():
    r = rs.evaluate(inputs(pass_rates=((0.95, 0.0), (0.90, 0.0)), quality_bar=0.0), PRICES)
    assert all(c.chosen_model == "t/big" for c in r.classes)
    assert math.isfinite(r.per_class_monthly)


def test_long_context_cliff_is_honoured():
    cat = build_catalogue()
    key = "anthropic/claude-sonnet-4-5"  # has a 200k-token tier
    prices = {key: cat.get(key)}
    big = TaskClass(name="Long", share=1.0, input_tokens=300_000, output_tokens=1_000)
    x = RightSizingInputs(requests_per_month=1, classes=(big,), candidates=(key,), pass_rates=((1.0,),),
                          one_model=key)
    assert rs.evaluate(x, prices).one_model_per_request == pytest.approx(request_cost(prices[key], 300_000, 1_000))
    assert rs.evaluate(x, prices).one_model_per_request > 300_000 * 3 / 1e6 + 1_000 * 15 / 1e6  # above base rates


@pytest.mark.parametrize(("change", "message"), [
    (dict(classes=(CLASSES[0].model_copy(update={"share": 0.5}), CLASSES[1])), "add up to 90.0%"),
    (dict(classes=(CLASSES[0], CLASSES[0].model_copy(update={"share": 0.4}))), "repeated: A"),
    (dict(pass_rates=((None, 0.9), (0.9, 0.5))), "no pass rate for 'A'"),
    (dict(pass_rates=((0.0, 0.9), (0.9, 0.5))), "never passes 'A'"),
    (dict(one_model="t/other"), "must be one of the candidates"),
    (dict(candidates=("t/big", "t/big")), "only once"),
    (dict(pass_rates=((0.95, 0.9),)), "one row per task class"),
    (dict(pass_rates=((0.95, 1.2), (0.9, 0.5))), "between 0% and 100%"),
])
def test_validation_messages(change, message):
    with pytest.raises(ValidationError, match=message):
        inputs(**change)


def test_defaults_match_the_default_workload():
    shares = np.array([c.share for c in rs.DEFAULT_CLASSES])
    assert shares.sum() == pytest.approx(1)
    assert shares @ [c.input_tokens for c in rs.DEFAULT_CLASSES] == pytest.approx(2_000)
    assert shares @ [c.output_tokens for c in rs.DEFAULT_CLASSES] == pytest.approx(400)
    keys = build_catalogue().keys()
    assert rs.default_candidates("anthropic/claude-sonnet-5-5", keys) == [
        "anthropic/claude-sonnet-5-5", "anthropic/claude-haiku-5-5", "openai/gpt-5-mini"]
    assert rs.default_pass_rate(0, "Summaries") == 0.95 and rs.default_pass_rate(5, "Summaries") is None


def test_frontier_and_curve_cover_every_policy():
    x = inputs()
    points = rs.frontier(x, PRICES)
    singles = points[points["kind"] == "one model"].set_index("label")
    assert singles.loc["t/big", "monthly_cost"] == pytest.approx(rs.evaluate(x, PRICES).one_model_monthly)
    assert singles.loc["t/small", "quality"] == pytest.approx(0.6 * 0.9 + 0.4 * 0.5)
    curve = rs.savings_vs_bar(x, PRICES)
    assert list(curve["quality_bar"]) == [0.0, 0.5, 0.9, 0.95, 1.0]


# --- properties -------------------------------------------------------------------------------------

rate = st.floats(0.01, 1.0)
price = st.floats(0.01, 100.0)


@st.composite
def problems(draw):
    n_classes = draw(st.integers(1, 4))
    n_models = draw(st.integers(1, 4))
    weights = draw(st.lists(st.floats(0.05, 1.0), min_size=n_classes, max_size=n_classes))
    shares = [w / sum(weights) for w in weights]
    shares[-1] = 1.0 - sum(shares[:-1])
    classes = tuple(
        TaskClass(name=f"c{i}", share=max(s, 0.0), input_tokens=draw(st.integers(0, 50_000)),
                  output_tokens=draw(st.integers(0, 5_000)))
        for i, s in enumerate(shares)
    )
    prices = {f"t/m{j}": model(f"m{j}", draw(price), draw(price)) for j in range(n_models)}
    rates = tuple(
        tuple(draw(rate) if j == 0 else draw(st.one_of(st.none(), st.floats(0.0, 1.0))) for j in range(n_models))
        for _ in classes
    )
    mode = draw(st.sampled_from(["redo", "escalate"]))
    return classes, prices, rates, mode


@given(problems(), st.floats(0, 1))
def test_per_class_never_costs_more_when_the_one_model_meets_the_bar(problem, fraction):
    classes, prices, rates, mode = problem
    one_min = min(row[0] for row in rates)
    x = RightSizingInputs(requests_per_month=1_000, classes=classes, candidates=tuple(prices), pass_rates=rates,
                          one_model="t/m0", quality_bar=fraction * one_min, failure_mode=mode)
    r = rs.evaluate(x, prices)
    assert r.per_class_monthly <= r.one_model_monthly * (1 + 1e-9) + 1e-12
    assert not r.unmet_classes


@given(problems())
def test_curve_matches_scalar(problem):
    classes, prices, rates, mode = problem
    x = RightSizingInputs(requests_per_month=5_000, classes=classes, candidates=tuple(prices), pass_rates=rates,
                          one_model="t/m0", failure_mode=mode)
    curve = rs.savings_vs_bar(x, prices)
    for bar, savings in zip(curve["quality_bar"], curve["savings"], strict=True):
        scalar = rs.evaluate(x.model_copy(update={"quality_bar": float(bar)}), prices).savings_monthly
        assert savings == pytest.approx(scalar, rel=1e-9, abs=1e-9)


@given(problems(), st.floats(0, 1))
def test_break_even_bar_is_the_last_bar_that_saves(problem, bar):
    classes, prices, rates, mode = problem
    x = RightSizingInputs(requests_per_month=5_000, classes=classes, candidates=tuple(prices), pass_rates=rates,
                          one_model="t/m0", failure_mode=mode, quality_bar=bar)
    r = rs.evaluate(x, prices)
    tol = 1e-9 * max(1.0, r.one_model_monthly)
    if r.break_even_bar is None:
        assert r.savings_monthly <= tol
    else:
        at = rs.evaluate(x.model_copy(update={"quality_bar": r.break_even_bar}), prices)
        assert at.savings_monthly > 0
        if bar > r.break_even_bar:
            assert r.savings_monthly <= tol


@given(problems(), st.integers(0, 10_000_000), st.floats(0, 1))
def test_no_crash_and_sane_bounds(problem, volume, bar):
    classes, prices, rates, mode = problem
    x = RightSizingInputs(requests_per_month=volume, classes=classes, candidates=tuple(prices), pass_rates=rates,
                          one_model="t/m0", failure_mode=mode, quality_bar=bar)
    r = rs.evaluate(x, prices)
    assert math.isfinite(r.per_class_monthly) and r.per_class_monthly >= 0
    assert 0 <= r.per_class_quality <= 1
    attempt = rs.attempt_costs(x, prices)
    for c, k in zip(r.classes, range(len(classes)), strict=True):
        chosen = x.candidates.index(c.chosen_model)
        assert c.chosen_cost >= attempt[k, chosen] * (1 - 1e-12)  # failures never make a task cheaper
    if volume == 0:
        assert r.savings_monthly == 0 and r.savings_multiple is None
