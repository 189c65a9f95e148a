"""Routing and cascades on the one bill: hand-computed bills, closed-form break-evens equal to pricing, a cascade
that raises the bill, properties."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from calculators import routing as rt
from calculators.bill import price
from calculators.lever import effect
from calculators.prices import ModelPrices, TieredRate
from calculators.routing import RoutingInputs
from calculators.workload import CallClass, SimpleWorkload, Workload
from tests.levers_common import CAT, DEFAULT, GPT5, HAIKU, SONNET, workloads


def model(key: str, inp: float) -> ModelPrices:
    return ModelPrices(provider_id="t", provider_name="Test", model_id=key, model_name=key, input=TieredRate(base=inp),
                       output=TieredRate(base=inp * 5), source="test", source_date="2026")


def workload(cheap_price: float = 1.0, requests: float = 1_000_000) -> Workload:
    """1M requests of 1,000 input tokens on a $10/MTok strong model ($0.01 a request, $10,000 a month) and a cheap
    one at `cheap_price` per MTok ($0.001 a request at $1)."""
    return Workload(classes=(CallClass(name="x", requests_per_month=requests, model_key="t/strong",
                                       other_input_tokens=1_000),),
                    custom_models=(model("strong", 10.0), model("cheap", cheap_price)))


def inputs(**kw) -> RoutingInputs:
    return RoutingInputs(**({"cheap_model": "t/cheap", "router_cost_per_1k": 0.0, "user_retry": 0.0} | kw))


def after(w: Workload, x: RoutingInputs) -> float:
    return price(rt.apply(w, x, CAT), CAT).total


def test_perfect_router_without_retries_by_hand():
    x = inputs(simple_share=0.5, simple_to_cheap=1.0, complex_to_cheap=0.0)
    r = rt.evaluate(workload(), x, CAT)
    # Half the requests at $0.001, half at $0.01: $5,500 against $10,000.
    assert r.today.total == pytest.approx(10_000)
    assert r.after.total == pytest.approx(5_500) and r.saving == pytest.approx(4_500)
    assert r.escalation_rate == pytest.approx(0.5) and r.accuracy == pytest.approx(1.0)


def test_todays_requests_include_retries_by_hand():
    x = inputs(simple_share=0.5, simple_to_cheap=1.0, complex_to_cheap=0.0, cheap_success_simple=0.9,
               strong_success=0.95, user_retry=0.5)
    r = rt.evaluate(workload(), x, CAT)
    # Today's 1M requests include retries: 1M x (1 - 0.5 x 0.05) = 975,000 user requests, half of each type.
    # Simple ones go cheap and fail 10%: 487,500 / (1 - 0.05) = 513,158 requests x $0.001 = $513.16.
    # Complex ones go strong and fail 5%: 487,500 / (1 - 0.025) = 500,000 requests x $0.01 = $5,000.
    assert r.after.total == pytest.approx(487_500 / 0.95 * 0.001 + 5_000)
    classes = {c.name: c for c in r.after.classes}
    assert classes["x"].requests == pytest.approx(500_000)
    assert classes["x · cheap model"].requests == pytest.approx(487_500 / 0.95)
    assert r.quality == pytest.approx(0.5 * 0.9 + 0.5 * 0.95)
    assert r.requests_per_user_request == pytest.approx(0.5 / 0.95 + 0.5 / 0.975)
    assert r.baseline_requests_per_user_request == pytest.approx(1 / 0.975)


def test_everything_to_the_strong_model_changes_nothing():
    # Same user requests, same model, same retries: the bill is today's (the principle: completed work constant).
    for retry in (0.0, 0.5, 0.95):
        x = inputs(simple_to_cheap=0.0, complex_to_cheap=0.0, user_retry=retry, strong_success=0.7)
        assert after(DEFAULT, x) == pytest.approx(8_000)


def test_router_fee_is_an_overhead_and_fallback_by_hand():
    x = inputs(simple_share=1.0, simple_to_cheap=1.0, cheap_success_simple=0.8, fallback_catch=0.5,
               router_cost_per_1k=0.5, strong_success=0.9)
    r = rt.evaluate(workload(), x, CAT)
    # Every request: router $0.0005 + cheap $0.001; 20% bad, half of them caught and re-run on strong ($0.01).
    assert r.after.total == pytest.approx(1_000_000 * (0.0005 + 0.001 + 0.2 * 0.5 * 0.01))  # $2,500
    assert r.after.overhead_total == pytest.approx(500)
    assert [o.name for o in r.after.overheads] == ["Router"]
    # Bad answers reaching the user: 20% x (1 - 0.5 x 0.9) = 11%.
    assert r.quality == pytest.approx(1 - 0.2 * (1 - 0.5 * 0.9))


def test_cascade_by_hand():
    x = inputs(mode="cascade", simple_share=0.5, cheap_success_simple=0.9, cheap_success_complex=0.4,
               strong_success=0.95, catch_rate=1.0, false_escalation=0.0)
    r = rt.evaluate(workload(), x, CAT)
    # A perfect score escalates exactly the bad cheap answers: 10% of simple, 60% of complex.
    assert r.escalation_rate == pytest.approx(0.35)
    assert r.after.total == pytest.approx(1e6 * (0.5 * (0.001 + 0.1 * 0.01) + 0.5 * (0.001 + 0.6 * 0.01)))  # $4,500
    assert r.quality == pytest.approx(1 - (0.5 * 0.1 + 0.5 * 0.6) * 0.05)
    assert r.accuracy == pytest.approx(1.0)


def test_cascade_break_even_escalation_closed_form():
    # No retries: a request costs c_cheap + e x c_strong, so the saving vanishes at e* = 1 - 0.005 / 0.01 = 50%.
    x = inputs(mode="cascade", simple_share=0.5, cheap_success_simple=0.9, cheap_success_complex=0.4, catch_rate=1.0,
               false_escalation=0.2)
    assert rt.evaluate(workload(cheap_price=5.0), x, CAT).break_even_escalation == pytest.approx(0.5, abs=1e-12)


def test_router_break_even_escalation_closed_form():
    # No retries: saving = (1 - e)(c_strong - c_cheap) - r per request, zero at e* = 1 - 0.002 / 0.008 = 75%.
    x = inputs(router_cost_per_1k=2.0, simple_share=0.7, complex_to_cheap=0.1)
    assert rt.evaluate(workload(cheap_price=2.0), x, CAT).break_even_escalation == pytest.approx(0.75, abs=1e-12)


def test_break_even_accuracy_is_where_the_priced_saving_vanishes():
    w = workload(cheap_price=4.0)  # $0.004 against $0.01
    x = inputs(router_cost_per_1k=0.5, simple_share=0.7, simple_to_cheap=0.9, complex_to_cheap=0.2,
               cheap_success_complex=0.1, user_retry=0.9)
    r = rt.evaluate(w, x, CAT)
    assert r.break_even_accuracy is not None
    # Rebuild the router at that accuracy: errors (10%, 20%) scaled together as lam x (0.5, 1).
    lam = (1 - r.break_even_accuracy) / (0.7 * 0.5 + 0.3 * 1.0)
    at = x.model_copy(update={"simple_to_cheap": 1 - lam * 0.5, "complex_to_cheap": lam})
    assert price(w, CAT).total - after(w, at) == pytest.approx(0, abs=1e-6)
    curve = rt.saving_vs_accuracy(x, r.coefficients)
    above = curve[curve["accuracy"] > r.break_even_accuracy + 1e-6]["saving"]
    below = curve[curve["accuracy"] < r.break_even_accuracy - 1e-6]["saving"]
    assert (above > 0).all() and (below < 0).all()


def test_cascade_that_raises_the_bill():
    """Escalating 60% where 30% was planned: with Haiku 4.5 at half of Sonnet 5.5's price the cascade costs more
    than today's $8,000."""
    k = rt.Coefficients.of(DEFAULT, inputs(cheap_model=rt.TRAP_CHEAP_MODEL), CAT)
    assert (k.cheap_cost, k.strong_cost) == pytest.approx((0.004, 0.008))
    planned = RoutingInputs(cheap_model=rt.TRAP_CHEAP_MODEL, mode="cascade")
    plan = rt.evaluate(DEFAULT, planned, CAT)
    assert plan.escalation_rate == pytest.approx(0.30, abs=0.01) and plan.saving > 0
    actual = rt.evaluate(DEFAULT, planned.model_copy(update=rt.TRAP_SETTINGS), CAT)
    assert actual.escalation_rate == pytest.approx(0.60, abs=0.01)
    assert actual.after.total > 8_000 and actual.saving < 0  # the bill rises
    assert actual.quality < plan.quality and actual.requests_per_user_request > plan.requests_per_user_request
    assert plan.escalation_rate < plan.break_even_escalation
    assert actual.break_even_escalation < actual.escalation_rate


def test_default_router_saves_at_every_rate():
    x = RoutingInputs(**rt.defaults(DEFAULT, CAT))
    r = rt.evaluate(DEFAULT, x, CAT)
    # Haiku 5.5 is a twentieth of Sonnet 5.5: 975,000 user requests (half of the 5% bad answers retried today).
    assert r.coefficients.cheap_cost == pytest.approx(0.0004) and r.coefficients.strong_cost == pytest.approx(0.008)
    assert r.today.total == pytest.approx(8_000)
    assert r.break_even_escalation is None and r.break_even_accuracy is None and r.saving > 0
    assert (rt.saving_vs_escalation(x, r.coefficients)["saving"] > 0).all()
    # 975,000 user requests. Simple (70%): 95% to Haiku, F = 0.95 x 0.05 + 0.05 x 0.05 = 5%, an attempt costs
    # $0.0001 + 0.95 x $0.0004 + 0.05 x $0.008 = $0.00088, 1 / (1 - 0.5 x 0.05) attempts. Complex (30%): 10% to Haiku,
    # F = 0.1 x 0.6 + 0.9 x 0.05 = 10.5%, $0.0001 + 0.1 x $0.0004 + 0.9 x $0.008 = $0.00734, 1 / (1 - 0.0525) attempts.
    after = 975_000 * (0.7 * 0.00088 / 0.975 + 0.3 * 0.00734 / 0.9475)
    assert r.after.total == pytest.approx(after)  # $2,881.91
    assert r.after.overhead_total == pytest.approx(975_000 * (0.7 / 0.975 + 0.3 / 0.9475) * 0.0001)


def test_curves_equal_pricing_at_the_users_setting():
    x = RoutingInputs(**rt.defaults(DEFAULT, CAT), user_retry=0.3, router_cost_per_1k=2.0)
    for mode in ("router", "cascade"):
        y = x.model_copy(update={"mode": mode})
        r = rt.evaluate(DEFAULT, y, CAT)
        for curve, column, value in ((rt.saving_vs_escalation(y, r.coefficients), "escalation_rate", r.escalation_rate),
                                     (rt.saving_vs_accuracy(y, r.coefficients), "accuracy", r.accuracy)):
            hit = curve[np.isclose(curve[column], value, rtol=0, atol=1e-12)]
            assert len(hit) and hit["saving"].to_numpy() == pytest.approx(r.saving, rel=1e-9)


def test_where_the_money_goes_adds_up_to_both_bills():
    x = RoutingInputs(**rt.defaults(DEFAULT, CAT), router_cost_per_1k=1.0)
    r = rt.evaluate(DEFAULT, x, CAT)
    parts = rt.cost_breakdown(x, r).set_index("setup")
    assert parts.loc["Today"].sum() == pytest.approx(8_000)
    assert parts.loc["Today", "retries"] == pytest.approx(8_000 * 0.025)  # half of the 5% bad answers come back
    assert parts.loc["With the router"].sum() == pytest.approx(r.after.total)
    assert parts.loc["With the router", "router or scorer"] == pytest.approx(975.0)  # 975,000 first attempts x $0.001


def test_class_already_on_the_cheap_model_is_left_alone():
    w = DEFAULT.map(lambda c: c.model_copy(update={"model_key": HAIKU}))
    x = inputs(cheap_model=HAIKU)
    assert rt.apply(w, x, CAT).classes == w.classes and rt.apply(w, x, CAT).overheads == ()
    assert "already runs on the cheap model" in rt.idle(w, x, CAT)


def test_latency_paths():
    x = inputs(simple_share=0.8, simple_to_cheap=1.0, complex_to_cheap=0.0, router_latency_ms=50,
               cheap_latency_ms=800, strong_latency_ms=2_500)
    r = rt.evaluate(workload(), x, CAT)
    assert r.p50_latency_ms == 850  # 80% of requests take router + cheap
    assert r.mean_latency_ms == pytest.approx(0.8 * 850 + 0.2 * 2_550)
    slow = rt.evaluate(workload(), x.model_copy(update={"mode": "cascade", "catch_rate": 1.0,
                                                         "false_escalation": 0.7}), CAT)
    assert slow.p50_latency_ms == 50 + 800 + 2_500  # most answers are escalated: cheap, then strong


def test_default_cheap_model():
    def on(key):
        return DEFAULT.map(lambda c: c.model_copy(update={"model_key": key}))

    assert rt.default_cheap_model(DEFAULT, CAT) == HAIKU
    assert rt.default_cheap_model(on(GPT5), CAT) == "openai/gpt-5-mini"
    # Nothing Anthropic lists is cheaper than Haiku 5.5 ($0.0004 a request): the first cheaper fallback, Gemini 2.5
    # Flash-Lite at $0.00036, is offered.
    assert rt.default_cheap_model(on(HAIKU), CAT) == "google/gemini-2.5-flash-lite"
    # And the class's own model when nothing is cheaper.
    free = ModelPrices(provider_id="t", provider_name="T", model_id="free", model_name="free", input=TieredRate(base=0),
                       output=TieredRate(base=0), source="test", source_date="2026")
    w = Workload(classes=(DEFAULT.classes[0].model_copy(update={"model_key": "t/free"}),), custom_models=(free,))
    assert rt.default_cheap_model(w, CAT) == "t/free"


def test_money_input_is_held_in_usd():
    # The router's price per 1,000 requests is money: typed in the user's currency, the calculator sees USD.
    assert RoutingInputs.model_fields["router_cost_per_1k"].json_schema_extra["money"] is True


# --- properties -------------------------------------------------------------------------------------------------

unit = st.floats(0, 1)


@st.composite
def routing_inputs(draw):
    return RoutingInputs(
        cheap_model=draw(st.sampled_from([HAIKU, "openai/gpt-5-mini", "anthropic/claude-haiku-4-5"])),
        mode=draw(st.sampled_from(["router", "cascade"])),
        simple_share=draw(unit), simple_to_cheap=draw(unit), complex_to_cheap=draw(unit),
        fallback_catch=draw(unit), catch_rate=draw(unit), false_escalation=draw(unit),
        cheap_success_simple=draw(unit), cheap_success_complex=draw(unit), strong_success=draw(unit),
        user_retry=draw(st.floats(0, 0.95)), router_cost_per_1k=draw(st.floats(0, 10)),
    )


def with_false_escalation(x: RoutingInputs, rate: float) -> RoutingInputs:
    field = {"router": ("simple_to_cheap", 1 - rate), "cascade": ("false_escalation", rate)}[x.mode]
    return x.model_copy(update={field[0]: field[1]})


@settings(max_examples=30)
@given(workloads(), routing_inputs())
def test_saving_is_the_difference_of_two_priced_workloads(w, x):
    r = rt.evaluate(w, x, CAT)
    e = effect(rt.LEVER, w, x, CAT)
    assert r.saving == pytest.approx(e.saving, rel=1e-9, abs=1e-6)
    # The closed-form core (one priced request per class and model) gives the same money.
    assert float(r.coefficients.saving(r.volumes)[0]) == pytest.approx(r.saving, rel=1e-7, abs=1e-6)


@settings(max_examples=30)
@given(workloads(), routing_inputs())
def test_break_even_escalation_is_a_priced_zero(w, x):
    # Exact where every hit rate is fixed (nothing cached). A cache whose hit rate is derived from traffic (the cheap
    # model's, once routing moves requests there) holds the rate of the user's setting along the curve: the curve is
    # the priced bill at that setting (next tests), and close to it elsewhere.
    w = w.map(lambda c: c.model_copy(update={"cache": "off", "cache_hit_rate": 0.0}))
    r = rt.evaluate(w, x, CAT)
    if r.break_even_escalation is None:
        return
    curve = rt.saving_vs_escalation(x, r.coefficients, points=2)
    e0, e1 = curve["escalation_rate"].iloc[0], curve["escalation_rate"].iloc[-1]  # false escalations 0 and 1
    assume(abs(e1 - e0) > 1e-9)
    theta = (r.break_even_escalation - e0) / (e1 - e0)
    at = with_false_escalation(x, min(max(theta, 0.0), 1.0))
    assert price(w, CAT).total - after(w, at) == pytest.approx(0, abs=1e-7 * max(1.0, r.today.total))


@settings(max_examples=30)
@given(routing_inputs(), unit, unit)
def test_saving_falls_as_false_escalations_rise(x, a, b):
    # A simple request is one the cheap model serves as well as the strong one; a direct escalation costs no more
    # than a cheap call that may fall back.
    assume(x.cheap_success_simple >= x.strong_success)
    k = rt.Coefficients.of(DEFAULT, x, CAT)
    assume(k.cheap_cost <= k.strong_cost * (1 - x.fallback_catch * (1 - x.cheap_success_simple)))
    lo, hi = sorted((a, b))
    s_lo = float(k.saving(rt.volumes(with_false_escalation(x, lo)))[0])
    s_hi = float(k.saving(rt.volumes(with_false_escalation(x, hi)))[0])
    assert s_hi <= s_lo + 1e-9 * max(1.0, abs(s_lo))


@settings(max_examples=30)
@given(routing_inputs())
def test_bounds_and_no_crash(x):
    r = rt.evaluate(DEFAULT, x, CAT)
    assert math.isfinite(r.after.total) and r.after.total >= 0
    assert 0 <= r.quality <= 1 + 1e-12 and 0 <= r.eventual_success <= 1 + 1e-12
    assert r.quality <= r.eventual_success + 1e-12  # retries only add good answers
    assert r.requests_per_user_request >= 1 and 0 <= r.escalation_rate <= 1 + 1e-12
    paths = {x.router_latency_ms + x.cheap_latency_ms, x.router_latency_ms + x.strong_latency_ms,
             x.router_latency_ms + x.cheap_latency_ms + x.strong_latency_ms}
    assert r.p50_latency_ms in paths
    parts = rt.cost_breakdown(x, r).set_index("setup")
    assert parts.iloc[0].sum() == pytest.approx(r.today.total) and parts.iloc[1].sum() == pytest.approx(r.after.total)


# --- the finance review --------------------------------------------------------------------------------------------


def test_order_with_caching_does_not_change_the_final_bill():
    """Routing then caching, and caching then routing, end on the same bill to the cent: the cheap model's cache
    starts from its own traffic (the rate observed, or derived, on today's model does not travel to it)."""
    from calculators import caching
    from calculators.lever import waterfall

    xc = caching.CachingInputs()
    for w in (SimpleWorkload(model_key=GPT5, cache_hit_rate=None).workload(),
              SimpleWorkload(model_key=GPT5, cache_hit_rate=0.5).workload(), DEFAULT):
        x = RoutingInputs(**rt.defaults(w, CAT))
        first = waterfall(w, [(rt.LEVER, x), (caching.LEVER, xc)], CAT).final.total  # ORDER: routing, then caching
        caching_first = price(rt.apply(caching.apply(w, xc, CAT), x, CAT), CAT).total
        assert round(first, 2) == round(caching_first, 2)
    # The observed 50% on GPT-5 stays on GPT-5; GPT-5 mini's cache gets a rate derived from its own traffic.
    w = SimpleWorkload(model_key=GPT5, cache_hit_rate=0.5).workload()
    after = {c.name: c for c in rt.apply(w, RoutingInputs(**rt.defaults(w, CAT)), CAT).classes}
    assert after["Requests"].cache_hit_rate == 0.5 and after["Requests · cheap model"].cache_hit_rate is None


def test_reviewers_gemini_case_has_no_negative_caching_bar():
    from calculators.lever import MODEL_CHOICE, waterfall
    from calculators.registry import LEVERS

    w = SimpleWorkload(model_key="google/gemini-2.5-pro", requests_per_month=20_000, input_tokens=250_000,
                       output_tokens=1_000, cache_hit_rate=None).workload()
    chosen = [(lv, lv.inputs(**lv.defaults(w, CAT))) for lv in LEVERS
              if lv.group != MODEL_CHOICE or lv.name == "routing"]
    bars = {b.lever.name: b for b in waterfall(w, chosen, CAT).bars}
    assert bars["routing"].saving > 0 and bars["caching"].saving == pytest.approx(0, abs=0.005)


def test_curves_equal_pricing_at_the_users_setting_with_derived_hit_rates():
    """GPT-5 at 3,000 requests a month, hit rates derived from traffic: routing leaves GPT-5's cache less traffic
    (its hit rate falls) and gives GPT-5 mini's some. The probes' rates are those of the workload after routing, so
    both curves pass through the priced saving at the user's setting, to the cent."""
    w = SimpleWorkload(model_key=GPT5, requests_per_month=3_000, cache_hit_rate=None).workload()
    x = RoutingInputs(**rt.defaults(w, CAT), user_retry=0.3, router_cost_per_1k=0.2)
    for mode in ("router", "cascade"):
        y = x.model_copy(update={"mode": mode})
        r = rt.evaluate(w, y, CAT)
        assert r.coefficients.strong_cost > r.coefficients.today_cost  # fewer hits on GPT-5 once part is routed
        for curve, column, value in ((rt.saving_vs_escalation(y, r.coefficients), "escalation_rate", r.escalation_rate),
                                     (rt.saving_vs_accuracy(y, r.coefficients), "accuracy", r.accuracy)):
            hit = curve[np.isclose(curve[column], value, rtol=0, atol=1e-12)]
            assert len(hit) and round(float(hit["saving"].iloc[0]), 2) == round(r.saving, 2)


def test_a_class_sharing_the_cheap_models_cache_is_counted():
    """A class already on Haiku with the same system prompt shares Haiku's cache with the routed traffic: its derived
    hit rate rises, and the curves count that change, so they still equal the priced saving at the user's setting."""
    strong = CallClass(name="Chat", requests_per_month=2_000, model_key=SONNET, prefix_tokens=3_000,
                       other_input_tokens=500, output_tokens=300, cache="5m", cache_hit_rate=None, prefix_group="bot")
    small = strong.model_copy(update={"name": "Triage", "model_key": HAIKU, "requests_per_month": 500})
    w = Workload(classes=(strong, small))
    x = RoutingInputs(cheap_model=HAIKU)
    r = rt.evaluate(w, x, CAT)
    k = r.coefficients
    assert k.others_change < 0  # Triage's hits rise with Chat's cheap traffic in the same cache
    assert float(k.saving(r.volumes)[0]) == pytest.approx(r.saving, rel=1e-9)
    curve = rt.saving_vs_escalation(x, k)
    hit = curve[np.isclose(curve["escalation_rate"], r.escalation_rate, rtol=0, atol=1e-12)]
    assert round(float(hit["saving"].iloc[0]), 2) == round(r.saving, 2)


def test_unpriced_classes_are_left_as_they_are():
    """A custom table with a model the catalogue does not price: the default cheap model comes from the priced class
    (never the unpriced model, nor the alphabetically first catalogue model), the unpriced class is not routed, and
    the caveat says so."""
    known = DEFAULT.classes[0].model_copy(update={"name": "Known", "requests_per_month": 100_000})
    mystery = known.model_copy(update={"name": "Mystery", "requests_per_month": 900_000,
                                       "model_key": "acme/secret-model-9"})
    w = Workload(classes=(known, mystery))
    assert rt.default_cheap_model(w, CAT) == HAIKU
    x = RoutingInputs(**rt.defaults(w, CAT))
    r = rt.evaluate(w, x, CAT)
    # Known is a tenth of the default workload: $800 today, $288.19 through the default router.
    assert r.today.total == pytest.approx(800)
    assert r.after.total == pytest.approx(288.191, abs=0.001)
    assert {c.name: c for c in rt.apply(w, x, CAT).classes}["Mystery"] == mystery
    assert rt.idle(w, x, CAT) is None and "'Mystery' runs on a model with no price" in rt.caveat(w, x, CAT)
    # The priced class decides the provider: on GPT-5 the default is GPT-5 mini, whatever the unpriced class is.
    on_gpt5 = Workload(classes=(known.model_copy(update={"model_key": GPT5}), mystery))
    assert rt.default_cheap_model(on_gpt5, CAT) == "openai/gpt-5-mini"
    alone = Workload(classes=(mystery,))
    assert rt.default_cheap_model(alone, CAT) == rt.FALLBACK_CHEAP[0]
    y = RoutingInputs(**rt.defaults(alone, CAT))
    assert "no price" in rt.idle(alone, y, CAT) and rt.apply(alone, y, CAT) == alone
    assert rt.caveat(alone, y, CAT) is None  # the idle reason says it


def test_zero_requests_keep_the_verdict_per_request():
    # No requests: no money moves, but a request through the default router still saves (975,000 user requests'
    # worth of the default case, per request: $0.008 - $2,881.91 / 1M).
    w = Workload(classes=(DEFAULT.classes[0].model_copy(update={"requests_per_month": 0.0}),))
    r = rt.evaluate(w, RoutingInputs(**rt.defaults(w, CAT)), CAT)
    assert r.saving == 0
    assert r.saving_per_request == pytest.approx(0.008 - 2_881.91e-6, abs=1e-8)
