"""The one pricing function: hand-computed bills, the providers' billing rules, and genai-prices' own arithmetic."""
import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from calculators.bill import TIER_DISCOUNT, context_limit, price
from calculators.prices import build_catalogue
from calculators.workload import (
    AgentLoop, CallClass, Failures, Overhead, SimpleWorkload, Workload, calls, completed_tasks,
)

CAT = build_catalogue()
SONNET = "anthropic/claude-sonnet-5-5"  # $2 in, $10 out, read $0.10, write 5m $2.50, 1h $4; batch halves all
SONNET_45 = "anthropic/claude-sonnet-4-5"  # $3/$15, read $0.30, write $3.75; above 200k input: $6/$22.50, read $0.60
GPT5 = "openai/gpt-5"  # $1.25 in, $10 out, read $0.125, no write premium; batch and flex halve


def one(**kw) -> Workload:
    kw.setdefault("name", "x")
    return Workload(classes=(CallClass(**kw),))


def test_default_sidebar_workload_by_hand():
    # 1M requests x (2,000 x $2 + 400 x $10) / 1M = $4,000 input + $4,000 output.
    bill = price(SimpleWorkload().workload(), CAT)
    assert bill.total == pytest.approx(8_000)
    assert bill.category("input") == pytest.approx(4_000) and bill.category("output") == pytest.approx(4_000)
    assert bill.requests == 1_000_000 and bill.calls == 1_000_000


def test_long_context_cliff_bills_cache_reads_at_the_tier():
    """The reviewer's case: Sonnet 4.5, 300k input of which a 225k cached prefix, 1k output, 10k requests, all hits.

    Uncached: 300k x $6 + 1k x $22.50 = $1.8225 a request (the >200k tier) = $18,225/month. Cached: 225k x $0.60
    + 75k x $6 + 1k x $22.50 = $0.6075 = $6,075. Saving $12,150 (67%), not the $6,075 base rates suggest.
    """
    base = dict(requests_per_month=10_000, model_key=SONNET_45, prefix_tokens=225_000, other_input_tokens=75_000,
                output_tokens=1_000)
    before = price(one(**base), CAT).total
    after = price(one(**base, cache="5m", cache_hit_rate=1.0), CAT).total
    assert before == pytest.approx(18_225)
    assert after == pytest.approx(6_075)
    assert before - after == pytest.approx(12_150)


def test_cliff_is_one_token():
    at = price(one(requests_per_month=1, model_key=SONNET_45, other_input_tokens=200_000), CAT).total
    over = price(one(requests_per_month=1, model_key=SONNET_45, other_input_tokens=200_001), CAT).total
    assert at == pytest.approx(200_000 * 3 / 1e6) and over == pytest.approx(200_001 * 6 / 1e6)


def test_cache_writes_and_reads_by_hand():
    # 1,000 requests, 10,000-token prefix, 60% hits, 5-minute TTL: 6M tokens read at $0.10, 4M written at $2.50.
    bill = price(one(requests_per_month=1_000, model_key=SONNET, prefix_tokens=10_000, cache="5m",
                     cache_hit_rate=0.6), CAT)
    assert bill.category("cache_read") == pytest.approx(0.6) and bill.category("cache_write_5m") == pytest.approx(10)
    one_hour = price(one(requests_per_month=1_000, model_key=SONNET, prefix_tokens=10_000, cache="1h",
                         cache_hit_rate=0.6), CAT)
    assert one_hour.category("cache_write_1h") == pytest.approx(16)  # 4M x $4


def test_batch_prices_the_tier_and_shows_its_discount():
    bill = price(one(requests_per_month=1_000_000, model_key=SONNET, other_input_tokens=2_000, output_tokens=400,
                     tier="batch"), CAT)
    assert bill.total == pytest.approx(4_000)
    assert bill.category("input") + bill.category("output") == pytest.approx(8_000)  # lines at standard rates
    assert bill.category(TIER_DISCOUNT) == pytest.approx(-4_000)
    assert sum(bill.lines().values()) == pytest.approx(bill.total)


def test_a_tier_the_model_lacks_is_billed_at_standard_and_flagged():
    bill = price(one(requests_per_month=1, model_key=SONNET, other_input_tokens=1_000, tier="flex"), CAT)
    assert bill.total == pytest.approx(0.002) and not bill.classes[0].tier_priced


def test_reasoning_is_billed_as_output():
    bill = price(one(requests_per_month=1_000, model_key=SONNET, output_tokens=100, reasoning_tokens=900), CAT)
    assert bill.category("reasoning") == pytest.approx(1_000 * 900 * 10 / 1e6)
    assert bill.category("output") == pytest.approx(1_000 * 100 * 10 / 1e6)


def test_overheads_are_lines_of_the_bill():
    w = one(requests_per_month=1_000, model_key=SONNET, other_input_tokens=1_000)
    w = w.replace(w.classes, overheads=(Overhead(name="router", usd_per_month=50.0),))
    assert price(w, CAT).total == pytest.approx(2 + 50)


def test_unpriced_model_is_flagged_not_free():
    bill = price(one(requests_per_month=1_000, model_key="nobody/unknown", other_input_tokens=1_000), CAT)
    assert bill.unpriced == ("x",) and bill.total == 0
    assert bill.nothing_priced and bill.not_priced == ("x",) and not bill.overflows


def test_a_call_beyond_the_context_window_is_refused_not_priced():
    # gpt-4o holds 128,000 tokens: 200,000 input + 400 output cannot be sent, so the class is left out of the bill.
    # The other class, 1,000 requests of 1,000 in / 100 out on gpt-4o, is priced: 1,000 x (1,000 x 2.5 + 100 x 10) / 1M.
    w = Workload(classes=(CallClass(name="long", requests_per_month=1, model_key="openai/gpt-4o",
                                    other_input_tokens=200_000, output_tokens=400),
                          CallClass(name="short", requests_per_month=1_000, model_key="openai/gpt-4o",
                                    other_input_tokens=1_000, output_tokens=100)))
    bill = price(w, CAT)
    (over,) = bill.overflows
    assert (over.class_name, over.tokens, over.window) == ("long", 200_400, 128_000)
    assert bill.not_priced == ("long",) and bill.unpriced == () and not bill.nothing_priced
    assert bill.total == pytest.approx(3.5) and sum(bill.lines().values()) == pytest.approx(3.5)
    assert bill.classes[0].total == 0 and not bill.classes[0].priced


def test_sonnet_45_long_context_option_is_not_refused():
    # Listed window 200k, but Anthropic sells up to 1M tokens at the >200k rates: 300k + 1k is priced ($6/$22.50).
    bill = price(one(requests_per_month=1, model_key=SONNET_45, other_input_tokens=300_000, output_tokens=1_000), CAT)
    assert not bill.overflows and bill.total == pytest.approx(300_000 * 6 / 1e6 + 1_000 * 22.5 / 1e6)
    refused = price(one(requests_per_month=1, model_key=SONNET_45, other_input_tokens=1_000_000, output_tokens=1), CAT)
    assert refused.overflows[0].window == 1_000_000 and refused.total == 0


def agent(steps=20, caching=False, **loop):
    return one(requests_per_month=1_000, model_key=SONNET, prefix_tokens=1_500, other_input_tokens=500,
               output_tokens=400, loop=AgentLoop(steps=steps, tool_result_tokens=1_000, history_caching=caching,
                                                 **loop))


def test_agent_task_input_is_quadratic_by_hand():
    # n(S+U) + (A+R) n(n-1)/2 = 20 x 2,000 + 1,400 x 190 = 306,000 input tokens; 8,000 output tokens per task.
    bill = price(agent(), CAT)
    assert bill.tokens("input") == pytest.approx(1_000 * 306_000)
    assert bill.total == pytest.approx(1_000 * (306_000 * 2 + 8_000 * 10) / 1e6)  # $692
    assert bill.calls == 20_000


def test_agent_history_caching_by_hand():
    # Step 1 writes S+U (2,000); each later step reads what the step before sent and writes the new 1,400.
    # Reads: sum over i=2..20 of 2,000 + (i-2) x 1,400 = 19 x 2,000 + 1,400 x 171 = 277,400. Writes: 2,000 + 19 x 1,400.
    bill = price(agent(caching=True), CAT)
    assert bill.tokens("cache_read") == pytest.approx(1_000 * 277_400)
    assert bill.tokens("cache_write_5m") == pytest.approx(1_000 * (2_000 + 19 * 1_400))
    assert bill.total == pytest.approx(179.24)


def test_shared_prefix_is_read_across_tasks():
    # The system prompt S is the same for every task: with a cross-task hit rate of 1, step 1 reads it too.
    cold = price(agent(caching=True), CAT).total
    warm_w = agent(caching=True)
    warm_w = warm_w.replace([warm_w.classes[0].model_copy(update={"cache": "5m", "cache_hit_rate": 1.0})])
    warm = price(warm_w, CAT).total
    assert cold - warm == pytest.approx(1_000 * 1_500 * (2.5 - 0.1) / 1e6)


def test_single_step_retries_by_hand():
    # p = 20%, up to 2 attempts, half the output billed on a failure: attempts 1.2 per call, success 96%.
    w = one(requests_per_month=1_000, model_key=SONNET, other_input_tokens=1_000, output_tokens=100,
            failures=Failures(failure_rate=0.2, max_attempts=2, failed_output_share=0.5))
    per_attempt = (1_000 * 2 + (0.8 * 100 + 0.2 * 50) * 10) / 1e6
    assert price(w, CAT).total == pytest.approx(1_000 * 1.2 * per_attempt)
    assert completed_tasks(w.classes[0]) == pytest.approx(960)


@st.composite
def call_classes(draw):
    model = draw(st.sampled_from([SONNET, SONNET_45, GPT5, "google/gemini-2.5-pro", "anthropic/claude-haiku-5-5"]))
    return CallClass(
        name="c", requests_per_month=draw(st.floats(0, 1e7)), model_key=model,
        tier=draw(st.sampled_from(["standard", "batch"])), prefix_tokens=draw(st.floats(0, 300_000)),
        other_input_tokens=draw(st.floats(0, 300_000)), output_tokens=draw(st.floats(0, 20_000)),
        reasoning_tokens=draw(st.floats(0, 20_000)), cache=draw(st.sampled_from(["off", "5m", "1h"])),
        cache_hit_rate=draw(st.floats(0, 1)),
    )


@given(call_classes())
def test_lines_add_up_and_volume_scales_the_bill(c):
    bill = price(Workload(classes=(c,)), CAT)
    assert sum(bill.lines().values()) == pytest.approx(bill.total, rel=1e-9, abs=1e-9)
    double = price(Workload(classes=(c.model_copy(update={"requests_per_month": 2 * c.requests_per_month}),)), CAT)
    assert double.total == pytest.approx(2 * bill.total, rel=1e-9, abs=1e-9)


@given(call_classes(), st.floats(0, 10_000))
def test_more_output_never_costs_less(c, extra):
    """While the call fits its window; once it does not, the class is refused (not priced), never cheaper-by-zero."""
    more = c.model_copy(update={"output_tokens": c.output_tokens + extra})
    longer, today = price(Workload(classes=(more,)), CAT), price(Workload(classes=(c,)), CAT)
    if longer.overflows:
        assert longer.nothing_priced and longer.classes[0].total == 0
    else:
        assert longer.total >= today.total - 1e-9


@given(st.sampled_from([SONNET, SONNET_45, GPT5, "google/gemini-2.5-pro", "openai/gpt-4o"]),
       st.integers(0, 400_000), st.integers(0, 400_000), st.integers(0, 400_000), st.integers(0, 50_000))
def test_one_call_matches_genai_prices_own_arithmetic(model, uncached, read, written, output):
    """Our vectorised pricing and genai-prices' calc_price agree on one call (5-minute writes)."""
    from genai_prices.data import providers
    from genai_prices.types import Usage

    provider_id, model_id = model.split("/")
    info = next(m for p in providers if p.id == provider_id for m in p.models if m.id == model_id)
    when = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(12), tzinfo=dt.UTC)
    expected = float(info.get_prices(when).calc_price(Usage(
        input_tokens=uncached + read + written, cache_read_tokens=read, cache_write_tokens=written,
        output_tokens=output))["total_price"])
    total = read + written
    hit = read / total if total else 0.0
    w = one(requests_per_month=1, model_key=model, prefix_tokens=total, other_input_tokens=uncached,
            output_tokens=output, cache="5m" if total else "off", cache_hit_rate=hit)
    bill = price(w, CAT)
    limit = context_limit(CAT.get(model))
    if limit is not None and uncached + total + output > limit:  # the API would reject it: refused, not priced
        assert bill.overflows and bill.total == 0
    else:
        assert bill.total == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_call_rows_are_one_per_step():
    rows = calls(agent(steps=7))
    assert list(rows.step) == list(range(1, 8)) and np.all(rows.calls == 1_000)
