"""Your workload on every model, cheapest first (calculators/comparison.py)."""
import math
from pathlib import Path

import numpy as np
import pytest

from calculators.bill import price
from calculators.comparison import (
    DOES_NOT_FIT, FITS, UNKNOWN_FIT, cheapest, compare, current_text_models, largest_call, on_model,
)
from calculators.prices import Catalogue, ModelPrices, RateSet, TieredRate, build_catalogue
from calculators.workload import AgentLoop, CallClass, Failures, SimpleWorkload, Workload


@pytest.fixture(scope="module")
def cat():
    return build_catalogue(Path("/nonexistent/overrides.toml"))


def rate(v):
    return TieredRate(base=v)


def model(mid, inp, out, *, read=None, write=None, window=100_000, batch=None):
    return ModelPrices(provider_id="t", provider_name="Test", model_id=mid, model_name=mid.title(), input=rate(inp),
                       output=rate(out), cache_read=None if read is None else rate(read),
                       cache_write=None if write is None else rate(write), context_window=window, batch=batch,
                       source="test", source_date="2026-11")


FLAT = model("flat", 1.0, 4.0)  # no cache prices, no batch
CACHING = model("caching", 1.0, 4.0, read=0.1, write=1.25)
SMALL = model("small", 0.01, 0.01, window=1_000)  # cheapest of all, but a 2,500-token call does not fit
BATCHED = model("batched", 2.0, 8.0, batch=RateSet(input=rate(1.0), output=rate(4.0)))
UNKNOWN = model("unknown", 0.5, 2.0, window=None)
TEST_CAT = Catalogue(models=(FLAT, CACHING, SMALL, BATCHED, UNKNOWN), overrides_error=None,
                     overrides_path=Path("none"), overrides_count=0)


def one(**kw) -> Workload:
    base = {"name": "calls", "requests_per_month": 1_000, "model_key": "t/batched", "prefix_tokens": 1_500,
            "other_input_tokens": 500, "output_tokens": 500}
    return Workload(classes=(CallClass(**(base | kw)),))


def row(frame, key):
    return frame[frame["key"] == key].iloc[0]


def test_hand_computed_costs_on_a_small_catalogue():
    frame = compare(one(), TEST_CAT)
    # 1,000 requests x (2,000 input x $1 + 500 output x $4) / 1M = $4.00; $0.004 a request.
    flat = row(frame, "t/flat")
    assert flat["per month"] == pytest.approx(4.0) and flat["per request"] == pytest.approx(0.004)
    # Today: 1,000 x (2,000 x $2 + 500 x $8) / 1M = $8.00, so the flat model is 50% less.
    assert row(frame, "t/batched")["per month"] == pytest.approx(8.0) and row(frame, "t/batched")["today"]
    assert flat["vs today"] == pytest.approx(-0.5)
    assert flat["cache"] == "not used" and flat["tier"] == "standard"


def test_a_window_too_small_is_marked_listed_last_and_never_priced():
    frame = compare(one(), TEST_CAT)
    small = row(frame, "t/small")
    assert small["fits window"] == DOES_NOT_FIT and math.isnan(small["per month"]) and math.isnan(small["vs today"])
    assert frame.iloc[-1]["key"] == "t/small"  # cheapest by price, yet last
    assert row(frame, "t/unknown")["fits window"] == UNKNOWN_FIT  # no window published: priced, not claimed to fit
    verdict = cheapest(frame, price(one(), TEST_CAT))
    # The cheapest row is t/unknown ($0.5/$2: $2.00) but its window is unknown: the verdict names the cheapest that
    # is known to fit: $4.00, 50% less than today's $8.00, on t/caching and t/flat alike (no cache used), ties by name.
    assert frame.iloc[0]["key"] == "t/unknown"
    assert (verdict.key, verdict.usd, verdict.saving_share) == ("t/caching", pytest.approx(4.0), pytest.approx(0.5))
    assert verdict.model == "Test · Caching" and not verdict.is_today
    assert largest_call(one()) == 2_500


def test_cache_settings_carry_over_and_a_model_without_cache_prices_pays_input():
    w = one(model_key="t/caching", cache="5m", cache_hit_rate=0.9)
    frame = compare(w, TEST_CAT)
    # Today (observed 90% hits): 1,000 x (500 x $1 + 1,500 x (0.9 x $0.10 + 0.1 x $1.25) + 500 x $4) / 1M.
    assert row(frame, "t/caching")["per month"] == pytest.approx((500 + 1_500 * (0.09 + 0.125) + 2_000) / 1_000)
    # On a model without cache prices every cached token is billed as input: 1,000 x (2,000 x $1 + 500 x $4) / 1M.
    assert row(frame, "t/flat")["per month"] == pytest.approx(4.0)
    assert row(frame, "t/flat")["cache"] == "input price"
    assert row(frame, "t/caching")["cache"] == "cache prices"
    # Moved to another caching model at the same prices, the row keeps the 90% observed today: the same bill, so an
    # identical model sold by another host is never shown as cheaper because of a hit-rate assumption.
    twin = model("twin", 1.0, 4.0, read=0.1, write=1.25)
    frame = compare(w, Catalogue(models=TEST_CAT.models + (twin,), overrides_error=None, overrides_path=Path("x"),
                                 overrides_count=0))
    assert row(frame, "t/twin")["per month"] == pytest.approx(row(frame, "t/caching")["per month"], abs=1e-12)


def test_batch_tier_kept_where_the_model_prices_it():
    frame = compare(one(tier="batch"), TEST_CAT)
    # t/batched at its batch rates ($1/$4): $4.00; t/flat has no batch price, so standard $4.00 and says so.
    assert row(frame, "t/batched")["per month"] == pytest.approx(4.0) and row(frame, "t/batched")["tier"] == "batch"
    assert row(frame, "t/flat")["tier"] == "standard: no batch price"


def sidebar_workloads():
    return [
        SimpleWorkload(),
        SimpleWorkload(model_key="openai/gpt-4o", cache_hit_rate=None, requests_per_month=2_000_000),
        SimpleWorkload(cache_hit_rate=0.4, agent_share=0.3, failure_rate=0.05, reasoning_tokens=800),
    ]


@pytest.mark.parametrize("sidebar", sidebar_workloads(), ids=["default", "gpt-4o-auto-cache", "agents-failures"])
def test_the_sidebar_model_row_equals_the_sidebar_bill_to_the_cent(cat, sidebar):
    w = sidebar.workload()
    frame = compare(w, cat)
    today = frame[frame["today"]]
    assert list(today["key"]) == [sidebar.model_key]
    assert round(today.iloc[0]["per month"], 2) == round(price(w, cat).total, 2)
    assert today.iloc[0]["vs today"] == 0


@pytest.mark.parametrize("sidebar", sidebar_workloads(), ids=["default", "gpt-4o-auto-cache", "agents-failures"])
def test_rows_are_sorted_and_not_fitting_rows_last(cat, sidebar):
    frame = compare(sidebar.workload(), cat)
    fitting = frame[frame["fits window"] != DOES_NOT_FIT]
    assert list(fitting.index) == list(range(len(fitting)))  # every not-fitting row after every fitting one
    assert np.all(np.diff(fitting["per month"].to_numpy()) >= 0)
    current = [m for m in cat.models if m.kind == "text" and not m.deprecated]
    assert len(frame) == len(current)  # every current text model, and only those
    assert frame["key"].is_unique


def test_every_row_is_the_one_bill_on_that_model(cat):
    """Each row is price(workload moved to the model): checked for a spread of models (tiers, cache-less, batch-less,
    windows too small) on a workload with caching, agents, failures and a batch class."""
    w = Workload(classes=(
        CallClass(name="chat", requests_per_month=300_000, model_key="anthropic/claude-sonnet-5-5", prefix_tokens=3_000,
                  other_input_tokens=150_000, output_tokens=600, cache="5m", cache_hit_rate=0.6),
        CallClass(name="agent", requests_per_month=20_000, model_key="openai/gpt-5.5", prefix_tokens=2_000,
                  other_input_tokens=1_000, output_tokens=300, reasoning_tokens=500, cache="1h", cache_hit_rate=None,
                  loop=AgentLoop(steps=8, history_caching=True), failures=Failures(failure_rate=0.1)),
        CallClass(name="nightly", requests_per_month=50_000, model_key="openai/gpt-5.5", other_input_tokens=4_000,
                  output_tokens=800, tier="batch"),
    ))
    frame = compare(w, cat).set_index("key")
    sample = [m.key for m in current_text_models(cat)][::37] + ["openai/gpt-4o", "anthropic/claude-sonnet-5-5",
                                                          "openai/gpt-5.5", "google/gemini-2.5-pro"]
    assert frame.loc["openai/gpt-4o", "fits window"] == DOES_NOT_FIT  # 153,600-token calls, 128k window
    assert frame.loc["anthropic/claude-sonnet-5-5", "fits window"] == FITS
    for key in sample:
        bill = price(on_model(w, key), cat)
        expected = np.nan if bill.overflows else bill.total
        assert frame.loc[key, "per month"] == pytest.approx(expected, rel=1e-12, nan_ok=True), key


