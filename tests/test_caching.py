"""Prompt caching lever: hand-computed cases, exact break-evens from priced workloads, and properties."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from calculators import caching
from calculators.bill import price
from calculators.caching import CachingInputs
from calculators.lever import effect
from calculators.workload import SimpleWorkload
from calculators.workload import split as split_class
from tests.levers_common import (
    CAT, DEFAULT, GPT5, SONNET, SONNET_45, draw_axis_chain, one, workloads,
)
from tests.test_draws import reconcile, reconcile_sample

DIRECT = dict(hit_rate_mode="Set directly")


def saving(w, **kw):
    return caching.analyse(w, CachingInputs(**kw), CAT).saving


def test_default_workload_by_hand():
    # 1M requests/month on one prefix is 1,370 an hour: a 5-minute TTL is always warm (h = 1 - e^-114 = 1).
    # The 1,500-token prefix costs 1,500 x $2/MTok x 1M = $3,000 uncached and 1,500 x $0.10 = $150 read.
    assert saving(DEFAULT) == pytest.approx(2_850)


def test_direct_hit_rate_by_hand():
    # 80% reads at $0.10 and 20% writes at $2.50: $0.58 per MTok of prefix against $2, on 1.5B prefix tokens.
    assert saving(DEFAULT, hit_rate=0.8, **DIRECT) == pytest.approx(1_500 * (2 - 0.58))


def test_break_even_is_the_closed_form_without_tiers():
    r = caching.analyse(DEFAULT, CachingInputs(), CAT)
    assert r.break_even_hit_rate == pytest.approx(0.25 / 1.20)  # (w - 1)/(w - r) with w = 1.25, r = 0.05
    assert r.break_even_reuses == pytest.approx(0.25 / 0.95)  # (w - 1)/(1 - r)
    assert r.naive_break_even_reuses == pytest.approx(1.25 / 0.95)  # the trap: w/(1 - r)
    one_hour = caching.analyse(DEFAULT, CachingInputs(ttl="1h"), CAT)
    assert one_hour.break_even_hit_rate == pytest.approx(1.0 / 1.95)


def test_saving_is_zero_at_the_break_even():
    r = caching.analyse(DEFAULT, CachingInputs(), CAT)
    assert saving(DEFAULT, hit_rate=r.break_even_hit_rate, **DIRECT) == pytest.approx(0, abs=1e-6)


def test_low_hit_rate_loses_money():
    assert saving(DEFAULT, hit_rate=0.1, **DIRECT) < 0  # 0.1 x 0.05 + 0.9 x 1.25 > 1


def test_reviewers_long_context_case_through_the_lever():
    """Sonnet 4.5, 300k input of which a 225k prefix, 1k output, 10k requests, 100% hits: $12,150 (67%), because
    the >200k tier prices the cache reads too."""
    w = one(requests_per_month=10_000, model_key=SONNET_45, prefix_tokens=225_000, other_input_tokens=75_000,
            output_tokens=1_000)
    r = caching.analyse(w, CachingInputs(hit_rate=1.0, **DIRECT), CAT)
    assert r.saving == pytest.approx(12_150) and r.saving_share == pytest.approx(12_150 / 18_225)


def test_poisson_hit_rate_from_traffic():
    # One request every 5 minutes on one prefix, 5-minute TTL: h = 1 - e^-1.
    w = one(requests_per_month=12 * 730, model_key=SONNET, prefix_tokens=2_000)
    r = caching.analyse(w, CachingInputs(), CAT)
    assert r.hit_rate == pytest.approx(1 - math.exp(-1))
    assert caching.break_even_traffic(r, CachingInputs()) == pytest.approx(-math.log(1 - 0.25 / 1.2) / 300 * 3600)


def test_no_write_premium_always_saves():
    w = one(requests_per_month=1_000, model_key=GPT5, prefix_tokens=2_000)
    r = caching.analyse(w, CachingInputs(hit_rate=0.0, **DIRECT), CAT)
    assert r.break_even_hit_rate == 0.0 and r.saving == pytest.approx(0.0)


def test_below_minimum_is_never_cached():
    w = one(requests_per_month=1_000, model_key=SONNET, prefix_tokens=800)
    x = CachingInputs(min_cacheable_tokens=1_024)
    r = caching.analyse(w, x, CAT)
    assert not r.cacheable and r.saving == 0 and r.break_even_hit_rate is None
    assert "minimum" in caching.idle(w, x, CAT)


def test_storage_is_a_line_of_the_bill_by_hand():
    x = CachingInputs(storage_price=4.5, distinct_prefixes=10, hit_rate=1.0, **DIRECT)
    storage = 10 * 1_500 / 1e6 * 4.5 * 730  # $49.28 a month
    r = caching.analyse(DEFAULT, x, CAT)
    assert r.storage_cost == pytest.approx(storage) and r.after.overhead_total == pytest.approx(storage)
    assert r.saving == pytest.approx(2_850 - storage)


def test_ttl_crossover_is_where_the_two_ttls_save_the_same():
    x = CachingInputs(distinct_prefixes=20_000)
    cross = caching.ttl_crossover(DEFAULT, x, CAT)
    assert cross is not None
    traffic = caching.saving_vs_traffic(DEFAULT, x, CAT, ["5m", "1h"], points=61)
    # Below the crossover the 5-minute TTL saves more; above it, the 1-hour one.
    below = traffic[traffic["requests_per_hour_per_prefix"] < cross / 2].iloc[-1]
    above = traffic[traffic["requests_per_hour_per_prefix"] > cross * 2].iloc[0]
    assert below["5m"] > below["1h"] and above["1h"] > above["5m"]


def test_traffic_curve_at_the_current_traffic_equals_the_priced_saving():
    x = CachingInputs(distinct_prefixes=500)
    r = caching.analyse(DEFAULT, x, CAT)
    traffic = caching.saving_vs_traffic(DEFAULT, x, CAT, ["5m"])
    here = caching.requests_per_hour_per_prefix(DEFAULT, x)
    row = traffic.loc[(traffic["requests_per_hour_per_prefix"] - here).abs().idxmin()]
    assert row["5m"] == pytest.approx(r.saving_vs_uncached / r.uncached.total, rel=1e-9)


@given(workloads(), st.floats(0, 1))
def test_the_exact_line_equals_pricing_at_every_hit_rate(w, h):
    x = CachingInputs(hit_rate=h, **DIRECT, min_cacheable_tokens=0)
    r = caching.analyse(w, x, CAT)
    assert r.saving_vs_uncached == pytest.approx(float(r.saving_vs_hit.at(h)), rel=1e-7, abs=1e-6)


@given(workloads(), st.floats(0, 1), st.floats(0, 1))
def test_saving_never_falls_as_the_hit_rate_rises(w, h1, h2):
    lo, hi = sorted((h1, h2))
    r = caching.analyse(w, CachingInputs(**DIRECT, min_cacheable_tokens=0), CAT)
    assert r.saving_vs_hit.at(hi) >= r.saving_vs_hit.at(lo) - 1e-6 * max(1.0, abs(r.today.total))


@given(workloads(), st.sampled_from(["5m", "1h"]), st.floats(0, 1))
def test_lever_saving_is_the_difference_of_two_priced_workloads(w, ttl, h):
    x = CachingInputs(ttl=ttl, hit_rate=h, **DIRECT)
    e = effect(caching.LEVER, w, x, CAT)
    assert e.saving == pytest.approx(price(w, CAT).total - price(caching.apply(w, x, CAT), CAT).total)
    assert e.saving == pytest.approx(caching.analyse(w, x, CAT).saving)
    # Caching never removes more than the prefix's whole input cost.
    assert e.saving <= e.before.total + 1e-9


def test_a_rate_observed_today_is_kept_not_replaced():
    """The reviewer's case: 5,000 requests a month with 95% hits observed today. The traffic alone would predict 43%;
    the lever keeps the observed 95%, so it saves nothing more, and the break-even stays the closed form."""
    w = SimpleWorkload(requests_per_month=5_000, cache_hit_rate=0.95).workload()
    r = caching.analyse(w, CachingInputs(), CAT)
    assert r.saving == pytest.approx(0, abs=1e-9) and r.hit_rate == pytest.approx(0.95)
    assert r.break_even_hit_rate == pytest.approx(0.25 / 1.20)
    assert "already caches" in caching.idle(w, CachingInputs(), CAT)


def test_automatic_caching_is_already_in_the_bill():
    """GPT-5 caches on its own: today's bill already has the traffic's hit rate; the lever adds nothing, and caching
    without a write premium breaks even at 0%."""
    w = SimpleWorkload(requests_per_month=50_000, model_key=GPT5, cache_hit_rate=None).workload()
    r = caching.analyse(w, CachingInputs(), CAT)
    assert r.saving == 0 and r.break_even_hit_rate == 0.0
    assert r.hit_rate_today == pytest.approx(1 - math.exp(-50_000 / 730 / 3600 * 300))


def test_storage_is_one_copy_per_cache_not_per_class():
    x = CachingInputs(storage_price=4.5, hit_rate=1.0, **DIRECT)
    split = DEFAULT.map(lambda c: split_class(c, 0.1, "redo"))
    assert caching.storage_cost(split, x) == pytest.approx(caching.storage_cost(DEFAULT, x))


def test_a_longer_ttl_for_the_prefix_does_not_reprice_agent_history():
    w = SimpleWorkload(agent_share=1.0, history_caching=True).workload()
    five, hour = (caching.apply(w, CachingInputs(ttl=t, hit_rate=1.0, **DIRECT), CAT) for t in ("5m", "1h"))
    # The history is written at the 5-minute price either way; only the prefix (read at 100% here) could differ.
    assert price(five, CAT).tokens("cache_write_1h") == 0 and price(hour, CAT).tokens("cache_write_1h") == 0
    assert price(five, CAT).total == pytest.approx(price(hour, CAT).total)


def test_two_features_with_prompts_of_the_same_length_do_not_share_a_cache():
    """Caches are pooled by the prefix a class sends (its prefix group), not by the prefix's length."""
    from calculators.workload import ClassRow, custom_workload

    rows = [ClassRow(name=n, requests_per_month=3_000, model_key=SONNET, prefix_tokens=3_000, output_tokens=10)
            for n in ("A", "B")]
    same_length = caching.analyse(custom_workload(rows), CachingInputs(), CAT)
    rows[1] = rows[1].model_copy(update={"prefix_tokens": 3_001})
    other_length = caching.analyse(custom_workload(rows), CachingInputs(), CAT)
    # Each feature's 3,000 requests a month alone reach its cache: h = 1 - exp(-3,000 / 730 / 3600 x 300).
    assert same_length.hit_rate == pytest.approx(1 - math.exp(-3_000 / 730 / 3600 * 300))
    assert other_length.hit_rate == pytest.approx(same_length.hit_rate, rel=1e-6)


# --- the draw axis: the modes and costs the defaults of tests/test_draws.py do not reach ----------------------------

BENCHMARK = SimpleWorkload(agent_share=0.2, failure_rate=0.05, reasoning_tokens=1000)


@pytest.mark.parametrize("x", [
    CachingInputs(hit_rate=0.6, storage_price=4.5, distinct_prefixes=3, **DIRECT),
    CachingInputs(ttl="1h", storage_price=4.5, distinct_prefixes=5),
    CachingInputs(ttl="1h", hit_rate=0.3, min_cacheable_tokens=1_500, **DIRECT),
], ids=["direct", "1h from traffic", "direct 1h at the prefix's length"])
@pytest.mark.parametrize("sidebar", [
    SimpleWorkload(), BENCHMARK, SimpleWorkload(cache_hit_rate=None, agent_share=0.5, history_caching=True),
    SimpleWorkload(cache_hit_rate=0.0, model_key=SONNET_45, input_tokens=150_000),
], ids=["chat", "benchmark", "derived rate today", "long context"])
def test_every_draw_on_the_draw_axis_is_the_one_draw_waterfall(x, sidebar):
    chain, inputs = draw_axis_chain([(caching.LEVER, x)], sidebar=sidebar)
    reconcile(chain, inputs, 40, 7)


def test_storage_on_the_draw_axis_is_each_cache_s_last_prefix_in_each_draw():
    """Three caches, one of them shared by two classes with prefixes of different lengths: the minimum, drawn across
    the prefixes, decides per draw which classes cache, which prefix a shared cache stores, and what it costs."""
    from calculators.workload import ClassRow, custom_workload

    rows = [ClassRow(name="Chat", requests_per_month=200_000, model_key=SONNET, prefix_tokens=3_000,
                     other_input_tokens=1_000, output_tokens=500),
            ClassRow(name="Search", requests_per_month=50_000, model_key=SONNET, prefix_tokens=1_800,
                     other_input_tokens=1_000, output_tokens=200),
            ClassRow(name="Legacy", requests_per_month=100_000, model_key="openai/gpt-4o", prefix_tokens=1_200,
                     other_input_tokens=300, output_tokens=100, cache_hit_rate=0.5)]
    w = custom_workload(rows)
    w = w.replace([c.model_copy(update={"prefix_group": "shared"}) if c.name != "Legacy" else c for c in w.classes])
    x = CachingInputs(storage_price=4.5, distinct_prefixes=2)
    chain, inputs = draw_axis_chain([(caching.LEVER, x)], workload=w)
    reconcile(chain, inputs, 60, 3)
    sample = {"caching.min_cacheable_tokens": np.array([0.0, 1_200, 1_201, 1_800, 1_801, 3_000, 3_001]),
              "caching.distinct_prefixes": np.array([1.0, 2, 3, 1, 7, 2, 1]),
              "caching.storage_price": np.array([0.0, 4.5, 1, 0, 2, 4.5, 9])}
    reconcile_sample(chain, sample)
