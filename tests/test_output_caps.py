"""Output caps on the one bill: hand-computed cases, the curves equal price(), closed forms, and properties."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy import integrate, special, stats

from calculators import caching
from calculators import output_caps as oc
from calculators import tokens
from calculators import uncertainty as u
from calculators.bill import price
from calculators.lever import effect
from calculators.prices import ModelPrices, TieredRate
from calculators.workload import AgentLoop, CallClass, Failures, Workload
from pages._ui.workload_edit import SIDEBAR_KEYS
from tests.levers_common import CAT, DEFAULT, GPT5, SONNET, SONNET_45, SimpleWorkload, one, simple_workloads, workloads
from tests.test_draws import reconcile

# A plain price sheet: $2/MTok input, $10/MTok output, no tiers, no cache prices.
PRICES = ModelPrices(provider_id="test", provider_name="Test", model_id="m", model_name="M",
                     input=TieredRate(base=2.0), output=TieredRate(base=10.0), source="test", source_date="2026-11")
# 1,000 requests of 1,000 input tokens and 400 output: input $2 a month, $0.01 a month per output token per request.
SMALL = Workload(classes=(CallClass(name="x", requests_per_month=1_000, model_key="test/m", other_input_tokens=1_000,
                                    output_tokens=400),), custom_models=(PRICES,))
SAMPLE = np.array([100, 200, 300, 400])
SIGMA = oc.sigma_for(2.4)


def inputs(**kw) -> oc.OutputCapInputs:
    return oc.OutputCapInputs(**kw)


def bill_at(w, x, cat=CAT) -> float:
    return price(oc.apply(w, x, cat), cat).total


# --- the length distribution: its mean is the workload's output ------------------------------------------


def test_spread_solved_exactly_for_sigma():
    # p95/mean = exp(1.645 sigma - sigma^2/2): sigma = 1.645 - sqrt(1.645^2 - 2 ln 2.4) = 0.66781.
    assert SIGMA == pytest.approx(oc.Z95 - math.sqrt(oc.Z95**2 - 2 * math.log(2.4)), rel=1e-15)
    assert SIGMA == pytest.approx(0.667814, abs=1e-6)
    d = oc.LogNormal.from_mean(400, 2.4)
    assert d.mu == pytest.approx(math.log(400) - SIGMA**2 / 2)
    assert d.ppf(np.array([0.95]))[0] == pytest.approx(960)  # 2.4 x the mean
    assert float(stats.lognorm(s=d.sigma, scale=math.exp(d.mu)).mean()) == pytest.approx(400)
    # The landed default (p95 = 3 x p50) is this spread: sigma = ln 3 / 1.645 gives p95/mean = 3 e^(-sigma^2/2).
    landed = math.log(3) / oc.Z95
    assert oc.sigma_for(3 * math.exp(-landed**2 / 2)) == pytest.approx(landed, rel=1e-12)
    assert 3 * math.exp(-landed**2 / 2) == pytest.approx(2.4, abs=5e-4)


def test_a_spread_no_log_normal_can_have_is_refused_in_words():
    assert oc.MAX_P95_MULTIPLE == pytest.approx(math.exp(1.6448536**2 / 2)) == pytest.approx(3.868, abs=1e-3)
    inputs(p95_multiple=3.86)
    with pytest.raises(ValidationError, match="impossible for a log-normal with that mean"):
        inputs(p95_multiple=4.0)


def test_no_cap_bills_exactly_the_workload():
    """The reviewer's case: the old page set the p50 to the workload's average, so its 'no cap' was $8,999 for an
    $8,000 workload. Now the mean is the workload's 400 tokens: no cap bills $8,000 to the cent."""
    r = oc.evaluate(DEFAULT, inputs(), CAT)
    assert r.today.total == pytest.approx(8_000)
    assert r.no_cap_bill == pytest.approx(8_000, abs=1e-9)
    assert r.model.classes[0].per_output_token == pytest.approx(1_000_000 * 10 / 1e6)  # $10 a month per token
    assert r.model.classes[0].input_money == pytest.approx(4_000)  # 2,000 tokens x $2 x 1M
    # The loosest cap cuts (almost) nothing: the bill is today's.
    assert bill_at(DEFAULT, inputs(cap=200_000)) == pytest.approx(8_000, abs=1e-9)


@pytest.mark.parametrize("cap", [50.0, 400.0, 1_000.0, 5_000.0])
def test_closed_forms_match_numerical_integration(cap):
    d = oc.LogNormal.from_mean(400, 2.4)
    dist = stats.lognorm(s=d.sigma, scale=math.exp(d.mu))
    expected, _ = integrate.quad(lambda v: dist.sf(v), 0, cap, limit=200)  # E[min(L, C)] = integral of P(L > x)
    assert d.limited_mean(np.array([cap]))[0] == pytest.approx(expected, rel=1e-7)
    tail, _ = integrate.quad(lambda v: v * dist.pdf(v), cap, np.inf, limit=200)
    assert d.tail_mass(np.array([cap]))[0] == pytest.approx(tail, rel=1e-7)
    assert d.tail_mean(np.array([cap]))[0] == pytest.approx(tail / dist.sf(cap), rel=1e-7)
    assert d.sf(np.array([cap]))[0] == pytest.approx(dist.sf(cap), rel=1e-9)


# --- apply(): capped classes and redo classes -------------------------------------------------------------


def test_apply_by_hand():
    x = inputs(cap=500, redo_share=0.5, max_truncation=0.5)  # 500 cuts 19.4% of answers: within a 50% limit
    d = oc.LogNormal.from_mean(400, 2.4)
    q, first, tail = (float(v[0]) for v in (d.sf(np.array([500.0])), d.limited_mean(np.array([500.0])),
                                            d.tail_mean(np.array([500.0]))))
    capped, redo = oc.apply(SMALL, x, CAT).classes
    assert capped.output_tokens == pytest.approx(first) and capped.requests_per_month == 1_000
    assert redo.name == "x · redo" and redo.requests_per_month == pytest.approx(1_000 * 0.5 * q)
    assert redo.output_tokens == pytest.approx(tail) and redo.other_input_tokens == 1_000  # same input, whole answer
    # Money: $2 of input on the first attempts and on the redos, $0.01 a month per output token per request.
    assert bill_at(SMALL, x) == pytest.approx(2 * (1 + 0.5 * q) + 0.01 * (first + 0.5 * q * tail))


def test_visible_and_reasoning_tokens_are_capped_together_and_split_pro_rata():
    w = one(requests_per_month=1_000_000, model_key=SONNET, other_input_tokens=1_000, output_tokens=300,
            reasoning_tokens=100)
    x = inputs(cap=500, redo_share=1.0, max_truncation=0.5)
    d = oc.LogNormal.from_mean(400, 2.4)  # the cap applies to visible + reasoning: 400 tokens on average
    first = float(d.limited_mean(np.array([500.0]))[0])
    capped, redo = oc.apply(w, x, CAT).classes
    assert capped.output_tokens == pytest.approx(0.75 * first) and capped.reasoning_tokens == pytest.approx(0.25 * first)
    assert redo.output_tokens / redo.reasoning_tokens == pytest.approx(3.0)
    after = price(oc.apply(w, x, CAT), CAT)
    assert after.category("reasoning") / after.category("output") == pytest.approx(1 / 3)


def test_brevity_alone_by_hand():
    # -20% on 400 tokens is 80 tokens x $10/MTok x 1M requests = $800 a month (the loosest cap cuts nothing).
    x = inputs(brevity_effect=-0.2, cap=200_000)
    assert DEFAULT.classes[0].output_tokens == 400
    assert price(DEFAULT, CAT).total - bill_at(DEFAULT, x) == pytest.approx(800, abs=1e-6)
    r = oc.evaluate(DEFAULT, x, CAT)
    assert r.brevity_saving == pytest.approx(800, abs=1e-6) and r.cap_saving == pytest.approx(0, abs=1e-6)


def test_output_caps_brevity_and_caching_add_up():
    """The reviewer's case: 'output caps -20% brevity' and caching touch different tokens, so their savings add up.
    The landed chain booked $3,422; the one bill gives $3,650.03.

    Caching the 1,500-token prefix at 100% hits (1M requests an hour is always warm): 1,500 x ($2 - $0.10) = $2,850.
    Brevity: 400 -> 320 tokens on average; the default cap of 4,096 cuts q = 1.65e-5 of answers: the first attempts
    bill E[min(L', 4,096)] = 319.9885 tokens, saving (400 - 319.9885) x $10 = $800.115, and 10% of the cut answers
    are redone: 1.65 requests a month of 2,000 input ($0.004) and 4,791 output tokens ($0.0479), $0.086. Brevity
    saves $800.029, and both $3,650.03. The only tokens both touch are the 1.65 redone requests' prefix, which caching
    then reads too (they share the warm cache): 1.65 x 1,500 x ($2 - $0.10) = $0.005, inside a cent.
    """
    brevity = inputs(brevity_effect=-0.2)
    cache = caching.CachingInputs()
    today = price(DEFAULT, CAT).total
    save_brevity = today - bill_at(DEFAULT, brevity)
    save_caching = today - price(caching.apply(DEFAULT, cache, CAT), CAT).total
    save_both = today - price(caching.apply(oc.apply(DEFAULT, brevity, CAT), cache, CAT), CAT).total
    assert save_caching == pytest.approx(2_850)
    assert save_brevity == pytest.approx(800.029, abs=1e-3)
    assert save_both == pytest.approx(save_brevity + save_caching, abs=0.01)
    assert save_both == pytest.approx(3_650.03, abs=0.01)


def test_agent_tasks_are_out_of_scope():
    loop = AgentLoop(steps=5, tool_result_tokens=100)
    agents = one(requests_per_month=1_000, model_key=SONNET, other_input_tokens=1_000, output_tokens=400, loop=loop)
    x = inputs(cap=100, brevity_effect=-0.5)
    assert oc.apply(agents, x, CAT) == agents
    assert "agent tasks" in oc.idle(agents, x, CAT) and "out of this lever's scope" in oc.idle(agents, x, CAT)
    mixed = Workload(classes=(*DEFAULT.classes, agents.classes[0].model_copy(update={"name": "Agent tasks"})))
    after = oc.apply(mixed, x, CAT)
    assert after.classes[-1] == mixed.classes[-1]  # the agent class is billed as today
    assert oc.idle(mixed, x, CAT) is None


def test_failures_and_caching_carry_over_to_the_redo_class():
    w = one(requests_per_month=10_000, model_key=SONNET, prefix_tokens=1_500, other_input_tokens=500,
            output_tokens=400, cache="5m", cache_hit_rate=0.9, failures=Failures(failure_rate=0.1))
    redo = oc.apply(w, inputs(cap=300), CAT).classes[1]
    assert redo.failures == w.classes[0].failures and redo.cache == "5m" and redo.cache_hit_rate == 0.9


# --- the curves are the bill --------------------------------------------------------------------------------

LINK_LIKE = Workload(classes=(
    CallClass(name="chat", requests_per_month=320_000, model_key=SONNET, prefix_tokens=1_800, other_input_tokens=1_200,
              output_tokens=500, reasoning_tokens=2_000, cache="5m", cache_hit_rate=0.5,
              failures=Failures(failure_rate=0.1)),
    CallClass(name="long", requests_per_month=5_000, model_key=SONNET_45, other_input_tokens=250_000,
              output_tokens=2_000, tier="batch"),
    CallClass(name="cheap", requests_per_month=2_000_000, model_key=GPT5, other_input_tokens=300, output_tokens=60),
    CallClass(name="agent", requests_per_month=80_000, model_key=SONNET, other_input_tokens=3_000, output_tokens=500,
              loop=AgentLoop(steps=8)),
))


@pytest.mark.parametrize("w", [DEFAULT, SMALL, LINK_LIKE], ids=["default", "small", "mixed"])
@pytest.mark.parametrize("x", [inputs(), inputs(p95_multiple=3.5, redo_share=0.7, brevity_effect=-0.3)],
                         ids=["defaults", "wide"])
def test_bill_curve_equals_price_at_the_cap_and_at_other_caps(w, x):
    r = oc.evaluate(w, x, CAT)
    curve = oc.curves(r, x, marks=(700.0, 12_345.0))
    at = curve.set_index("cap")["bill"]
    assert at[float(x.cap)] == pytest.approx(r.after.total, rel=1e-12)
    for cap in (700.0, 12_345.0):
        assert at[cap] == pytest.approx(bill_at(w, x.model_copy(update={"cap": int(cap)}), CAT), rel=1e-12)
    # No cap: the brevity instruction alone, every single call's output scaled by (1 + beta).
    scale = 1 + x.brevity_effect
    briefer = w.map(lambda c: c if c.loop else c.model_copy(update={"output_tokens": c.output_tokens * scale,
                                                                     "reasoning_tokens": c.reasoning_tokens * scale}))
    assert r.model.no_cap_bill() == pytest.approx(price(briefer, CAT).total, rel=1e-12)
    assert curve["truncation_rate"].is_monotonic_decreasing


def test_truncation_and_tokens_by_hand_on_two_classes():
    # Two classes of 1,000 and 3,000 requests, means 100 and 900 tokens (mu = ln(mean) - sigma^2/2 = 4.3822 and
    # 6.5794). A cap of 800 has z = (ln 800 - mu)/sigma = 3.448 on a: it cuts off 1 - Phi(3.448) = 0.028% of a's
    # answers, but z = 0.158 on b: 43.7% of b's, above the 2% limit. So b gets its own limit cap, ceil(900 x 3.15357) =
    # ceil(2,838.2) = 2,839 tokens, where it cuts off 1.998%. The truncation rate is the requests-weighted mean at the
    # caps the classes get: (1,000 x 0.028% + 3,000 x 1.998%) / 4,000 = 1.506%.
    w = Workload(classes=(CallClass(name="a", requests_per_month=1_000, model_key="test/m", output_tokens=100),
                          CallClass(name="b", requests_per_month=3_000, model_key="test/m", output_tokens=900)),
                 custom_models=(PRICES,))
    x = inputs(cap=800)
    r = oc.evaluate(w, x, CAT)
    a, b = (oc.LogNormal.from_mean(m, 2.4) for m in (100, 900))
    p98 = math.exp(-SIGMA**2 / 2 + SIGMA * special.ndtri(0.98))  # the 98th percentile over the mean: 3.15357
    assert p98 == pytest.approx(3.15357, abs=1e-5)
    assert [k.limit_cap for k in r.classes] == [math.ceil(100 * p98), math.ceil(900 * p98)] == [316, 2_839]
    assert [k.cap for k in r.classes] == [800, 2_839] and [k.raised for k in r.classes] == [False, True]
    qa = float(a.sf(np.array([800.0]))[0])
    qb = float(b.sf(np.array([2_839.0]))[0])
    assert qa == pytest.approx(2.827e-4, rel=1e-3) and qb == pytest.approx(0.01998, rel=1e-3) and qb <= 0.02
    assert r.classes[1].truncation_at_your_cap == pytest.approx(0.4374, abs=1e-4)  # what 800 alone would cut off
    assert r.truncation_rate == pytest.approx((1_000 * qa + 3_000 * qb) / 4_000) == pytest.approx(0.01506, abs=1e-5)
    assert r.truncation_limit_cap == 2_839  # the smallest single cap no class needs raised
    # The per-class savings add up to the headline (nothing else in the bill moves).
    assert sum(k.saving for k in r.classes) == pytest.approx(r.saving, rel=1e-12)


# --- break-evens and the optimum ------------------------------------------------------------------------------


def test_break_even_redo_share_makes_the_cap_free():
    for w in (DEFAULT, LINK_LIKE):
        x = inputs(cap=900, brevity_effect=-0.1)
        rho = oc.evaluate(w, x, CAT).break_even_redo_share
        assert 0 < rho < 1
        at_rho = x.model_copy(update={"redo_share": rho})
        assert bill_at(w, at_rho) == pytest.approx(oc.evaluate(w, at_rho, CAT).no_cap_bill, rel=1e-12)


def test_default_optimum_is_the_truncation_limit():
    r = oc.evaluate(DEFAULT, inputs(), CAT)
    # At 10% redone, below the break-even, tighter is cheaper: the 2% limit binds. The 98th percentile of a
    # log-normal of mean 400: 400 exp(-sigma^2/2 + 2.0537 sigma) = 1,261.43 tokens; max_tokens is a whole number, so
    # the tightest cap within 2% is 1,262.
    assert 400 * math.exp(-SIGMA**2 / 2 + SIGMA * special.ndtri(0.98)) == pytest.approx(1_261.43, abs=0.01)
    assert r.optimal_cap == r.truncation_limit_cap == 1_262
    assert float(r.model.truncation(np.array([1_262.0]))[0]) <= 0.02 < float(r.model.truncation(np.array([1_261.0]),
                                                                                                within_limit=False)[0])
    # What that cap saves is the difference of two priced workloads: $8,000 today, $7,961.96 with max_tokens 1,262.
    assert r.optimal_saving == pytest.approx(8_000 - bill_at(DEFAULT, inputs(cap=1_262)), rel=1e-9)
    assert r.optimal_saving == pytest.approx(38.04, abs=0.005)


def test_when_every_cap_costs_there_is_no_optimal_saving():
    r = oc.evaluate(DEFAULT, inputs(cap=1_000, redo_share=1.0), CAT)  # every cut answer redone: no cap beats none
    assert r.optimal_cap is None and r.optimal_saving is None and r.saving < 0


@settings(max_examples=25)
@given(k=st.floats(1.05, 3.85), rho=st.floats(0, 1), limit=st.floats(0.0001, 0.5), two=st.booleans())
def test_optimal_cap_beats_every_cap(k, rho, limit, two):
    # Every cap is allowed: a class it would cut beyond the limit gets its own limit cap. So the optimum must beat
    # every cap from 1 token to the far tail, and no class's truncation at it may exceed the limit.
    w = LINK_LIKE if two else SMALL
    x = inputs(p95_multiple=k, redo_share=rho, max_truncation=limit)
    m = oc.cap_model(w, x, CAT)
    best = m.optimal_cap()
    hi = max(float(c.length.ppf(np.array([1 - 1e-9]))[0]) for c in m.classes) * 10
    bills = m.bill(np.geomspace(1, hi, 3_000))
    scale = 1e-9 * m.no_cap_bill()
    if best is None:
        assert bills.min() >= m.no_cap_bill() - scale  # no cap beats no cap
    else:
        assert best >= min(c.floor for c in m.classes) * (1 - 1e-9)
        assert m.bill(np.array([best]))[0] <= bills.min() + scale
        assert all(float(c.length.sf(c.cap(np.array([best])))[0]) <= limit * (1 + 1e-9) for c in m.classes)


# --- latency and the rate limit ---------------------------------------------------------------------------------


def test_latency_counts_the_first_token_once_by_hand():
    d = oc.Empirical.of(SAMPLE)
    cap = np.array([250.0])
    # p50: the 2nd shortest answer (200 tokens) fits: 500 ms to the first token + 199 more x 10 ms = 2,490 ms.
    assert oc.latency_quantile(d, cap, 0.5, 1.0, 500, 10)[0] == pytest.approx(2_490)
    # p95 falls among the redone: (500 + 249 x 10) for the cut attempt + (500 + 399 x 10) for the redo = 7,480 ms.
    assert oc.latency_quantile(d, cap, 0.95, 1.0, 500, 10)[0] == pytest.approx(7_480)
    # Kept truncated answers (no redo): 500 + 249 x 10 = 2,990 ms.
    assert oc.latency_quantile(d, cap, 0.95, 0.0, 500, 10)[0] == pytest.approx(2_990)


def test_default_latency_by_hand():
    r = oc.evaluate(DEFAULT, inputs(), CAT)
    median = 400 * math.exp(-SIGMA**2 / 2)  # 320.05 tokens
    assert r.latency_p50_ms == pytest.approx(600 + (median - 1) * 20)  # 6,981 ms
    assert r.uncapped_latency_p95_ms == pytest.approx(600 + (960 - 1) * 20)  # 19,780 ms


def test_latency_quantiles_match_monte_carlo():
    x = inputs(p95_multiple=3.0, cap=900, redo_share=0.6, ttft_ms=300, ms_per_token=15, max_truncation=0.5)
    d = oc.LogNormal.from_mean(400, 3.0)
    rng = np.random.default_rng(7)
    lengths = np.exp(rng.normal(d.mu, d.sigma, 400_000))
    redone = (lengths > 900) & (rng.random(lengths.size) < 0.6)
    latency = np.where(lengths <= 900, 300 + (lengths - 1) * 15, 300 + 899 * 15)
    latency = np.where(redone, 600 + (899 + lengths - 1) * 15, latency)
    r = oc.evaluate(SMALL, x, CAT)
    assert r.latency_p50_ms == pytest.approx(np.quantile(latency, 0.5), rel=0.01)
    assert r.latency_p95_ms == pytest.approx(np.quantile(latency, 0.95), rel=0.01)


def test_rate_limit_by_hand():
    # Nothing redone: each request reserves max_tokens 4,096 plus its 2,000 input tokens where counted.
    x = inputs(redo_share=0.0)
    r = oc.evaluate(DEFAULT, x, CAT)
    assert r.requests_per_minute == pytest.approx(2_000_000 / 6_096)  # 328.1
    r = oc.evaluate(DEFAULT, x.model_copy(update={"limit_counts": "max_tokens only"}), CAT)
    assert r.requests_per_minute == pytest.approx(2_000_000 / 4_096)  # 488.3
    # 10% of attempts fail and are retried (3 attempts at most): 1 + 0.1 + 0.01 = 1.11 attempts per request.
    failing = one(requests_per_month=1_000_000, model_key=SONNET, other_input_tokens=2_000, output_tokens=400,
                  failures=Failures(failure_rate=0.1))
    assert oc.evaluate(failing, x, CAT).requests_per_minute == pytest.approx(2_000_000 / (1.11 * 6_096))


def test_defaults_follow_the_workload():
    assert oc.defaults(DEFAULT, CAT) == {"cap": 4_096, "limit_counts": "max_tokens only"}
    # 400 visible + 2,000 reasoning: p95 2.4 x 2,400 = 5,760; twice that is 11,520: the next power of two, 16,384.
    w = one(requests_per_month=1, model_key=GPT5, output_tokens=400, reasoning_tokens=2_000)
    assert oc.defaults(w, CAT) == {"cap": 16_384}


# --- observed lengths (the extra analysis) ------------------------------------------------------------------------


def test_observed_lengths_by_hand():
    seen = oc.ObservedLengths.of(SAMPLE)
    assert (seen.n, seen.mean, seen.p50, seen.p95) == (4, 250, 200, 400)
    assert seen.p95_multiple == pytest.approx(1.6) and seen.spread_fits
    assert seen.visible_output(0) == 250 and seen.visible_output(100) == 150 and seen.visible_output(300) is None
    assert not oc.ObservedLengths.of(np.array([0, 0, 0, 100])).spread_fits  # p95/mean = 4: no log-normal has it


def test_observed_curves_by_hand():
    # Lengths 100, 200, 300, 400, a cap of 250, half the cut answers redone. Per request: input $0.002 x (1 + 0.25);
    # output (100 + 200 + 250 + 250)/4 = 200 first-attempt tokens + 0.5 x (300 + 400)/4 = 87.5 redone: 287.5 x 1e-5.
    # With a 50% limit the observed lengths keep the cap of 250 (it cuts 2 of 4); the log-normal of mean 400 would cut
    # 59% of its answers at 250, so its cap is raised to its median, ceil(320.05) = 321: as the headline does.
    x = inputs(cap=250, redo_share=0.5, max_truncation=0.5)
    r = oc.evaluate(SMALL, x, CAT)
    assert r.classes[0].cap == 321
    row = oc.observed_curves(r, x, SAMPLE).set_index("cap").loc[250.0]
    assert row["observed_truncation"] == 0.5
    assert row["observed_tokens"] == pytest.approx(287.5)
    assert row["observed_bill"] == pytest.approx(1_000 * (0.0025 + 0.002875))  # $5.375 a month
    assert row["log_normal_bill"] == pytest.approx(r.after.total)


def test_parse_lengths_formats():
    assert oc.parse_lengths("output_tokens\n12\n30\n\n7\n").tolist() == [12, 30, 7]
    assert oc.parse_lengths("1, 2,3;4 5\t6").tolist() == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("text, message", [
    ("12\nabc\n40\n", "line 2: 'abc' is not a whole number"),
    ("12\n4.5\n", "'4.5' is not a whole number"),
    ("12\n-3\n", "'-3' is not a whole number"),
    ("", "the file is empty"),
    ("tokens\n5\n", "need at least 2"),
])
def test_parse_lengths_rejects_malformed(text, message):
    with pytest.raises(oc.LengthsError, match=message):
        oc.parse_lengths(text)


def test_binary_upload_is_rejected():
    with pytest.raises(tokens.NotTextError, match="binary"):
        tokens.decode_upload(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


# --- properties ------------------------------------------------------------------------------------------------

caps = st.integers(1, 200_000)
spreads = st.floats(1.01, 3.86)


@settings(max_examples=30)
@given(w=workloads(), cap=caps, k=spreads, rho=st.floats(0, 1), brevity=st.floats(-0.9, 0))
def test_saving_is_the_difference_of_two_priced_workloads_and_the_curve(w, cap, k, rho, brevity):
    x = inputs(cap=cap, p95_multiple=k, redo_share=rho, brevity_effect=brevity)
    e = effect(oc.LEVER, w, x, CAT)
    r = oc.evaluate(w, x, CAT)
    assert r.saving == pytest.approx(e.saving, rel=1e-9, abs=1e-9)
    assert float(r.model.bill(np.array([float(cap)]))[0]) == pytest.approx(e.after.total, rel=1e-9, abs=1e-9)
    assert r.no_cap_bill <= r.today.total + 1e-9 * max(1.0, r.today.total)  # brevity never adds tokens


@settings(max_examples=30)
@given(w=workloads(), cap=caps, k=spreads)
def test_keeping_every_truncated_answer_never_costs(w, cap, k):
    x = inputs(cap=cap, p95_multiple=k, redo_share=0.0)
    r = oc.evaluate(w, x, CAT)
    assert r.saving >= -1e-9 * max(1.0, r.today.total)
    assert r.billed_output_tokens <= r.no_cap_tokens * (1 + 1e-12) + 1e-9


@given(k=spreads, c1=st.floats(1, 1e6), c2=st.floats(1, 1e6), mean=st.floats(1, 1e5))
def test_raising_the_cap_never_raises_truncation_nor_lowers_billed_first_attempts(k, c1, c2, mean):
    lo, hi = sorted((c1, c2))
    d = oc.LogNormal.from_mean(mean, k)
    assert d.sf(np.array([hi]))[0] <= d.sf(np.array([lo]))[0]
    first_lo, first_hi = d.limited_mean(np.array([lo, hi]))
    assert first_lo <= first_hi + 1e-9 * mean and 0 <= first_hi <= min(hi, mean) * (1 + 1e-12)


@given(sample=st.lists(st.integers(0, 100_000), min_size=2, max_size=60).map(np.array), cap=st.floats(1, 1e6))
def test_empirical_bounds(sample, cap):
    d = oc.Empirical.of(sample)
    billed = d.limited_mean(np.array([cap]))[0]
    assert 0 <= billed <= cap
    assert billed <= d.mean + 1e-9 * max(d.mean, 1)


@given(k=st.sampled_from([1.01, 3.86]), cap=st.sampled_from([1, 200_000]), rho=st.sampled_from([0.0, 1.0]),
       brevity=st.sampled_from([-0.9, 0.0]), ttft=st.sampled_from([0.0, 120_000.0]),
       tpot=st.sampled_from([0.0, 2_000.0]), out=st.sampled_from([1.0, 199_999.0]))
def test_edge_values_never_crash(k, cap, rho, brevity, ttft, tpot, out):
    w = one(requests_per_month=10, model_key=SONNET, other_input_tokens=10, output_tokens=out)
    x = inputs(p95_multiple=k, cap=cap, redo_share=rho, brevity_effect=brevity, ttft_ms=ttft, ms_per_token=tpot,
               tpm_limit=1)
    r = oc.evaluate(w, x, CAT)
    curve = oc.curves(r, x, marks=(r.optimal_cap,) if r.optimal_cap else ())
    assert np.isfinite(curve.to_numpy(dtype=float)).all()
    assert math.isfinite(r.after.total) and math.isfinite(r.latency_p95_ms)


# --- the truncation limit is a limit: a cap never cuts a class beyond it ------------------------------------------

# The reviewer's custom table: four features whose outputs differ by 50x. The default cap (twice Chat's p95, rounded up
# to a power of two: 4,096) cut off 48.6% of Nightly's answers (1,000 visible + 4,000 reasoning), and the headline
# saving of $318.93 came from there.
REVIEW_TABLE = Workload(classes=(
    CallClass(name="Chat", requests_per_month=200_000, model_key=SONNET, prefix_tokens=3_000, other_input_tokens=1_000,
              output_tokens=500),
    CallClass(name="Search", requests_per_month=200_000, model_key=SONNET, prefix_tokens=3_000,
              other_input_tokens=2_000, output_tokens=200),
    CallClass(name="Nightly", requests_per_month=50_000, model_key=GPT5, other_input_tokens=8_000, output_tokens=1_000,
              reasoning_tokens=4_000, tier="batch"),
    CallClass(name="Legacy", requests_per_month=100_000, model_key="openai/gpt-4o", prefix_tokens=1_200,
              other_input_tokens=300, output_tokens=100, cache="5m", cache_hit_rate=0.5),
))


def test_a_cap_that_cuts_a_class_beyond_the_limit_is_raised_for_that_class():
    """Nightly: mean 5,000 tokens, so the tightest cap within 2% is ceil(5,000 x 3.153569) = ceil(15,767.8) = 15,768
    (z = 2.05376, it cuts off 1.99993%). Its money on the batch tier: A = 50,000 x 8,000 x $0.625/MTok = $250 of input,
    B = 50,000 x $5/MTok = $0.25 a month per output token per request (today $250 + $0.25 x 5,000 = $1,500). At 15,768:
    E[(L - C)+] = 5,000 Phi(sigma - z) - C Phi(-z) = 414.406 - 315.349 = 99.057 tokens. The 90% of cut answers kept as
    they are save 0.9 x $0.25 x 99.057 = $22.288; the 10% redone cost q (A + B C) x 0.1 = 0.019999 x $4,192 x 0.1 =
    $8.384 (a second input and the 15,768 tokens wasted): Nightly saves $13.904. The other classes keep 4,096, well
    within the limit: Chat saves $0.1233, the others nothing to speak of. The headline: $14.03, not $318.93."""
    x = oc.OutputCapInputs(**oc.defaults(REVIEW_TABLE, CAT))
    assert x.cap == 4_096
    r = oc.evaluate(REVIEW_TABLE, x, CAT)
    by_name = {k.name: k for k in r.classes}
    nightly = by_name["Nightly"]
    assert nightly.raised and nightly.cap == nightly.limit_cap == 15_768
    assert nightly.truncation_at_your_cap == pytest.approx(0.4859, abs=1e-4)
    assert nightly.truncation == pytest.approx(0.0199993, abs=1e-7)
    assert nightly.saving == pytest.approx(0.9 * 0.25 * 99.05713 - 0.1 * 0.01999929 * (250 + 0.25 * 15_768), abs=1e-4)
    assert nightly.saving == pytest.approx(13.904, abs=1e-3)
    assert [k.cap for k in r.classes if k.name != "Nightly"] == [4_096] * 3
    assert by_name["Chat"].saving == pytest.approx(0.1233, abs=1e-4)
    assert all(k.truncation <= x.max_truncation for k in r.classes)
    assert r.saving == pytest.approx(14.0275, abs=1e-4)
    assert r.saving == pytest.approx(effect(oc.LEVER, REVIEW_TABLE, x, CAT).saving, rel=1e-12)
    # What one cap for every class would have booked, and where it came from: the old $318.93 was Nightly's cut-off
    # answers used as they are ($380.71 of output no longer billed) minus the redos ($61.91), plus Chat's $0.12.
    one_cap = r.one_cap
    assert one_cap.raised == ("Nightly",)
    assert one_cap.saving == pytest.approx(318.93, abs=0.01)
    assert one_cap.cut_and_kept == pytest.approx(380.71, abs=0.01)
    assert one_cap.redo_cost == pytest.approx(61.91, abs=0.01)
    assert one_cap.saving == pytest.approx(one_cap.cut_and_kept - one_cap.redo_cost + by_name["Chat"].saving
                                           + by_name["Search"].saving + by_name["Legacy"].saving, abs=1e-6)
    assert one_cap.truncation == pytest.approx(0.0443, abs=1e-4)  # 48.6% of Nightly's 50,000 among 550,000 requests
    note = oc.caveat(REVIEW_TABLE, x, CAT)
    assert "Nightly: 48.6% of answers cut off, so 15,768 tokens instead" in note and "not booked" in note
    # 318.93 / today's 6,900 = 4.6% of the bill.
    assert "4.6% of the bill" in note


def test_the_reviewers_gpt5_case_books_no_cut_off_answers():
    """GPT-5 with 400 visible + 8,000 reasoning tokens and max_tokens 4,000: one cap would cut off 78.1% of answers
    and book $38,534 of the $86,500 bill (44.5%). Within the 2% limit the cap is raised to ceil(8,400 x 3.153569) =
    26,490 and the saving is what cutting 2% of answers, 10% of them redone, is worth: $963."""
    w = SimpleWorkload(model_key=GPT5, reasoning_tokens=8_000).workload()
    assert price(w, CAT).total == pytest.approx(1e6 * (2_000 * 1.25 + 8_400 * 10) / 1e6)  # $86,500
    x = oc.OutputCapInputs(**oc.defaults(w, CAT)).model_copy(update={"cap": 4_000})
    r = oc.evaluate(w, x, CAT)
    assert r.classes[0].cap == 26_490 and r.truncation_rate <= 0.02
    assert r.one_cap.truncation == pytest.approx(0.7814, abs=1e-4)
    assert r.one_cap.saving == pytest.approx(38_534.03, abs=0.01)
    assert r.saving == pytest.approx(962.99, abs=0.01)
    assert r.optimal_cap == 26_490  # tighter is cheaper at 10% redone: the limit binds
    assert "44.5% of the bill" in oc.caveat(w, x, CAT)


def test_a_higher_limit_lets_a_tighter_cap_through():
    # A 50% limit: the tightest cap is the median, ceil(400 x exp(-sigma^2/2)) = ceil(320.05) = 321.
    x = inputs(cap=800, max_truncation=0.5)
    r = oc.evaluate(DEFAULT, x, CAT)
    assert r.classes[0].limit_cap == 321 and r.classes[0].cap == 800 and not r.raised and r.one_cap is None
    assert r.truncation_rate == pytest.approx(0.08506, abs=1e-5)  # 800 cuts 8.5% of answers: within 50%
    assert oc.caveat(DEFAULT, x, CAT) == ("the cap saves by cutting off 8.51% of answers (within your 50.0% limit) and "
                                          "using 90% of them as they are")


def test_the_default_bar_has_nothing_to_flag():
    x = oc.OutputCapInputs(**oc.defaults(DEFAULT, CAT))
    assert oc.caveat(DEFAULT, x, CAT) is None  # 4,096 cuts off 0.0067% of answers


def test_curves_within_the_limit_and_with_one_cap():
    r = oc.evaluate(REVIEW_TABLE, oc.OutputCapInputs(cap=4_096), CAT)
    x = oc.OutputCapInputs(cap=4_096)
    curve = oc.curves(r, x).set_index("cap")
    assert curve.loc[4_096.0, "bill"] == pytest.approx(r.after.total, rel=1e-12)
    assert curve.loc[4_096.0, "bill_one_cap"] == pytest.approx(r.today.total - r.one_cap.saving, rel=1e-12)
    assert (curve["truncation_rate"] <= 0.02 + 1e-12).all()  # no class ever beyond the limit
    assert (curve["bill"] >= curve["bill_one_cap"] - 1e-9).all()  # what the limit refuses to book


# --- derived hit rates: redone answers reach the cache too --------------------------------------------------------


@pytest.mark.parametrize("agents", [0.0, 0.3], ids=["requests", "with agent tasks"])
def test_gpt5_automatic_caching_curve_equals_price(agents):
    """GPT-5 caches automatically: the sidebar's hit rate is derived from the traffic (None). At 3,000 requests a
    month, 3,000 / 730 / 12 = 0.342 per 5 minutes, h = 1 - exp(-0.342) = 29.0%. Redone answers send the prefix again,
    so they raise the traffic reaching the cache and its hit rate, for every class sharing it (agent tasks too, which
    the lever does not cap). The curve follows that exactly: it equals price() at the cap and at other caps."""
    w = SimpleWorkload(model_key=GPT5, cache_hit_rate=None, requests_per_month=3_000, agent_share=agents).workload()
    assert w.classes[0].cache_hit_rate is None
    x = inputs(cap=300, redo_share=1.0, max_truncation=0.5)  # half the answers cut and all redone: a lot of traffic
    r = oc.evaluate(w, x, CAT)
    assert len(r.model.pools) == 1 and len(r.model.followers) == (1 if agents else 0)
    if not agents:
        assert r.model.classes[0].hit.hit_today == pytest.approx(-math.expm1(-3_000 / 730 / 12), rel=1e-12)
    curve = oc.curves(r, x, marks=(700.0, 5_000.0)).set_index("cap")
    assert curve.loc[300.0, "bill"] == pytest.approx(r.after.total, rel=1e-12)
    for cap in (700.0, 5_000.0):
        assert curve.loc[cap, "bill"] == pytest.approx(bill_at(w, x.model_copy(update={"cap": int(cap)})), rel=1e-12)
    rho = r.break_even_redo_share
    assert 0 < rho < 1
    assert bill_at(w, x.model_copy(update={"redo_share": rho})) == pytest.approx(r.no_cap_bill, rel=1e-12)
    # Had the model ignored the redone requests' traffic, it would be off by more than a rounding error.
    frozen = oc.CapModel(classes=tuple(k.__class__(**{**k.__dict__, "pool": None, "hit": None})
                                       for k in r.model.classes), fixed=r.model.fixed
                         + sum(f.money for f in r.model.followers), redo_share=1.0)
    assert abs(frozen.bill(np.array([300.0]))[0] - r.after.total) > 1e-6 * r.after.total


@settings(max_examples=15)
@given(s=simple_workloads(), cap=st.integers(1, 20_000), rho=st.floats(0, 1), limit=st.floats(0.0001, 0.5))
def test_derived_hit_rates_keep_the_curve_exact(s, cap, rho, limit):
    s = s.model_copy(update={"cache_hit_rate": None, "requests_per_month": min(s.requests_per_month, 20_000)})
    w = s.workload()
    x = inputs(cap=cap, redo_share=rho, max_truncation=limit)
    r = oc.evaluate(w, x, CAT)
    assert float(r.model.bill(np.array([float(cap)]))[0]) == pytest.approx(r.after.total, rel=1e-9, abs=1e-9)
    assert all(k.truncation <= limit * (1 + 1e-9) for k in r.classes)


def test_an_unpriced_class_is_left_alone_and_named():
    w = Workload(classes=(
        CallClass(name="Known", requests_per_month=100_000, model_key=SONNET, other_input_tokens=2_000,
                  output_tokens=400),
        CallClass(name="Mystery", requests_per_month=900_000, model_key="acme/secret-model-9",
                  other_input_tokens=2_000, output_tokens=400)))
    x = inputs(cap=800, max_truncation=0.5)
    after = oc.apply(w, x, CAT)
    assert after.classes[-1] == w.classes[1]  # unchanged, no redo class
    r = oc.evaluate(w, x, CAT)
    assert r.unpriced == ("Mystery",) and [k.name for k in r.classes] == ["Known"]
    assert r.main_name == "Known"  # its latency, not the unpriced class's
    only = Workload(classes=(w.classes[1],))
    assert oc.idle(only, x, CAT) == "its single calls' models have no price"
    assert oc.caveat(only, x, CAT) is None


def test_on_the_draw_axis_a_redo_class_exists_only_where_answers_are_redone():
    """With no answer redone `apply` adds no redo class, so the uncut answers of an 8k-window model's class cannot
    overflow its window; on the draw axis that class must not exist either (one of 0 requests is still refused)."""
    sidebar = SimpleWorkload(model_key="aws/meta.llama3-8b-instruct-v1:0", input_tokens=6_000, output_tokens=400)
    x = inputs(cap=4_096, redo_share=0.0)
    chain = u.Chain(sidebar.workload(), ((oc.LEVER, x),), CAT, sidebar)
    drawn = u.uncertain(u.WORKLOAD, sidebar, SIDEBAR_KEYS, {}, u.workload_fields(sidebar))
    drawn += [i for i in u.uncertain(oc.LEVER.name, x, u.lever_keys(type(x)), {}) if i.field != "redo_share"]
    drawn = [i for i in drawn if i.range.width > 0]
    o, _ = chain.outcome_draws(u.draws(drawn, 40, 2), 40)
    assert (o.savings["output_caps"] != 0).any()  # the lever applies: no class of redone answers is refused
    reconcile(chain, drawn, 40, 2)
