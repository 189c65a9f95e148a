"""Prompt caching break-even: hand-computed cases, closed forms and properties."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calculators import caching
from calculators.caching import CacheRules, CachingInputs
from calculators.prices import build_catalogue

# Classic Anthropic shape: $3/MTok input, write 1.25x (5 min) or 2x (1 h), read 0.1x.
ANTHROPIC = CacheRules(input_price=3.0, read_multiplier=0.1, write_multipliers={"5m": 1.25, "1h": 2.0})
OPENAI_OLD = CacheRules(input_price=2.5, read_multiplier=0.5, write_multipliers={"5m": 1.0})  # gpt-4o: 50% off reads


def inputs(**kw):
    base = dict(requests_per_month=1_000_000, prefix_tokens=1_500, rules=ANTHROPIC)
    return CachingInputs(**(base | kw))


def test_direct_hit_rate_by_hand():
    r = caching.evaluate(inputs(hit_rate_mode="Set directly", hit_rate=0.8))
    # Uncached: 1M x 1,500 x $3/MTok = $4,500. Per token with caching: 0.8 x 0.1 + 0.2 x 1.25 = 0.33.
    assert r.cost_without == pytest.approx(4_500)
    assert r.cost_with == pytest.approx(4_500 * 0.33)
    assert r.saving == pytest.approx(4_500 * 0.67)
    assert r.saving_per_request == pytest.approx(0.003015)


def test_break_even_closed_form():
    r = caching.evaluate(inputs())
    assert r.break_even_hit_rate == pytest.approx(0.25 / 1.15)  # (w-1)/(w-r)
    assert r.break_even_reuses == pytest.approx(0.25 / 0.9)  # (w-1)/(1-r): 0.28 reuses
    assert r.naive_break_even_reuses == pytest.approx(1.25 / 0.9)  # the trap: w/(1-r) = 1.39
    # The trap overstates the break-even by 1/(1-r), about one reuse.
    assert r.naive_break_even_reuses - r.break_even_reuses == pytest.approx(1 / 0.9)


def test_one_hour_ttl_break_even():
    r = caching.evaluate(inputs(ttl="1h"))
    assert r.break_even_hit_rate == pytest.approx(1.0 / 1.9)
    assert r.break_even_reuses == pytest.approx(1.0 / 0.9)


def test_saving_is_zero_at_break_even():
    x = inputs(hit_rate_mode="Set directly", hit_rate=0.25 / 1.15)
    assert caching.evaluate(x).saving == pytest.approx(0, abs=1e-9)


def test_caching_loses_money_at_low_hit_rate():
    r = caching.evaluate(inputs(hit_rate_mode="Set directly", hit_rate=0.1))
    assert r.saving < 0  # 0.1 x 0.1 + 0.9 x 1.25 = 1.135 > 1


def test_poisson_hit_rate():
    # One request every 5 minutes per prefix with a 5-minute TTL: h = 1 - e^-1.
    assert caching.hit_rate_from_traffic(12.0, 300) == pytest.approx(1 - math.exp(-1))
    x = inputs(requests_per_month=int(12 * 730), distinct_prefixes=1)
    assert caching.evaluate(x).hit_rate == pytest.approx(1 - math.exp(-1), rel=1e-3)


def test_break_even_traffic_closed_form():
    r = caching.evaluate(inputs())
    # h* = 1 - exp(-lambda T)  =>  lambda = -ln(1 - h*) / T, per hour.
    assert r.break_even_requests_per_hour == pytest.approx(-math.log(1 - 0.25 / 1.15) / 300 * 3600)
    assert caching.hit_rate_from_traffic(r.break_even_requests_per_hour, 300) == pytest.approx(r.break_even_hit_rate)


def test_no_write_premium_always_saves():
    r = caching.evaluate(CachingInputs(requests_per_month=1000, prefix_tokens=2000, rules=OPENAI_OLD,
                                       hit_rate_mode="Set directly", hit_rate=0.0))
    assert r.break_even_hit_rate == 0.0 and r.saving == pytest.approx(0.0)


def test_below_minimum_is_never_cached():
    r = caching.evaluate(inputs(prefix_tokens=800, min_cacheable_tokens=1024))
    assert not r.cacheable and r.saving == 0 and r.cost_with == r.cost_without and r.break_even_hit_rate is None


def test_storage_moves_the_break_even():
    x = inputs(storage_price=4.5, distinct_prefixes=10)
    r = caching.evaluate(x)
    storage = 10 * 1_500 / 1e6 * 4.5 * 730  # $49.28 a month
    assert r.storage_cost == pytest.approx(storage)
    sigma = storage / 4_500
    assert r.break_even_hit_rate == pytest.approx((0.25 + sigma) / 1.15)


def test_ttl_offered_by_the_model():
    with pytest.raises(ValueError, match="offers no 1-hour TTL"):
        CachingInputs(requests_per_month=10, rules=OPENAI_OLD, ttl="1h")


def test_ttl_crossover_is_a_root():
    x = inputs(distinct_prefixes=1000)
    cross = caching.ttl_crossover(x)
    assert cross is not None
    five = caching._saving_at_traffic(x, cross, "5m", 1.25)
    hour = caching._saving_at_traffic(x, cross, "1h", 2.0)
    assert five == pytest.approx(hour, rel=1e-6, abs=1e-6)
    # Above the crossover the 1-hour TTL saves more; below, the 5-minute one.
    assert caching._saving_at_traffic(x, cross * 4, "1h", 2.0) > caching._saving_at_traffic(x, cross * 4, "5m", 1.25)
    assert caching._saving_at_traffic(x, cross / 4, "1h", 2.0) < caching._saving_at_traffic(x, cross / 4, "5m", 1.25)


def test_rules_from_catalogue():
    cat = build_catalogue()
    rules = caching.rules_for(cat.get("anthropic/claude-sonnet-5-5"))
    assert rules.write_multipliers == pytest.approx({"5m": 1.25, "1h": 2.0})
    gpt4o = caching.rules_for(cat.get("openai/gpt-4o"))
    assert gpt4o.read_multiplier == pytest.approx(0.5) and gpt4o.write_multipliers == {"5m": 1.0}


rates = st.floats(0, 1)
rules_st = st.builds(
    lambda inp, r, w: CacheRules(input_price=inp, read_multiplier=r, write_multipliers={"5m": max(w, r)}),
    st.floats(0.01, 100), st.floats(0, 1), st.floats(1, 3),
)


@given(rules_st, rates, rates)
def test_saving_never_falls_as_hit_rate_rises(rules, h1, h2):
    lo, hi = sorted((h1, h2))
    x = CachingInputs(requests_per_month=100_000, prefix_tokens=2_000, rules=rules, hit_rate_mode="Set directly")
    assert caching._saving(x, hi, x.write_multiplier) >= caching._saving(x, lo, x.write_multiplier) - 1e-9


@given(rules_st, rates)
def test_curve_and_scalar_agree(rules, h):
    x = CachingInputs(requests_per_month=50_000, prefix_tokens=3_000, rules=rules, hit_rate_mode="Set directly",
                      hit_rate=h)
    curve = caching.saving_vs_hit_rate(x, points=11)
    for hit, saving in zip(curve["hit_rate"], curve["saving"], strict=True):
        scalar = caching.evaluate(x.model_copy(update={"hit_rate": float(hit)})).saving
        assert saving == pytest.approx(scalar, rel=1e-9, abs=1e-9)


@given(rules_st, st.floats(0, 1))
def test_saving_is_bounded(rules, h):
    x = CachingInputs(requests_per_month=10_000, prefix_tokens=1_500, rules=rules, hit_rate_mode="Set directly",
                      hit_rate=h)
    r = caching.evaluate(x)
    # Never saves more than the (1 - r) discount on every token; never loses more than the write premium.
    assert r.saving <= r.cost_without * (1 - rules.read_multiplier) + 1e-9
    assert r.saving >= -r.cost_without * (x.write_multiplier - 1) - 1e-9


@given(st.floats(0.01, 1e5), st.floats(0.01, 1e5))
def test_hit_rate_rises_with_traffic(a, b):
    lo, hi = sorted((a, b))
    assert 0 <= caching.hit_rate_from_traffic(lo, 300) <= caching.hit_rate_from_traffic(hi, 300) <= 1
