"""Routing and cascades: hand-computed costs, closed-form break-evens, a router that raises the bill, properties."""
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from calculators import routing as rt
from calculators.prices import build_catalogue
from calculators.routing import RoutingInputs


def inputs(**kw) -> RoutingInputs:
    base = dict(requests_per_month=1_000_000, cheap_call_cost=0.001, strong_call_cost=0.01, router_cost_per_1k=0.0,
                user_retry=0.0)
    return RoutingInputs(**(base | kw))


def test_perfect_router_without_retries_by_hand():
    x = inputs(simple_share=0.5, simple_to_cheap=1.0, complex_to_cheap=0.0)
    r = rt.evaluate(x)
    # Half the traffic at $0.001, half at $0.01: $0.0055 per request against $0.01.
    assert r.per_request == pytest.approx(0.0055)
    assert r.baseline_per_request == pytest.approx(0.01)
    assert r.savings_monthly == pytest.approx(4_500)
    assert r.escalation_rate == pytest.approx(0.5)
    assert r.accuracy == pytest.approx(1.0)
    assert r.quality == pytest.approx(0.5 * 0.95 + 0.5 * 0.95)


def test_user_retries_by_hand():
    x = inputs(simple_share=0.5, simple_to_cheap=1.0, complex_to_cheap=0.0, cheap_success_simple=0.9,
               strong_success=0.95, user_retry=0.5)
    r = rt.evaluate(x)
    # Simple: bad 10%, attempts 1 / (1 - 0.5 x 0.1) = 1.05263; complex: bad 5%, attempts 1 / (1 - 0.025) = 1.02564.
    simple, complex_ = 0.001 / (1 - 0.05), 0.01 / (1 - 0.025)
    assert r.per_request == pytest.approx(0.5 * simple + 0.5 * complex_)
    assert r.baseline_per_request == pytest.approx(0.01 / 0.975)
    assert r.attempts_per_request == pytest.approx(0.5 / 0.95 + 0.5 / 0.975)
    assert r.quality == pytest.approx(0.5 * 0.9 + 0.5 * 0.95)
    assert r.eventual_success == pytest.approx(0.5 * 0.9 / 0.95 + 0.5 * 0.95 / 0.975)
    parts = r.cost_parts
    assert sum(parts.values()) == pytest.approx(r.per_request)
    assert parts["retries"] == pytest.approx(r.per_request - 0.0055)


def test_router_fee_and_fallback_by_hand():
    x = inputs(simple_share=1.0, simple_to_cheap=1.0, cheap_success_simple=0.8, fallback_catch=0.5,
               router_cost_per_1k=0.5, strong_success=0.9)
    r = rt.evaluate(x)
    # Every request: router $0.0005 + cheap $0.001; 20% bad, half of them caught and re-run on strong ($0.01).
    assert r.per_request == pytest.approx(0.0005 + 0.001 + 0.2 * 0.5 * 0.01)
    # Bad answers reaching the user: 20% x (1 - 0.5 x 0.9) = 11%.
    assert r.quality == pytest.approx(1 - 0.2 * (1 - 0.5 * 0.9))


def test_cascade_by_hand():
    x = inputs(mode="cascade", simple_share=0.5, cheap_success_simple=0.9, cheap_success_complex=0.4,
               strong_success=0.95, catch_rate=1.0, false_escalation=0.0)
    r = rt.evaluate(x)
    # A perfect score escalates exactly the bad cheap answers: 10% of simple, 60% of complex.
    assert r.escalation_rate == pytest.approx(0.35)
    assert r.per_request == pytest.approx(0.5 * (0.001 + 0.1 * 0.01) + 0.5 * (0.001 + 0.6 * 0.01))  # 0.0045
    # Only escalated answers can still be bad (the strong model fails 5% of them).
    assert r.quality == pytest.approx(1 - (0.5 * 0.1 + 0.5 * 0.6) * 0.05)
    assert r.accuracy == pytest.approx(1.0)


def test_cascade_break_even_escalation_closed_form():
    # No retries: cost = c_cheap + e x c_strong, so savings vanish at e* = 1 - c_cheap / c_strong = 50%.
    x = inputs(mode="cascade", cheap_call_cost=0.005, simple_share=0.5, cheap_success_simple=0.9,
               cheap_success_complex=0.4, catch_rate=1.0, false_escalation=0.2)
    assert rt.evaluate(x).break_even_escalation == pytest.approx(0.5, abs=1e-12)


def test_router_break_even_escalation_closed_form():
    # No retries: savings = (1 - e)(c_strong - c_cheap) - r, zero at e* = 1 - r / (c_strong - c_cheap) = 75%.
    x = inputs(cheap_call_cost=0.002, router_cost_per_1k=2.0, simple_share=0.7, complex_to_cheap=0.1)
    assert rt.evaluate(x).break_even_escalation == pytest.approx(0.75, abs=1e-12)


def test_break_even_accuracy_is_a_root():
    x = inputs(cheap_call_cost=0.004, strong_call_cost=0.008, router_cost_per_1k=0.5, simple_share=0.7,
               simple_to_cheap=0.9, complex_to_cheap=0.2, cheap_success_complex=0.1, user_retry=0.9)
    r = rt.evaluate(x)
    assert r.break_even_accuracy is not None
    # Rebuild the router at that accuracy: errors (10%, 20%) scaled together as lam x (0.5, 1).
    lam = (1 - r.break_even_accuracy) / (0.7 * 0.5 + 0.3 * 1.0)
    at = rt.evaluate(x.model_copy(update={"simple_to_cheap": 1 - lam * 0.5, "complex_to_cheap": lam}))
    assert at.savings_monthly == pytest.approx(0, abs=1e-6)
    curve = rt.savings_vs_accuracy(x)
    above = curve[curve["accuracy"] > r.break_even_accuracy + 1e-6]["savings"]
    below = curve[curve["accuracy"] < r.break_even_accuracy - 1e-6]["savings"]
    assert (above > 0).all() and (below < 0).all()


def test_cascade_that_raises_the_bill():
    cat = build_catalogue()
    cheap, strong = cat.get(rt.TRAP_CHEAP_MODEL), cat.get("anthropic/claude-sonnet-5-5")
    c_cheap, c_strong = rt.call_costs(strong, cheap, 2_000, 400)
    assert (c_cheap, c_strong) == pytest.approx((0.004, 0.008))  # Haiku 4.5 at half of Sonnet 5.5's price
    planned = RoutingInputs(requests_per_month=1_000_000, cheap_call_cost=c_cheap, strong_call_cost=c_strong,
                            mode="cascade")
    plan = rt.evaluate(planned)
    assert plan.escalation_rate == pytest.approx(0.30, abs=0.01) and plan.savings_monthly > 0
    actual = rt.evaluate(planned.model_copy(update=rt.TRAP_SETTINGS))
    assert actual.escalation_rate == pytest.approx(0.60, abs=0.01)
    assert actual.savings_monthly < 0  # the cascade now costs more than sending everything to the strong model
    assert actual.quality < plan.quality  # and answers are worse, so users retry more
    assert actual.attempts_per_request > plan.attempts_per_request
    assert plan.escalation_rate < plan.break_even_escalation
    assert actual.break_even_escalation < actual.escalation_rate


def test_router_that_raises_the_bill():
    # Escalating 60% where 30% was planned, a model at half price, and poor answers on what it keeps.
    planned = inputs(cheap_call_cost=0.005, simple_share=0.7, simple_to_cheap=1.0, complex_to_cheap=0.0,
                     router_cost_per_1k=2.0, cheap_success_complex=0.1, user_retry=0.9)
    assert rt.evaluate(planned).escalation_rate == pytest.approx(0.30)
    assert rt.evaluate(planned).savings_monthly > 0
    actual = rt.evaluate(planned.model_copy(update={"simple_to_cheap": 0.5, "complex_to_cheap": 0.3}))
    assert actual.escalation_rate == pytest.approx(0.7 * 0.5 + 0.3 * 0.7)  # 56%
    assert actual.savings_monthly < 0


def test_latency_paths():
    x = inputs(simple_share=0.8, simple_to_cheap=1.0, complex_to_cheap=0.0, router_latency_ms=50,
               cheap_latency_ms=800, strong_latency_ms=2_500)
    r = rt.evaluate(x)
    assert r.p50_latency_ms == 850  # 80% of requests take router + cheap
    assert r.mean_latency_ms == pytest.approx(0.8 * 850 + 0.2 * 2_550)
    assert r.baseline_p50_latency_ms == 2_500
    slow = rt.evaluate(x.model_copy(update={"mode": "cascade", "catch_rate": 1.0, "false_escalation": 0.7}))
    assert slow.p50_latency_ms == 50 + 800 + 2_500  # most answers are escalated: cheap, then strong


def test_default_cheap_model():
    cat = build_catalogue()
    index = {m.key: m for m in cat.models}
    assert rt.default_cheap_model(index["anthropic/claude-sonnet-5-5"], index, 2_000, 400) == \
        "anthropic/claude-haiku-5-5"
    assert rt.default_cheap_model(index["openai/gpt-5"], index, 2_000, 400) == "openai/gpt-5-mini"
    assert rt.default_cheap_model(index["openai/gpt-5"], cat, 2_000, 400) == "openai/gpt-5-mini"  # the catalogue
    # Nothing Anthropic lists is cheaper than Haiku 5.5 ($0.0004 a call): the first cheaper fallback,
    # Gemini 2.5 Flash-Lite at $0.00036, is offered.
    haiku = index["anthropic/claude-haiku-5-5"]
    assert rt.default_cheap_model(haiku, index, 2_000, 400) == "google/gemini-2.5-flash-lite"
    # And the strong model itself when nothing is cheaper.
    free = haiku.model_copy(update={"input": haiku.input.model_copy(update={"base": 0.0, "tiers": ()}),
                                    "output": haiku.output.model_copy(update={"base": 0.0, "tiers": ()})})
    assert rt.default_cheap_model(free, index, 2_000, 400) == haiku.key


def test_zero_volume_and_free_models_never_crash():
    r = rt.evaluate(inputs(requests_per_month=0, cheap_call_cost=0.0, strong_call_cost=0.0))
    assert r.savings_monthly == 0 and r.savings_share is None
    assert r.break_even_escalation is None and r.break_even_accuracy is None


# --- properties -------------------------------------------------------------------------------------

unit = st.floats(0, 1)


@st.composite
def routing_inputs(draw, mode=None):
    strong = draw(st.floats(1e-5, 1.0))
    return RoutingInputs(
        requests_per_month=draw(st.integers(0, 10_000_000)),
        cheap_call_cost=draw(st.floats(0, 1.0)) * strong, strong_call_cost=strong,
        mode=mode or draw(st.sampled_from(["router", "cascade"])),
        simple_share=draw(unit), simple_to_cheap=draw(unit), complex_to_cheap=draw(unit),
        fallback_catch=draw(unit), catch_rate=draw(unit), false_escalation=draw(unit),
        cheap_success_simple=draw(unit), cheap_success_complex=draw(unit), strong_success=draw(unit),
        user_retry=draw(st.floats(0, 0.95)), router_cost_per_1k=draw(st.floats(0, 10)),
    )


def with_false_escalation(x: RoutingInputs, rate: float) -> RoutingInputs:
    field = {"router": ("simple_to_cheap", 1 - rate), "cascade": ("false_escalation", rate)}[x.mode]
    return x.model_copy(update={field[0]: field[1]})


@given(routing_inputs(), unit, unit)
def test_savings_fall_as_false_escalations_rise(x, a, b):
    # A simple request is one the cheap model serves as well as the strong one; a direct escalation
    # costs no more than a cheap call that may fall back.
    assume(x.cheap_success_simple >= x.strong_success)
    assume(x.cheap_call_cost <= x.strong_call_cost * (1 - x.fallback_catch * (1 - x.cheap_success_simple)))
    lo, hi = sorted((a, b))
    s_lo = rt.evaluate(with_false_escalation(x, lo)).savings_monthly
    s_hi = rt.evaluate(with_false_escalation(x, hi)).savings_monthly
    assert s_hi <= s_lo + 1e-9 * max(1.0, abs(s_lo))


@given(routing_inputs())
def test_curves_match_scalar(x):
    curve = rt.savings_vs_escalation(x, points=6)
    for theta, escalation, savings in zip(curve["false_escalation"], curve["escalation_rate"], curve["savings"],
                                          strict=True):
        r = rt.evaluate(with_false_escalation(x, float(theta)))
        assert savings == pytest.approx(r.savings_monthly, rel=1e-9, abs=1e-6)
        assert escalation == pytest.approx(r.escalation_rate, abs=1e-12)
    r = rt.evaluate(x)
    # The user's own router lies on both curves.
    for frame, column, value in ((curve, "escalation_rate", r.escalation_rate),
                                 (rt.savings_vs_accuracy(x, points=11), "accuracy", r.accuracy)):
        hit = frame[np.isclose(frame[column], value, rtol=0, atol=1e-12)]
        assert len(hit)
        assert hit["savings"].to_numpy() == pytest.approx(r.savings_monthly, rel=1e-9, abs=1e-6)


@given(routing_inputs())
def test_break_even_escalation_is_a_zero(x):
    r = rt.evaluate(x)
    if r.break_even_escalation is None:
        return
    # Find the false-escalation rate that gives this escalation rate (affine), and check savings vanish.
    curve = rt.savings_vs_escalation(x, points=2)
    e0, e1 = curve["escalation_rate"].iloc[0], curve["escalation_rate"].iloc[-1]  # false escalations 0 and 1
    assume(abs(e1 - e0) > 1e-9)
    theta = (r.break_even_escalation - e0) / (e1 - e0)
    at = rt.evaluate(with_false_escalation(x, min(max(theta, 0.0), 1.0)))
    assert at.per_request - at.baseline_per_request == pytest.approx(0, abs=1e-9 * max(1e-6, r.baseline_per_request))


@given(routing_inputs())
def test_bounds_and_no_crash(x):
    r = rt.evaluate(x)
    assert math.isfinite(r.per_request) and r.per_request >= 0
    assert 0 <= r.quality <= 1 + 1e-12 and 0 <= r.eventual_success <= 1 + 1e-12
    assert r.quality <= r.eventual_success + 1e-12  # retries only add good answers
    assert r.attempts_per_request >= 1 and 0 <= r.escalation_rate <= 1 + 1e-12
    assert 0 <= r.accuracy <= 1 + 1e-12
    paths = {x.router_latency_ms + x.cheap_latency_ms, x.router_latency_ms + x.strong_latency_ms,
             x.router_latency_ms + x.cheap_latency_ms + x.strong_latency_ms}
    assert r.p50_latency_ms in paths
    assert sum(r.cost_parts.values()) == pytest.approx(r.per_request, rel=1e-9, abs=1e-15)
