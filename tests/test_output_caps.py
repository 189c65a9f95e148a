"""Output caps: hand-computed cases, closed forms against numerics, and properties."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy import integrate, stats

from calculators import output_caps as oc
from calculators import tokens
from calculators.prices import ModelPrices, TieredRate, build_catalogue
from calculators.workload import SimpleWorkload as Workload

# A plain price sheet: $2/MTok input, $10/MTok output, no tiers.
PRICES = ModelPrices(provider_id="test", provider_name="Test", model_id="m", model_name="M",
                     input=TieredRate(base=2.0), output=TieredRate(base=10.0), source="test", source_date="2026-11")
# 1,000 requests of 1,000 input tokens: input costs $0.002 per request; output $0.00001 per token.
WORKLOAD = Workload(requests_per_month=1_000, model_key="test/m", input_tokens=1_000, output_tokens=400)
SAMPLE = np.array([100, 200, 300, 400])


def inputs(**kw):
    return oc.OutputCapInputs(**kw)


# --- the log-normal fit and its closed forms ---------------------------------------------------------


def test_lognormal_fit_by_hand():
    d = oc.LogNormal.from_quantiles(400, 1200)
    # mu = ln 400; sigma = ln 3 / 1.6449 = 0.66789; mean = 400 e^(sigma^2/2) = 499.95
    assert d.mu == pytest.approx(math.log(400))
    assert d.sigma == pytest.approx(math.log(3) / 1.6448536, rel=1e-6)
    assert d.mean == pytest.approx(499.954, rel=1e-5)
    assert d.ppf(np.array([0.5, 0.95])) == pytest.approx([400, 1200])


@pytest.mark.parametrize("cap", [50.0, 400.0, 1_000.0, 5_000.0])
def test_limited_mean_matches_numerical_integration(cap):
    d = oc.LogNormal.from_quantiles(400, 1200)
    dist = stats.lognorm(s=d.sigma, scale=math.exp(d.mu))
    # E[min(L, C)] = integral of P(L > x) from 0 to C
    expected, _ = integrate.quad(lambda v: dist.sf(v), 0, cap, limit=200)
    assert d.limited_mean(np.array([cap]))[0] == pytest.approx(expected, rel=1e-7)
    tail, _ = integrate.quad(lambda v: v * dist.pdf(v), cap, np.inf, limit=200)
    assert d.tail_mass(np.array([cap]))[0] == pytest.approx(tail, rel=1e-7)
    assert d.sf(np.array([cap]))[0] == pytest.approx(dist.sf(cap), rel=1e-9)


def test_p95_must_exceed_p50():
    with pytest.raises(ValidationError, match="must be larger than the p50"):
        inputs(p50_tokens=500, p95_tokens=500)


# --- the empirical distribution by hand ----------------------------------------------------------------


def test_empirical_by_hand():
    d = oc.Empirical.of(SAMPLE)
    c = np.array([250.0])
    # Lengths 100, 200, 300, 400 and a cap of 250: two of four are cut.
    assert d.sf(c)[0] == 0.5
    assert d.limited_mean(c)[0] == pytest.approx((100 + 200 + 250 + 250) / 4)  # 200
    assert d.tail_mass(c)[0] == pytest.approx((300 + 400) / 4)  # 175
    assert d.ppf(np.array([0.5, 0.75, 1.0])) == pytest.approx([200, 300, 400])  # inverted CDF


def test_cost_by_hand_and_the_cap_loses_money():
    x = inputs(cap=250, redo_share=0.5, max_truncation=0.25)
    r = oc.evaluate(x, WORKLOAD, PRICES, SAMPLE)
    # q = 0.5, so a quarter of requests are redone: input 0.002 x 1.25 = 0.0025.
    # Output: first attempts 200 + half of the tails 0.5 x 175 = 287.5 tokens x 1e-5 = 0.002875.
    assert r.billed_output_tokens == pytest.approx(287.5)
    assert r.cost_per_request == pytest.approx(0.005375)
    # No cap: 0.002 + 250 x 1e-5 = 0.0045. The cap LOSES $0.875 per 1,000 requests.
    assert r.status_quo_per_request == pytest.approx(0.0045)
    assert r.saving_per_month == pytest.approx(-0.875)
    # rho* = c_out E[(L-C)+] / (c_in q + c_out E[L; L>C]) = 1e-5 x 50 / (0.002 x 0.5 + 1e-5 x 175) = 0.1818
    assert r.break_even_redo_share == pytest.approx(0.0005 / 0.00275)


def test_cap_saves_when_truncated_answers_are_kept():
    r = oc.evaluate(inputs(cap=250, redo_share=0.0), WORKLOAD, PRICES, SAMPLE)
    # 0.002 + 200 tokens x 1e-5 = 0.004 against 0.0045: saves $0.50 per 1,000 requests.
    assert r.cost_per_request == pytest.approx(0.004)
    assert r.saving_per_month == pytest.approx(0.5)


def test_break_even_redo_share_makes_the_cap_free():
    rho = oc.evaluate(inputs(cap=250), WORKLOAD, PRICES, SAMPLE).break_even_redo_share
    r = oc.evaluate(inputs(cap=250, redo_share=rho), WORKLOAD, PRICES, SAMPLE)
    assert r.saving_per_month == pytest.approx(0, abs=1e-12)


def test_cap_above_every_answer_changes_nothing():
    r = oc.evaluate(inputs(cap=500, redo_share=1.0), WORKLOAD, PRICES, SAMPLE)
    assert r.truncation_rate == 0
    assert r.break_even_redo_share is None
    assert r.saving_per_month == pytest.approx(0, abs=1e-12)


def test_optimal_cap_empirical_by_hand():
    # At most 25% truncated: caps from the 75th percentile, 300, up. Nothing redone, so tighter is cheaper:
    # extra(300) = 1e-5 x (300 x 0.25 - 100) < 0, the best of {300, 400}.
    r = oc.evaluate(inputs(cap=400, redo_share=0.0, max_truncation=0.25), WORKLOAD, PRICES, SAMPLE)
    assert r.truncation_limit_cap == 300
    assert r.optimal_cap == 300
    # Every truncated answer redone: no cap within the limit beats no cap.
    r = oc.evaluate(inputs(cap=400, redo_share=1.0, max_truncation=0.25), WORKLOAD, PRICES, SAMPLE)
    assert r.optimal_cap is None


def test_rate_limit_by_hand():
    x = inputs(cap=250, redo_share=0.5, tpm_limit=1_250_000, limit_counts="input + max_tokens")
    r = oc.evaluate(x, WORKLOAD, PRICES, SAMPLE)
    # Each attempt reserves 1,000 input + 250 max_tokens = 1,250; 1.25 attempts per request.
    assert r.requests_per_minute == pytest.approx(1_250_000 / 1_250 / 1.25)
    r = oc.evaluate(x.model_copy(update={"limit_counts": "max_tokens only"}), WORKLOAD, PRICES, SAMPLE)
    assert r.requests_per_minute == pytest.approx(1_250_000 / 250 / 1.25)


def test_latency_by_hand():
    x = inputs(cap=250, redo_share=1.0, ttft_ms=500, ms_per_token=10)
    r = oc.evaluate(x, WORKLOAD, PRICES, SAMPLE)
    # p50: the 2nd shortest answer fits: 500 + 200 x 10 = 2,500 ms.
    assert r.latency_p50_ms == pytest.approx(2_500)
    # p95 falls among the redone: 2 x 500 + (250 + 400) x 10 = 7,500 ms.
    assert r.latency_p95_ms == pytest.approx(7_500)


def test_latency_quantiles_match_monte_carlo():
    x = inputs(p50_tokens=400, p95_tokens=1_600, cap=900, redo_share=0.6, ttft_ms=300, ms_per_token=15)
    d = oc.distribution(x)
    r = oc.evaluate(x, WORKLOAD, PRICES)
    rng = np.random.default_rng(7)
    lengths = np.exp(rng.normal(d.mu, d.sigma, 400_000))
    redone = (lengths > 900) & (rng.random(lengths.size) < 0.6)
    latency = np.where(lengths <= 900, 300 + lengths * 15, 300 + 900 * 15)
    latency = np.where(redone, 600 + (900 + lengths) * 15, latency)
    assert r.latency_p50_ms == pytest.approx(np.quantile(latency, 0.5), rel=0.01)
    assert r.latency_p95_ms == pytest.approx(np.quantile(latency, 0.95), rel=0.01)


def test_brevity_scales_lengths():
    base = oc.evaluate(inputs(), WORKLOAD, PRICES)
    brief = oc.evaluate(inputs(brevity_effect=-0.2), WORKLOAD, PRICES)
    assert brief.mean_tokens == pytest.approx(base.mean_tokens * 0.8)
    assert brief.brevity_saving_per_month == pytest.approx(base.mean_tokens * 0.2 * 1e-5 * 1_000)


def test_default_workload_optimum_is_the_truncation_limit():
    cat = build_catalogue()
    w = Workload()
    r = oc.evaluate(inputs(), w, cat.get(w.model_key))
    # At 10% redone, below the break-even, tighter is cheaper: the 2% limit binds.
    assert r.optimal_cap == pytest.approx(r.truncation_limit_cap)
    assert r.truncation_limit_cap == pytest.approx(400 * math.exp(math.log(3) / 1.6448536 * 2.0537489), rel=1e-6)


# --- uploaded lengths -------------------------------------------------------------------------------------


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


# --- properties --------------------------------------------------------------------------------------------

quantiles = st.tuples(st.floats(1, 50_000), st.floats(1.01, 40)).map(lambda t: (t[0], min(t[0] * t[1], 1e6)))
caps = st.floats(1, 1e6)
samples = st.lists(st.integers(0, 100_000), min_size=2, max_size=60).map(np.array)


@given(q=quantiles, c1=caps, c2=caps)
def test_raising_the_cap_never_raises_truncation(q, c1, c2):
    lo, hi = sorted((c1, c2))
    for d in (oc.LogNormal.from_quantiles(*q),):
        assert d.sf(np.array([hi]))[0] <= d.sf(np.array([lo]))[0]


@given(sample=samples, c1=caps, c2=caps)
def test_raising_the_cap_never_raises_truncation_empirical(sample, c1, c2):
    lo, hi = sorted((c1, c2))
    d = oc.Empirical.of(sample)
    assert d.sf(np.array([hi]))[0] <= d.sf(np.array([lo]))[0]


@given(q=quantiles, cap=caps)
def test_first_attempt_never_exceeds_cap_nor_uncapped_mean(q, cap):
    d = oc.LogNormal.from_quantiles(*q)
    billed = d.limited_mean(np.array([cap]))[0]
    assert 0 <= billed <= cap
    assert billed <= d.mean


@given(sample=samples, cap=caps)
def test_first_attempt_bounds_empirical(sample, cap):
    d = oc.Empirical.of(sample)
    billed = d.limited_mean(np.array([cap]))[0]
    assert 0 <= billed <= cap
    assert billed <= d.mean + 1e-9 * max(d.mean, 1)


@given(q=quantiles, cap=st.integers(1, 200_000))
def test_billed_tokens_bounded_when_nothing_is_redone(q, cap):
    x = inputs(p50_tokens=q[0], p95_tokens=q[1], cap=cap, redo_share=0.0)
    r = oc.evaluate(x, WORKLOAD, PRICES)
    assert r.billed_output_tokens <= min(cap, r.mean_tokens) * (1 + 1e-12)
    assert r.saving_per_month >= -1e-9  # keeping every truncated answer never costs more


@settings(max_examples=60)
@given(q=quantiles, cap=st.integers(1, 200_000), rho=st.floats(0, 1), brevity=st.floats(-0.9, 0),
       counts=st.sampled_from(["input + max_tokens", "max_tokens only"]))
def test_scalar_matches_curve(q, cap, rho, brevity, counts):
    x = inputs(p50_tokens=q[0], p95_tokens=q[1], cap=cap, redo_share=rho, brevity_effect=brevity,
               limit_counts=counts)
    r = oc.evaluate(x, WORKLOAD, PRICES)
    curve = oc.curves(x, WORKLOAD, PRICES)
    row = curve.loc[(curve["cap"] - cap).abs().idxmin()]
    assert row["cap"] == cap
    assert row["cost_per_month"] == pytest.approx(r.cost_per_month, rel=1e-12)
    assert row["truncation_rate"] == pytest.approx(r.truncation_rate, rel=1e-12, abs=1e-300)
    assert row["latency_p95_s"] * 1000 == pytest.approx(r.latency_p95_ms, rel=1e-12)
    assert row["requests_per_minute"] == pytest.approx(r.requests_per_minute, rel=1e-12)
    assert curve["truncation_rate"].is_monotonic_decreasing


@settings(max_examples=40, deadline=None)
@given(q=quantiles, rho=st.floats(0, 1), limit=st.floats(0.0001, 0.5))
def test_optimal_cap_beats_every_cap_in_the_allowed_range(q, rho, limit):
    x = inputs(p50_tokens=q[0], p95_tokens=q[1], redo_share=rho, max_truncation=limit)
    d = oc.distribution(x)
    unit = oc._Unit.of(WORKLOAD, PRICES)
    best = oc.optimal_cap(d, x, unit)
    lo = oc.truncation_limit_cap(d, limit)
    grid = np.geomspace(lo, float(d.ppf(np.array([1 - 1e-9]))[0]) * 10, 3_000)
    extra = oc._extra(d, grid, rho, unit)
    scale = unit.uncapped(d.mean) * 1e-9
    if best is None:
        assert extra.min() >= -scale  # nothing in range beats no cap
    else:
        assert best >= lo * (1 - 1e-9)
        assert oc._extra(d, np.array([best]), rho, unit)[0] <= extra.min() + scale


@settings(max_examples=40)
@given(sample=samples, cap=st.integers(1, 200_000), rho=st.floats(0, 1), limit=st.floats(0.0001, 0.5))
def test_empirical_never_crashes_and_optimum_is_cheapest(sample, cap, rho, limit):
    x = inputs(cap=cap, redo_share=rho, max_truncation=limit, source="an uploaded list")
    r = oc.evaluate(x, WORKLOAD, PRICES, sample)
    d = oc.Empirical.of(sample)
    unit = oc._Unit.of(WORKLOAD, PRICES)
    grid = np.unique(np.concatenate([np.linspace(r.truncation_limit_cap, sample.max() + 1, 500), sample]))
    grid = grid[grid >= r.truncation_limit_cap]
    extra = oc._extra(d, grid, rho, unit)
    if r.optimal_cap is not None:
        assert oc._extra(d, np.array([r.optimal_cap]), rho, unit)[0] <= extra.min() + 1e-15
    else:
        assert extra.min() >= -1e-15
    assert math.isfinite(r.cost_per_month) and math.isfinite(r.latency_p95_ms)


@given(p50=st.sampled_from([1.0, 199_999.0]), ratio=st.sampled_from([1.0001, 1_000.0]),
       cap=st.sampled_from([1, 200_000]), rho=st.sampled_from([0.0, 1.0]), brevity=st.sampled_from([-0.9, 0.0]),
       ttft=st.sampled_from([0.0, 120_000.0]), tpot=st.sampled_from([0.0, 2_000.0]))
def test_edge_values_never_crash(p50, ratio, cap, rho, brevity, ttft, tpot):
    x = inputs(p50_tokens=p50, p95_tokens=min(p50 * ratio, 1_000_000), cap=cap, redo_share=rho,
               brevity_effect=brevity, ttft_ms=ttft, ms_per_token=tpot, tpm_limit=1)
    r = oc.evaluate(x, WORKLOAD, PRICES)
    curve = oc.curves(x, WORKLOAD, PRICES, marks=(r.optimal_cap,) if r.optimal_cap else ())
    assert np.isfinite(curve.to_numpy()).all()
    numbers = [v for v in r.model_dump().values() if isinstance(v, float)]
    assert all(math.isfinite(v) for v in numbers), r
